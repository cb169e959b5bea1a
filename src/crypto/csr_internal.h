// Internal: VerifyCsr for the CA, which also needs the verified request's key.
#pragma once

#include <string_view>

#include "common/status.h"
#include "crypto/csr.h"
#include "crypto/openssl_util.h"

namespace keel::crypto::internal {

struct VerifiedCsr {
  CsrInfo info;
  EvpPkeyPtr public_key;  // the key whose possession the CSR proved
};

// Same checks and errors as VerifyCsr.
Result<VerifiedCsr> VerifyCsrWithKey(std::string_view csr_pem);

}  // namespace keel::crypto::internal
