#include "http/access_control.hpp"

#include <algorithm>

namespace tokenflow::http {
namespace {

// Compares without an early exit, so the time taken says nothing about how much matched.
bool equal_constant_time(std::string_view a, std::string_view b) {
  unsigned char diff = a.size() == b.size() ? 0 : 1;
  for (std::size_t i = 0; i < a.size(); ++i) {
    diff |= static_cast<unsigned char>(a[i] ^ (i < b.size() ? b[i] : 0));
  }
  return diff == 0;
}

// Clients silent this long are forgotten, so the table stays bounded by active clients.
constexpr std::chrono::seconds kForgetAfter{60};
constexpr std::size_t kSweepAbove = 10'000;

}  // namespace

bool ApiKeys::allows(const Request& request) const {
  if (keys_.empty()) return true;
  std::string_view presented;
  const auto header = request[boost::beast::http::field::authorization];
  const std::string_view auth(header.data(), header.size());
  constexpr std::string_view kBearer = "Bearer ";
  if (auth.size() > kBearer.size() && auth.substr(0, kBearer.size()) == kBearer) {
    presented = auth.substr(kBearer.size());
  } else {
    presented = query_parameter(std::string_view(request.target().data(), request.target().size()),
                                "api_key");
  }
  if (presented.empty()) return false;
  bool match = false;
  for (const auto& key : keys_) match |= equal_constant_time(presented, key);
  return match;
}

bool RateLimiter::take(const std::string& client) {
  if (rate_ <= 0) return true;
  const auto now = std::chrono::steady_clock::now();
  std::lock_guard lock(mutex_);
  if (buckets_.size() > kSweepAbove) {
    std::erase_if(buckets_, [&](const auto& entry) { return now - entry.second.at > kForgetAfter; });
  }
  const double burst = std::max(1.0, rate_);
  auto [it, inserted] = buckets_.try_emplace(client, Bucket{burst, now});
  Bucket& bucket = it->second;
  if (!inserted) {
    const double elapsed = std::chrono::duration<double>(now - bucket.at).count();
    bucket.tokens = std::min(burst, bucket.tokens + elapsed * rate_);
    bucket.at = now;
  }
  if (bucket.tokens < 1) return false;
  bucket.tokens -= 1;
  return true;
}

}  // namespace tokenflow::http
