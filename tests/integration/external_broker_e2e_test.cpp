// End-to-end: keel-hub with --broker uses an external MQTT 5 broker (here a
// plain mosquitto with mutual TLS and an ACL, no Keel plugin) instead of
// starting its own.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "integration/hub_process.h"
#include "test_util/mosquitto_process.h"

namespace keel {
namespace {

TEST(ExternalBrokerE2eTest, HubIngestsThroughAnExternalBroker) {
  TempDir tmp;
  // A first start creates the hub's PKI, which the external broker trusts.
  {
    HubProcess bootstrap(tmp.path());
    bootstrap.Start();
    bootstrap.Stop();
  }
  const auto pki = tmp.path() / "hub" / "pki";
  std::filesystem::create_directories(tmp.path() / "external");
  MosquittoOptions options;
  options.dir = tmp.path() / "external";
  options.port = FreeLoopbackPort();
  options.ca_file = pki / "ca.crt";
  options.cert_file = pki / "server.crt";
  options.key_file = pki / "server.key";
  options.admin_users = {"hub:keel"};
  MosquittoProcess broker(options);

  const std::string url = "mqtts://127.0.0.1:" + std::to_string(options.port);
  HubProcess hub(tmp.path(), {"--broker", url});
  hub.Start();
  // No embedded broker was started.
  EXPECT_FALSE(std::filesystem::exists(hub.data() / "broker" / "mosquitto.pid"));
  EXPECT_TRUE(Eventually([&] { return hub.Keelctl({"health"}).second == "ok\n"; },
                         std::chrono::seconds(10)));

  const auto dev = hub.EnrollDevice("dev1");
  ASSERT_EQ(RunCommand({"/usr/bin/mosquitto_pub", "-V", "mqttv5", "-h", "127.0.0.1", "-p",
                        std::to_string(options.port), "--cafile", (pki / "ca.crt").string(),
                        "--cert", (dev / "device.crt").string(), "--key",
                        (dev / "device.key").string(), "-q", "1", "-t", "keel/v1/dev1/telemetry",
                        "-m", R"({"seq": 1, "series": {"temp": [[1732470000000, 20.5]]}})"},
                       tmp.path())
                .first,
            0);
  EXPECT_TRUE(Eventually(
      [&] {
        auto [code, out] = hub.Keelctl({"--json", "series", "get", "dev1", "temp"});
        return code == 0 && nlohmann::json::parse(out)["points"].size() == 1;
      },
      std::chrono::seconds(10)))
      << broker.Log();
}

}  // namespace
}  // namespace keel
