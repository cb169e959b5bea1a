// MeasurementLog: what the agent loaded, in order, and the PCR-style hash
// chain over it (issue 4, point 5; docs/security.md, "Attestation").
//
// An event is one thing the agent loaded and runs: its own binary (kind
// "agent"), its configuration ("config") or a model bundle ("model"), with
// the name and version it was published under and `sha256`, the digest of
// its files. That digest is the artifact registry's (hub/models
// ArtifactDigest): SHA-256 of the canonical JSON object
//   {"<file name>": {"length": <bytes>, "sha256": "<hex>"}, ...}
// (keys sorted, no whitespace) over the files as loaded from disk, named as
// in the artifact ("keel-edge", "agent.toml", a bundle's "manifest.json" and
// "model.onnx"). So the hub compares a measurement with the registry's
// record of that version without ever seeing the files, and one changed
// byte in any file changes the measurement.
//
// The chain: pcr_0 = 32 zero bytes; pcr_n = SHA-256(pcr_{n-1} ||
// SHA-256(canonical event)), where the canonical event is the JSON object
// {"kind", "name", "sha256", "version"} with sorted keys and no whitespace,
// and || joins the raw 32-byte digests. PCR values are written as 64
// lower-case hex digits. The log is append-only: a model hot swap appends
// the new bundle, it never replaces the old event, so the PCR covers
// everything loaded since the agent started.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace keel::edge::attest {

inline constexpr std::string_view kEventKinds[] = {"agent", "config", "model"};
// Events one log (and one quote) holds at most; the quote must stay below
// the hub's 64 KiB request limit.
inline constexpr size_t kMaxEvents = 128;
// The PCR before the first event.
inline constexpr std::string_view kInitialPcr =
    "0000000000000000000000000000000000000000000000000000000000000000";

struct MeasuredEvent {
  std::string kind;     // one of kEventKinds
  std::string name;     // 1..64 characters of [A-Za-z0-9._+-] (artifact names)
  std::string version;  // the same rule (semantic versions)
  std::string sha256;   // 64 lower-case hex digits: the digest of its files
  bool operator==(const MeasuredEvent&) const = default;
};

// InvalidArgument naming the field ("kind", "name", "version", "sha256")
// when an event breaks the rules above.
Status ValidateEvent(const MeasuredEvent& event);

// The canonical bytes of an event (see above).
std::string CanonicalEvent(const MeasuredEvent& event);

// pcr (64 hex) extended by `event`. `pcr` must be 64 lower-case hex digits
// (asserted: callers hold PCRs they computed or validated).
std::string ExtendPcr(std::string_view pcr, const MeasuredEvent& event);

// The PCR after extending kInitialPcr by every event in order.
std::string ReplayPcr(const std::vector<MeasuredEvent>& events);

// One file of an artifact as loaded.
struct MeasuredFile {
  std::string sha256;  // lower-case hex
  int64_t length = 0;
};

// Reads one file (streaming, so a large agent binary is not held in
// memory). NotFound/IoError name the path.
Result<MeasuredFile> MeasureFile(const std::filesystem::path& path);

// The registry's artifact digest of these files (see above).
std::string FilesDigest(const std::map<std::string, MeasuredFile>& files);

// Reads each file (artifact file name -> path on disk) and returns
// FilesDigest of what it read. NotFound/IoError name the path. Streams, so
// a large agent binary is not held in memory.
Result<std::string> MeasureFiles(const std::map<std::string, std::filesystem::path>& files);

// The files of a model bundle or a device slot: every regular file directly
// in `dir` except "slot.json" (the slot's own bookkeeping) and names starting
// with '.', each under its file name. IoError when `dir` cannot be listed;
// InvalidArgument if there is none.
Result<std::map<std::string, std::filesystem::path>> BundleFiles(const std::filesystem::path& dir);

// MeasureFiles(BundleFiles(dir)).
Result<std::string> MeasureBundleDir(const std::filesystem::path& dir);

// Thread-safe; Extend may race with Snapshot (an attestation while a model
// is swapped in), and a snapshot's PCR always matches its events.
class MeasurementLog {
 public:
  struct Snapshot {
    std::vector<MeasuredEvent> events;
    std::string pcr;
  };

  // Appends `event` and extends the PCR. InvalidArgument (ValidateEvent);
  // ResourceExhausted once kMaxEvents are logged (the log is then frozen:
  // a restart of the agent starts a new one).
  Status Extend(MeasuredEvent event);

  Snapshot Take() const;

 private:
  mutable std::mutex mu_;
  std::vector<MeasuredEvent> events_;
  std::string pcr_{kInitialPcr};
};

}  // namespace keel::edge::attest
