// Semantic versions (MAJOR.MINOR.PATCH[-prerelease][+build]) as artifacts
// are versioned, and their order.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace keel {

struct SemVer {
  int64_t major = 0, minor = 0, patch = 0;
  std::string pre;  // empty for a release
};

// nullopt unless `text` is MAJOR.MINOR.PATCH with decimal numbers, optionally
// followed by a non-empty "-prerelease" and/or "+build".
std::optional<SemVer> ParseSemVer(std::string_view text);

// <0, 0, >0 like strcmp; a pre-release sorts before its release; build
// metadata is ignored.
int CompareSemVer(const SemVer& a, const SemVer& b);

}  // namespace keel
