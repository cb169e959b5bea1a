// Envelopes, key ids, signing and threshold verification of update metadata.
//
// Canonical bytes: the "signed" object serialised with sorted keys, no
// whitespace and UTF-8 as is (nlohmann::json::dump()); metadata holds no
// floating point, so one value has exactly one serialisation. A verifier
// signs over what it parsed, re-serialised, never over the received bytes.
#pragma once

#include <nlohmann/json.hpp>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "crypto/private_key.h"
#include "tuf/metadata.h"

namespace keel::tuf {

struct Signature {
  std::string keyid;  // hex
  std::string sig;    // raw 64 bytes
};

struct Envelope {
  nlohmann::json signed_part;
  std::vector<Signature> signatures;
};

// The key id of a raw Ed25519 public key: the lower-case hex SHA-256 of the
// canonical JSON of its key object ({"keytype","keyval":{"public"},"scheme"}).
std::string KeyId(std::string_view public_key);

std::string CanonicalBytes(const nlohmann::json& signed_part);

// Parses a metadata file (metadata_json.h bounds). InvalidArgument naming
// `file` for anything but {"signed": {...}, "signatures": [{"keyid", "sig"}]}
// with hex fields (at most 256 signatures).
Result<Envelope> ParseEnvelope(std::string_view bytes, std::string_view file);

// The metadata file: `signed_part` signed by every key in `keys` (Ed25519).
Result<std::string> SignMetadata(const nlohmann::json& signed_part,
                                 std::span<const crypto::PrivateKey* const> keys);

// OK when at least `role`'s threshold of distinct key ids that `root` lists
// for `role` have a valid signature over the envelope's canonical bytes.
// Signatures by other keys, repeated key ids (counted once) and invalid
// signatures do not count. Unauthenticated naming `file`, the role and the
// count otherwise.
Status VerifyThreshold(const Envelope& envelope, const RootMetadata& root, Role role,
                       std::string_view file);

}  // namespace keel::tuf
