// NAB's label and profile files: labels/combined_windows.json (anomaly
// windows per data file) and config/profiles.json (cost matrices).
// Pure functions; thread-safe.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "eval/nab_scoring.h"

namespace keel::eval {

// Key: the data file's path relative to NAB's data directory, '/'-separated
// (e.g. "realKnownCause/nyc_taxi.csv").
using NabWindowsByFile = std::map<std::string, std::vector<NabWindow>>;

// Parses {"<file>": [["<start>", "<end>"], ...], ...} with ISO timestamps
// ("2014-04-10 07:15:00.000000"). InvalidArgument (naming `source` and the
// file key) for malformed JSON, shapes or timestamps.
Result<NabWindowsByFile> ParseNabWindows(std::string_view json, std::string_view source);

// The windows of a data file given its path relative to the evaluated
// directory: the entry whose key equals that path or is a suffix of it on a
// '/' boundary (so --data may be NAB's root or its data/ directory).
// nullptr if none.
const std::vector<NabWindow>* FindNabWindows(const NabWindowsByFile& windows,
                                             std::string_view relative_path);

struct NabProfile {
  std::string name;  // as in profiles.json, e.g. "reward_low_FP_rate"
  NabCostMatrix costs;
};

// Parses {"<name>": {"CostMatrix": {"tpWeight": 1, "fpWeight": 0.11,
// "fnWeight": 1, ...}}, ...}, sorted by name. InvalidArgument for malformed
// JSON, a missing weight or a negative one.
Result<std::vector<NabProfile>> ParseNabProfiles(std::string_view json, std::string_view source);

// NAB v1.x's three profiles: standard, reward_low_FP_rate, reward_low_FN_rate.
std::vector<NabProfile> NabDefaultProfiles();

}  // namespace keel::eval
