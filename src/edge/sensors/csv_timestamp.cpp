#include <fmt/format.h>

#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <string_view>

#include "edge/sensors/csv_table.h"

namespace keel::edge {
namespace {

bool ParseDigits(std::string_view text, size_t pos, size_t count, int* out) {
  if (pos + count > text.size()) return false;
  int value = 0;
  for (size_t i = pos; i < pos + count; ++i) {
    if (text[i] < '0' || text[i] > '9') return false;
    value = value * 10 + (text[i] - '0');
  }
  *out = value;
  return true;
}

Status BadTimestamp(std::string_view text, std::string_view expected) {
  if (text.size() > 40) text = text.substr(0, 40);
  return Status::InvalidArgument(fmt::format("timestamp \"{}\" is not {}",
                                             fmt::string_view(text.data(), text.size()),
                                             fmt::string_view(expected.data(), expected.size())));
}

Result<int64_t> ParseIso(std::string_view text) {
  constexpr std::string_view kExpected = "YYYY-MM-DD[ T]HH:MM:SS[.fff][Z]";
  int year, month, day, hour, minute, second;
  if (text.size() < 19 || !ParseDigits(text, 0, 4, &year) || text[4] != '-' ||
      !ParseDigits(text, 5, 2, &month) || text[7] != '-' || !ParseDigits(text, 8, 2, &day) ||
      (text[10] != ' ' && text[10] != 'T') || !ParseDigits(text, 11, 2, &hour) || text[13] != ':' ||
      !ParseDigits(text, 14, 2, &minute) || text[16] != ':' || !ParseDigits(text, 17, 2, &second)) {
    return BadTimestamp(text, kExpected);
  }
  size_t pos = 19;
  int64_t millis = 0;
  if (pos < text.size() && text[pos] == '.') {
    ++pos;
    const size_t start = pos;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
      if (pos - start < 3) millis = millis * 10 + (text[pos] - '0');
      ++pos;
    }
    const size_t digits = pos - start;
    if (digits == 0 || digits > 9) return BadTimestamp(text, kExpected);
    for (size_t d = digits; d < 3; ++d) millis *= 10;
  }
  if (pos < text.size() && text[pos] == 'Z') ++pos;
  if (pos != text.size()) return BadTimestamp(text, kExpected);

  const std::chrono::year_month_day date{std::chrono::year{year},
                                         std::chrono::month{static_cast<unsigned>(month)},
                                         std::chrono::day{static_cast<unsigned>(day)}};
  if (!date.ok() || hour > 23 || minute > 59 || second > 59) {
    return BadTimestamp(text, "a valid date and time");
  }
  const int64_t days = std::chrono::sys_days(date).time_since_epoch().count();
  return ((days * 24 + hour) * 60 + minute) * int64_t{60000} + second * int64_t{1000} + millis;
}

Result<int64_t> ParseEpochMs(std::string_view text) {
  int64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || text.empty()) {
    return BadTimestamp(text, "integer epoch milliseconds");
  }
  return value;
}

Result<int64_t> ParseEpochS(std::string_view text) {
  constexpr double kMaxSeconds = 1e13;  // ~ year 318857; keeps ms far from int64 overflow
  double value = 0;
  const auto [end, ec] =
      std::from_chars(text.data(), text.data() + text.size(), value, std::chars_format::fixed);
  if (ec != std::errc() || end != text.data() + text.size() || text.empty() ||
      !std::isfinite(value) || std::fabs(value) > kMaxSeconds) {
    return BadTimestamp(text, "epoch seconds within +-1e13");
  }
  return static_cast<int64_t>(std::llround(value * 1000.0));
}

}  // namespace

Result<int64_t> ParseCsvTimestamp(std::string_view text, CsvTimeFormat format) {
  switch (format) {
    case CsvTimeFormat::kIso:
      return ParseIso(text);
    case CsvTimeFormat::kEpochMs:
      return ParseEpochMs(text);
    case CsvTimeFormat::kEpochS:
      return ParseEpochS(text);
  }
  return Status::InvalidArgument("unknown time format");
}

Result<CsvTimeFormat> ParseCsvTimeFormat(std::string_view name) {
  if (name == "iso") return CsvTimeFormat::kIso;
  if (name == "epoch_ms") return CsvTimeFormat::kEpochMs;
  if (name == "epoch_s") return CsvTimeFormat::kEpochS;
  return Status::InvalidArgument(
      fmt::format("time format \"{}\" is not one of iso, epoch_ms, epoch_s",
                  fmt::string_view(name.data(), name.size())));
}

}  // namespace keel::edge
