#include "hub/attest/nonce_book.h"

#include <algorithm>

#include "crypto/tokens.h"

namespace keel::hub::attest {

void NonceBook::DropExpiredLocked(int64_t now) {
  std::erase_if(nonces_,
                [&](const auto& n) { return now >= n.second.issued_ms + options_.ttl_ms; });
}

NonceBook::Issued NonceBook::Issue(const std::string& device) {
  // 32 CSPRNG bytes, hashed into 64 hex digits (RandomToken aborts rather
  // than return predictable bytes).
  std::string nonce = crypto::Sha256Hex(crypto::RandomToken(32));
  std::lock_guard lock(mu_);
  const int64_t now = clock_.NowMs();
  DropExpiredLocked(now);
  auto drop_oldest = [&](auto&& filter) {
    auto oldest = nonces_.end();
    for (auto it = nonces_.begin(); it != nonces_.end(); ++it) {
      if (filter(it->second) &&
          (oldest == nonces_.end() || it->second.order < oldest->second.order)) {
        oldest = it;
      }
    }
    if (oldest != nonces_.end()) nonces_.erase(oldest);
  };
  const auto mine = [&](const Entry& e) { return e.device == device; };
  while (static_cast<size_t>(std::count_if(nonces_.begin(), nonces_.end(), [&](const auto& n) {
           return mine(n.second);
         })) >= options_.max_per_device) {
    drop_oldest(mine);
  }
  while (nonces_.size() >= options_.max_total) drop_oldest([](const Entry&) { return true; });
  nonces_[nonce] = Entry{device, now, ++issued_};
  return {nonce, now + options_.ttl_ms};
}

Status NonceBook::Consume(const std::string& device, const std::string& nonce) {
  std::lock_guard lock(mu_);
  DropExpiredLocked(clock_.NowMs());
  auto it = nonces_.find(nonce);
  if (it == nonces_.end() || it->second.device != device) {
    return Status::InvalidArgument("attest: nonce unknown, used or expired (ask for a new one)");
  }
  nonces_.erase(it);
  return Status::Ok();
}

}  // namespace keel::hub::attest
