// decode_bench: TransferDecoder::decode on one thread, for realistic transfers from the chain
// simulator, beside the reference measured in the same run: simdjson's DOM parser alone
// (dom::parser::parse of the same bytes, the same way the decoder calls it), so the ratio is
// what validation and field extraction cost on top of raw parsing. Also encode_transfer,
// the producer's side.
//
//   decode_bench [--messages N] [--rounds R]
//
// Conditions (printed in the table's header): N distinct messages (default 100,000) encoded
// once, then R rounds (default 7) in which each of the three loops runs over all N in turn;
// the figure is the median over the rounds of this thread's CPU time, i.e. the cost on one
// core whatever else the shared machine runs (the wall-clock rate is printed beside it).
// Before any figure is printed the bench checks its answer: every decode succeeded and read
// back exactly the transfer that was encoded (all fields, first pass), each timed pass
// reproduced the expected checksum of block numbers, values, timestamps and id lengths, and
// every reference parse found a JSON object.
// Target (issue #2): decode >= 1,000,000 events/s on one core.
#include <simdjson.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <string>
#include <string_view>
#include <vector>

#include "bench_support.hpp"
#include "codec/transfer_decoder.hpp"
#include "codec/transfer_encoder.hpp"
#include "core/token_registry.hpp"
#include "sources/chain_simulator.hpp"

namespace {

using tokenflow::bench::load_average;
using tokenflow::bench::median;

using tokenflow::core::Transfer;
using Clock = std::chrono::steady_clock;

constexpr double kTargetEventsPerSecond = 1'000'000;

struct Checksum {
  std::uint64_t blocks = 0;
  std::uint64_t values = 0;  // sum of the low 64 bits of each value
  std::uint64_t times = 0;
  std::uint64_t id_bytes = 0;
  void add(const Transfer& t) {
    blocks += t.block_number;
    values += t.value.low_u64();
    times += static_cast<std::uint64_t>(t.timestamp.value);
    id_bytes += t.id.value.size();
  }
  bool operator==(const Checksum&) const = default;
};

[[noreturn]] void fail(const std::string& what) {
  std::fprintf(stderr, "decode_bench: FAILED: %s\n", what.c_str());
  std::exit(1);
}

// CPU time of this thread: what an event costs on one core, whatever else the shared machine
// runs meanwhile (wall time is reported beside it).
double thread_cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

// Times one pass: CPU and wall seconds.
struct Timing {
  std::vector<double> cpu;
  std::vector<double> wall;
};

class Stopwatch {
 public:
  explicit Stopwatch(Timing& into) : into_(into), cpu_(thread_cpu_seconds()), wall_(Clock::now()) {}
  ~Stopwatch() {
    into_.cpu.push_back(thread_cpu_seconds() - cpu_);
    into_.wall.push_back(std::chrono::duration<double>(Clock::now() - wall_).count());
  }
  Stopwatch(const Stopwatch&) = delete;
  Stopwatch& operator=(const Stopwatch&) = delete;

 private:
  Timing& into_;
  double cpu_;
  Clock::time_point wall_;
};

}  // namespace

