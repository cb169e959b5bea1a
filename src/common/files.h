// Small filesystem helpers with explicit durability and permission contracts.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "common/status.h"

namespace keel {

// Writes `content` to `path` atomically: a temporary file in the same
// directory is written, fsynced, given `mode` (e.g. 0600 for keys) before any
// byte is written, and renamed over `path`; the directory is then fsynced.
// A crash leaves either the old or the new file, never a torn one.
Status WriteFileAtomic(const std::filesystem::path& path, std::string_view content,
                       std::filesystem::perms mode = std::filesystem::perms(0644));

// Reads a whole file. NotFound if it does not exist, IoError otherwise.
Result<std::string> ReadFile(const std::filesystem::path& path);

// Creates `dir` (and parents) if missing and sets its mode.
Status EnsureDirectory(const std::filesystem::path& dir,
                       std::filesystem::perms mode = std::filesystem::perms(0755));

}  // namespace keel
