// Binary deltas with `zstd --patch-from` semantics: the target is compressed
// with the base referenced as a raw-content prefix (ZSTD_CCtx_refPrefix), so
// whatever the target shares with the base becomes back-references into it.
// A delta is one standard zstd frame (content size and content checksum in
// it); `zstd -d --patch-from=BASE DELTA` decodes it too, and a delta made by
// `zstd --patch-from=BASE TARGET` applies here when its window fits (below).
//
// Window: back-references may reach from the end of the target to the start
// of the base, so MakeDelta sets windowLog to cover base + target (and turns
// on long-distance matching, which finds the long runs a small edit leaves).
// ApplyDelta allows at most the window that base + max_output needs, so a
// corrupt header cannot make it allocate more than that.
//
// Neither function checks that the result is the intended one beyond the
// frame's own checksum: callers verify what they apply against a signed hash
// (edge/ota/delta_download.h). Thread-safe (no shared state).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "common/status.h"

namespace keel {

// The delta that turns `base` into `target`. `level` is a zstd level
// (1..ZSTD_maxCLevel(); 19 is what publishing uses: slow to make, fast to
// apply). InvalidArgument if base + target need a window beyond what zstd
// supports (2 GiB on 64-bit) or the level is out of range; Internal if zstd
// fails otherwise.
Result<std::string> MakeDelta(std::string_view base, std::string_view target, int level = 19);

// Applies `delta` to `base` and returns the target, decoding in a streaming
// loop. Errors (the message says what, prefixed "delta: "):
//   ResourceExhausted  the output would exceed `max_output` bytes (refused as
//                      soon as the frame header or the decoded bytes say so),
//                      or the frame asks for a window larger than
//                      base + max_output
//   InvalidArgument    empty input, not a zstd frame, a corrupt frame, a
//                      content checksum that does not match (e.g. the wrong
//                      base), a truncated frame, bytes after the frame
Result<std::string> ApplyDelta(std::string_view base, std::string_view delta, size_t max_output);

}  // namespace keel
