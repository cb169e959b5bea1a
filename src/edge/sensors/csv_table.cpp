#include "edge/sensors/csv_table.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <system_error>

#include "common/files.h"

namespace keel::edge {
namespace {

constexpr std::string_view kBom = "\xEF\xBB\xBF";

bool IsNameChar(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '.' || c == ':' || c == '/' || c == '-';
}

std::string Clip(std::string_view text) {
  constexpr size_t kMax = 40;
  if (text.size() <= kMax) return std::string(text);
  return std::string(text.substr(0, kMax)) + "...";
}

class Parser {
 public:
  Parser(std::string_view text, const CsvLayout& layout, std::string_view source)
      : text_(text), layout_(layout), source_(source) {}

  Result<CsvTable> Run() {
    if (text_.size() > kCsvMaxFileBytes) {
      return Status::InvalidArgument(fmt::format("{}: {} bytes exceeds the limit of {} bytes",
                                                 source_, text_.size(), kCsvMaxFileBytes));
    }
    if (layout_.delimiter == '"' || layout_.delimiter == '\r' || layout_.delimiter == '\n') {
      return Status::InvalidArgument(fmt::format("{}: unusable delimiter", source_));
    }
    if (text_.starts_with(kBom)) text_.remove_prefix(kBom.size());
    std::string_view line;
    if (!NextLine(&line)) {
      line_no_ = 1;
      return Error("", "missing header row");
    }
    KEEL_RETURN_IF_ERROR(line_status_);
    KEEL_RETURN_IF_ERROR(ParseHeader(line));
    while (NextLine(&line)) {
      KEEL_RETURN_IF_ERROR(line_status_);
      KEEL_RETURN_IF_ERROR(ParseRow(line));
    }
    return std::move(table_);
  }

 private:
  bool NextLine(std::string_view* line) {
    if (text_.empty()) return false;
    const size_t nl = text_.find('\n');
    *line = text_.substr(0, nl);
    text_.remove_prefix(nl == std::string_view::npos ? text_.size() : nl + 1);
    ++line_no_;
    if (line->ends_with('\r')) line->remove_suffix(1);
    if (line->size() > kCsvMaxLineBytes) {
      line_status_ = Error("", fmt::format("line of {} bytes exceeds the limit of {} bytes",
                                           line->size(), kCsvMaxLineBytes));
    } else if (line->empty()) {
      line_status_ = Error("", "empty line");
    }
    return true;
  }

  Status Error(std::string_view column, std::string_view what) const {
    if (column.empty())
      return Status::InvalidArgument(fmt::format("{}:{}: {}", source_, line_no_, what));
    return Status::InvalidArgument(
        fmt::format("{}:{}: column \"{}\": {}", source_, line_no_, Clip(column), what));
  }

  Status SplitFields(std::string_view line) {
    fields_.clear();
    size_t pos = 0;
    while (true) {
      if (pos < line.size() && line[pos] == '"') {
        const size_t close = line.find('"', pos + 1);
        if (close == std::string_view::npos) {
          return Error("", fmt::format("field {} has no closing quote", fields_.size() + 1));
        }
        fields_.push_back(line.substr(pos + 1, close - pos - 1));
        pos = close + 1;
        if (pos < line.size() && line[pos] != layout_.delimiter) {
          return Error("",
                       fmt::format("field {} has text after its closing quote", fields_.size()));
        }
      } else {
        const size_t end = std::min(line.find(layout_.delimiter, pos), line.size());
        fields_.push_back(line.substr(pos, end - pos));
        pos = end;
      }
      if (pos >= line.size()) return Status::Ok();
      ++pos;
      if (pos == line.size()) {
        fields_.emplace_back();
        return Status::Ok();
      }
    }
  }

