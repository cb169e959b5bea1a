// Reading untrusted update metadata JSON: strict, bounded, and with errors
// that name the file and the JSON path ("targets.json: signed.targets.
// \"pump-ae\".length: must be a whole number in 0..9007199254740991").
// Internal to keel_tuf.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <string_view>

#include "common/status.h"

namespace keel::tuf::internal {

inline constexpr size_t kMaxMetadataBytes = 4 << 20;
inline constexpr int64_t kMaxSafeInteger = (int64_t{1} << 53) - 1;

// Parses a whole document: InvalidArgument for syntax errors, more than
// kMaxMetadataBytes, nesting deeper than 16, a key repeated in one object,
// or a number that is not a whole number (metadata has no floating point, so
// that its canonical form is unambiguous).
Result<nlohmann::json> ParseMetadataJson(std::string_view text, std::string_view file);

// Typed access to the members of one JSON object, each error located as
// "<file>: <path>.<key>: ...". Finish() rejects members nobody asked for.
class ObjectReader {
 public:
  // InvalidArgument (through status()) if `value` is not an object.
  ObjectReader(const nlohmann::json& value, std::string file, std::string path);

  Status status() const { return status_; }
  std::string Where(std::string_view key) const;

  Result<std::string> String(std::string_view key);
  Result<int64_t> Int(std::string_view key, int64_t min, int64_t max);
  // The member itself (any type), for nested readers.
  Result<const nlohmann::json*> Member(std::string_view key);
  // As Member, but absent is nullptr.
  Result<const nlohmann::json*> Optional(std::string_view key);
  // InvalidArgument naming the first member not read.
  Status Finish() const;

 private:
  const nlohmann::json& value_;
  std::string file_;
  std::string path_;
  Status status_;
  std::set<std::string, std::less<>> read_;
};

// "2027-01-01T00:00:00Z" (exactly this form, UTC) as Unix milliseconds.
Result<int64_t> ParseExpiry(std::string_view text, std::string_view where);
std::string FormatExpiry(int64_t unix_ms);

}  // namespace keel::tuf::internal
