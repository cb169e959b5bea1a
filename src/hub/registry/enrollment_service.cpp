#include "hub/registry/enrollment_service.h"

#include "crypto/tokens.h"
#include "wire/topics.h"

namespace keel::hub {
namespace {

int64_t ToMs(std::chrono::seconds s) { return static_cast<int64_t>(s.count()) * 1000; }

Status CheckDeviceId(std::string_view device_id) {
  if (!wire::IsValidDeviceId(device_id)) {
    return Status::InvalidArgument("device id \"" + std::string(device_id) +
                                   "\" must match ^[a-z0-9][a-z0-9._-]{0,63}$");
  }
  return Status::Ok();
}

}  // namespace

EnrollmentService::EnrollmentService(DeviceStore& store, crypto::CertificateAuthority& ca,
                                     const Clock& clock, EnrollmentOptions options)
    : store_(store), ca_(ca), clock_(clock), options_(options) {}

Result<std::string> EnrollmentService::AddDevice(std::string_view device_id) {
  KEEL_RETURN_IF_ERROR(CheckDeviceId(device_id));
  KEEL_RETURN_IF_ERROR(store_.CreateDevice(device_id, clock_.NowMs()));
  return IssueToken(device_id);
}

Result<std::string> EnrollmentService::IssueToken(std::string_view device_id) {
  KEEL_ASSIGN_OR_RETURN(DeviceRecord device, store_.GetDevice(device_id));
  if (device.state == DeviceState::kRevoked) {
    return Status::PermissionDenied("device \"" + device.id + "\" is revoked");
  }
  std::string token = crypto::RandomToken(32);
  KEEL_RETURN_IF_ERROR(store_.AddEnrollmentToken(device_id, crypto::Sha256Hex(token),
                                                 clock_.NowMs() + ToMs(options_.token_ttl)));
  return token;
}

Result<IssuedCertificate> EnrollmentService::Enroll(std::string_view device_id,
                                                    std::string_view token,
                                                    std::string_view csr_pem) {
  KEEL_RETURN_IF_ERROR(CheckDeviceId(device_id));
  KEEL_ASSIGN_OR_RETURN(crypto::CsrInfo csr, crypto::VerifyCsr(csr_pem));
  if (csr.common_name != device_id) {
    return Status::InvalidArgument("CSR subject CN \"" + csr.common_name +
                                   "\" does not match device id \"" + std::string(device_id) +
                                   "\"");
  }
  auto device = store_.GetDevice(device_id);
  if (!device.ok()) return Status::Unauthenticated("unknown device or enrollment token");
  if (device->state == DeviceState::kRevoked) {
    return Status::PermissionDenied("device \"" + device->id + "\" is revoked");
  }
  KEEL_RETURN_IF_ERROR(
      store_.ConsumeEnrollmentToken(device_id, crypto::Sha256Hex(token), clock_.NowMs()));
  return Issue(device_id, csr_pem);
}

Result<IssuedCertificate> EnrollmentService::Renew(const crypto::Certificate& presented,
                                                   std::string_view csr_pem) {
  KEEL_RETURN_IF_ERROR(
      presented.VerifyIssuedBy(ca_.certificate()).WithContext("renewal: client certificate"));
  const int64_t now = clock_.NowMs();
  if (presented.NotAfterMs() <= now) {
    return Status::Unauthenticated("renewal: client certificate has expired");
  }
  const std::string device_id = presented.SubjectCommonName();
  KEEL_ASSIGN_OR_RETURN(DeviceRecord device, store_.GetDevice(device_id));
  if (device.state == DeviceState::kRevoked) {
    return Status::PermissionDenied("device \"" + device_id + "\" is revoked");
  }
  KEEL_ASSIGN_OR_RETURN(crypto::CsrInfo csr, crypto::VerifyCsr(csr_pem));
  if (csr.common_name != device_id) {
    return Status::PermissionDenied("renewal: CSR names \"" + csr.common_name +
                                    "\" but the client certificate is \"" + device_id + "\"");
  }
  return Issue(device_id, csr_pem);
}

Result<IssuedCertificate> EnrollmentService::Issue(std::string_view device_id,
                                                   std::string_view csr_pem) {
  KEEL_ASSIGN_OR_RETURN(crypto::Certificate cert,
                        ca_.IssueFromCsr(csr_pem, device_id, options_.certificate_lifetime,
                                         crypto::CertUsage::kClient));
  KEEL_RETURN_IF_ERROR(
      store_.RecordCertificate(device_id, cert.SerialHex(), cert.NotAfterMs(), clock_.NowMs()));
  return IssuedCertificate{cert.ToPem(), ca_.certificate().ToPem(), cert.NotAfterMs()};
}

Status EnrollmentService::Revoke(std::string_view device_id) {
  KEEL_RETURN_IF_ERROR(store_.RevokeDevice(device_id, clock_.NowMs()));
  if (on_revoked_) on_revoked_(std::string(device_id));
  return Status::Ok();
}

}  // namespace keel::hub
