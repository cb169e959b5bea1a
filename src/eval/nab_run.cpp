#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "common/files.h"
#include "edge/sensors/csv_table.h"
#include "eval/benchmark_run.h"
#include "eval/csv_corpus.h"
#include "eval/replay.h"

namespace keel::eval {
namespace {

struct Labels {
  std::optional<NabWindowsByFile> windows;
  std::vector<NabProfile> profiles = NabDefaultProfiles();
};

Result<Labels> LoadLabels(const NabRunOptions& options) {
  Labels labels;
  std::optional<std::filesystem::path> windows_file = options.windows_file;
  if (!windows_file) windows_file = FindUpwards(options.data_dir, "labels/combined_windows.json");
  if (windows_file) {
    KEEL_ASSIGN_OR_RETURN(std::string json, ReadFile(*windows_file));
    KEEL_ASSIGN_OR_RETURN(labels.windows, ParseNabWindows(json, windows_file->string()));
  }
  std::optional<std::filesystem::path> profiles_file = options.profiles_file;
  if (!profiles_file) profiles_file = FindUpwards(options.data_dir, "profiles.json");
  if (!profiles_file) profiles_file = FindUpwards(options.data_dir, "config/profiles.json");
  if (profiles_file) {
    KEEL_ASSIGN_OR_RETURN(std::string json, ReadFile(*profiles_file));
    KEEL_ASSIGN_OR_RETURN(labels.profiles, ParseNabProfiles(json, profiles_file->string()));
  }
  return labels;
}

struct ParsedSeries {
  std::vector<int64_t> t_ms;
  std::vector<double> values;
};

Result<ParsedSeries> ParseSeries(const std::vector<std::string>& timestamps,
                                 const std::vector<std::string>& values, const std::string& where) {
  ParsedSeries parsed;
  for (size_t i = 0; i < timestamps.size(); ++i) {
    const std::string at = where + ":" + std::to_string(i + 2) + ": ";
    auto t = edge::ParseCsvTimestamp(timestamps[i], edge::CsvTimeFormat::kIso);
    if (!t.ok()) return t.status().WithContext(at + "column \"timestamp\"");
    char* end = nullptr;
    const double v = std::strtod(values[i].c_str(), &end);
    if (values[i].empty() || *end != '\0' || !std::isfinite(v)) {
      return Status::InvalidArgument(at + "column \"value\": \"" + values[i] +
                                     "\" is not a finite number");
    }
    parsed.t_ms.push_back(*t);
    parsed.values.push_back(v);
  }
  return parsed;
}

Result<NabSeries> RunFile(const NabRunOptions& options, const std::filesystem::path& relative) {
  const std::filesystem::path path = options.data_dir / relative;
  const std::string where = path.string();
  KEEL_ASSIGN_OR_RETURN(std::string text, ReadFile(path));
  KEEL_ASSIGN_OR_RETURN(auto raw, ReadCsvColumnsText(text, ',', {"timestamp", "value"}, where));
  KEEL_ASSIGN_OR_RETURN(ParsedSeries parsed, ParseSeries(raw[0], raw[1], where));
  KEEL_ASSIGN_OR_RETURN(auto detector, options.make_detector());
  auto scores =
      ReplayUnivariate(parsed.values, *detector, NabProbationaryRows(parsed.values.size()));
  if (!scores.ok()) return scores.status().WithContext(where);

  std::string out = "timestamp,value,anomaly_score\n";
  char buf[32];
  for (size_t i = 0; i < scores->size(); ++i) {
    std::snprintf(buf, sizeof buf, "%.9g", (*scores)[i]);
    out += raw[0][i] + "," + raw[1][i] + "," + buf + "\n";
  }
  KEEL_RETURN_IF_ERROR(WriteBenchmarkOutput(options.out_dir, relative, out));
  return NabSeries{relative.generic_string(), std::move(parsed.t_ms), std::move(*scores), {}};
}

}  // namespace

Result<NabRunReport> RunNab(const NabRunOptions& options) {
  KEEL_ASSIGN_OR_RETURN(Labels labels, LoadLabels(options));
  KEEL_ASSIGN_OR_RETURN(auto files, FindCsvFiles(options.data_dir));
  if (files.empty()) return Status::NotFound("nab: no CSV file under " + options.data_dir.string());
  NabRunReport report;
  std::vector<NabSeries> corpus;
  for (const auto& relative : files) {
    KEEL_ASSIGN_OR_RETURN(NabSeries series, RunFile(options, relative));
    ++report.files;
    if (!labels.windows) continue;
    const std::vector<NabWindow>* windows = FindNabWindows(*labels.windows, series.name);
    if (windows == nullptr) continue;
    series.windows = *windows;
    corpus.push_back(std::move(series));
    ++report.scored_files;
  }
  if (corpus.empty()) return report;
  for (const NabProfile& profile : labels.profiles) {
    auto result = ScoreNabCorpus(corpus, profile.costs);
    if (!result.ok()) return result.status().WithContext("nab: profile " + profile.name);
    report.by_profile.emplace_back(profile.name, *result);
  }
  return report;
}

}  // namespace keel::eval
