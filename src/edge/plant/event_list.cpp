#include "edge/plant/event_list.h"

#include <fmt/format.h>

#include <charconv>
#include <cmath>

namespace keel::edge::plant {
namespace {

bool IsBlank(char c) { return c == ' ' || c == '\t'; }
bool IsNameChar(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'; }
bool IsValueChar(char c) { return c != ',' && c != ';' && !IsBlank(c); }

class Cursor {
 public:
  Cursor(std::string_view what, std::string_view text) : what_(what), text_(text) {}

  void SkipBlanks() {
    while (pos_ < text_.size() && IsBlank(text_[pos_])) ++pos_;
  }
  bool AtEnd() const { return pos_ >= text_.size(); }
  size_t pos() const { return pos_; }
  char Peek() const { return AtEnd() ? '\0' : text_[pos_]; }
  bool Consume(char c) {
    SkipBlanks();
    if (Peek() != c) return false;
    ++pos_;
    return true;
  }
  std::string_view Take(bool (*accept)(char)) {
    SkipBlanks();
    const size_t begin = pos_;
    while (pos_ < text_.size() && accept(text_[pos_])) ++pos_;
    return text_.substr(begin, pos_ - begin);
  }
  Status Error(size_t at, std::string_view message) const {
    return Status::InvalidArgument(fmt::format("{}: offset {}: {}", what_, at, message));
  }
  std::string Found() const { return AtEnd() ? "end of text" : fmt::format("'{}'", text_[pos_]); }

 private:
  std::string_view what_;
  std::string_view text_;
  size_t pos_ = 0;
};

bool IsTimeChar(char c) { return (c >= '0' && c <= '9') || c == '.' || (c >= 'a' && c <= 'z'); }

Result<EventParam> ParseParam(Cursor& c) {
  EventParam param;
  c.SkipBlanks();
  param.offset = c.pos();
  param.key = std::string(c.Take(IsNameChar));
  if (param.key.empty()) {
    return c.Error(c.pos(),
                   fmt::format("expected a parameter name [a-z0-9_], found {}", c.Found()));
  }
  if (!c.Consume('=')) {
    return c.Error(c.pos(), fmt::format("expected '=' after parameter \"{}\", found {}", param.key,
                                        c.Found()));
  }
  c.SkipBlanks();
  const size_t value_at = c.pos();
  param.value = std::string(c.Take(IsValueChar));
  if (param.value.empty()) {
    return c.Error(value_at, fmt::format("expected a value for parameter \"{}\"", param.key));
  }
  return param;
}

Result<EventEntry> ParseEntry(Cursor& c) {
  EventEntry entry;
  c.SkipBlanks();
  entry.offset = c.pos();
  entry.name = std::string(c.Take(IsNameChar));
  if (entry.name.empty()) {
    return c.Error(c.pos(), fmt::format("expected a name [a-z0-9_], found {}", c.Found()));
  }
  if (!c.Consume('@')) {
    return c.Error(c.pos(),
                   fmt::format("expected '@' after \"{}\", found {}", entry.name, c.Found()));
  }
  c.SkipBlanks();
  const size_t time_at = c.pos();
  auto at = ParseDurationMs(c.Take(IsTimeChar));
  if (!at.ok()) return c.Error(time_at, at.status().message());
  entry.at_ms = at.value();
  if (!c.Consume(':')) return entry;
  do {
    KEEL_ASSIGN_OR_RETURN(EventParam param, ParseParam(c));
    entry.params.push_back(std::move(param));
  } while (c.Consume(','));
  return entry;
}

}  // namespace

Result<std::vector<EventEntry>> ParseEventList(std::string_view what, std::string_view text) {
  Cursor c(what, text);
  std::vector<EventEntry> entries;
  c.SkipBlanks();
  if (c.AtEnd()) return entries;
  do {
    KEEL_ASSIGN_OR_RETURN(EventEntry entry, ParseEntry(c));
    entries.push_back(std::move(entry));
  } while (c.Consume(';'));
  c.SkipBlanks();
  if (!c.AtEnd()) {
    return c.Error(c.pos(), fmt::format("expected ';', ',' or end of text, found {}", c.Found()));
  }
  return entries;
}

Result<double> ParseNumber(std::string_view text) {
  double value = 0;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (text.empty() || ec != std::errc() || ptr != end || !std::isfinite(value)) {
    return Status::InvalidArgument(fmt::format("\"{}\" is not a finite number", text));
  }
  return value;
}

Result<int64_t> ParseDurationMs(std::string_view text) {
  size_t split = 0;
  while (split < text.size() &&
         ((text[split] >= '0' && text[split] <= '9') || text[split] == '.')) {
    ++split;
  }
  const std::string_view number = text.substr(0, split);
  const std::string_view unit = text.substr(split);
  if (number.empty()) {
    return Status::InvalidArgument(
        fmt::format("\"{}\" is not a time: expected a number >= 0", text));
  }
  double scale = 0;
  if (unit == "ms") {
    scale = 1;
  } else if (unit == "s") {
    scale = 1e3;
  } else if (unit == "m") {
    scale = 60e3;
  } else if (unit == "h") {
    scale = 3600e3;
  } else {
    return Status::InvalidArgument(fmt::format(
        "\"{}\" is not a time: expected a unit (ms, s, m, h) after \"{}\"", text, number));
  }
  auto value = ParseNumber(number);
  if (!value.ok() || value.value() * scale > 1e15) {
    return Status::InvalidArgument(
        fmt::format("\"{}\" is not a time: bad number \"{}\"", text, number));
  }
  return static_cast<int64_t>(std::llround(value.value() * scale));
}

}  // namespace keel::edge::plant
