// Rollouts to a fleet of 200 simulated devices through a real keel-hub
// (issue 4, "Fleet"): every device runs the device's own update code
// (OtaManager: signed metadata, A/B slots, durable reports, mTLS polls),
// 10% of the poll replies are lost on the way back, and:
//   - a good model goes canary -> waves -> 100%, across a hub restart in the
//     middle of the deployment;
//   - a bad model (its health check fails on 30% of the devices) stops at
//     the canary or the first wave and every device that installed it is
//     rolled back to the previous version;
//   - every report is acknowledged in the end (lost replies reconciled).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "common/files.h"
#include "edge/sim/ota_fleet.h"
#include "integration/hub_process.h"

namespace keel {
namespace {

using nlohmann::json;

constexpr int kDevices = 200;

class RolloutFleetE2eTest : public ::testing::Test {
 protected:
  void SetUp() override {
    hub_ = std::make_unique<HubProcess>(tmp_.path(),
                                        std::vector<std::string>{"--update-poll-seconds", "0.2"});
    auto [rc, out] = hub_->Keelctl({"keys", "init", "--offline", (tmp_.path() / "offline").string(),
                                    "--online", (hub_->data() / "updates").string()});
    ASSERT_EQ(rc, 0) << out;
    hub_->Start();
    for (const char* version : {"1.0.0", "1.1.0", "1.2.0"}) Publish(version);
  }

  // A built-in model bundle pump-ae@version.
  void Publish(const std::string& version) {
    const auto dir = tmp_.path() / ("bundle-" + version);
    ASSERT_TRUE(EnsureDirectory(dir).ok());
    const json manifest = {{"name", "pump-ae"},
                           {"version", version},
                           {"backend", "builtin"},
                           {"inputs", {"vibration.rms", "current.mean"}},
                           {"builtin", {{"kind", "mahalanobis"}, {"params", {{"threshold", 8}}}}},
                           {"health", {{"golden", json::array()}, {"latency_budget_us", 1000}}}};
    ASSERT_TRUE(WriteFileAtomic(dir / "manifest.json", manifest.dump(2)).ok());
    auto [rc, out] = hub_->Keelctl({"model", "push", dir.string()});
    ASSERT_EQ(rc, 0) << out;
  }

  json Deployment(int64_t id) {
    auto [rc, out] = hub_->Keelctl({"--json", "deploy", "status", std::to_string(id)});
    EXPECT_EQ(rc, 0) << out;
    return json::parse(out, nullptr, false);
  }

  int64_t Deploy(const std::vector<std::string>& args) {
    std::vector<std::string> all = {"--json", "deploy", "create"};
    all.insert(all.end(), args.begin(), args.end());
    auto [rc, out] = hub_->Keelctl(all);
    EXPECT_EQ(rc, 0) << out;
    return json::parse(out, nullptr, false).value("id", int64_t{0});
  }

  // Steps the fleet until deployment `id` is in one of `states`; returns
  // its last status. `between` runs after every round.
  json RunUntil(int64_t id, const std::set<std::string>& states, int max_rounds,
                const std::function<void(const json&)>& between = nullptr) {
    json d;
    for (int round = 0; round < max_rounds; ++round) {
      fleet_->StepAll();
      d = Deployment(id);
      if (states.contains(d.value("state", ""))) return d;
      if (between) between(d);
    }
    ADD_FAILURE() << "deployment " << id << " still " << d.dump();
    return d;
  }

  void ExpectEveryDeviceRuns(const std::string& version) {
    int on_version = 0;
    for (const auto& [device, running] : fleet_->ModelVersions()) {
      if (running == version) ++on_version;
    }
    EXPECT_EQ(on_version, kDevices) << "devices on " << version;
  }

  TempDir tmp_;
  std::unique_ptr<HubProcess> hub_;
  std::unique_ptr<edge::OtaFleet> fleet_;
};

TEST_F(RolloutFleetE2eTest, GoodModelReachesAllBadModelIsRolledBack) {
  edge::OtaFleetOptions options;
  options.hub = {hub_->api_url(), hub_->ca(), hub_->token_file()};
  options.dir = tmp_.path() / "fleet";
  options.devices = kDevices;
  options.threads = 8;
  options.lost_reply_probability = 0.1;
  // 30% of the devices cannot run 1.2.0: their health check fails.
  options.fails_health = [](const std::string& device, const std::string& version) {
    return version == "1.2.0" && edge::DeviceFraction(device) < 0.3;
  };
  auto fleet = edge::OtaFleet::Create(options, SystemClock());
  ASSERT_TRUE(fleet.ok()) << fleet.status().ToString();
  fleet_ = std::move(fleet).value();

  // Every device starts on 1.0.0.
  const int64_t base = Deploy(
      {"--artifact", "pump-ae@1.0.0", "--canary", "0", "--waves", "100", "--wave-soak", "0s"});
  json d = RunUntil(base, {"completed", "rolling_back", "rolled_back"}, 40);
  ASSERT_EQ(d.value("state", ""), "completed") << d.dump();
  ExpectEveryDeviceRuns("1.0.0");

  // 1.1.0 in waves, with a hub restart once the first wave after the canary
  // has started.
  const int64_t good = Deploy({"--artifact", "pump-ae@1.1.0", "--canary", "2", "--waves",
                               "10,50,100", "--max-failures", "5%", "--wave-soak", "1s"});
  bool restarted = false;
  d = RunUntil(good, {"completed", "rolling_back", "rolled_back"}, 80, [&](const json& status) {
    if (!restarted && status.value("wave", 0) >= 1) {
      hub_->Stop();
      hub_->Start();
      restarted = true;
    }
  });
  EXPECT_TRUE(restarted);
  ASSERT_EQ(d.value("state", ""), "completed") << d.dump();
  EXPECT_EQ(d["counts"].value("committed", 0), kDevices);
  ExpectEveryDeviceRuns("1.1.0");

  // 1.2.0 fails on 30% of the devices: it stops early and rolls back.
  const int64_t bad = Deploy({"--artifact", "pump-ae@1.2.0", "--canary", "2", "--waves",
                              "10,50,100", "--max-failures", "5%", "--wave-soak", "1s"});
  d = RunUntil(bad, {"rolled_back"}, 60);
  ASSERT_EQ(d.value("state", ""), "rolled_back") << d.dump();
  EXPECT_LE(d.value("wave", 99), 1) << d.dump();
  EXPECT_GE(d["counts"].value("failed", 0), 1);
  EXPECT_EQ(d["counts"].value("reverting", 0), 0);
  EXPECT_GT(d["counts"].value("cancelled", 0), kDevices / 2);  // never reached
  ExpectEveryDeviceRuns("1.1.0");

  // Lost replies were injected, and every report reached the hub in the end.
  fleet_->StepAll();
  const edge::OtaFleetStats stats = fleet_->stats();
  EXPECT_GT(stats.lost_replies, 0);
  // The calls of one Step (root and timestamp metadata, the poll, downloads)
  // shared its TLS connection: a handshake per call made this test 3-4x
  // slower (minutes under ASan).
  EXPECT_GT(stats.hub_requests, 2 * stats.hub_connections)
      << stats.hub_requests << " requests, " << stats.hub_connections << " connections";
  for (const auto& [device, pending] : fleet_->PendingReports()) {
    EXPECT_EQ(pending, 0u) << device;
  }
}

}  // namespace
}  // namespace keel
