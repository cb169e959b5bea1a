// Internal to keel_hub_alerts: typed, located access to the members of a
// JSON object, for the documents this component reads (incidents restored
// from the store, silences, the correlation policy, recorded event streams).
// Every error is InvalidArgument "<path>.<key>: <what is wrong>", e.g.
// `policy.inhibit[1].equal: expected an array of strings, got number`.
// `Finish()` rejects members nobody asked for (a typo in a policy file must
// not be silently ignored).
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "hub/alerts/alert.h"

namespace keel::hub::alerts {

class JsonFields {
 public:
  // `json` must outlive the reader and the readers it returns.
  JsonFields(const nlohmann::json& json, std::string path);

  Status RequireObject() const;
  bool Has(std::string_view key) const;
  Status Error(std::string_view key, std::string_view why) const;
  const std::string& path() const { return path_; }

  Result<std::string> String(std::string_view key);
  Result<int64_t> Int(std::string_view key);
  Result<double> Number(std::string_view key);
  Result<bool> Bool(std::string_view key);
  Result<Labels> StringMap(std::string_view key);
  Result<Severity> SeverityField(std::string_view key);
  Result<std::vector<int64_t>> IntArray(std::string_view key);
  Result<std::vector<std::string>> StringArray(std::string_view key);
  Result<nlohmann::json> Object(std::string_view key);  // any JSON object, copied
  Result<JsonFields> Child(std::string_view key);       // a nested object
  Result<std::vector<JsonFields>> ObjectArray(std::string_view key);

  // InvalidArgument naming the first member that was not read.
  Status Finish() const;

 private:
  Result<const nlohmann::json*> Get(std::string_view key);

  const nlohmann::json& json_;
  std::string path_;
  std::set<std::string, std::less<>> read_;
};

}  // namespace keel::hub::alerts
