#include "hub/server/hub_pki.h"

#include <spdlog/spdlog.h>

#include <chrono>

#include "common/files.h"
#include "hub/broker/broker_config.h"

namespace keel::hub {
namespace {

constexpr std::chrono::seconds kLeafLifetime{std::chrono::hours(24 * 365)};
constexpr std::chrono::seconds kCrlValidity{std::chrono::hours(24 * 7)};

}  // namespace

HubPkiPaths::HubPkiPaths(const std::filesystem::path& pki_dir)
    : dir(pki_dir),
      ca_cert(pki_dir / "ca.crt"),
      server_cert(pki_dir / "server.crt"),
      server_key(pki_dir / "server.key"),
      client_cert(pki_dir / "hub.crt"),
      client_key(pki_dir / "hub.key"),
      crl(pki_dir / "crl.pem") {}

Result<std::unique_ptr<HubPki>> HubPki::LoadOrCreate(const std::filesystem::path& pki_dir,
                                                     std::vector<std::string> server_names,
                                                     const Clock& clock) {
  KEEL_RETURN_IF_ERROR(EnsureDirectory(pki_dir, std::filesystem::perms(0700)));
  KEEL_ASSIGN_OR_RETURN(
      auto ca, crypto::CertificateAuthority::LoadOrCreate(pki_dir, "Keel device CA", clock));
  std::unique_ptr<HubPki> pki(new HubPki(
      HubPkiPaths(pki_dir), std::make_unique<crypto::CertificateAuthority>(std::move(ca)), clock));
  KEEL_RETURN_IF_ERROR(pki->EnsureLeaf(pki->paths_.server_cert, pki->paths_.server_key, "keel-hub",
                                       server_names, crypto::CertUsage::kServer));
  KEEL_RETURN_IF_ERROR(pki->EnsureLeaf(pki->paths_.client_cert, pki->paths_.client_key,
                                       std::string(kHubClientIdentity), {},
                                       crypto::CertUsage::kClient));
  return pki;
}

Status HubPki::EnsureLeaf(const std::filesystem::path& cert_path,
                          const std::filesystem::path& key_path, const std::string& common_name,
                          const std::vector<std::string>& names, crypto::CertUsage usage) {
  // The SAN list is recorded next to the certificate so a change of listen
  // address re-issues it.
  const std::filesystem::path names_path = cert_path.string() + ".names";
  std::string names_text;
  for (const auto& n : names) names_text += n + "\n";
  auto existing = crypto::Certificate::LoadFile(cert_path);
  auto existing_key = crypto::PrivateKey::LoadFile(key_path);
  auto recorded_names = ReadFile(names_path);
  if (existing.ok() && existing_key.ok() && existing->MatchesKey(*existing_key) &&
      existing->VerifyIssuedBy(ca_->certificate()).ok() &&
      (names.empty() || (recorded_names.ok() && *recorded_names == names_text))) {
    const int64_t lifetime = existing->NotAfterMs() - existing->NotBeforeMs();
    if (existing->NotAfterMs() - clock_.NowMs() > lifetime / 3) return Status::Ok();
  }
  spdlog::info("pki: issuing {} for \"{}\"", cert_path.filename().string(), common_name);
  KEEL_ASSIGN_OR_RETURN(auto key, crypto::PrivateKey::Generate());
  KEEL_ASSIGN_OR_RETURN(auto cert, ca_->IssueForKey(key, common_name, names, kLeafLifetime, usage));
  KEEL_RETURN_IF_ERROR(key.SaveFile(key_path));
  KEEL_RETURN_IF_ERROR(WriteFileAtomic(cert_path, cert.ToPem()));
  return WriteFileAtomic(names_path, names_text);
}

Status HubPki::WriteCrl(const std::vector<crypto::RevokedCertificate>& revoked) {
  KEEL_ASSIGN_OR_RETURN(std::string crl, ca_->CreateCrlPem(revoked, kCrlValidity));
  return WriteFileAtomic(paths_.crl, crl);
}

}  // namespace keel::hub
