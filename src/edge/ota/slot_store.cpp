#include "edge/ota/slot_store.h"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "crypto/tokens.h"

namespace keel::edge::ota {
namespace {

constexpr const char* kStateFile = "state.json";
constexpr const char* kSlotFile = "slot.json";

bool AllowedFileName(const std::string& name) {
  return !name.empty() && name.size() <= 255 && name.find('/') == std::string::npos &&
         name.front() != '.' && name != kSlotFile && name != "state.json";
}

nlohmann::json ManifestJson(const SlotManifest& m) {
  nlohmann::json files = nlohmann::json::object();
  for (const auto& [name, digest] : m.files) {
    files[name] = {{"sha256", digest.sha256}, {"length", digest.length}};
  }
  return {{"name", m.name}, {"version", m.version}, {"files", files}};
}

std::optional<SlotManifest> ParseSlotManifest(const std::string& text) {
  const auto j = nlohmann::json::parse(text, nullptr, false);
  if (!j.is_object()) return std::nullopt;
  try {
    SlotManifest m;
    m.name = j.at("name").get<std::string>();
    m.version = j.at("version").get<std::string>();
    for (const auto& [name, digest] : j.at("files").items()) {
      if (!AllowedFileName(name)) return std::nullopt;
      m.files[name] = {digest.at("sha256").get<std::string>(), digest.at("length").get<int64_t>()};
    }
    if (m.files.empty()) return std::nullopt;
    return m;
  } catch (const nlohmann::json::exception&) {
    return std::nullopt;
  }
}

bool ValidId(const std::string& id) { return id == "a" || id == "b"; }

}  // namespace

FileDigest DigestOf(std::string_view content) {
  return {crypto::Sha256Hex(content), static_cast<int64_t>(content.size())};
}

Result<SlotStore> SlotStore::Open(FileSystem& fs, std::filesystem::path dir, int max_attempts) {
  SlotStore store(fs, std::move(dir), max_attempts);
  KEEL_RETURN_IF_ERROR(fs.MakeDirs(store.SlotDir("a")));
  KEEL_RETURN_IF_ERROR(fs.MakeDirs(store.SlotDir("b")));
  auto text = fs.Read(store.dir_ / kStateFile);
  bool unreadable = false;
  if (text.ok()) {
    const auto j = nlohmann::json::parse(*text, nullptr, false);
    try {
      if (!j.is_object()) throw nlohmann::json::other_error::create(0, "not an object", nullptr);
      store.state_.active = j.value("active", "");
      if (j.contains("trial") && j["trial"].is_object()) {
        store.state_.trial = j["trial"].value("slot", "");
        store.state_.attempts = j["trial"].value("attempts", int64_t{0});
      }
      if (j.contains("previous") && j["previous"].is_object()) {
        const auto& prev = j["previous"];
        store.state_.previous = State::Previous{prev.value("slot", ""), prev.value("name", ""),
                                                prev.value("version", "")};
      }
      store.state_.last_result = j.value("last_result", "");
      store.state_.seq = j.value("seq", int64_t{0});
    } catch (const nlohmann::json::exception&) {
      unreadable = true;
      store.state_ = State{};
    }
  } else if (text.status().code() != StatusCode::kNotFound) {
    return text.status();
  }
  // Recovery: only verified slots may be named.
  State fixed = store.state_;
  // Which slot was committed cannot be told from an unreadable state.json:
  // adopting one could commit an unchecked trial, so none runs until the
  // next install commits, and the state says so.
  std::string note = unreadable ? "state.json was unreadable, nothing is committed; " : "";
  if (fixed.trial && (!ValidId(*fixed.trial) || !store.Verified(*fixed.trial))) {
    note = "trial slot did not verify; ";
    fixed.trial.reset();
    fixed.attempts = 0;
  }
  if (!fixed.active.empty() && (!ValidId(fixed.active) || !store.Verified(fixed.active))) {
    const std::string other = fixed.active == "a" ? "b" : "a";
    note += fmt::format("active slot {} did not verify", fixed.active);
    fixed.active = store.Verified(other) ? other : "";
    fixed.previous.reset();
    if (!fixed.active.empty()) note += fmt::format(", running slot {}", other);
  }
  if (!note.empty()) {
    fixed.last_result = "recovered: " + note;
    KEEL_RETURN_IF_ERROR(store.Save(std::move(fixed)));
  }
  return store;
}

std::optional<SlotManifest> SlotStore::Verified(const std::string& id) const {
  auto manifest_text = fs_->Read(SlotDir(id) / kSlotFile);
  if (!manifest_text.ok()) return std::nullopt;
  auto manifest = ParseSlotManifest(*manifest_text);
  if (!manifest) return std::nullopt;
  for (const auto& [name, digest] : manifest->files) {
    auto content = fs_->Read(SlotDir(id) / name);
    if (!content.ok()) return std::nullopt;
    const FileDigest actual = DigestOf(*content);
    if (actual.length != digest.length || actual.sha256 != digest.sha256) return std::nullopt;
  }
  return manifest;
}

std::string SlotStore::Inactive() const {
  const std::string running = state_.trial ? *state_.trial : state_.active;
  return running == "a" ? "b" : "a";
}

Status SlotStore::Save(State next) {
  ++next.seq;
  nlohmann::json j = {{"active", next.active},
                      {"trial", nullptr},
                      {"last_result", next.last_result},
                      {"seq", next.seq}};
  if (next.trial) j["trial"] = {{"slot", *next.trial}, {"attempts", next.attempts}};
  j["previous"] = nullptr;
  if (next.previous) {
    j["previous"] = {{"slot", next.previous->slot},
                     {"name", next.previous->name},
                     {"version", next.previous->version}};
  }
  KEEL_RETURN_IF_ERROR(WriteDurably(*fs_, dir_ / kStateFile, j.dump()));
  state_ = std::move(next);
  return Status::Ok();
}

Result<Slot> SlotStore::Current() const {
  const std::string id = state_.trial ? *state_.trial : state_.active;
  if (id.empty()) return Status::NotFound("ota: nothing installed in " + dir_.string());
  auto manifest = Verified(id);
  if (!manifest) {
    return Status::FailedPrecondition(
        fmt::format("ota: slot {} in {} does not verify", id, dir_.string()));
  }
  return Slot{id, *manifest, SlotDir(id)};
}

Status SlotStore::Stage(const SlotManifest& manifest,
                        const std::map<std::string, std::string>& files) {
  if (state_.trial) {
    return Status::FailedPrecondition("ota: a trial is running; commit or roll back first");
  }
  const std::string what = fmt::format("ota: {} {}", manifest.name, manifest.version);
  if (manifest.files.empty() || files.size() != manifest.files.size()) {
    return Status::InvalidArgument(what + ": the files are not the manifest's files");
  }
  for (const auto& [name, digest] : manifest.files) {
    if (!AllowedFileName(name)) {
      return Status::InvalidArgument(
          fmt::format("{}: file name \"{}\" is not allowed", what, name));
    }
    auto it = files.find(name);
    if (it == files.end())
      return Status::InvalidArgument(fmt::format("{}: {} is missing", what, name));
    const FileDigest actual = DigestOf(it->second);
    if (actual.length != digest.length || actual.sha256 != digest.sha256) {
      return Status::InvalidArgument(
          fmt::format("{}: {} does not match its length and SHA-256", what, name));
    }
  }
  const auto slot = SlotDir(Inactive());
  // Invalidate the slot before touching its files, so a crash can never leave
  // an old slot.json describing new, partial files; then drop the old files.
  std::optional<SlotManifest> old;
  if (auto text = fs_->Read(slot / kSlotFile); text.ok()) old = ParseSlotManifest(*text);
  KEEL_RETURN_IF_ERROR(fs_->Remove(slot / kSlotFile));
  if (old) {
    for (const auto& [name, unused] : old->files) KEEL_RETURN_IF_ERROR(fs_->Remove(slot / name));
  }
  KEEL_RETURN_IF_ERROR(fs_->SyncDir(slot));
  for (const auto& [name, content] : files) {
    KEEL_RETURN_IF_ERROR(WriteDurably(*fs_, slot / name, content));
  }
  return WriteDurably(*fs_, slot / kSlotFile, ManifestJson(manifest).dump());
}

Status SlotStore::Switch() {
  if (state_.trial) return Status::FailedPrecondition("ota: a trial is already running");
  const std::string staged = Inactive();
  auto manifest = Verified(staged);
  if (!manifest) return Status::FailedPrecondition("ota: nothing verified is staged");
  State next = state_;
  next.trial = staged;
  next.attempts = 0;
  next.last_result = fmt::format("trying {} {}", manifest->name, manifest->version);
  return Save(std::move(next));
}

Result<bool> SlotStore::RecordStart() {
  if (!state_.trial) return true;  // nothing on trial: a normal start
  if (state_.attempts >= max_attempts_) {
    KEEL_RETURN_IF_ERROR(
        Rollback(fmt::format("did not become healthy in {} starts", state_.attempts)));
    return false;
  }
  State next = state_;
  ++next.attempts;
  KEEL_RETURN_IF_ERROR(Save(std::move(next)));
  return true;
}

Status SlotStore::Commit() {
  if (!state_.trial) return Status::FailedPrecondition("ota: no trial to commit");
  auto manifest = Verified(*state_.trial);
  if (!manifest) return Status::FailedPrecondition("ota: the trial slot no longer verifies");
  State next = state_;
  next.previous.reset();
  if (!state_.active.empty() && state_.active != *state_.trial) {
    if (auto old = Verified(state_.active)) {
      next.previous = State::Previous{state_.active, old->name, old->version};
    }
  }
  next.active = *state_.trial;
  next.trial.reset();
  next.attempts = 0;
  next.last_result = fmt::format("committed {} {}", manifest->name, manifest->version);
  return Save(std::move(next));
}

Status SlotStore::Rollback(const std::string& reason) {
  if (!state_.trial) return Status::FailedPrecondition("ota: no trial to roll back");
  const auto manifest = Verified(*state_.trial);
  State next = state_;
  next.trial.reset();
  next.attempts = 0;
  next.last_result =
      manifest ? fmt::format("rolled back {} {}: {}", manifest->name, manifest->version, reason)
               : "rolled back: " + reason;
  return Save(std::move(next));
}

Status SlotStore::Revert(const std::string& reason) {
  if (state_.trial) return Status::FailedPrecondition("ota: a trial is running; cannot revert");
  if (state_.active.empty()) return Status::FailedPrecondition("ota: nothing is committed");
  const auto current = Verified(state_.active);
  if (!current) return Status::FailedPrecondition("ota: the active slot does not verify");
  if (!state_.previous) {
    return Status::FailedPrecondition(fmt::format("ota: no earlier version of {} {} to revert to",
                                                  current->name, current->version));
  }
  const State::Previous& prev = *state_.previous;
  const auto manifest = ValidId(prev.slot) && prev.slot != state_.active
                            ? Verified(prev.slot)
                            : std::optional<SlotManifest>();
  if (!manifest || manifest->name != prev.name || manifest->version != prev.version) {
    return Status::FailedPrecondition(fmt::format(
        "ota: the earlier version {} {} is no longer installed", prev.name, prev.version));
  }
  State next = state_;
  next.active = prev.slot;
  next.previous.reset();
  next.last_result = fmt::format("reverted {} {}: {}", current->name, current->version, reason);
  return Save(std::move(next));
}

SlotStatus SlotStore::status() const {
  SlotStatus s;
  if (!state_.active.empty()) s.active = Verified(state_.active);
  if (state_.trial) s.trial = Verified(*state_.trial);
  s.trial_attempts = state_.attempts;
  s.last_result = state_.last_result;
  s.seq = state_.seq;
  return s;
}

}  // namespace keel::edge::ota
