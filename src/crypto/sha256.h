// Incremental SHA-256, for verifying a download while it streams in.
#pragma once

#include <memory>
#include <string>
#include <string_view>

namespace keel::crypto {

// Not thread-safe; one per stream. Aborts the process if OpenSSL cannot
// allocate or run SHA-256 (as RandomToken does for its CSPRNG): a digest is
// never silently wrong.
class Sha256Stream {
 public:
  Sha256Stream();
  ~Sha256Stream();
  Sha256Stream(const Sha256Stream&) = delete;
  Sha256Stream& operator=(const Sha256Stream&) = delete;

  void Update(std::string_view data);
  // Lower-case hex of the digest of everything given; the stream then starts
  // over.
  std::string FinishHex();

 private:
  struct Context;
  std::unique_ptr<Context> context_;
};

}  // namespace keel::crypto
