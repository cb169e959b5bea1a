// SlotStore: A/B slots for one kind of artifact on a device (a model bundle,
// the agent's configuration, the agent binary), installed so that a crash or
// power cut at any point leaves a runnable slot and a truthful state.
//
// Layout under `dir`:
//   slot-a/, slot-b/   each: the artifact's files (e.g. a model bundle's
//                      manifest.json and model.onnx) and slot.json
//                      {name, version, files: {file: {sha256, length}}}
//   state.json         {"active": "a"|"b"|"", "trial": {"slot", "attempts"}|null,
//                       "previous": {"slot", "name", "version"}|null,
//                       "last_result": "...", "seq": N}
//                      (previous: the version committed before the active
//                      one, for Revert; absent in files written before it
//                      existed, read as null)
// state.json is the only commit point: it is replaced atomically and durably
// (WriteDurably), and it never names a slot whose files and slot.json are
// not durable and verified. A slot's slot.json is written after its files
// (and removed before they are replaced), so a slot with a slot.json holds
// complete files.
//
// Install: Stage (write the inactive slot; every file must match its length
// and SHA-256) -> Switch (trial of the staged slot begins)
// -> each start of the trial slot calls RecordStart (attempts are persisted
// before the start, so repeated crashes are counted) -> Commit (healthy) or
// Rollback(reason). After `max_attempts` starts without a Commit, the next
// RecordStart rolls back by itself ("crashed N times"). Revert (fleet
// rollback) makes the previously committed version active again.
// Not thread-safe.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>

#include "common/filesystem.h"
#include "common/status.h"

namespace keel::edge::ota {

struct FileDigest {
  std::string sha256;  // lower-case hex
  int64_t length = 0;
};

struct SlotManifest {
  std::string name;
  std::string version;
  // File name (no '/', not "slot.json", not starting with '.') -> digest;
  // at least one.
  std::map<std::string, FileDigest> files;
};

// The digest of `content`.
FileDigest DigestOf(std::string_view content);

struct Slot {
  std::string id;  // "a" or "b"
  SlotManifest manifest;
  std::filesystem::path dir;  // holds the files to load
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
  // (and says so in last_result); an unreadable state.json is replaced by
  // one that commits nothing (which slot was committed cannot be known, and
  // adopting one could commit an unchecked trial). `fs` must outlive the store.
  static Result<SlotStore> Open(FileSystem& fs, std::filesystem::path dir, int max_attempts = 3);

  // The slot to run now: the trial slot while on trial, else the active one.
  // NotFound when nothing is installed.
  Result<Slot> Current() const;

  // Writes `files` (name -> content) into the inactive slot. InvalidArgument
  // if they are not exactly the manifest's files with its digests, or a name
  // is not allowed; FailedPrecondition during a trial.
  Status Stage(const SlotManifest& manifest, const std::map<std::string, std::string>& files);
  // Starts the trial of the staged slot. FailedPrecondition if nothing
  // verified is staged or a trial is running.
  Status Switch();
  // Call before each start of the trial slot. Returns true if the trial
  // goes on, false if this start exceeded max_attempts and the store rolled
  // back (Current() is the previous slot again).
  Result<bool> RecordStart();
  Status Commit();
  Status Rollback(const std::string& reason);
  // Makes the version committed before the active one active again (a
  // fleet rollback of a version that passed its own health check), in one
  // atomic state change; last_result becomes "reverted <name> <version>:
  // <reason>" naming the version left. Only one step back: the version left
  // is not a revert target afterwards. FailedPrecondition during a trial,
  // with nothing committed, or when the previous version is no longer in the
  // other slot (a later Stage overwrote it) or does not verify.
  Status Revert(const std::string& reason);

  SlotStatus status() const;

 private:
  struct State {
    std::string active;  // "", "a", "b"
    std::optional<std::string> trial;
    int64_t attempts = 0;
    // The slot and version committed before `active` (Revert's target).
    struct Previous {
      std::string slot, name, version;
    };
    std::optional<Previous> previous;
    std::string last_result;
    int64_t seq = 0;
  };

  SlotStore(FileSystem& fs, std::filesystem::path dir, int max_attempts)
      : fs_(&fs), dir_(std::move(dir)), max_attempts_(max_attempts) {}

  std::filesystem::path SlotDir(const std::string& id) const { return dir_ / ("slot-" + id); }
  // The slot's manifest if slot.json and every file it lists verify.
  std::optional<SlotManifest> Verified(const std::string& id) const;
  std::string Inactive() const;
  Status Save(State next);

  FileSystem* fs_;
  std::filesystem::path dir_;
  int max_attempts_;
  State state_;
};

}  // namespace keel::edge::ota
