// End-to-end security checks against a real keel-hub and its broker:
// enrollment tokens, mutual TLS, per-device topic authorization, revocation.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "integration/hub_process.h"
#include "test_util/test_pki.h"

namespace keel {
namespace {

class SecurityE2eTest : public ::testing::Test {
 protected:
  void SetUp() override { hub_.Start(); }
  TempDir tmp_;
  HubProcess hub_{tmp_.path()};
};

std::string Trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

std::pair<int, std::string> EnrollWith(const HubProcess& hub, const std::string& id,
                                       const std::string& token, const std::string& dir) {
  return RunCommand({BinPath("keel-edge"), "enroll", "--hub", hub.api_url(), "--id", id, "--token",
                     token, "--dir", (hub.root() / dir).string(), "--cacert", hub.ca().string()},
                    hub.root());
}

TEST_F(SecurityE2eTest, EnrollmentTokenWorksExactlyOnce) {
  auto [rc, out] = hub_.Keelctl({"--json", "device", "add", "dev1"});
  ASSERT_EQ(rc, 0) << out;
  const auto reply = nlohmann::json::parse(out);
  EXPECT_EQ(reply["id"], "dev1");
  const std::string token = reply["token"];

  EXPECT_EQ(EnrollWith(hub_, "dev1", "not-the-token", "a").first, 1);
  EXPECT_EQ(EnrollWith(hub_, "dev1", token, "b").first, 0);
  EXPECT_TRUE(std::filesystem::exists(hub_.root() / "b" / "device.key"));
  EXPECT_EQ(std::filesystem::status(hub_.root() / "b" / "device.key").permissions() &
                std::filesystem::perms::all,
            std::filesystem::perms(0600));
  // Reused token.
  EXPECT_EQ(EnrollWith(hub_, "dev1", token, "c").first, 1);
  // A token of one device does not enroll another.
  auto [rc2, token2] = hub_.Keelctl({"device", "add", "dev2"});
  ASSERT_EQ(rc2, 0);
  EXPECT_EQ(EnrollWith(hub_, "dev3", Trim(token2), "d").first, 1);
  EXPECT_NE(hub_.Log().find("enrollment"), std::string::npos);
}

TEST_F(SecurityE2eTest, ForeignCertificateIsRefusedAtTheBroker) {
  TestPki foreign(tmp_.path() / "foreign", "evil-ca");
  foreign.Issue("dev1", "dev1");
  std::filesystem::create_directories(tmp_.path() / "evil");
  std::filesystem::copy_file(foreign.cert("dev1"), tmp_.path() / "evil" / "device.crt");
  std::filesystem::copy_file(foreign.key("dev1"), tmp_.path() / "evil" / "device.key");
  EXPECT_NE(hub_.Publish(tmp_.path() / "evil", "keel/v1/dev1/telemetry",
                         R"({"seq": 1, "series": {"t": [[1732470000000, 1]]}})", "evil"),
            0);
}

TEST_F(SecurityE2eTest, ThirdPartyClientJsonIsStoredAndCrossDevicePublishIsNot) {
  const auto dev1 = hub_.EnrollDevice("dev1");
  hub_.EnrollDevice("dev2");
  const int64_t t = 1732470000000;
  ASSERT_EQ(
      hub_.Publish(
          dev1, "keel/v1/dev1/telemetry",
          R"({"seq": 42, "series": {"temperature": [[1732470000000, 21.5], [1732470001000, 21.6]]}})",
          "dev1"),
      0);
  // dev1 tries to write into dev2's telemetry: the broker ACL drops it.
  hub_.Publish(dev1, "keel/v1/dev2/telemetry",
               R"({"seq": 7, "series": {"temperature": [[1732470000000, 99]]}})", "dev1-x");
  ASSERT_TRUE(Eventually(
      [&] {
        auto [rc, out] = hub_.Keelctl({"--json", "series", "get", "dev1", "temperature"});
        return rc == 0 && nlohmann::json::parse(out)["points"].size() == 2;
      },
      std::chrono::seconds(10)));
  auto [rc, out] = hub_.Keelctl({"--json", "series", "get", "dev1", "temperature"});
  EXPECT_EQ(nlohmann::json::parse(out)["points"],
            nlohmann::json::parse("[[" + std::to_string(t) + ",21.5],[" + std::to_string(t + 1000) +
                                  ",21.6]]"));
  auto [rc2, out2] = hub_.Keelctl({"--json", "series", "list", "dev2"});
  ASSERT_EQ(rc2, 0) << out2;
  EXPECT_TRUE(nlohmann::json::parse(out2)["series"].empty()) << out2;
}

TEST_F(SecurityE2eTest, RevokedDeviceIsDisconnectedAndRefused) {
  const auto dev1 = hub_.EnrollDevice("dev1");
  const auto dev2 = hub_.EnrollDevice("dev2");
  // A long-lived session of dev1.
  ChildProcess session({"/usr/bin/mosquitto_sub", "-V", "mqttv5", "-h", "127.0.0.1", "-p",
                        std::to_string(hub_.mqtt_port()), "--cafile", hub_.ca().string(), "--cert",
                        (dev1 / "device.crt").string(), "--key", (dev1 / "device.key").string(),
                        "-i", "dev1-session", "-t", "keel/v1/dev1/cmd/#"},
                       tmp_.path() / "sub.out", tmp_.path() / "sub.err");
  std::this_thread::sleep_for(std::chrono::seconds(1));
  ASSERT_EQ(session.WaitExit(std::chrono::milliseconds(10)), -1) << "session ended early";

  auto [rc, out] = hub_.Keelctl({"device", "revoke", "dev1"});
  ASSERT_EQ(rc, 0) << out;
  // The open session is closed well within the 60 s the requirement allows.
  EXPECT_NE(session.WaitExit(std::chrono::seconds(10)), -1) << "revoked session still open";
  // New connections of dev1 are refused; dev2 is unaffected.
  EXPECT_NE(hub_.Publish(dev1, "keel/v1/dev1/telemetry",
                         R"({"seq": 1, "series": {"t": [[1732470000000, 1]]}})", "dev1-again"),
            0);
  EXPECT_EQ(hub_.Publish(dev2, "keel/v1/dev2/telemetry",
                         R"({"seq": 1, "series": {"t": [[1732470000000, 1]]}})", "dev2"),
            0);
  auto [rc2, shown] = hub_.Keelctl({"--json", "device", "show", "dev1"});
  EXPECT_EQ(nlohmann::json::parse(shown)["state"], "revoked");
}

}  // namespace
}  // namespace keel
