// SimulatedDisk: an in-memory FileSystem that models what survives a crash,
// for crash-consistency tests (the edge agent's A/B slots).
//
// Each file is an inode with visible and durable contents; each directory
// has visible and durable name -> inode entries. Write changes the visible
// content (a new file also gets a visible entry, durable content ""); Sync
// makes the inode's content durable; Rename and Remove change visible
// entries; SyncDir makes a directory's entries durable. Crash() keeps the
// durable state only. MakeDirs is durable at once.
//
// Fault injection: after CrashAfter(n), the n-th following mutating call
// (Write, Sync, SyncDir, Rename, Remove) and every later one fail with
// IoError "simulated crash" without effect, as if the machine stopped there;
// the test then calls Crash() and "restarts". Thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>

#include "common/filesystem.h"

namespace keel {

class SimulatedDisk final : public FileSystem {
 public:
  Result<std::string> Read(const std::filesystem::path& path) const override;
  bool Exists(const std::filesystem::path& path) const override;
  Status Write(const std::filesystem::path& path, std::string_view data) override;
  Status Sync(const std::filesystem::path& path) override;
  Status SyncDir(const std::filesystem::path& dir) override;
  Status Rename(const std::filesystem::path& from, const std::filesystem::path& to) override;
  Status Remove(const std::filesystem::path& path) override;
  Status MakeDirs(const std::filesystem::path& dir) override;

  // The n-th mutating call from now (1 = the next) and all later ones fail.
  void CrashAfter(int64_t n);
  // Drops everything not durable and clears CrashAfter.
  void Crash();
  // Mutating calls so far (to enumerate crash points).
  int64_t mutations() const;

 private:
  struct Inode {
    std::string visible;
    std::string durable;
  };
  using Entries = std::map<std::string, int64_t>;  // full path -> inode

  // IoError while crashed; otherwise counts the call.
  Status Step();

  mutable std::mutex mu_;
  std::map<int64_t, Inode> inodes_;
  Entries visible_, durable_;
  std::set<std::string> dirs_;
  int64_t next_inode_ = 1;
  int64_t mutations_ = 0;
  std::optional<int64_t> crash_at_;
};

}  // namespace keel
