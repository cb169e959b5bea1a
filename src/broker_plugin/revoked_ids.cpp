#include "revoked_ids.h"

#include <cerrno>
#include <cstring>
#include <fstream>

namespace keel::broker_plugin {

bool RevokedIds::RefreshIfChanged(bool force, std::string* error) {
  struct stat st {};
  if (::stat(path_.c_str(), &st) != 0) {
    if (errno != ENOENT) {
      *error = "stat " + path_ + ": " + std::strerror(errno);
      return false;
    }
    const bool changed = have_stamp_ || !ids_.empty();
    have_stamp_ = false;
    ids_.clear();
    return changed || force;
  }
  const long long mtime_ns =
      static_cast<long long>(st.st_mtim.tv_sec) * 1'000'000'000LL + st.st_mtim.tv_nsec;
  if (!force && have_stamp_ && st.st_ino == inode_ && st.st_size == size_ &&
      mtime_ns == mtime_ns_) {
    return false;
  }
  std::ifstream in(path_);
  if (!in) {
    *error = "cannot open " + path_;
    return false;
  }
  std::unordered_set<std::string> ids;
  std::string line;
  while (std::getline(in, line)) {
    const size_t begin = line.find_first_not_of(" \t\r");
    if (begin == std::string::npos || line[begin] == '#') continue;
    const size_t end = line.find_last_not_of(" \t\r");
    ids.insert(line.substr(begin, end - begin + 1));
  }
  ids_ = std::move(ids);
  have_stamp_ = true;
  inode_ = st.st_ino;
  size_ = st.st_size;
  mtime_ns_ = mtime_ns;
  return true;
}

}  // namespace keel::broker_plugin
