#include "edge/ota/poll_transport.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <httplib.h>

#include <thread>

#include "test_util/net.h"
#include "test_util/temp_dir.h"
#include "test_util/test_pki.h"

namespace keel::edge::ota {
namespace {

using ::testing::HasSubstr;

// An HTTPS server that requires client certificates from the test CA and
// answers the poll with what the test sets.
class PollTransportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    pki_.Issue("server", "localhost", /*server=*/true);
    pki_.Issue("pump-1", "pump-1");
    server_ = std::make_unique<httplib::SSLServer>(
        pki_.cert("server").c_str(), pki_.key("server").c_str(), pki_.ca_cert().c_str());
    server_->Post("/api/v1/updates/poll",
                  [this](const httplib::Request& req, httplib::Response& res) {
                    received_ = req.body;
                    res.status = status_;
                    res.set_content(reply_, "application/json");
                  });
    port_ = FreeLoopbackPort();
    ASSERT_TRUE(server_->bind_to_port("127.0.0.1", port_));
    thread_ = std::thread([this] { server_->listen_after_bind(); });
    while (!server_->is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  void TearDown() override {
    server_->stop();
    thread_.join();
  }

  HubHttpsOptions Options(const std::string& device = "pump-1") const {
    HubHttpsOptions o;
    o.hub = {"https", "localhost", port_};
    o.ca_file = pki_.ca_cert();
    o.cert_file = pki_.cert(device);
    o.key_file = pki_.key(device);
    o.timeout_s = 5;
    return o;
  }

  TempDir dir_;
  TestPki pki_{dir_.path() / "tls"};
  std::unique_ptr<httplib::SSLServer> server_;
  std::thread thread_;
  int port_ = 0;
  int status_ = 200;
  std::string reply_;
  std::string received_;
};

TEST_F(PollTransportTest, PostsTheEncodedRequestAndDecodesTheReply) {
  wire::PollReply reply;
  reply.acked = 12;
  reply.directives.push_back({3, "model", "pump-ae", "1.3.0", "install"});
  reply.poll_after_ms = 15000;
  reply_ = wire::EncodePollReply(reply);
  wire::PollRequest request;
  request.installed.push_back({"model", "pump-ae", "1.2.0"});
  request.kpis = {10, 1, 0, 250.5};
  request.reports.push_back({12, 3, "model", "pump-ae", "1.3.0", "installing", "", 1000});
  HttpsPollTransport transport(Options());
  auto got = transport.Poll(request);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(*got, reply);
  EXPECT_EQ(wire::DecodePollRequest(received_).value(), request);
}

TEST_F(PollTransportTest, RefusalsAndBadRepliesAreErrorsNamingTheCall) {
  HttpsPollTransport transport(Options());
  status_ = 403;
  reply_ = R"({"error": {"code": "permission_denied", "message": "device pump-1 is revoked"}})";
  auto refused = transport.Poll({});
  EXPECT_EQ(refused.status().code(), StatusCode::kPermissionDenied);
  EXPECT_THAT(refused.status().message(), HasSubstr("device pump-1 is revoked"));
  status_ = 200;
  reply_ = R"({"acked": 1})";
  auto bad = transport.Poll({});
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument);
  status_ = 503;
  EXPECT_EQ(transport.Poll({}).status().code(), StatusCode::kUnavailable);
}

TEST_F(PollTransportTest, AnUnreachableHubIsUnavailable) {
  HubHttpsOptions options = Options();
  options.hub.port = FreeLoopbackPort();
  HttpsPollTransport transport(options);
  auto got = transport.Poll({});
  EXPECT_EQ(got.status().code(), StatusCode::kUnavailable);
  EXPECT_THAT(got.status().message(), HasSubstr("POST /api/v1/updates/poll"));
}

}  // namespace
}  // namespace keel::edge::ota
