// HubPki: the hub's certificate material under <data-dir>/pki.
//
//   ca.key (0600), ca.crt    the device CA; ca.crt is the trust anchor that
//                            devices and operators use for the hub's TLS
//   server.key, server.crt   TLS server identity of the API and the broker
//   hub.key, hub.crt         the hub's own MQTT client identity
//   crl.pem                  revoked device certificates (read by the broker)
//
// Created on first start; server and client certificates are re-issued on
// start when missing, when their names changed, or when less than a third of
// their lifetime is left.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/status.h"
#include "crypto/certificate_authority.h"

namespace keel::hub {

struct HubPkiPaths {
  std::filesystem::path dir, ca_cert, server_cert, server_key, client_cert, client_key, crl;
  explicit HubPkiPaths(const std::filesystem::path& pki_dir);
};

class HubPki {
 public:
  // `server_names`: subjectAltNames for the server certificate ("DNS:x", "IP:y").
  static Result<std::unique_ptr<HubPki>> LoadOrCreate(const std::filesystem::path& pki_dir,
                                                      std::vector<std::string> server_names,
                                                      const Clock& clock);

  const HubPkiPaths& paths() const { return paths_; }
  crypto::CertificateAuthority& ca() { return *ca_; }

  // Re-issues crl.pem from `revoked` (valid for 7 days; the hub refreshes it hourly).
  Status WriteCrl(const std::vector<crypto::RevokedCertificate>& revoked);

 private:
  HubPki(HubPkiPaths paths, std::unique_ptr<crypto::CertificateAuthority> ca, const Clock& clock)
      : paths_(std::move(paths)), ca_(std::move(ca)), clock_(clock) {}
  Status EnsureLeaf(const std::filesystem::path& cert, const std::filesystem::path& key,
                    const std::string& common_name, const std::vector<std::string>& names,
                    crypto::CertUsage usage);

  HubPkiPaths paths_;
  std::unique_ptr<crypto::CertificateAuthority> ca_;
  const Clock& clock_;
};

}  // namespace keel::hub
