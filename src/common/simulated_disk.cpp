#include "common/simulated_disk.h"

namespace keel {
namespace {

std::string Key(const std::filesystem::path& path) { return path.lexically_normal().string(); }
std::string Parent(const std::string& key) {
  return std::filesystem::path(key).parent_path().string();
}

}  // namespace

Status SimulatedDisk::Step() {
  ++mutations_;
  if (crash_at_ && mutations_ >= *crash_at_) return Status::IoError("simulated crash");
  return Status::Ok();
}

Result<std::string> SimulatedDisk::Read(const std::filesystem::path& path) const {
  std::lock_guard lock(mu_);
  auto it = visible_.find(Key(path));
  if (it == visible_.end()) return Status::NotFound("no such file: " + path.string());
  return inodes_.at(it->second).visible;
}

bool SimulatedDisk::Exists(const std::filesystem::path& path) const {
  std::lock_guard lock(mu_);
  const std::string key = Key(path);
  return visible_.count(key) != 0 || dirs_.count(key) != 0;
}

Status SimulatedDisk::Write(const std::filesystem::path& path, std::string_view data) {
  std::lock_guard lock(mu_);
  KEEL_RETURN_IF_ERROR(Step());
  const std::string key = Key(path);
  if (dirs_.count(Parent(key)) == 0) return Status::NotFound("no directory for " + key);
  auto it = visible_.find(key);
  if (it == visible_.end()) {
    const int64_t inode = next_inode_++;
    inodes_[inode] = Inode{};
    it = visible_.emplace(key, inode).first;
  }
  inodes_[it->second].visible = std::string(data);
  return Status::Ok();
}

Status SimulatedDisk::Sync(const std::filesystem::path& path) {
  std::lock_guard lock(mu_);
  KEEL_RETURN_IF_ERROR(Step());
  auto it = visible_.find(Key(path));
  if (it == visible_.end()) return Status::NotFound("no such file: " + path.string());
  Inode& inode = inodes_[it->second];
  inode.durable = inode.visible;
  return Status::Ok();
}

Status SimulatedDisk::SyncDir(const std::filesystem::path& dir) {
  std::lock_guard lock(mu_);
  KEEL_RETURN_IF_ERROR(Step());
  const std::string key = Key(dir);
  for (auto it = durable_.begin(); it != durable_.end();) {
    it = Parent(it->first) == key ? durable_.erase(it) : std::next(it);
  }
  for (const auto& [name, inode] : visible_) {
    if (Parent(name) == key) durable_[name] = inode;
  }
  return Status::Ok();
}

Status SimulatedDisk::Rename(const std::filesystem::path& from, const std::filesystem::path& to) {
  std::lock_guard lock(mu_);
  KEEL_RETURN_IF_ERROR(Step());
  auto it = visible_.find(Key(from));
  if (it == visible_.end()) return Status::NotFound("no such file: " + from.string());
  const int64_t inode = it->second;
  visible_.erase(it);
  visible_[Key(to)] = inode;
  return Status::Ok();
}

Status SimulatedDisk::Remove(const std::filesystem::path& path) {
  std::lock_guard lock(mu_);
  KEEL_RETURN_IF_ERROR(Step());
  visible_.erase(Key(path));
  return Status::Ok();
}

Status SimulatedDisk::MakeDirs(const std::filesystem::path& dir) {
  std::lock_guard lock(mu_);
  for (std::filesystem::path p = dir.lexically_normal(); !p.empty() && p != p.parent_path();
       p = p.parent_path()) {
    dirs_.insert(p.string());
  }
  return Status::Ok();
}

void SimulatedDisk::CrashAfter(int64_t n) {
  std::lock_guard lock(mu_);
  crash_at_ = mutations_ + n;
}

void SimulatedDisk::Crash() {
  std::lock_guard lock(mu_);
  visible_ = durable_;
  std::map<int64_t, Inode> kept;
  for (const auto& [name, inode] : durable_) {
    kept[inode] = Inode{inodes_[inode].durable, inodes_[inode].durable};
  }
  inodes_ = std::move(kept);
  crash_at_.reset();
}

int64_t SimulatedDisk::mutations() const {
  std::lock_guard lock(mu_);
  return mutations_;
}

}  // namespace keel
