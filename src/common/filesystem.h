// FileSystem: the few file operations whose durability matters, behind an
// interface so that crash consistency can be tested (SimulatedDisk) and the
// real thing used in production (PosixFileSystem).
//
// Durability contract (POSIX, and what SimulatedDisk enforces): Write makes
// data visible, not durable; Sync makes a file's data durable; a new name
// (Write of a new file, Rename, Remove) becomes durable only when its
// directory is synced (SyncDir). A crash keeps only what is durable.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "common/status.h"

namespace keel {

class FileSystem {
 public:
  virtual ~FileSystem() = default;

  // NotFound if missing, IoError otherwise.
  virtual Result<std::string> Read(const std::filesystem::path& path) const = 0;
  virtual bool Exists(const std::filesystem::path& path) const = 0;
  // Creates or truncates `path` and writes `data` (visible, not durable).
  virtual Status Write(const std::filesystem::path& path, std::string_view data) = 0;
  virtual Status Sync(const std::filesystem::path& path) = 0;
  virtual Status SyncDir(const std::filesystem::path& dir) = 0;
  // Replaces `to` atomically.
  virtual Status Rename(const std::filesystem::path& from, const std::filesystem::path& to) = 0;
  // A missing file is OK.
  virtual Status Remove(const std::filesystem::path& path) = 0;
  // Creates `dir` and its parents (durably).
  virtual Status MakeDirs(const std::filesystem::path& dir) = 0;
};

// `path` gets `data` atomically and durably: write `path`.tmp, Sync it,
// Rename it over `path`, SyncDir the parent. After a crash at any point,
// `path` holds either its old content or `data`.
Status WriteDurably(FileSystem& fs, const std::filesystem::path& path, std::string_view data);

// The process's real file system (thread-safe).
FileSystem& PosixFileSystem();

}  // namespace keel
