// Shared fixtures for the keel_mqtt tests: one PKI per test process (a Keel
// CA with server and device certificates, plus a foreign CA), client options
// that point at it, and small thread-safe collectors for callback results.
#pragma once

#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "mqtt/client.h"
#include "test_util/temp_dir.h"
#include "test_util/test_pki.h"

namespace keel::mqtt {

struct SharedPki {
  TempDir dir;
  TestPki keel{dir.path() / "keel", "keel-ca"};
  TestPki foreign{dir.path() / "foreign", "foreign-ca"};

  SharedPki() {
    keel.Issue("server", "localhost", /*server=*/true);
    for (const char* name : {"dev1", "dev2", "hub"}) keel.Issue(name, name);
    foreign.Issue("dev1", "dev1");
  }

  // Created on first use; lives until the test process exits.
  static const SharedPki& Get() {
    static const SharedPki pki;
    return pki;
  }
};

// Options for a client whose certificate CN is `name`, issued by the Keel CA
// (or by the foreign CA when `foreign` is set), with test-sized backoff.
inline ClientOptions TestClientOptions(const std::string& name, int port,
                                       const std::string& host = "localhost",
                                       bool foreign = false) {
  const SharedPki& pki = SharedPki::Get();
  const TestPki& issuer = foreign ? pki.foreign : pki.keel;
  ClientOptions o;
  o.client_id = name;
  o.host = host;
  o.port = port;
  o.ca_file = pki.keel.ca_cert().string();
  o.cert_file = issuer.cert(name).string();
  o.key_file = issuer.key(name).string();
  o.keepalive_s = 5;
  o.reconnect_min_ms = 50;
  o.reconnect_max_ms = 200;
  return o;
}

// Polls `done` every 5 ms until it holds or `timeout` passes.
inline bool WaitUntil(const std::function<bool()>& done,
                      std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!done()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return true;
}

// Collects values pushed from a client's network thread.
template <typename T>
class Collector {
 public:
  void Push(T value) {
    std::lock_guard lock(mu_);
    values_.push_back(std::move(value));
  }
  std::vector<T> values() const {
    std::lock_guard lock(mu_);
    return values_;
  }
  size_t size() const {
    std::lock_guard lock(mu_);
    return values_.size();
  }
  bool WaitForSize(size_t n, std::chrono::milliseconds timeout = std::chrono::seconds(5)) const {
    return WaitUntil([&] { return size() >= n; }, timeout);
  }

 private:
  mutable std::mutex mu_;
  std::vector<T> values_;
};

}  // namespace keel::mqtt
