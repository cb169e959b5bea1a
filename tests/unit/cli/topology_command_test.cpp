// keelctl topology get|set and device context: the helpers, and the whole
// commands against a stand-in hub (an HTTPS server answering the topology
// endpoints the way docs/api.md says the hub does).
#include "cli/topology_command.h"

#include <gtest/gtest.h>
#include <httplib.h>

#include <chrono>
#include <fstream>
#include <mutex>
#include <sstream>
#include <thread>

#include "cli/keelctl.h"
#include "test_util/net.h"
#include "test_util/temp_dir.h"
#include "test_util/test_pki.h"

namespace keel::cli {
namespace {

using nlohmann::json;

TEST(ReadTopologyFileTest, ReadsAndBoundsTheFile) {
  TempDir dir;
  std::ofstream(dir.path() / "t.json") << R"({"tenants": []})";
  EXPECT_EQ(*ReadTopologyFile(dir.path() / "t.json"), R"({"tenants": []})");
  auto big = ReadTopologyFile(dir.path() / "t.json", 4);
  ASSERT_FALSE(big.ok());
  EXPECT_EQ(big.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(big.status().message().find("15 bytes, more than the hub's request limit of 4"),
            std::string::npos)
      << big.status().message();
  auto missing = ReadTopologyFile(dir.path() / "nope.json");
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("nope.json"), std::string::npos);
}

TEST(PrintLabelsTest, KeyValueLinesInKeyOrder) {
  std::ostringstream out;
  PrintLabels(json{{"site", "north"}, {"criticality", "5"}, {"n", 3}}, out);
  EXPECT_EQ(out.str(), "criticality=5\nn=3\nsite=north\n");
  out.str("");
  PrintLabels(json::object(), out);
  EXPECT_EQ(out.str(), "(no context)\n");
}

class TopologyCommandTest : public ::testing::Test {
 protected:
  void SetUp() override {
    pki_ = std::make_unique<TestPki>(dir_.path() / "tls");
    pki_->Issue("server", "localhost", /*server=*/true);
    std::ofstream(dir_.path() / "token") << "tok\n";
    server_ = std::make_unique<httplib::SSLServer>(pki_->cert("server").c_str(),
                                                   pki_->key("server").c_str());
    server_->Get("/api/v1/topology", [](const httplib::Request&, httplib::Response& res) {
      res.set_content(
          R"({"version": 4, "updated_ms": 17, "topology": {"tenants": [{"id": "acme"}]}})",
          "application/json");
    });
    server_->Put("/api/v1/topology", [this](const httplib::Request& req, httplib::Response& res) {
      std::lock_guard lock(mu_);
      put_body_ = req.body;
      if_match_ = req.get_header_value("If-Match");
      if (if_match_ == "3") {
        res.status = 409;
        res.set_content(
            R"({"error": {"code": "FailedPrecondition", "message": "topology: version 3 expected, the stored one is 4"}})",
            "application/json");
        return;
      }
      res.set_content(R"({"version": 5})", "application/json");
    });
    server_->Get(R"(/api/v1/devices/([^/]+)/context)",
                 [](const httplib::Request& req, httplib::Response& res) {
                   res.set_content(json{{"id", req.matches[1].str()},
                                        {"labels", {{"site", "north"}, {"gateway", "gw-1"}}}}
                                       .dump(),
                                   "application/json");
                 });
    port_ = server_->bind_to_any_port("127.0.0.1");
    ASSERT_GT(port_, 0);
    thread_ = std::thread([this] { server_->listen_after_bind(); });
    ASSERT_TRUE(WaitForListener(port_, std::chrono::seconds(5)));
  }

  void TearDown() override {
    server_->stop();
    thread_.join();
  }

  int Run(std::vector<std::string> args) {
    std::vector<std::string> argv = {"keelctl",
                                     "--hub",
                                     "https://127.0.0.1:" + std::to_string(port_),
                                     "--cacert",
                                     pki_->ca_cert().string(),
                                     "--token-file",
                                     (dir_.path() / "token").string()};
    argv.insert(argv.end(), args.begin(), args.end());
    std::vector<const char*> ptrs;
    for (const auto& a : argv) ptrs.push_back(a.c_str());
    out_.str("");
    err_.str("");
    return RunKeelctl(static_cast<int>(ptrs.size()), ptrs.data(), out_, err_);
  }

  TempDir dir_;
  std::unique_ptr<TestPki> pki_;
  std::unique_ptr<httplib::SSLServer> server_;
  std::thread thread_;
  int port_ = 0;
  std::mutex mu_;
  std::string put_body_, if_match_;
  std::ostringstream out_, err_;
};

TEST_F(TopologyCommandTest, GetPrintsTheDocument) {
  ASSERT_EQ(Run({"topology", "get"}), 0) << err_.str();
  EXPECT_EQ(json::parse(out_.str()), json::parse(R"({"tenants": [{"id": "acme"}]})"));
  ASSERT_EQ(Run({"--json", "topology", "get"}), 0) << err_.str();
  EXPECT_EQ(json::parse(out_.str())["version"], 4);
}

TEST_F(TopologyCommandTest, SetSendsTheFileAsIsAndPrintsTheVersion) {
  const std::string doc = "{\"tenants\": [{\"id\": \"acme\"}]}\n";
  std::ofstream(dir_.path() / "t.json") << doc;
  ASSERT_EQ(Run({"topology", "set", (dir_.path() / "t.json").string()}), 0) << err_.str();
  EXPECT_EQ(out_.str(), "topology version 5\n");
  {
    std::lock_guard lock(mu_);
    EXPECT_EQ(put_body_, doc);
    EXPECT_EQ(if_match_, "");
  }
  EXPECT_EQ(Run({"topology", "set", (dir_.path() / "t.json").string(), "--if-match", "3"}), 1);
  EXPECT_NE(err_.str().find("version 3 expected, the stored one is 4"), std::string::npos)
      << err_.str();
  {
    std::lock_guard lock(mu_);
    EXPECT_EQ(if_match_, "3");
  }
  EXPECT_EQ(Run({"topology", "set", (dir_.path() / "missing.json").string()}), 1);
  EXPECT_NE(err_.str().find("missing.json"), std::string::npos) << err_.str();
  EXPECT_EQ(Run({"topology", "set"}), 2);
  EXPECT_EQ(Run({"topology", "set", "x.json", "--if-match", "0"}), 2);
}

TEST_F(TopologyCommandTest, DeviceContextPrintsLabels) {
  ASSERT_EQ(Run({"device", "context", "pump-01"}), 0) << err_.str();
  EXPECT_EQ(out_.str(), "gateway=gw-1\nsite=north\n");
  ASSERT_EQ(Run({"--json", "device", "context", "pump-01"}), 0);
  EXPECT_EQ(json::parse(out_.str())["id"], "pump-01");
  EXPECT_EQ(Run({"device", "context"}), 2);
}

}  // namespace
}  // namespace keel::cli