int main(int argc, char** argv) {
  std::size_t n = 100'000;
  int rounds = 7;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--messages" && i + 1 < argc) {
      n = std::stoull(argv[++i]);
    } else if (arg == "--rounds" && i + 1 < argc) {
      rounds = std::stoi(argv[++i]);
    } else {
      std::fprintf(stderr, "usage: %s [--messages N] [--rounds R]\n", argv[0]);
      return 2;
    }
  }
  if (n == 0 || rounds < 1) fail("--messages and --rounds must be positive");
  spdlog::set_level(spdlog::level::warn);
  const std::string load_at_start = load_average();

  // The transfers and their wire form, made before any clock runs. Messages live in one
  // buffer, unpadded, as a Kafka payload is.
  const auto registry = tokenflow::core::TokenRegistry::builtin();
  tokenflow::sources::ChainSimulator simulator(registry, tokenflow::sources::SimulatorOptions{});
  std::vector<Transfer> transfers(n);
  Checksum expected;
  std::string wire;
  std::vector<std::size_t> starts;
  starts.reserve(n + 1);
  std::string json;
  std::size_t min_bytes = SIZE_MAX;
  std::size_t max_bytes = 0;
  for (auto& t : transfers) {
    simulator.next(t);
    expected.add(t);
    tokenflow::codec::encode_transfer(t, json);
    starts.push_back(wire.size());
    wire += json;
    min_bytes = std::min(min_bytes, json.size());
    max_bytes = std::max(max_bytes, json.size());
  }
  starts.push_back(wire.size());
  wire.shrink_to_fit();
  auto message = [&](std::size_t i) {
    return std::string_view(wire.data() + starts[i], starts[i + 1] - starts[i]);
  };
  const double mean_bytes = static_cast<double>(wire.size()) / static_cast<double>(n);

  // Correctness first: every message decodes back to exactly the transfer it came from.
  tokenflow::codec::TransferDecoder decoder;
  Transfer out;
  for (std::size_t i = 0; i < n; ++i) {
    auto decoded = decoder.decode(message(i), out);
    if (!decoded.ok()) fail("message " + std::to_string(i) + ": " + decoded.error().message);
    if (!(out == transfers[i]))
      fail("message " + std::to_string(i) + " decoded to another transfer");
  }

  simdjson::dom::parser parser(tokenflow::codec::TransferDecoder::kMaxMessageBytes);
  Timing parse_t;
  Timing decode_t;
  Timing encode_t;
  for (int round = 0; round < rounds; ++round) {
    // Reference: simdjson's parse of the same bytes, as the decoder calls it (copy into the
    // parser's padded buffer, build the DOM); the root's type is checked so nothing is skipped.
    std::size_t objects = 0;
    {
      Stopwatch watch(parse_t);
      for (std::size_t i = 0; i < n; ++i) {
        const std::string_view m = message(i);
        simdjson::dom::element root;
        if (parser.parse(m.data(), m.size(), true).get(root) == simdjson::SUCCESS &&
            root.type() == simdjson::dom::element_type::OBJECT) {
          ++objects;
        }
      }
    }
    if (objects != n)
      fail("simdjson parsed " + std::to_string(objects) + " objects of " + std::to_string(n));

    Checksum got;
    std::size_t decoded_ok = 0;
    {
      Stopwatch watch(decode_t);
      for (std::size_t i = 0; i < n; ++i) {
        if (decoder.decode(message(i), out).ok()) {
          ++decoded_ok;
          got.add(out);
        }
      }
    }
    if (decoded_ok != n) fail("decoded " + std::to_string(decoded_ok) + " of " + std::to_string(n));
    if (!(got == expected)) fail("decode checksum differs from the encoded transfers'");

    std::size_t bytes = 0;
    {
      Stopwatch watch(encode_t);
      for (const auto& t : transfers) {
        tokenflow::codec::encode_transfer(t, json);
        bytes += json.size();
      }
    }
    if (bytes != wire.size())
      fail("encode produced " + std::to_string(bytes) + " bytes, expected " +
           std::to_string(wire.size()));
  }

  const double nd = static_cast<double>(n);
  auto ns = [&](const std::vector<double>& s) { return median(s) / nd * 1e9; };
  auto eps = [&](const std::vector<double>& s) { return nd / median(s); };
  auto mbps = [&](const std::vector<double>& s) {
    return static_cast<double>(wire.size()) / median(s) / 1e6;
  };

  std::printf("\ndecode_bench: JSON transfer codec on one thread, same run, same bytes\n");
  std::printf("machine load average (1/5/15 min): %s at start, %s at end\n", load_at_start.c_str(),
              load_average().c_str());
  std::printf(
      "messages: %zu distinct simulator transfers (ChainSimulator seed 1, built-in "
      "registry), %.0f bytes/event on average (min %zu, max %zu)\n",
      n, mean_bytes, min_bytes, max_bytes);
  std::printf(
      "rounds: %d, each running the three loops over all messages in turn; medians. "
      "CPU = this thread's CPU time (the cost on one core, whatever else runs); wall "
      "beside it\n",
      rounds);
  std::printf(
      "checked: all %zu decoded back equal to the encoded transfers; every timed pass "
      "matched the checksum (blocks, values, timestamps, id bytes)\n\n",
      n);
  std::printf("%-44s %10s %13s %9s %8s %13s\n", "loop", "CPU ns/ev", "events/s/core", "MB/s",
              "vs ref", "wall events/s");
  auto row = [&](const char* name, const Timing& t) {
    std::printf("%-44s %10.0f %13.0f %9.0f %7.2fx %13.0f\n", name, ns(t.cpu), eps(t.cpu),
                mbps(t.cpu), median(t.cpu) / median(parse_t.cpu), eps(t.wall));
  };
  row("reference: simdjson dom::parser::parse only", parse_t);
  row("TransferDecoder::decode (parse + validate)", decode_t);
  row("encode_transfer (Transfer -> JSON)", encode_t);
  std::printf(
      "\n(vs ref = CPU time per event relative to the reference: decode spends %.0f "
      "ns/event beyond parsing)\n",
      ns(decode_t.cpu) - ns(parse_t.cpu));
  std::printf("target: decode >= %.0f events/s on one core: %.0f -> %s (rounds: %.0f-%.0f)\n",
              kTargetEventsPerSecond, eps(decode_t.cpu),
              eps(decode_t.cpu) >= kTargetEventsPerSecond ? "met" : "NOT met",
              nd / *std::max_element(decode_t.cpu.begin(), decode_t.cpu.end()),
              nd / *std::min_element(decode_t.cpu.begin(), decode_t.cpu.end()));
  return 0;
}
