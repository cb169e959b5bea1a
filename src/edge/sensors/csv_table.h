// CsvTable: a time-indexed numeric table parsed from a CSV file, as recorded
// by data loggers and published anomaly benchmarks (NAB, SKAB). Used by the
// "csv" replay sensor (csv_replay_sensor.h) and by offline evaluation tools.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace keel::edge {

// Inputs larger than this are refused before parsing; the parsed table takes
// at most ~4x the text size (8 bytes per field, the shortest field is "0,").
inline constexpr size_t kCsvMaxFileBytes = size_t{512} << 20;
// A line (without its line ending) longer than this is an error.
inline constexpr size_t kCsvMaxLineBytes = size_t{64} << 10;
// A signal column name, after sanitizing, is 1..kCsvMaxColumnNameBytes bytes.
inline constexpr size_t kCsvMaxColumnNameBytes = 64;

enum class CsvTimeFormat {
  kIso,      // "YYYY-MM-DD HH:MM:SS" or "YYYY-MM-DDTHH:MM:SS", then optionally
             // ".f" (1..9 digits, truncated to ms) and "Z"; always UTC
  kEpochMs,  // integer milliseconds since the Unix epoch
  kEpochS,   // seconds since the Unix epoch, optionally with a fraction
};

// How to read a file: the header row names the columns, one of them (the
// time column) holds the timestamps, the excluded columns (e.g. labels) are
// dropped, every other column is a numeric signal.
struct CsvLayout {
  char delimiter = ',';  // not '"', '\r' or '\n'
  std::string time_column = "timestamp";
  CsvTimeFormat time_format = CsvTimeFormat::kIso;
  std::vector<std::string> excluded_columns;  // matched against the header text

  // NAB: "timestamp,value", ISO timestamps.
  static CsvLayout Nab();
  // SKAB: ';'-separated, time column "datetime", ISO timestamps, the label
  // columns "anomaly" and "changepoint" excluded.
  static CsvLayout Skab();
};

// "nab" | "skab" | "generic" (the default-constructed layout);
// InvalidArgument otherwise.
Result<CsvLayout> CsvLayoutByName(std::string_view name);
// "iso" | "epoch_ms" | "epoch_s"; InvalidArgument otherwise.
Result<CsvTimeFormat> ParseCsvTimeFormat(std::string_view name);

struct CsvTable {
  std::vector<std::string> columns;         // sanitized signal names, header order
  std::vector<std::string> source_columns;  // the same columns as written in the header
  std::vector<int64_t> t_ms;                // per row, ms since the Unix epoch, non-decreasing
  std::vector<std::vector<double>> values;  // values[column][row], all finite
};

// A column name as a signal name: every byte outside [A-Za-z0-9_.:/-]
// becomes '_' ("Volume Flow RateRMS" -> "Volume_Flow_RateRMS").
std::string SanitizeCsvColumnName(std::string_view name);

// Parses `text` strictly. Accepted: an optional UTF-8 BOM, "\n" or "\r\n"
// line endings, a final line ending, header fields in double quotes (no
// quote inside). An error is InvalidArgument with a message
//   <source_name>:<line>: column "<name>": <what>
// (or without the column part when no single column is at fault) for: input
// or line over the bounds above, an empty line, a row whose field count
// differs from the header's, a field that is not entirely a finite number, an
// invalid or decreasing timestamp, a missing time column, a header without
// signal columns, empty or duplicate (after sanitizing) column names. A
// header without data rows is a valid, empty table.
Result<CsvTable> ParseCsv(std::string_view text, const CsvLayout& layout,
                          std::string_view source_name);

// Reads and parses a file (the path is the source name). A file over
// kCsvMaxFileBytes is InvalidArgument without being read; an unreadable one
// is the error of ReadFile (common/files.h).
Result<CsvTable> LoadCsv(const std::filesystem::path& path, const CsvLayout& layout);

// Parses one timestamp in `format` to ms since the Unix epoch, independent of
// the TZ environment. InvalidArgument (message without location) otherwise.
Result<int64_t> ParseCsvTimestamp(std::string_view text, CsvTimeFormat format);

}  // namespace keel::edge
