// RevokedIds: the set of revoked device ids the keel broker plugin enforces,
// loaded from a text file written by keel-hub.
//
// File format: UTF-8 text, one device id per line; surrounding whitespace is
// ignored, as are empty lines and lines starting with '#'. A missing file
// means "nothing revoked". The hub replaces the file atomically (rename), so
// a change is detected by (inode, size, mtime).
//
// Not thread-safe: mosquitto calls plugins from its single main thread.
#pragma once

#include <sys/stat.h>

#include <string>
#include <unordered_set>
#include <vector>

namespace keel::broker_plugin {

class RevokedIds {
 public:
  explicit RevokedIds(std::string path) : path_(std::move(path)) {}

  // stat()s the file; if it differs from the last load (or `force`), reloads
  // it and returns true. On a read error the previous set is kept and
  // `error` is set.
  bool RefreshIfChanged(bool force, std::string* error);

  bool Contains(const std::string& id) const { return ids_.count(id) != 0; }
  const std::unordered_set<std::string>& ids() const { return ids_; }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  std::unordered_set<std::string> ids_;
  bool have_stamp_ = false;
  ino_t inode_ = 0;
  off_t size_ = 0;
  long long mtime_ns_ = 0;
};

}  // namespace keel::broker_plugin