  Status ParseHeader(std::string_view line) {
    KEEL_RETURN_IF_ERROR(SplitFields(line));
    header_size_ = fields_.size();
    for (size_t i = 0; i < fields_.size(); ++i) {
      const std::string_view name = fields_[i];
      if (name.empty()) return Error("", fmt::format("header field {} is empty", i + 1));
      if (name == layout_.time_column) {
        if (time_index_ != kNone) return Error(name, "time column appears twice");
        time_index_ = i;
        continue;
      }
      if (std::find(layout_.excluded_columns.begin(), layout_.excluded_columns.end(), name) !=
          layout_.excluded_columns.end()) {
        continue;
      }
      std::string sanitized = SanitizeCsvColumnName(name);
      if (sanitized.size() > kCsvMaxColumnNameBytes) {
        return Error(name, fmt::format("name longer than {} bytes", kCsvMaxColumnNameBytes));
      }
      if (std::find(table_.columns.begin(), table_.columns.end(), sanitized) !=
          table_.columns.end()) {
        return Error(name, fmt::format("duplicate signal name \"{}\"", sanitized));
      }
      table_.columns.push_back(std::move(sanitized));
      table_.source_columns.emplace_back(name);
      signal_fields_.push_back(i);
    }
    if (time_index_ == kNone) {
      return Error("", fmt::format("time column \"{}\" not found", Clip(layout_.time_column)));
    }
    if (table_.columns.empty()) return Error("", "no signal columns");
    table_.values.resize(table_.columns.size());
    return Status::Ok();
  }

  Status ParseRow(std::string_view line) {
    KEEL_RETURN_IF_ERROR(SplitFields(line));
    if (fields_.size() != header_size_) {
      return Error("",
                   fmt::format("row has {} fields, header has {}", fields_.size(), header_size_));
    }
    auto t = ParseCsvTimestamp(fields_[time_index_], layout_.time_format);
    if (!t.ok()) return Error(layout_.time_column, t.status().message());
    if (!table_.t_ms.empty() && *t < table_.t_ms.back()) {
      return Error(layout_.time_column, fmt::format("timestamp \"{}\" is before the previous row's",
                                                    Clip(fields_[time_index_])));
    }
    for (size_t c = 0; c < signal_fields_.size(); ++c) {
      const std::string_view field = fields_[signal_fields_[c]];
      double value = 0;
      const auto [end, ec] = std::from_chars(field.data(), field.data() + field.size(), value);
      if (field.empty() || ec != std::errc() || end != field.data() + field.size() ||
          !std::isfinite(value)) {
        return Error(table_.source_columns[c],
                     fmt::format("\"{}\" is not a finite number", Clip(field)));
      }
      table_.values[c].push_back(value);
    }
    table_.t_ms.push_back(*t);
    return Status::Ok();
  }

  static constexpr size_t kNone = static_cast<size_t>(-1);

  std::string_view text_;
  const CsvLayout& layout_;
  std::string_view source_;
  size_t line_no_ = 0;
  Status line_status_;
  std::vector<std::string_view> fields_;
  size_t header_size_ = 0;
  size_t time_index_ = kNone;
  std::vector<size_t> signal_fields_;
  CsvTable table_;
};

}  // namespace

CsvLayout CsvLayout::Nab() { return CsvLayout{',', "timestamp", CsvTimeFormat::kIso, {}}; }

CsvLayout CsvLayout::Skab() {
  return CsvLayout{';', "datetime", CsvTimeFormat::kIso, {"anomaly", "changepoint"}};
}

Result<CsvLayout> CsvLayoutByName(std::string_view name) {
  if (name == "nab") return CsvLayout::Nab();
  if (name == "skab") return CsvLayout::Skab();
  if (name == "generic") return CsvLayout{};
  return Status::InvalidArgument(
      fmt::format("layout \"{}\" is not one of nab, skab, generic", Clip(name)));
}

std::string SanitizeCsvColumnName(std::string_view name) {
  std::string out(name);
  for (char& c : out) {
    if (!IsNameChar(c)) c = '_';
  }
  return out;
}

Result<CsvTable> ParseCsv(std::string_view text, const CsvLayout& layout,
                          std::string_view source_name) {
  return Parser(text, layout, source_name).Run();
}

Result<CsvTable> LoadCsv(const std::filesystem::path& path, const CsvLayout& layout) {
  std::error_code ec;
  const uintmax_t size = std::filesystem::file_size(path, ec);
  if (!ec && size > kCsvMaxFileBytes) {
    return Status::InvalidArgument(fmt::format("{}: {} bytes exceeds the limit of {} bytes",
                                               path.string(), size, kCsvMaxFileBytes));
  }
  KEEL_ASSIGN_OR_RETURN(std::string text, ReadFile(path));
  return ParseCsv(text, layout, path.string());
}

}  // namespace keel::edge
