// The rules of manifest.h that need no JSON: semantic versions and paths.
#include <fmt/format.h>

#include "edge/model/manifest.h"

namespace keel::edge::model {
namespace {

bool IsAlnumOrDash(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-';
}

bool IsDigits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

// Dot-separated non-empty identifiers of [0-9A-Za-z-]; with `numeric_rule`,
// all-digit identifiers may not have leading zeros (prerelease).
bool IsIdentifierList(std::string_view s, bool numeric_rule) {
  if (s.empty()) return false;
  size_t start = 0;
  while (true) {
    const size_t dot = s.find('.', start);
    const std::string_view id =
        s.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start);
    if (id.empty()) return false;
    for (char c : id) {
      if (!IsAlnumOrDash(c)) return false;
    }
    if (numeric_rule && IsDigits(id) && id.size() > 1 && id[0] == '0') return false;
    if (dot == std::string_view::npos) return true;
    start = dot + 1;
  }
}

bool IsNumericIdentifier(std::string_view s) {
  return IsDigits(s) && (s.size() == 1 || s[0] != '0');
}

}  // namespace

bool IsSemanticVersion(std::string_view text) {
  std::string_view core = text;
  if (const size_t plus = core.find('+'); plus != std::string_view::npos) {
    if (!IsIdentifierList(core.substr(plus + 1), false)) return false;
    core = core.substr(0, plus);
  }
  if (const size_t dash = core.find('-'); dash != std::string_view::npos) {
    if (!IsIdentifierList(core.substr(dash + 1), true)) return false;
    core = core.substr(0, dash);
  }
  for (int part = 0; part < 3; ++part) {
    const size_t dot = core.find('.');
    if ((part < 2) == (dot == std::string_view::npos)) return false;
    if (!IsNumericIdentifier(core.substr(0, dot))) return false;
    core = part < 2 ? core.substr(dot + 1) : std::string_view();
  }
  return true;
}

Status CheckBundleRelativePath(std::string_view relative) {
  if (relative.empty()) return Status::InvalidArgument("empty path");
  if (relative.front() == '/') {
    return Status::InvalidArgument(
        fmt::format("\"{}\" is absolute; it must be relative to the bundle directory", relative));
  }
  size_t start = 0;
  while (start <= relative.size()) {
    size_t slash = relative.find('/', start);
    if (slash == std::string_view::npos) slash = relative.size();
    const std::string_view part = relative.substr(start, slash - start);
    if (part.empty() || part == "..") {
      return Status::InvalidArgument(fmt::format(
          "\"{}\" has an empty or \"..\" component; it must stay inside the bundle directory",
          relative));
    }
    if (part.find('\0') != std::string_view::npos) {
      return Status::InvalidArgument("path contains a NUL byte");
    }
    start = slash + 1;
  }
  return Status::Ok();
}

std::string_view BackendName(Backend backend) {
  return backend == Backend::kOnnx ? "onnx" : "builtin";
}

}  // namespace keel::edge::model
