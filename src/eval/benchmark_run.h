// keel-eval's pipeline: run one detector configuration over every CSV file of
// a benchmark directory, write the per-row predictions next to the inputs'
// relative paths under an output directory, and score them when labels exist.
//
// SKAB: input `;`-separated with columns datetime, the signals, and
// optionally the labels anomaly and changepoint. Each file is replayed with
// ReplayMultivariate (a fresh detector fitted on its first train_rows rows).
// Output: `datetime;anomaly;changepoint`, one line per input row, datetime
// copied verbatim, anomaly the 0/1 prediction, changepoint = ChangepointsOf.
// Files whose input has an "anomaly" column are scored (skab_scoring.h).
//
// NAB: input `timestamp,value` (ISO timestamps, finite values; timestamps
// are not required to increase: realKnownCause/machine_temperature_system_
// failure.csv steps back one hour). Each file is replayed with ReplayUnivariate
// (a fresh detector fitted on its probationary rows, NabProbationaryRows(n),
// which NAB never scores; this is the only use of the file's length).
// Output: `timestamp,value,anomaly_score`, timestamp and value copied
// verbatim, the score in [0, 1] (UnitAnomalyScore, "%.9g"). Files found in the
// windows file are scored with every profile (nab_scoring.h).
//
// Errors name the file. Not thread-safe (the factory may be called many times).
#pragma once

#include <cstddef>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.h"
#include "edge/inference/detector.h"
#include "eval/nab_labels.h"
#include "eval/nab_scoring.h"
#include "eval/skab_scoring.h"

namespace keel::eval {

// Makes a fresh, unfitted detector (one per file).
using DetectorFactory = std::function<Result<std::unique_ptr<edge::inference::Detector>>()>;

struct SkabRunOptions {
  std::filesystem::path data_dir;
  std::filesystem::path out_dir;
  DetectorFactory make_detector;
  size_t train_rows = kSkabTrainRows;
};

struct SkabRunReport {
  size_t files = 0;
  size_t scored_files = 0;
  std::optional<SkabScore> score;  // set when at least one file had labels
};

// NotFound if data_dir is not a directory or holds no CSV file.
Result<SkabRunReport> RunSkab(const SkabRunOptions& options);

struct NabRunOptions {
  std::filesystem::path data_dir;
  std::filesystem::path out_dir;
  DetectorFactory make_detector;
  // combined_windows.json; when unset, FindUpwards(data_dir,
  // "labels/combined_windows.json").
  std::optional<std::filesystem::path> windows_file;
  // profiles.json; when unset, found upwards as "profiles.json" or
  // "config/profiles.json", else NabDefaultProfiles().
  std::optional<std::filesystem::path> profiles_file;
};

struct NabRunReport {
  size_t files = 0;
  size_t scored_files = 0;  // files with an entry in the windows file
  std::vector<std::pair<std::string, NabResult>> by_profile;  // empty without labels
};

Result<NabRunReport> RunNab(const NabRunOptions& options);

// The first existing `dir/relative`, `dir/../relative`, ... up to the root.
std::optional<std::filesystem::path> FindUpwards(const std::filesystem::path& dir,
                                                 const std::filesystem::path& relative);

// Writes `content` to out_dir/relative (atomically), creating directories.
Status WriteBenchmarkOutput(const std::filesystem::path& out_dir,
                            const std::filesystem::path& relative, std::string_view content);

// One-line JSON summaries:
// {"benchmark":"skab","f1":..,"far":..,"mar":..,"files":..,"tp":..,"fp":..,"fn":..,"tn":..}
// {"benchmark":"nab","standard":..,"reward_low_fp":..,"reward_low_fn":..,"files":..,
//  "thresholds":{...}} (profile keys from the profiles file; the three
// standard names are shortened as shown).
std::string SkabReportJson(const SkabRunReport& report);
std::string NabReportJson(const NabRunReport& report);

}  // namespace keel::eval
