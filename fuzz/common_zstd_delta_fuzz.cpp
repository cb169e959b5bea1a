// libFuzzer target for ApplyDelta (common/zstd_delta.h), the decoder of
// delta updates: any input must yield at most `kMaxOutput` bytes or an error
// Status whose message starts with "delta: ", never a crash, hang, exception
// or an allocation beyond the bound. The input is applied to a fixed base and
// to the empty base.
//
// The fixed base is what this shell line prints, so seeds can be made with
// the zstd CLI. fuzz/corpus/common_zstd_delta_fuzz/ was made this way:
//   for i in $(seq 0 199); do printf 'keel-delta-fuzz-base %04d\n' $i; done > base
//   sed 's/base 01/BASE 01/' base > t1 && zstd -19 -q --patch-from=base t1 -o edit.zst
//   { head -50 base; echo inserted line; tail -100 base; } > t2 &&
//     zstd -19 -q --patch-from=base t2 -o insert_delete.zst
//   printf 'no shared bytes at all\n' > t3 && zstd -19 -q t3 -o plain_frame.zst
//   : > t4 && zstd -19 -q t4 -o empty_target.zst
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

#include "common/zstd_delta.h"

namespace {

constexpr size_t kMaxOutput = 64 * 1024;

const std::string& Base() {
  static const std::string base = [] {
    std::string b;
    char line[32];
    for (int i = 0; i < 200; ++i) {
      std::snprintf(line, sizeof line, "keel-delta-fuzz-base %04d\n", i);
      b += line;
    }
    return b;
  }();
  return base;
}

void Check(std::string_view base, std::string_view delta) {
  auto applied = keel::ApplyDelta(base, delta, kMaxOutput);
  if (applied.ok()) {
    if (applied->size() > kMaxOutput) __builtin_trap();
  } else if (!applied.status().message().starts_with("delta: ")) {
    __builtin_trap();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view delta(reinterpret_cast<const char*>(data), size);
  Check(Base(), delta);
  Check("", delta);
  return 0;
}
