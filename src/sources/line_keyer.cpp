#include "sources/line_keyer.hpp"

#include <string>

#include "codec/price_tick_decoder.hpp"
#include "codec/swap_decoder.hpp"
#include "codec/transfer_decoder.hpp"
#include "core/address.hpp"
#include "core/swap.hpp"
#include "core/transfer.hpp"

namespace tokenflow::sources {
namespace {

// Transfers and swaps: decoded into an event kept across lines (the decoders reuse its
// string capacity), keyed by one of its addresses.
template <typename Decoder, typename Event, core::Address Event::*kKeyField>
class AddressKeyer final : public LineKeyer {
 public:
  core::Result<std::string_view> key_of(std::string_view line) override {
    if (auto decoded = decoder_.decode(line, event_); !decoded.ok()) {
      return std::move(decoded).error();
    }
    (event_.*kKeyField).write_hex(key_);
    return std::string_view(key_, sizeof key_);
  }

 private:
  Decoder decoder_;
  Event event_;
  char key_[core::Address::kTextSize];
};

class PriceTickKeyer final : public LineKeyer {
 public:
  core::Result<std::string_view> key_of(std::string_view line) override {
    auto tick = decoder_.decode(line);
    if (!tick.ok()) return std::move(tick).error();
    asset_ = std::move(tick->asset);
    return std::string_view(asset_);
  }

 private:
  codec::PriceTickDecoder decoder_;
  std::string asset_;
};

}  // namespace

std::string_view to_string(FileEvents events) {
  switch (events) {
    case FileEvents::transfers:
      return "transfers";
    case FileEvents::swaps:
      return "swaps";
    case FileEvents::prices:
      return "prices";
  }
  return "unknown";
}

std::optional<FileEvents> parse_file_events(std::string_view text) {
  for (auto events : {FileEvents::transfers, FileEvents::swaps, FileEvents::prices}) {
    if (text == to_string(events)) return events;
  }
  return std::nullopt;
}

std::unique_ptr<LineKeyer> make_line_keyer(FileEvents events) {
  switch (events) {
    case FileEvents::transfers:
      return std::make_unique<AddressKeyer<codec::TransferDecoder, core::Transfer,
                                           &core::Transfer::contract_address>>();
    case FileEvents::swaps:
      return std::make_unique<AddressKeyer<codec::SwapDecoder, core::Swap, &core::Swap::token>>();
    case FileEvents::prices:
      return std::make_unique<PriceTickKeyer>();
  }
  return nullptr;
}

}  // namespace tokenflow::sources
