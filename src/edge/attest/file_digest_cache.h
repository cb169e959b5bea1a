// MeasureFilesCached: MeasureFiles for a file that is large and measured
// often — the agent binary (tens of MB; about 250 MB under ASan), measured
// by every agent a process runs (keel-sim runs hundreds) and again at every
// attestation.
//
// A file's digest is kept, process-wide and by path, with the file's
// device, inode, size, modification and status-change times (stat(2)), and
// reused while all five are unchanged. Every write, truncation, rename over
// or replacement of the file changes its ctime, which no unprivileged
// process can set back; and a digest is only kept when the file did not
// change while it was read and its ctime was at least kSettledMs before
// `clock`'s now, so a write in the same timestamp tick as the read (kernel
// timestamps are coarse) cannot leave a stale digest behind. What is
// trusted: the file system's timestamps and the clock not being turned back
// (by root) to forge a ctime.
//
// Thread-safe.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>

#include "common/clock.h"
#include "common/status.h"

namespace keel::edge::attest {

// A file changed less than this long ago is always read.
inline constexpr int64_t kSettledMs = 2'000;

// As MeasureFiles (edge/attest/measurement_log.h), with the cache above.
Result<std::string> MeasureFilesCached(const std::map<std::string, std::filesystem::path>& files,
                                       const Clock& clock);

// Files MeasureFilesCached read (rather than reused) so far, process-wide.
int64_t CachedMeasureReads();

}  // namespace keel::edge::attest
