// NonceBook: the hub's attestation nonces (docs/security.md, "Attestation").
// A nonce is 32 random bytes from OpenSSL's CSPRNG (64 hex digits), issued
// to one device, usable once, for `ttl_ms` after it was issued. A device
// holds at most `max_per_device` unused nonces (asking for more drops its
// oldest) and the book at most `max_total` (asking for more drops the
// oldest of all), so neither one device nor many can grow it without bound.
// Nonces live in memory only: a hub restart invalidates them, and the
// device simply asks for a new one.
//
// Thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <string>

#include "common/clock.h"
#include "common/status.h"

namespace keel::hub::attest {

struct NonceOptions {
  int64_t ttl_ms = 60'000;
  size_t max_per_device = 4;
  size_t max_total = 100'000;
};

class NonceBook {
 public:
  explicit NonceBook(const Clock& clock, NonceOptions options = {})
      : clock_(clock), options_(options) {}

  struct Issued {
    std::string nonce;
    int64_t expires_ms = 0;
  };
  Issued Issue(const std::string& device);

  // Spends `nonce` for `device`: OK once per issued nonce, before it
  // expires. InvalidArgument otherwise ("unknown, used or expired": the
  // three are not told apart, and another device's nonce is unknown).
  Status Consume(const std::string& device, const std::string& nonce);

 private:
  struct Entry {
    std::string device;
    int64_t issued_ms = 0;
    uint64_t order = 0;  // issue order, to drop the oldest
  };
  void DropExpiredLocked(int64_t now);

  const Clock& clock_;
  const NonceOptions options_;
  std::mutex mu_;
  std::map<std::string, Entry> nonces_;  // nonce -> entry
  uint64_t issued_ = 0;
};

}  // namespace keel::hub::attest
