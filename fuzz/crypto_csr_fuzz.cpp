// libFuzzer target: VerifyCsr on arbitrary bytes (the hub's enrollment
// endpoint passes untrusted CSRs straight to it). It must never crash, leak
// or accept a request whose self-signature does not verify.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "crypto/csr.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const keel::Result<keel::crypto::CsrInfo> info = keel::crypto::VerifyCsr(input);
  if (info.ok() && info->common_name.empty()) __builtin_trap();
  return 0;
}
