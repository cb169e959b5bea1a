// JSON read strictly, for documents an operator writes by hand or Keel
// stores (the topology, the alert policy, silences, incidents, recorded
// event streams). nlohmann::json alone keeps the last of two equal members
// silently and ignores members nobody reads; these helpers turn both into
// errors that say where.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace keel {

// Parses `text` (at most `max_bytes`, nesting at most `max_depth`).
// InvalidArgument "<source>: ..." for: too large, not JSON (with the byte
// offset), too deep, or a member given twice in one object (with its path,
// e.g. `topology.json: devices[2].site: given twice`).
Result<nlohmann::json> ParseStrictJson(std::string_view text, std::string_view source,
                                       size_t max_bytes, int max_depth);

// Typed reads of the members of one JSON object at `path` ("" for the
// document itself, "devices[3]", "policy.inhibit[0]", ...). Errors are
// InvalidArgument "<path>.<key>: <what>". `json` must outlive the reader
// and the readers it returns.
class JsonMembers {
 public:
  JsonMembers(const nlohmann::json& json, std::string path);

  // InvalidArgument unless the value is an object.
  Status RequireObject() const;
  bool Has(std::string_view key) const;
  // "<path>.<key>" (or "<key>" at the top).
  std::string PathOf(std::string_view key) const;
  Status Error(std::string_view key, std::string_view why) const;

  // Required members; each marks the key as read.
  Result<std::string> String(std::string_view key);
  Result<int64_t> Int(std::string_view key);
  Result<double> Number(std::string_view key);  // any JSON number
  Result<bool> Bool(std::string_view key);
  Result<const nlohmann::json*> Array(std::string_view key);
  Result<const nlohmann::json*> Object(std::string_view key);
  Result<std::map<std::string, std::string>> StringMap(std::string_view key);
  Result<std::vector<std::string>> StringArray(std::string_view key);
  Result<std::vector<int64_t>> IntArray(std::string_view key);
  // A nested object, and the elements of an array of objects.
  Result<JsonMembers> Child(std::string_view key);
  Result<std::vector<JsonMembers>> ObjectArray(std::string_view key);
  // An optional string: "" when absent.
  Result<std::string> OptionalString(std::string_view key);

  // InvalidArgument naming the first member that was not read.
  Status Finish() const;

 private:
  Result<const nlohmann::json*> Get(std::string_view key);

  const nlohmann::json& json_;
  std::string path_;
  std::set<std::string, std::less<>> read_;
};

// "object", "array", "string", "integer", "float", "boolean", "null".
std::string JsonTypeName(const nlohmann::json& value);

}  // namespace keel
