// SlotStore: A/B slots for one kind of artifact on a device (a model bundle,
// the agent's configuration, the agent binary), installed so that a crash or
// power cut at any point leaves a runnable slot and a truthful state.
//
// Layout under `dir`:
//   slot-a/, slot-b/   each: payload, manifest.json {name, version, sha256, length}
//   state.json         {"active": "a"|"b"|"", "trial": {"slot", "attempts"}|null,
//                       "last_result": "...", "seq": N}
// state.json is the only commit point: it is replaced atomically and durably
// (WriteDurably), and it never names a slot whose payload and manifest are
// not durable and verified. A slot's manifest is written after its payload,
// so a slot with a manifest holds a complete payload.
//
// Install: Stage (write the inactive slot; the payload must match the
// manifest's length and SHA-256) -> Switch (trial of the staged slot begins)
// -> each start of the trial slot calls RecordStart (attempts are persisted
// before the start, so repeated crashes are counted) -> Commit (healthy) or
// Rollback(reason). After `max_attempts` starts without a Commit, the next
// RecordStart rolls back by itself ("crashed N times").
// Not thread-safe.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

#include "common/filesystem.h"
#include "common/status.h"

namespace keel::edge::ota {

struct SlotManifest {
  std::string name;
  std::string version;
  std::string sha256;  // lower-case hex of the payload
  int64_t length = 0;
};

struct Slot {
  std::string id;  // "a" or "b"
  SlotManifest manifest;
  std::filesystem::path payload;  // the file to load
};

// What the device runs and why; every change increments seq (persisted), so
// a report can be deduplicated by (kind, seq).
struct SlotStatus {
  std::optional<SlotManifest> active;  // committed
  std::optional<SlotManifest> trial;   // installed, on trial
  int64_t trial_attempts = 0;
  std::string last_result;  // "committed 1.4.0", "rolled back 1.5.0: golden sample ...", ...
  int64_t seq = 0;
};

class SlotStore {
 public:
  // Opens (creating `dir` if needed) and recovers: a state naming a slot
  // that does not verify falls back to the other slot if that one verifies
  // (and says so in last_result). `fs` must outlive the store.
  static Result<SlotStore> Open(FileSystem& fs, std::filesystem::path dir, int max_attempts = 3);

  // The slot to run now: the trial slot while on trial, else the active one.
  // NotFound when nothing is installed.
  Result<Slot> Current() const;

  // Writes `payload` into the inactive slot. InvalidArgument if it does not
  // match `manifest`; FailedPrecondition during a trial.
  Status Stage(const SlotManifest& manifest, std::string_view payload);
  // Starts the trial of the staged slot. FailedPrecondition if nothing
  // verified is staged or a trial is running.
  Status Switch();
  // Call before each start of the trial slot. Returns true if the trial
  // goes on, false if this start exceeded max_attempts and the store rolled
  // back (Current() is the previous slot again).
  Result<bool> RecordStart();
  Status Commit();
  Status Rollback(const std::string& reason);

  SlotStatus status() const;

 private:
  struct State {
    std::string active;  // "", "a", "b"
    std::optional<std::string> trial;
    int64_t attempts = 0;
    std::string last_result;
    int64_t seq = 0;
  };

  SlotStore(FileSystem& fs, std::filesystem::path dir, int max_attempts)
      : fs_(&fs), dir_(std::move(dir)), max_attempts_(max_attempts) {}

  std::filesystem::path SlotDir(const std::string& id) const { return dir_ / ("slot-" + id); }
  // The slot's manifest if payload and manifest verify.
  std::optional<SlotManifest> Verified(const std::string& id) const;
  std::string Inactive() const;
  Status Save(State next);

  FileSystem* fs_;
  std::filesystem::path dir_;
  int max_attempts_;
  State state_;
};

}  // namespace keel::edge::ota
