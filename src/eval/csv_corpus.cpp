#include "eval/csv_corpus.h"

#include <algorithm>
#include <cctype>
#include <system_error>

namespace keel::eval {
namespace {

std::vector<std::string_view> SplitLines(std::string_view text) {
  if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);
  std::vector<std::string_view> lines;
  while (!text.empty()) {
    size_t end = text.find('\n');
    std::string_view line = text.substr(0, end);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    lines.push_back(line);
    if (end == std::string_view::npos) break;
    text.remove_prefix(end + 1);
  }
  return lines;
}

std::vector<std::string_view> SplitFields(std::string_view line, char delimiter) {
  std::vector<std::string_view> fields;
  while (true) {
    size_t end = line.find(delimiter);
    fields.push_back(line.substr(0, end));
    if (end == std::string_view::npos) break;
    line.remove_prefix(end + 1);
  }
  return fields;
}

std::string_view Unquote(std::string_view field) {
  if (field.size() >= 2 && field.front() == '"' && field.back() == '"') {
    return field.substr(1, field.size() - 2);
  }
  return field;
}

bool EndsWithCsv(const std::string& name) {
  if (name.size() < 4) return false;
  std::string ext = name.substr(name.size() - 4);
  std::transform(ext.begin(), ext.end(), ext.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return ext == ".csv";
}

}  // namespace

Result<std::vector<std::filesystem::path>> FindCsvFiles(const std::filesystem::path& root) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::is_directory(root, ec)) {
    return Status::NotFound("eval: " + root.string() + " is not a directory");
  }
  std::vector<fs::path> files;
  fs::recursive_directory_iterator it(root, ec);
  for (; !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (it->is_regular_file(ec) && EndsWithCsv(it->path().filename().string())) {
      files.push_back(it->path().lexically_relative(root));
    }
  }
  if (ec) return Status::IoError("eval: listing " + root.string() + ": " + ec.message());
  std::sort(files.begin(), files.end());
  return files;
}

Result<std::vector<std::vector<std::string>>> ReadCsvColumnsText(
    std::string_view text, char delimiter, const std::vector<std::string>& names,
    std::string_view source) {
  const std::string where(source);
  std::vector<std::string_view> lines = SplitLines(text);
  if (lines.empty()) return Status::InvalidArgument(where + ":1: no header");
  std::vector<std::string_view> header = SplitFields(lines[0], delimiter);
  std::vector<size_t> index;
  for (const std::string& name : names) {
    auto found = std::find_if(header.begin(), header.end(),
                              [&](std::string_view h) { return Unquote(h) == name; });
    if (found == header.end()) {
      return Status::InvalidArgument(where + ":1: no column \"" + name + "\"");
    }
    index.push_back(static_cast<size_t>(found - header.begin()));
  }
  std::vector<std::vector<std::string>> columns(names.size());
  for (size_t l = 1; l < lines.size(); ++l) {
    std::vector<std::string_view> fields = SplitFields(lines[l], delimiter);
    if (fields.size() != header.size()) {
      return Status::InvalidArgument(where + ":" + std::to_string(l + 1) + ": " +
                                     std::to_string(fields.size()) + " fields, header has " +
                                     std::to_string(header.size()));
    }
    for (size_t k = 0; k < index.size(); ++k) columns[k].emplace_back(fields[index[k]]);
  }
  return columns;
}

bool CsvHasColumn(std::string_view text, char delimiter, std::string_view name) {
  std::vector<std::string_view> lines = SplitLines(text);
  if (lines.empty()) return false;
  for (std::string_view h : SplitFields(lines[0], delimiter)) {
    if (Unquote(h) == name) return true;
  }
  return false;
}

}  // namespace keel::eval
