#include "common/semver.h"

#include <charconv>
#include <utility>

namespace keel {

std::optional<SemVer> ParseSemVer(std::string_view text) {
  const std::string_view core = text.substr(0, text.find_first_of("-+"));
  SemVer v;
  int64_t* parts[] = {&v.major, &v.minor, &v.patch};
  size_t at = 0;
  for (int i = 0; i < 3; ++i) {
    const size_t end = i < 2 ? core.find('.', at) : core.size();
    if (end == std::string_view::npos || end == at) return std::nullopt;
    const std::string_view digits = core.substr(at, end - at);
    auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), *parts[i]);
    if (ec != std::errc() || ptr != digits.data() + digits.size()) return std::nullopt;
    at = end + 1;
  }
  const size_t plus = text.find('+');
  if (plus != std::string_view::npos && plus + 1 == text.size()) return std::nullopt;
  const size_t dash = text.find('-');
  if (dash != std::string_view::npos && dash < plus) {
    v.pre = std::string(text.substr(dash + 1, plus - dash - 1));
    if (v.pre.empty()) return std::nullopt;
  }
  return v;
}

int CompareSemVer(const SemVer& a, const SemVer& b) {
  for (auto [x, y] : {std::pair{a.major, b.major}, {a.minor, b.minor}, {a.patch, b.patch}}) {
    if (x != y) return x < y ? -1 : 1;
  }
  if (a.pre == b.pre) return 0;
  if (a.pre.empty()) return 1;
  if (b.pre.empty()) return -1;
  return a.pre < b.pre ? -1 : 1;
}

}  // namespace keel
