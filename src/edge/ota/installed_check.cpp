#include "edge/ota/installed_check.h"

#include <fmt/format.h>

#include <filesystem>
#include <string>

namespace keel::edge::ota {

Result<bool> InstalledMatchesSigned(const Updater& updater, const SlotStore& slots) {
  auto current = slots.Current();
  // A slot whose files no longer match its slot.json (the signed digests it
  // was staged with) does not verify.
  if (current.status().code() == StatusCode::kFailedPrecondition) return false;
  KEEL_ASSIGN_OR_RETURN(const Slot slot, std::move(current));
  const std::string prefix = fmt::format("{}@{}/", slot.manifest.name, slot.manifest.version);
  std::error_code ec;
  size_t on_disk = 0;
  for (const auto& entry : std::filesystem::directory_iterator(slot.dir, ec)) {
    const std::string file = entry.path().filename().string();
    if (file == "slot.json" || file.starts_with('.')) continue;
    ++on_disk;
    if (!slot.manifest.files.contains(file)) return false;
  }
  if (ec) return Status::IoError(fmt::format("{}: {}", slot.dir.string(), ec.message()));
  if (on_disk != slot.manifest.files.size()) return false;
  // Current() verified the files on disk against slot.json: comparing its
  // digests with the signed ones needs no second read.
  for (const auto& [file, recorded] : slot.manifest.files) {
    auto target = updater.Target(prefix + file);
    if (target.status().code() == StatusCode::kNotFound) return false;
    if (!target.ok()) return target.status();
    if (recorded.sha256 != target->sha256 || recorded.length != target->length) return false;
  }
  return true;
}

}  // namespace keel::edge::ota
