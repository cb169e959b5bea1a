#include <cstdlib>
#include <string>

#include "common/files.h"
#include "edge/sensors/csv_table.h"
#include "eval/benchmark_run.h"
#include "eval/csv_corpus.h"
#include "eval/replay.h"

namespace keel::eval {
namespace {

Result<std::vector<uint8_t>> ParseLabels(const std::vector<std::string>& text,
                                         const std::string& where) {
  std::vector<uint8_t> labels;
  labels.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    char* end = nullptr;
    const double v = std::strtod(text[i].c_str(), &end);
    if (text[i].empty() || *end != '\0' || (v != 0.0 && v != 1.0)) {
      return Status::InvalidArgument(where + ": row " + std::to_string(i) + ": anomaly label \"" +
                                     text[i] + "\" is not 0 or 1");
    }
    labels.push_back(v == 1.0 ? 1 : 0);
  }
  return labels;
}

struct FileOutcome {
  std::optional<ConfusionCounts> counts;
};

Result<FileOutcome> RunFile(const SkabRunOptions& options, const std::filesystem::path& relative) {
  const std::filesystem::path path = options.data_dir / relative;
  const std::string where = path.string();
  KEEL_ASSIGN_OR_RETURN(std::string text, ReadFile(path));
  KEEL_ASSIGN_OR_RETURN(edge::CsvTable table, edge::ParseCsv(text, edge::CsvLayout::Skab(), where));
  const bool labelled = CsvHasColumn(text, ';', "anomaly");
  std::vector<std::string> names{"datetime"};
  if (labelled) names.push_back("anomaly");
  KEEL_ASSIGN_OR_RETURN(auto raw, ReadCsvColumnsText(text, ';', names, where));
  if (raw[0].size() != table.t_ms.size()) {
    return Status::InvalidArgument(where + ": row count mismatch between parsers");
  }
  KEEL_ASSIGN_OR_RETURN(auto detector, options.make_detector());
  auto predictions = ReplayMultivariate(table.values, *detector, options.train_rows);
  if (!predictions.ok()) return predictions.status().WithContext(where);
  const std::vector<uint8_t> changepoints = ChangepointsOf(*predictions);

  std::string out = "datetime;anomaly;changepoint\n";
  for (size_t i = 0; i < predictions->size(); ++i) {
    out += raw[0][i];
    out += (*predictions)[i] ? ";1;" : ";0;";
    out += changepoints[i] ? "1\n" : "0\n";
  }
  KEEL_RETURN_IF_ERROR(WriteBenchmarkOutput(options.out_dir, relative, out));

  FileOutcome outcome;
  if (labelled) {
    KEEL_ASSIGN_OR_RETURN(auto labels, ParseLabels(raw[1], where));
    KEEL_ASSIGN_OR_RETURN(outcome.counts, SkabFileCounts(labels, *predictions, options.train_rows));
  }
  return outcome;
}

}  // namespace

Result<SkabRunReport> RunSkab(const SkabRunOptions& options) {
  KEEL_ASSIGN_OR_RETURN(auto files, FindCsvFiles(options.data_dir));
  if (files.empty()) {
    return Status::NotFound("skab: no CSV file under " + options.data_dir.string());
  }
  SkabRunReport report;
  ConfusionCounts total;
  for (const auto& relative : files) {
    KEEL_ASSIGN_OR_RETURN(FileOutcome outcome, RunFile(options, relative));
    ++report.files;
    if (outcome.counts) {
      ++report.scored_files;
      total += *outcome.counts;
    }
  }
  if (report.scored_files > 0) report.score = ComputeSkabScore(total);
  return report;
}

}  // namespace keel::eval
