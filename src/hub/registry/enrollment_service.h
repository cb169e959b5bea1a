// EnrollmentService: registers devices, hands out one-time enrollment tokens,
// turns a token + CSR into a device certificate, renews certificates for
// devices that prove possession of a current one, and revokes devices.
//
// Tokens are random 256-bit values shown once; only their SHA-256 is stored.
// A token is single use and expires (EnrollmentOptions::token_ttl). The
// device generates its key pair itself: the hub only ever sees a CSR, whose
// signature proves possession of the private key.
//
// Thread-safe (the store and the CA are; the service holds no mutable state).
#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <string_view>

#include "common/clock.h"
#include "common/status.h"
#include "crypto/certificate_authority.h"
#include "crypto/csr.h"
#include "hub/store/device_store.h"

namespace keel::hub {

struct EnrollmentOptions {
  std::chrono::seconds token_ttl{std::chrono::hours(24)};
  std::chrono::seconds certificate_lifetime{std::chrono::hours(24 * 30)};
};

struct IssuedCertificate {
  std::string certificate_pem;
  std::string ca_pem;
  int64_t not_after_ms = 0;
};

class EnrollmentService {
 public:
  // Called after a device was revoked (e.g. to refresh the broker's CRL and
  // kick list). Runs on the caller's thread.
  using RevocationListener = std::function<void(const std::string& device_id)>;

  EnrollmentService(DeviceStore& store, crypto::CertificateAuthority& ca, const Clock& clock,
                    EnrollmentOptions options);

  void SetRevocationListener(RevocationListener listener) { on_revoked_ = std::move(listener); }

  // Registers `device_id` (InvalidArgument for an id outside
  // ^[a-z0-9][a-z0-9._-]{0,63}$, AlreadyExists if registered) and returns
  // its one-time token.
  Result<std::string> AddDevice(std::string_view device_id);

  // A fresh token for a registered, non-revoked device (replaces unused ones).
  Result<std::string> IssueToken(std::string_view device_id);

  // Consumes `token` and issues a certificate for `csr_pem`, whose subject CN
  // must be `device_id`. Unauthenticated for an unknown, used, expired or
  // wrong token; PermissionDenied for a revoked device; InvalidArgument for
  // a bad CSR. The token is consumed only when the CSR is acceptable.
  Result<IssuedCertificate> Enroll(std::string_view device_id, std::string_view token,
                                   std::string_view csr_pem);

  // Renewal over mutual TLS: `presented` is the (already TLS-verified) client
  // certificate. It must be ours, unexpired, of a non-revoked device, and the
  // CSR must name the same device.
  Result<IssuedCertificate> Renew(const crypto::Certificate& presented, std::string_view csr_pem);

  // Revokes every certificate of the device; idempotent.
  Status Revoke(std::string_view device_id);

 private:
  Result<IssuedCertificate> Issue(std::string_view device_id, std::string_view csr_pem);

  DeviceStore& store_;
  crypto::CertificateAuthority& ca_;
  const Clock& clock_;
  EnrollmentOptions options_;
  RevocationListener on_revoked_;
};

}  // namespace keel::hub
