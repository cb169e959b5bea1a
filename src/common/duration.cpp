#include "common/duration.h"

#include <fmt/format.h>

#include <charconv>
#include <limits>

namespace keel {

Result<int64_t> ParseDuration(std::string_view text) {
  size_t digits = 0;
  while (digits < text.size() && text[digits] >= '0' && text[digits] <= '9') ++digits;
  const std::string_view unit = text.substr(digits);
  int64_t n = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + digits, n);
  int64_t scale = 0;
  if (unit == "ms") scale = 1;
  if (unit == "s") scale = 1000;
  if (unit == "m") scale = 60'000;
  if (unit == "h") scale = 3'600'000;
  if (unit == "d") scale = 86'400'000;
  if (digits == 0 || ec != std::errc() || scale == 0 ||
      n > std::numeric_limits<int64_t>::max() / scale) {
    return Status::InvalidArgument(fmt::format(
        "duration \"{}\": expected a number and a unit (ms, s, m, h, d), e.g. 10m", text));
  }
  return n * scale;
}

}  // namespace keel
