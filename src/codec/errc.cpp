#include "codec/errc.hpp"

namespace tokenflow::codec {
namespace {

class CodecCategory final : public std::error_category {
 public:
  const char* name() const noexcept override { return "tokenflow.codec"; }
  std::string message(int code) const override {
    switch (static_cast<errc>(code)) {
      case errc::ok: return "success";
      case errc::empty: return "the message is empty";
      case errc::too_large: return "the message is larger than an event can be";
      case errc::invalid_utf8: return "the message is not valid UTF-8";
      case errc::not_json: return "the message is not valid JSON";
      case errc::not_an_object: return "the message is not one JSON object";
      case errc::duplicate_key: return "the message has a field twice";
      case errc::missing_field: return "a required field is missing";
      case errc::wrong_type: return "a field has the wrong JSON type";
      case errc::invalid_value: return "a field has an invalid value";
    }
    return "unknown codec error";
  }
};

}  // namespace

const std::error_category& codec_category() noexcept {
  static const CodecCategory category;
  return category;
}

const char* errc_name(errc e) noexcept {
  switch (e) {
    case errc::ok: return "ok";
    case errc::empty: return "empty";
    case errc::too_large: return "too_large";
    case errc::invalid_utf8: return "invalid_utf8";
    case errc::not_json: return "not_json";
    case errc::not_an_object: return "not_an_object";
    case errc::duplicate_key: return "duplicate_key";
    case errc::missing_field: return "missing_field";
    case errc::wrong_type: return "wrong_type";
    case errc::invalid_value: return "invalid_value";
  }
  return "unknown";
}

const char* reason_kind(const core::Error& error) noexcept {
  if (error.code.category() != codec_category()) return "invalid_value";
  return errc_name(static_cast<errc>(error.code.value()));
}

}  // namespace tokenflow::codec
