#include <gtest/gtest.h>
#include <httplib.h>
#include <openssl/ssl.h>

#include <mutex>
#include <thread>
#include <vector>

#include "crypto/certificate.h"
#include "edge/ota/https_update_source.h"
#include "edge/ota/hub_https.h"
#include "edge/ota/poll_transport.h"
#include "test_util/net.h"
#include "test_util/temp_dir.h"
#include "test_util/test_pki.h"
#include "wire/ota_messages.h"

namespace keel::edge::ota {
namespace {

// An HTTPS server requiring client certificates from the test CA that
// records, for every request, the client's port (one per TCP connection)
// and the serial of the certificate it presented.
class HubConnectionTest : public ::testing::Test {
 protected:
  struct Seen {
    int port;
    std::string serial;
  };

  void SetUp() override {
    pki_.Issue("server", "localhost", /*server=*/true);
    pki_.Issue("pump-1", "pump-1");
    server_ = std::make_unique<httplib::SSLServer>(
        pki_.cert("server").c_str(), pki_.key("server").c_str(), pki_.ca_cert().c_str());
    auto record = [this](const httplib::Request& req, httplib::Response& res) {
      std::string serial;
      if (X509* peer = SSL_get1_peer_certificate(req.ssl)) {
        serial = crypto::Certificate(peer).SerialHex();
      }
      std::lock_guard lock(mu_);
      seen_.push_back({req.remote_port, serial});
      res.set_content(req.method == "POST" ? wire::EncodePollReply({}) : "{}", "application/json");
    };
    server_->Get("/api/v1/updates/metadata/timestamp.json", record);
    server_->Post("/api/v1/updates/poll", record);
    port_ = FreeLoopbackPort();
    ASSERT_TRUE(server_->bind_to_port("127.0.0.1", port_));
    thread_ = std::thread([this] { server_->listen_after_bind(); });
    while (!server_->is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  void TearDown() override {
    server_->stop();
    thread_.join();
  }

  HubHttpsOptions Options() const {
    HubHttpsOptions o;
    o.hub = {"https", "localhost", port_};
    o.ca_file = pki_.ca_cert();
    o.cert_file = pki_.cert("pump-1");
    o.key_file = pki_.key("pump-1");
    o.timeout_s = 5;
    return o;
  }

  std::vector<Seen> seen() {
    std::lock_guard lock(mu_);
    return seen_;
  }

  TempDir dir_;
  TestPki pki_{dir_.path() / "tls"};
  std::unique_ptr<httplib::SSLServer> server_;
  std::thread thread_;
  int port_ = 0;
  std::mutex mu_;
  std::vector<Seen> seen_;
};

TEST_F(HubConnectionTest, TheCallsOfOnePollShareOneConnectionUntilClosed) {
  FakeClock clock;
  auto hub = std::make_shared<HubConnection>(Options(), clock);
  HttpsUpdateSource source(hub);
  HttpsPollTransport transport(hub);
  ASSERT_TRUE(source.FetchMetadata("timestamp.json", 4096).ok());
  ASSERT_TRUE(transport.Poll({}).ok());
  ASSERT_TRUE(source.FetchMetadata("timestamp.json", 4096).ok());
  EXPECT_EQ(hub->stats().requests, 3);
  EXPECT_EQ(hub->stats().connections, 1);
  EXPECT_EQ(hub->stats().contexts, 1);
  hub->Close();
  ASSERT_TRUE(transport.Poll({}).ok());  // the next poll: a new connection and context
  EXPECT_EQ(hub->stats().connections, 2);
  EXPECT_EQ(hub->stats().contexts, 2);

  const auto s = seen();
  ASSERT_EQ(s.size(), 4u);
  EXPECT_EQ(s[0].port, s[1].port);
  EXPECT_EQ(s[1].port, s[2].port);
  EXPECT_NE(s[2].port, s[3].port);
}

TEST_F(HubConnectionTest, AConnectionIdleForLongerThanTheLimitIsNotReused) {
  FakeClock clock;
  HubHttpsOptions options = Options();
  options.max_idle_ms = 1000;
  auto hub = std::make_shared<HubConnection>(options, clock);
  HttpsPollTransport transport(hub);
  ASSERT_TRUE(transport.Poll({}).ok());
  clock.AdvanceMs(1000);
  ASSERT_TRUE(transport.Poll({}).ok());  // idle exactly the limit: reused
  clock.AdvanceMs(1001);
  ASSERT_TRUE(transport.Poll({}).ok());  // idle longer: a new connection
  EXPECT_EQ(hub->stats().connections, 2);
  EXPECT_EQ(hub->stats().contexts, 1);  // the same TLS context

  const auto s = seen();
  ASSERT_EQ(s.size(), 3u);
  EXPECT_EQ(s[0].port, s[1].port);
  EXPECT_NE(s[1].port, s[2].port);
}

// A device renews its certificate between two polls (same paths, new files):
// the poll after Close presents the new one.
TEST_F(HubConnectionTest, ARenewedCertificateIsPresentedFromTheNextPoll) {
  FakeClock clock;
  auto hub = std::make_shared<HubConnection>(Options(), clock);
  HttpsPollTransport transport(hub);
  ASSERT_TRUE(transport.Poll({}).ok());
  pki_.Issue("pump-1", "pump-1");  // a new key and certificate in the same files
  hub->Close();
  ASSERT_TRUE(transport.Poll({}).ok());

  const auto s = seen();
  ASSERT_EQ(s.size(), 2u);
  EXPECT_FALSE(s[0].serial.empty());
  EXPECT_FALSE(s[1].serial.empty());
  EXPECT_NE(s[0].serial, s[1].serial);
}

TEST_F(HubConnectionTest, BuiltFromOptionsEveryCallHasItsOwnConnection) {
  HttpsUpdateSource source(Options());
  HttpsPollTransport transport(Options());
  ASSERT_TRUE(source.FetchMetadata("timestamp.json", 4096).ok());
  ASSERT_TRUE(source.FetchMetadata("timestamp.json", 4096).ok());
  ASSERT_TRUE(transport.Poll({}).ok());
  ASSERT_TRUE(transport.Poll({}).ok());

  const auto s = seen();
  ASSERT_EQ(s.size(), 4u);
  EXPECT_NE(s[0].port, s[1].port);
  EXPECT_NE(s[2].port, s[3].port);
}

}  // namespace
}  // namespace keel::edge::ota
