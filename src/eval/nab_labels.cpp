#include "eval/nab_labels.h"

#include <nlohmann/json.hpp>

#include "edge/sensors/csv_table.h"

namespace keel::eval {

Result<NabWindowsByFile> ParseNabWindows(std::string_view json, std::string_view source) {
  const std::string where(source);
  nlohmann::json doc = nlohmann::json::parse(json, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object()) {
    return Status::InvalidArgument(where + ": not a JSON object");
  }
  NabWindowsByFile result;
  for (const auto& [file, list] : doc.items()) {
    const std::string at = where + ": \"" + file + "\": ";
    if (!list.is_array()) return Status::InvalidArgument(at + "windows are not an array");
    std::vector<NabWindow>& windows = result[file];
    for (const auto& pair : list) {
      if (!pair.is_array() || pair.size() != 2 || !pair[0].is_string() || !pair[1].is_string()) {
        return Status::InvalidArgument(at + "a window is not a [start, end] pair of strings");
      }
      NabWindow window;
      for (int k = 0; k < 2; ++k) {
        auto ms = edge::ParseCsvTimestamp(pair[static_cast<size_t>(k)].get<std::string>(),
                                          edge::CsvTimeFormat::kIso);
        if (!ms.ok()) return ms.status().WithContext(at);
        (k == 0 ? window.start_ms : window.end_ms) = *ms;
      }
      windows.push_back(window);
    }
  }
  return result;
}

const std::vector<NabWindow>* FindNabWindows(const NabWindowsByFile& windows,
                                             std::string_view relative_path) {
  for (const auto& [key, list] : windows) {
    if (relative_path == key) return &list;
    if (relative_path.size() > key.size() && relative_path.ends_with(key) &&
        relative_path[relative_path.size() - key.size() - 1] == '/') {
      return &list;
    }
  }
  return nullptr;
}

Result<std::vector<NabProfile>> ParseNabProfiles(std::string_view json, std::string_view source) {
  const std::string where(source);
  nlohmann::json doc = nlohmann::json::parse(json, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object()) {
    return Status::InvalidArgument(where + ": not a JSON object");
  }
  std::vector<NabProfile> profiles;
  for (const auto& [name, body] : doc.items()) {
    const std::string at = where + ": profile \"" + name + "\": ";
    if (!body.is_object() || !body.contains("CostMatrix") || !body["CostMatrix"].is_object()) {
      return Status::InvalidArgument(at + "no CostMatrix object");
    }
    const nlohmann::json& matrix = body["CostMatrix"];
    double weights[3] = {0, 0, 0};
    const char* keys[3] = {"tpWeight", "fpWeight", "fnWeight"};
    for (int k = 0; k < 3; ++k) {
      if (!matrix.contains(keys[k]) || !matrix[keys[k]].is_number() ||
          matrix[keys[k]].get<double>() < 0) {
        return Status::InvalidArgument(at + keys[k] + " is missing or not a number >= 0");
      }
      weights[k] = matrix[keys[k]].get<double>();
    }
    profiles.push_back({name, {weights[0], weights[1], weights[2]}});
  }
  return profiles;
}

std::vector<NabProfile> NabDefaultProfiles() {
  return {{"reward_low_FN_rate", {1.0, 0.11, 2.0}},
          {"reward_low_FP_rate", {1.0, 0.22, 1.0}},
          {"standard", {1.0, 0.11, 1.0}}};
}

}  // namespace keel::eval
