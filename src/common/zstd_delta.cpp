#include "common/zstd_delta.h"

#include <fmt/format.h>
#include <zstd.h>
#include <zstd_errors.h>

#include <algorithm>
#include <cstdint>
#include <limits>
#include <memory>

namespace keel {
namespace {

struct CCtxFree {
  void operator()(ZSTD_CCtx* c) const { ZSTD_freeCCtx(c); }
};
struct DCtxFree {
  void operator()(ZSTD_DCtx* d) const { ZSTD_freeDCtx(d); }
};

// The smallest log2 window that covers `bytes`, at least `min_log`.
int WindowLogFor(uint64_t bytes, int min_log) {
  int log = min_log;
  while (log < 63 && (uint64_t{1} << log) < bytes) ++log;
  return log;
}

uint64_t SaturatingAdd(uint64_t a, uint64_t b) {
  return a > std::numeric_limits<uint64_t>::max() - b ? std::numeric_limits<uint64_t>::max()
                                                      : a + b;
}

// A zstd error from decoding, as Keel's status (see the header's table).
Status DecodeError(size_t code, size_t at) {
  const std::string what = fmt::format("delta: at byte {}: {}", at, ZSTD_getErrorName(code));
  switch (ZSTD_getErrorCode(code)) {
    case ZSTD_error_frameParameter_windowTooLarge:
      return Status::ResourceExhausted(what + " (needs a window beyond base + max_output)");
    case ZSTD_error_memory_allocation:
      return Status::ResourceExhausted(what);
    case ZSTD_error_checksum_wrong:
      return Status::InvalidArgument(what + " (wrong base or corrupt delta)");
    default:
      return Status::InvalidArgument(what);
  }
}

}  // namespace

Result<std::string> MakeDelta(std::string_view base, std::string_view target, int level) {
  if (level < 1 || level > ZSTD_maxCLevel()) {
    return Status::InvalidArgument(
        fmt::format("delta: level {} is not in 1..{}", level, ZSTD_maxCLevel()));
  }
  const ZSTD_bounds window = ZSTD_cParam_getBounds(ZSTD_c_windowLog);
  const int window_log = WindowLogFor(uint64_t{base.size()} + target.size(), window.lowerBound);
  if (ZSTD_isError(window.error) || window_log > window.upperBound) {
    return Status::InvalidArgument(
        fmt::format("delta: base ({} bytes) + target ({} bytes) exceed zstd's largest window",
                    base.size(), target.size()));
  }
  std::unique_ptr<ZSTD_CCtx, CCtxFree> cctx(ZSTD_createCCtx());
  if (!cctx) return Status::Internal("delta: cannot allocate a zstd compression context");
  auto set = [&](ZSTD_cParameter p, int value) {
    return ZSTD_CCtx_setParameter(cctx.get(), p, value);
  };
  for (size_t rc : {set(ZSTD_c_compressionLevel, level), set(ZSTD_c_windowLog, window_log),
                    set(ZSTD_c_enableLongDistanceMatching, 1), set(ZSTD_c_checksumFlag, 1),
                    set(ZSTD_c_contentSizeFlag, 1),
                    ZSTD_CCtx_refPrefix(cctx.get(), base.data(), base.size())}) {
    if (ZSTD_isError(rc)) {
      return Status::Internal(fmt::format("delta: zstd setup: {}", ZSTD_getErrorName(rc)));
    }
  }
  std::string delta(ZSTD_compressBound(target.size()), '\0');
  const size_t n =
      ZSTD_compress2(cctx.get(), delta.data(), delta.size(), target.data(), target.size());
  if (ZSTD_isError(n)) {
    return Status::Internal(fmt::format("delta: zstd compression: {}", ZSTD_getErrorName(n)));
  }
  delta.resize(n);
  return delta;
}

Result<std::string> ApplyDelta(std::string_view base, std::string_view delta, size_t max_output) {
  if (delta.empty()) return Status::InvalidArgument("delta: empty");
  // Only a zstd frame (not a skippable one, which would decode to nothing).
  if (delta.size() < 4 ||
      (static_cast<uint32_t>(static_cast<uint8_t>(delta[0])) |
       static_cast<uint32_t>(static_cast<uint8_t>(delta[1])) << 8 |
       static_cast<uint32_t>(static_cast<uint8_t>(delta[2])) << 16 |
       static_cast<uint32_t>(static_cast<uint8_t>(delta[3])) << 24) != ZSTD_MAGICNUMBER) {
    return Status::InvalidArgument("delta: not a zstd frame (bad magic number)");
  }
  const unsigned long long content_size = ZSTD_getFrameContentSize(delta.data(), delta.size());
  if (content_size == ZSTD_CONTENTSIZE_ERROR) {
    return Status::InvalidArgument("delta: truncated or invalid zstd frame header");
  }
  if (content_size != ZSTD_CONTENTSIZE_UNKNOWN && content_size > max_output) {
    return Status::ResourceExhausted(
        fmt::format("delta: the frame declares {} bytes of output, more than the {} allowed",
                    content_size, max_output));
  }

  std::unique_ptr<ZSTD_DCtx, DCtxFree> dctx(ZSTD_createDCtx());
  if (!dctx) return Status::Internal("delta: cannot allocate a zstd decompression context");
  const ZSTD_bounds window = ZSTD_dParam_getBounds(ZSTD_d_windowLogMax);
  const int window_log_max = std::min(
      WindowLogFor(SaturatingAdd(base.size(), max_output), window.lowerBound), window.upperBound);
  for (size_t rc : {ZSTD_DCtx_setParameter(dctx.get(), ZSTD_d_windowLogMax, window_log_max),
                    ZSTD_DCtx_refPrefix(dctx.get(), base.data(), base.size())}) {
    if (ZSTD_isError(rc)) {
      return Status::Internal(fmt::format("delta: zstd setup: {}", ZSTD_getErrorName(rc)));
    }
  }

  std::string out;
  if (content_size != ZSTD_CONTENTSIZE_UNKNOWN) out.reserve(content_size);
  std::string chunk(ZSTD_DStreamOutSize(), '\0');
  ZSTD_inBuffer in{delta.data(), delta.size(), 0};
  while (true) {
    ZSTD_outBuffer buffer{chunk.data(), chunk.size(), 0};
    const size_t rc = ZSTD_decompressStream(dctx.get(), &buffer, &in);
    if (ZSTD_isError(rc)) return DecodeError(rc, in.pos);
    if (buffer.pos > max_output - out.size()) {
      return Status::ResourceExhausted(
          fmt::format("delta: output exceeds the {} bytes allowed", max_output));
    }
    out.append(chunk.data(), buffer.pos);
    if (rc == 0) break;  // the frame is complete and flushed
    // No input left and the output not full means nothing more can come.
    if (in.pos == in.size && buffer.pos < buffer.size) {
      return Status::InvalidArgument(
          fmt::format("delta: truncated: the frame ends early after {} bytes of input", in.size));
    }
  }
  if (in.pos != in.size) {
    return Status::InvalidArgument(
        fmt::format("delta: {} bytes after the end of the frame", in.size - in.pos));
  }
  return out;
}

}  // namespace keel
