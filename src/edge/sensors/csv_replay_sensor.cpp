#include "edge/sensors/csv_replay_sensor.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <climits>
#include <optional>
#include <set>

#include "edge/sensors/csv_table.h"

namespace keel::edge {
namespace {

struct ReplayOptions {
  std::string path;
  CsvLayout layout;
  bool file_timestamps = false;
  bool loop = false;
};

Status OptionError(const SensorConfig& config, std::string_view option, std::string_view what) {
  return Status::InvalidArgument(
      fmt::format("sensor \"{}\": option \"{}\": {}", config.name, option, what));
}

Result<ReplayOptions> ParseOptions(const SensorConfig& config) {
  static const std::set<std::string, std::less<>> kKnown = {
      "path", "layout", "delimiter", "time_column", "time_format", "timestamps", "loop"};
  const auto& opts = config.options;
  for (const auto& [key, value] : opts) {
    if (!kKnown.contains(key)) {
      return OptionError(config, key, fmt::format("not supported by kind \"{}\"", kCsvKind));
    }
  }
  ReplayOptions out;
  auto path = opts.find("path");
  if (path == opts.end() || path->second.empty()) {
    return OptionError(config, "path", "required");
  }
  out.path = path->second;
  std::string layout_name = "generic";
  if (auto it = opts.find("layout"); it != opts.end()) layout_name = it->second;
  auto layout = CsvLayoutByName(layout_name);
  if (!layout.ok()) return OptionError(config, "layout", layout.status().message());
  out.layout = *layout;
  for (const char* generic_only : {"delimiter", "time_column", "time_format"}) {
    if (layout_name != "generic" && opts.contains(generic_only)) {
      return OptionError(config, generic_only, "only applies to layout \"generic\"");
    }
  }
  if (auto it = opts.find("delimiter"); it != opts.end()) {
    const std::string& d = it->second;
    if (d.size() != 1 || d[0] == '"' || d[0] == '\r' || d[0] == '\n') {
      return OptionError(config, "delimiter", "must be one character other than '\"' or EOL");
    }
    out.layout.delimiter = d[0];
  }
  if (auto it = opts.find("time_column"); it != opts.end()) {
    if (it->second.empty()) return OptionError(config, "time_column", "must not be empty");
    out.layout.time_column = it->second;
  }
  if (auto it = opts.find("time_format"); it != opts.end()) {
    auto format = ParseCsvTimeFormat(it->second);
    if (!format.ok()) return OptionError(config, "time_format", format.status().message());
    out.layout.time_format = *format;
  }
  if (auto it = opts.find("timestamps"); it != opts.end()) {
    if (it->second != "now" && it->second != "file") {
      return OptionError(config, "timestamps",
                         fmt::format("\"{}\" is not one of now, file", it->second));
    }
    out.file_timestamps = it->second == "file";
  }
  if (auto it = opts.find("loop"); it != opts.end()) {
    if (it->second != "true" && it->second != "false") {
      return OptionError(config, "loop", fmt::format("\"{}\" is not true or false", it->second));
    }
    out.loop = it->second == "true";
  }
  if (out.loop && out.file_timestamps) {
    return OptionError(config, "loop", "requires timestamps=now (file timestamps would repeat)");
  }
  return out;
}

int64_t MedianInterval(const std::vector<int64_t>& t) {
  if (t.size() < 2) return 0;
  std::vector<int64_t> d;
  d.reserve(t.size() - 1);
  for (size_t i = 1; i < t.size(); ++i) d.push_back(t[i] - t[i - 1]);
  std::nth_element(d.begin(), d.begin() + static_cast<ptrdiff_t>(d.size() / 2), d.end());
  return d[d.size() / 2];
}

int64_t SaturatingSub(int64_t a, int64_t b) {
  int64_t r = 0;
  if (__builtin_sub_overflow(a, b, &r)) return a > b ? INT64_MAX : INT64_MIN;
  return r;
}

class CsvReplaySensor : public SensorDriver {
 public:
  CsvReplaySensor(std::vector<ChannelSpec> channels, std::vector<size_t> columns, CsvTable table,
                  const ReplayOptions& options)
      : channels_(std::move(channels)),
        columns_(std::move(columns)),
        table_(std::move(table)),
        file_timestamps_(options.file_timestamps),
        loop_(options.loop) {
    pass_ms_ = table_.t_ms.back() - table_.t_ms.front() +
               std::max<int64_t>(1, MedianInterval(table_.t_ms));
  }

