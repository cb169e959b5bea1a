// Assertions for fuzz targets: a failed check traps, so libFuzzer (and the
// CTest replay) report the input that broke a parser's guarantee.
#pragma once

#include "common/status.h"

namespace keel::fuzz {

inline void Check(bool ok) {
  if (!ok) __builtin_trap();
}

// A parser's rejection: InvalidArgument with a message.
inline void CheckError(const Status& status) {
  Check(status.code() == StatusCode::kInvalidArgument && !status.message().empty());
}

}  // namespace keel::fuzz
