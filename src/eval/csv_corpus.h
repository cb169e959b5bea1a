// Finding a benchmark's CSV files and reading raw column text from them (the
// numeric signals come from edge/sensors/csv_table.h; this keeps what the
// evaluation echoes or scores verbatim: timestamps and label columns).
// Pure functions; thread-safe.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace keel::eval {

// Every regular file under `root` (recursively, following no symlinked
// directories) whose name ends in ".csv" (any case), as paths relative to
// `root`, sorted. NotFound if `root` is not a directory; IoError if listing
// fails.
Result<std::vector<std::filesystem::path>> FindCsvFiles(const std::filesystem::path& root);

// The text of the named columns, per row: result[k][row] for names[k].
// Lines are split on `delimiter` only (no quoting except around header
// names); an optional UTF-8 BOM and "\r\n" endings are accepted, and a final
// line ending is optional. InvalidArgument, prefixed with "<source>:<line>:",
// if a named column is missing or a row has a different field count than the
// header.
Result<std::vector<std::vector<std::string>>> ReadCsvColumnsText(
    std::string_view text, char delimiter, const std::vector<std::string>& names,
    std::string_view source);

// Whether the header (first line) of `text` has a column called `name`.
bool CsvHasColumn(std::string_view text, char delimiter, std::string_view name);

}  // namespace keel::eval
