#include "tuf/signing.h"

#include <fmt/format.h>

#include <set>

#include "crypto/ed25519.h"
#include "crypto/hex.h"
#include "crypto/tokens.h"
#include "tuf/metadata_json.h"

namespace keel::tuf {
namespace {

constexpr size_t kMaxSignatures = 256;

}  // namespace

std::string KeyId(std::string_view public_key) {
  const nlohmann::json key = {{"keytype", "ed25519"},
                              {"scheme", "ed25519"},
                              {"keyval", {{"public", crypto::HexEncode(public_key)}}}};
  return crypto::Sha256Hex(key.dump());
}

std::string CanonicalBytes(const nlohmann::json& signed_part) { return signed_part.dump(); }

Result<Envelope> ParseEnvelope(std::string_view bytes, std::string_view file_view) {
  const std::string file(file_view);
  KEEL_ASSIGN_OR_RETURN(nlohmann::json doc, internal::ParseMetadataJson(bytes, file));
  internal::ObjectReader r(doc, file, "$");
  Envelope envelope;
  KEEL_ASSIGN_OR_RETURN(const nlohmann::json* signed_part, r.Member("signed"));
  if (!signed_part->is_object()) {
    return Status::InvalidArgument(r.Where("signed") + ": must be an object");
  }
  envelope.signed_part = *signed_part;
  KEEL_ASSIGN_OR_RETURN(const nlohmann::json* signatures, r.Member("signatures"));
  if (!signatures->is_array() || signatures->size() > kMaxSignatures) {
    return Status::InvalidArgument(
        fmt::format("{}: must be an array of at most {}", r.Where("signatures"), kMaxSignatures));
  }
  for (size_t i = 0; i < signatures->size(); ++i) {
    internal::ObjectReader s((*signatures)[i], file, fmt::format("$.signatures[{}]", i));
    Signature signature;
    KEEL_ASSIGN_OR_RETURN(signature.keyid, s.String("keyid"));
    KEEL_ASSIGN_OR_RETURN(std::string hex, s.String("sig"));
    auto raw = crypto::HexDecode(hex);
    if (!raw.ok()) return Status::InvalidArgument(s.Where("sig") + ": " + raw.status().message());
    signature.sig = std::move(*raw);
    KEEL_RETURN_IF_ERROR(s.Finish());
    envelope.signatures.push_back(std::move(signature));
  }
  KEEL_RETURN_IF_ERROR(r.Finish());
  return envelope;
}

Result<std::string> SignMetadata(const nlohmann::json& signed_part,
                                 std::span<const crypto::PrivateKey* const> keys) {
  const std::string bytes = CanonicalBytes(signed_part);
  nlohmann::json signatures = nlohmann::json::array();
  for (const crypto::PrivateKey* key : keys) {
    KEEL_ASSIGN_OR_RETURN(std::string public_key, crypto::Ed25519PublicKey(*key));
    KEEL_ASSIGN_OR_RETURN(std::string sig, crypto::Ed25519Sign(*key, bytes));
    signatures.push_back({{"keyid", KeyId(public_key)}, {"sig", crypto::HexEncode(sig)}});
  }
  const nlohmann::json envelope = {{"signed", signed_part}, {"signatures", signatures}};
  return envelope.dump(1);
}

Status VerifyThreshold(const Envelope& envelope, const RootMetadata& root, Role role,
                       std::string_view file) {
  const auto it = root.roles.find(role);
  if (it == root.roles.end()) {
    return Status::Internal(fmt::format("{}: root has no {} role", file, RoleName(role)));
  }
  const RoleKeys& allowed = it->second;
  const std::set<std::string> role_keys(allowed.keyids.begin(), allowed.keyids.end());
  const std::string bytes = CanonicalBytes(envelope.signed_part);
  std::set<std::string> valid;
  for (const Signature& signature : envelope.signatures) {
    if (role_keys.count(signature.keyid) == 0 || valid.count(signature.keyid) != 0) continue;
    const auto key = root.keys.find(signature.keyid);
    if (key == root.keys.end()) continue;
    if (crypto::Ed25519Verify(key->second, bytes, signature.sig)) valid.insert(signature.keyid);
  }
  if (static_cast<int64_t>(valid.size()) < allowed.threshold) {
    return Status::Unauthenticated(
        fmt::format("{}: {} valid signature(s) by distinct {} keys of root version {}, {} needed",
                    file, valid.size(), RoleName(role), root.version, allowed.threshold));
  }
  return Status::Ok();
}

}  // namespace keel::tuf
