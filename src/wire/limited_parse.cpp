#include "wire/limited_parse.h"

#include <string>
#include <unordered_set>
#include <utility>
#include <vector>

namespace keel::wire::internal {
namespace {

std::string StripExceptionPrefix(std::string what) {
  if (!what.empty() && what[0] == '[') {
    size_t end = what.find("] ");
    if (end != std::string::npos) return what.substr(end + 2);
  }
  return what;
}

// Forwards SAX events to nlohmann's DOM builder, refusing to go deeper, wider
// or longer than the bounds allow.
class BoundedDomSax {
 public:
  using number_integer_t = Json::number_integer_t;
  using number_unsigned_t = Json::number_unsigned_t;
  using number_float_t = Json::number_float_t;
  using string_t = Json::string_t;
  using binary_t = Json::binary_t;

  BoundedDomSax(Json* out, const ParseBounds& bounds) : dom_(*out, false), bounds_(bounds) {}

  std::optional<Rejection>& rejection() { return rejection_; }

  bool null() { return CountValue() && dom_.null(); }
  bool boolean(bool v) { return CountValue() && dom_.boolean(v); }
  bool number_integer(number_integer_t v) { return CountValue() && dom_.number_integer(v); }
  bool number_unsigned(number_unsigned_t v) { return CountValue() && dom_.number_unsigned(v); }
  bool number_float(number_float_t v, const string_t& s) {
    return CountValue() && dom_.number_float(v, s);
  }
  bool string(string_t& v) { return CountValue() && dom_.string(v); }
  bool binary(binary_t& v) { return CountValue() && dom_.binary(v); }

  bool start_object(std::size_t len) {
    if (!Enter()) return false;
    if (len != static_cast<std::size_t>(-1) && len > bounds_.max_object_keys) {
      return TooManyKeys();
    }
    frames_.push_back(Frame{true, {}});
    return dom_.start_object(len);
  }
  bool key(string_t& k) {
    Frame& frame = frames_.back();
    if (frame.keys.size() >= bounds_.max_object_keys) return TooManyKeys();
    if (!frame.keys.insert(k).second) {
      return Reject(RejectReason::kDuplicateKey, "duplicate key \"" + k + "\"");
    }
    return dom_.key(k);
  }
  bool end_object() {
    frames_.pop_back();
    return dom_.end_object();
  }
  bool start_array(std::size_t len) {
    if (!Enter()) return false;
    if (len != static_cast<std::size_t>(-1) && len > bounds_.max_values) {
      return Reject(bounds_.too_many_values, "array of " + std::to_string(len) +
                                                 " elements exceeds the limit of " +
                                                 std::to_string(bounds_.max_values));
    }
    frames_.push_back(Frame{false, {}});
    return dom_.start_array(len);
  }
  bool end_array() {
    frames_.pop_back();
    return dom_.end_array();
  }
  bool parse_error(std::size_t /*position*/, const std::string& /*token*/,
                   const nlohmann::detail::exception& ex) {
    constexpr int kNumberOverflow = 406;
    if (!rejection_) {
      Reject(ex.id == kNumberOverflow ? RejectReason::kNonFinite : RejectReason::kMalformed,
             StripExceptionPrefix(ex.what()));
    }
    return false;
  }

 private:
  struct Frame {
    bool is_object;
    std::unordered_set<std::string> keys;
  };

  bool Reject(RejectReason reason, std::string message) {
    rejection_ = Rejection{reason, std::move(message)};
    return false;
  }
  bool Enter() {
    if (frames_.size() >= bounds_.max_depth) {
      return Reject(RejectReason::kTooDeep,
                    "nesting deeper than " + std::to_string(bounds_.max_depth) + " levels");
    }
    return CountValue();
  }
  bool CountValue() {
    if (++values_ > bounds_.max_values) {
      return Reject(bounds_.too_many_values,
                    "more than " + std::to_string(bounds_.max_values) + " values");
    }
    return true;
  }
  bool TooManyKeys() {
    return Reject(bounds_.too_many_keys,
                  "object with more than " + std::to_string(bounds_.max_object_keys) + " keys");
  }

  nlohmann::detail::json_sax_dom_parser<Json> dom_;
  const ParseBounds& bounds_;
  std::vector<Frame> frames_;
  size_t values_ = 0;
  std::optional<Rejection> rejection_;
};

}  // namespace

std::optional<Rejection> ParseBounded(Format format, std::string_view payload,
                                      const ParseBounds& bounds, Json* out) {
  *out = Json();
  BoundedDomSax sax(out, bounds);
  bool ok = false;
  try {
    ok = Json::sax_parse(payload.begin(), payload.end(), &sax,
                         format == Format::kJson ? nlohmann::json::input_format_t::json
                                                 : nlohmann::json::input_format_t::cbor,
                         /*strict=*/true);
  } catch (const std::exception& e) {
    return Rejection{RejectReason::kMalformed, StripExceptionPrefix(e.what())};
  }
  if (sax.rejection()) {
    *out = Json();
    return std::move(sax.rejection());
  }
  if (!ok) {
    *out = Json();
    return Rejection{RejectReason::kMalformed, "unparseable payload"};
  }
  return std::nullopt;
}

}  // namespace keel::wire::internal
