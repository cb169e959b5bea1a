// DeviceIdentity: the files `keel-edge enroll` writes into the identity
// directory, and the HTTPS calls that obtain and renew them.
//
//   <dir>/device.key  the device's private key (0600); generated here, never sent
//   <dir>/device.crt  the certificate the hub issued for it
//   <dir>/ca.crt      the hub's CA: trust anchor for the hub's TLS
//   <dir>/update-root.json  the update repository's root.json as the hub
//                     served it at enrollment (when signed updates are set
//                     up): the root of trust the device pins for updates
//                     (docs/ota.md); absent otherwise
//
// Enrollment sends a CSR plus the one-time token over HTTPS (server verified
// against the CA file the operator gave). Renewal sends a CSR for a NEW key
// over mutual TLS with the current certificate; the new key and certificate
// replace the old ones atomically (old ones kept as *.prev until then).
#pragma once

#include <filesystem>
#include <optional>
#include <string>

#include "common/status.h"

namespace keel::edge {

struct IdentityPaths {
  std::filesystem::path dir, key, cert, ca, update_root;
  explicit IdentityPaths(const std::filesystem::path& identity_dir)
      : dir(identity_dir),
        key(identity_dir / "device.key"),
        cert(identity_dir / "device.crt"),
        ca(identity_dir / "ca.crt"),
        update_root(identity_dir / "update-root.json") {}
};

// The pinned update root of the identity in `dir`: the content of
// update-root.json, std::nullopt when the device was enrolled without one
// (the hub had no signed updates set up), IoError if it cannot be read.
Result<std::optional<std::string>> LoadUpdateRoot(const std::filesystem::path& dir);

struct EnrollRequest {
  std::string hub_url;  // https://host:port
  std::string device_id;
  std::string token;
  std::filesystem::path dir;
  std::filesystem::path ca_file;  // the hub's pki/ca.crt, the trust the device starts with
};

// Enrolls and writes the identity files (update-root.json when the reply
// carries "update_root", written durably before the certificate, so an
// identity with a certificate has its root if the hub sent one). Refuses to overwrite an existing
// identity (FailedPrecondition) so a mistyped command cannot destroy one.
Status Enroll(const EnrollRequest& request);

// Renews the certificate in `dir` through `hub_url` (https) over mTLS.
// Returns the new certificate's notAfter (ms).
Result<int64_t> RenewCertificate(const std::string& hub_url, const std::filesystem::path& dir);

// Repairs the identity after a crash in the middle of RenewCertificate: when
// device.key does not match device.crt, the matching pair among the current
// and the *.prev files is restored. Fails if no matching pair exists.
Status RepairInterruptedRenewal(const std::filesystem::path& dir);

// When the certificate in `dir` should be renewed: notBefore + 2/3 of its
// lifetime (ms since epoch).
Result<int64_t> RenewalDueMs(const std::filesystem::path& dir);

}  // namespace keel::edge
