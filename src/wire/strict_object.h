// Internal to keel_wire: reading small strict JSON messages (messages.h,
// ota_messages.h): every key known, types exact, errors of the form
// `<message>: "<key>": expected ..., got ...`.
#pragma once

#include <exception>
#include <initializer_list>
#include <limits>
#include <string>
#include <string_view>

#include "common/status.h"
#include "wire/limited_parse.h"
#include "wire/messages.h"

namespace keel::wire::internal {

// Reads the fields of one strict JSON object, producing errors of the form
// `<message>: "<key>": expected ..., got ...`.
class StrictObject {
 public:
  StrictObject(std::string_view message, const Json& object) : message_(message), object_(object) {}

  static Result<Json> Parse(std::string_view message, std::string_view payload) {
    if (payload.size() > kMaxMessageBytes) {
      return Status::InvalidArgument(std::string(message) + ": payload is " +
                                     std::to_string(payload.size()) + " bytes, more than " +
                                     std::to_string(kMaxMessageBytes));
    }
    internal::ParseBounds bounds;
    bounds.max_depth = kMaxMessageDepth;
    bounds.max_object_keys = 1024;
    bounds.max_values = kMaxMessageBytes;
    Json root;
    if (auto r = internal::ParseBounded(internal::Format::kJson, payload, bounds, &root)) {
      return Status::InvalidArgument(std::string(message) + ": " + r->message);
    }
    if (!root.is_object()) {
      return Status::InvalidArgument(std::string(message) + ": expected a JSON object, got " +
                                     root.type_name());
    }
    return root;
  }

  Status CheckKeys(std::initializer_list<std::string_view> allowed) const {
    for (const auto& [key, value] : object_.items()) {
      bool known = false;
      for (std::string_view a : allowed) known = known || key == a;
      if (!known) return Error(key, "unknown key");
    }
    for (std::string_view a : allowed) {
      if (!object_.contains(a)) return Error(a, "missing");
    }
    return Status::Ok();
  }

  Result<uint64_t> Unsigned(std::string_view key) const {
    const Json& v = object_.at(key);
    if (v.is_number_integer() && !v.is_number_unsigned() && v.get<int64_t>() >= 0) {
      return static_cast<uint64_t>(v.get<int64_t>());
    }
    if (!v.is_number_unsigned()) return Error(key, Expected("an unsigned integer", v));
    return v.get<uint64_t>();
  }

  Result<int64_t> Signed(std::string_view key) const {
    const Json& v = object_.at(key);
    if (v.is_number_unsigned() &&
        v.get<uint64_t>() > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
      return Error(key, "integer out of range");
    }
    if (!v.is_number_integer()) return Error(key, Expected("an integer", v));
    return v.get<int64_t>();
  }

  // Any JSON number (integers too), as a double.
  Result<double> Number(std::string_view key) const {
    const Json& v = object_.at(key);
    if (!v.is_number()) return Error(key, Expected("a number", v));
    return v.get<double>();
  }

  Result<bool> Bool(std::string_view key) const {
    const Json& v = object_.at(key);
    if (!v.is_boolean()) return Error(key, Expected("a boolean", v));
    return v.get<bool>();
  }

  Result<std::string> String(std::string_view key) const {
    const Json& v = object_.at(key);
    if (!v.is_string()) return Error(key, Expected("a string", v));
    return v.get<std::string>();
  }

  Status Error(std::string_view key, std::string_view why) const {
    return Status::InvalidArgument(std::string(message_) + ": \"" + std::string(key) +
                                   "\": " + std::string(why));
  }

 private:
  static std::string Expected(std::string_view what, const Json& v) {
    std::string got = v.is_number_integer() ? "integer"
                      : v.is_number_float() ? "float"
                                            : v.type_name();
    return "expected " + std::string(what) + ", got " + got;
  }

  std::string_view message_;
  const Json& object_;
};

inline bool IsPrintableAscii(std::string_view s) {
  for (char c : s) {
    if (c < 0x20 || c > 0x7e) return false;
  }
  return true;
}

template <typename T>
Result<T> Guarded(std::string_view message, Result<T> (*decode)(std::string_view),
                  std::string_view payload) {
  try {
    return decode(payload);
  } catch (const std::exception& e) {
    return Status::InvalidArgument(std::string(message) + ": " + e.what());
  }
}

}  // namespace keel::wire::internal