  std::string_view kind() const override { return kCsvKind; }
  const std::vector<ChannelSpec>& channels() const override { return channels_; }

  Status Read(int64_t now_ms, std::vector<wire::Series>* out) override {
    if (!first_now_) first_now_ = now_ms;
    if (now_ms < last_now_) return Status::Ok();
    last_now_ = now_ms;
    const int64_t elapsed = SaturatingSub(now_ms, *first_now_);
    std::vector<wire::Series> series(channels_.size());
    size_t rows = 0;
    while (rows < kCsvMaxRowsPerRead && (loop_ || pass_ == 0)) {
      const int64_t offset = pass_ * pass_ms_ + (table_.t_ms[row_] - table_.t_ms.front());
      if (offset > elapsed) break;
      const int64_t t = file_timestamps_ ? table_.t_ms[row_] : *first_now_ + offset;
      for (size_t c = 0; c < columns_.size(); ++c) {
        series[c].points.push_back({t, table_.values[columns_[c]][row_]});
      }
      ++rows;
      if (++row_ == table_.t_ms.size()) {
        row_ = 0;
        ++pass_;
      }
    }
    for (size_t c = 0; c < channels_.size(); ++c) {
      if (series[c].points.empty()) continue;
      series[c].name = channels_[c].name;
      out->push_back(std::move(series[c]));
    }
    return Status::Ok();
  }

 private:
  std::vector<ChannelSpec> channels_;
  std::vector<size_t> columns_;  // channels_[i] reads table_.values[columns_[i]]
  CsvTable table_;
  bool file_timestamps_;
  bool loop_;
  int64_t pass_ms_ = 0;
  std::optional<int64_t> first_now_;
  int64_t last_now_ = INT64_MIN;
  int64_t pass_ = 0;
  size_t row_ = 0;
};

}  // namespace

Result<std::unique_ptr<SensorDriver>> CreateCsvReplaySensor(const SensorConfig& config,
                                                            uint64_t /*seed*/) {
  if (config.kind != kCsvKind) {
    return Status::InvalidArgument(fmt::format("sensor \"{}\": kind \"{}\" is not \"{}\"",
                                               config.name, config.kind, kCsvKind));
  }
  KEEL_RETURN_IF_ERROR(ValidateSensorConfig(config));
  KEEL_ASSIGN_OR_RETURN(ReplayOptions options, ParseOptions(config));
  auto table = LoadCsv(options.path, options.layout);
  if (!table.ok()) return table.status().WithContext(fmt::format("sensor \"{}\"", config.name));
  if (table->t_ms.empty()) {
    return Status::InvalidArgument(
        fmt::format("sensor \"{}\": {}: no data rows", config.name, options.path));
  }
  const int64_t median = MedianInterval(table->t_ms);
  const double rate_hz = median > 0 ? 1000.0 / static_cast<double>(median) : 0.0;
  std::vector<ChannelSpec> channels;
  std::vector<size_t> columns;
  auto add = [&](size_t column, const std::string& unit) {
    SignalConfig signal;
    signal.name = table->columns[column];
    channels.push_back({SeriesName(config, signal), unit, rate_hz});
    columns.push_back(column);
  };
  if (config.signals.empty()) {
    for (size_t c = 0; c < table->columns.size(); ++c) add(c, "");
  }
  for (const SignalConfig& signal : config.signals) {
    size_t c = 0;
    while (c < table->columns.size() && table->columns[c] != signal.name &&
           table->source_columns[c] != signal.name) {
      ++c;
    }
    if (c == table->columns.size()) {
      return Status::InvalidArgument(
          fmt::format("sensor \"{}\": signal \"{}\": no such column in {} (columns: {})",
                      config.name, signal.name, options.path, fmt::join(table->columns, ", ")));
    }
    add(c, signal.unit);
  }
  return std::unique_ptr<SensorDriver>(std::make_unique<CsvReplaySensor>(
      std::move(channels), std::move(columns), std::move(*table), options));
}

}  // namespace keel::edge
