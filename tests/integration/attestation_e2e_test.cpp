// Measured-load attestation end to end (docs/security.md, "Attestation"): a
// real keel-edge process attests to a real keel-hub on connect and every
// [attest] interval_s. The device stays trusted while a model update is in
// flight; a model file swapped on disk under the running agent gets it
// quarantined within one interval; a re-deploy of the version it should run
// repairs the files and the next attestation lifts the quarantine.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <chrono>
#include <nlohmann/json.hpp>

#include "common/files.h"
#include "integration/hub_process.h"
#include "integration/pump_agent_config.h"
#include "test_util/process.h"

namespace keel {
namespace {

using nlohmann::json;
using std::chrono::seconds;

constexpr int kAttestIntervalS = 2;

json BundleManifest(const std::string& version) {
  return {{"name", "pump-ae"},
          {"version", version},
          {"backend", "builtin"},
          {"inputs", {"pump.vibration.rms", "pump.current.mean"}},
          {"builtin", {{"kind", "mahalanobis"}, {"params", {{"threshold", 9}}}}},
          {"health", {{"golden", json::array()}, {"latency_budget_us", 1000}}}};
}

class AttestationE2eTest : public ::testing::Test {
 protected:
  void SetUp() override {
    hub_ = std::make_unique<HubProcess>(tmp_.path(),
                                        std::vector<std::string>{"--update-poll-seconds", "1"});
    auto [rc, out] = hub_->Keelctl({"keys", "init", "--offline", (tmp_.path() / "offline").string(),
                                    "--online", (hub_->data() / "updates").string()});
    ASSERT_EQ(rc, 0) << out;
    hub_->Start();
    identity_ = hub_->EnrollDevice(kId);
    for (const char* version : {"1.0.0", "1.1.0"}) {
      const auto dir = tmp_.path() / (std::string("bundle-") + version);
      ASSERT_TRUE(EnsureDirectory(dir).ok());
      ASSERT_TRUE(WriteFileAtomic(dir / "manifest.json", BundleManifest(version).dump()).ok());
      auto [prc, pout] = hub_->Keelctl({"model", "push", dir.string()});
      ASSERT_EQ(prc, 0) << pout;
    }
  }

  // Deploys pump-ae@`version` to the device and waits until it completed.
  void DeployAndWait(const std::string& version) {
    auto [rc, out] =
        hub_->Keelctl({"--json", "deploy", "create", "--artifact", "pump-ae@" + version, "--target",
                       std::string("devices:") + kId, "--canary", "1", "--waves", "100",
                       "--wave-soak", "0s", "--device-timeout", "1m"});
    ASSERT_EQ(rc, 0) << out;
    const int64_t id = json::parse(out, nullptr, false).value("id", int64_t{0});
    std::string state;
    EXPECT_TRUE(Eventually(
        [&] {
          auto [src, status] = hub_->Keelctl({"--json", "deploy", "status", std::to_string(id)});
          state = src == 0 ? json::parse(status, nullptr, false).value("state", "") : "";
          return state == "completed";
        },
        seconds(60)))
        << "deployment of " << version << ": " << state << "\n"
        << edge_->Stderr();
  }

  json Device() const {
    auto [rc, out] = hub_->Keelctl({"--json", "device", "show", kId});
    return rc == 0 ? json::parse(out, nullptr, false) : json::object();
  }
  bool Quarantined() const {
    const json device = Device();
    return device.contains("quarantined") && device["quarantined"].is_object();
  }
  double Verdicts(const char* verdict) const {
    return hub_->Metric(std::string("keel_attestations_total{verdict=\"") + verdict + "\"}");
  }

  // The directory of the model slot the device runs.
  std::filesystem::path ActiveModelSlot() const {
    const auto dir = identity_ / "ota" / "model";
    auto state = ReadFile(dir / "state.json");
    if (!state.ok()) return {};
    return dir / ("slot-" + json::parse(*state, nullptr, false).value("active", ""));
  }

  static constexpr const char* kId = "pump-attest";
  TempDir tmp_;
  std::unique_ptr<HubProcess> hub_;
  std::filesystem::path identity_;
  std::unique_ptr<ChildProcess> edge_;
};

TEST_F(AttestationE2eTest, ASwappedModelIsQuarantinedAndARedeployRestoresTheDevice) {
  const auto config = tmp_.path() / "edge.toml";
  ASSERT_TRUE(WriteFileAtomic(config, PumpAgentConfig(kId, identity_, *hub_,
                                                      fmt::format("\n[attest]\ninterval_s = {}\n",
                                                                  kAttestIntervalS)))
                  .ok());
  edge_ = std::make_unique<ChildProcess>(
      std::vector<std::string>{BinPath("keel-edge"), "run", "--config", config.string()},
      tmp_.path() / "edge.out", tmp_.path() / "edge.err");

  // On connect: trusted (its binary, configuration and model on first use).
  ASSERT_TRUE(Eventually([&] { return Verdicts("trusted") >= 1; }, seconds(30)))
      << edge_->Stderr() << hub_->Log();
  EXPECT_FALSE(Quarantined()) << Device().dump();

  // Updates in flight never quarantine: the agent attests right after each
  // swap, before its report reaches the hub.
  DeployAndWait("1.0.0");
  DeployAndWait("1.1.0");
  EXPECT_EQ(Verdicts("quarantined"), 0) << hub_->Log();
  EXPECT_FALSE(Quarantined()) << Device().dump();

  // The running model's file swapped on disk: quarantined within one interval.
  const auto slot = ActiveModelSlot();
  json swapped = BundleManifest("1.1.0");
  swapped["builtin"]["params"]["threshold"] = 1e9;  // never raises an anomaly
  ASSERT_TRUE(WriteFileAtomic(slot / "manifest.json", swapped.dump()).ok());
  const auto swapped_at = std::chrono::steady_clock::now();
  ASSERT_TRUE(Eventually([&] { return Quarantined(); }, seconds(3 * kAttestIntervalS + 10)))
      << edge_->Stderr();
  const auto detected_after = std::chrono::steady_clock::now() - swapped_at;
  // One interval, plus the attestation's round trip and the polling of this test under ASan.
  EXPECT_LT(detected_after, seconds(kAttestIntervalS + 6));
  const json device = Device();
  EXPECT_NE(device["quarantined"].value("reason", "").find("differ from the published"),
            std::string::npos)
      << device.dump();
  EXPECT_TRUE(Eventually([&] { return edge_->Stderr().find("QUARANTINED") != std::string::npos; },
                         seconds(10)))
      << edge_->Stderr();
  // The quarantine raised a critical incident (hub/alerts, through the bus).
  json incident;
  EXPECT_TRUE(Eventually(
      [&] {
        auto [rc, out] = hub_->Keelctl({"--json", "incident", "list", "--state", "active"});
        if (rc != 0) return false;
        const json list = json::parse(out);
        for (const auto& i : list["incidents"]) {
          for (const auto& m : i["members"]) {
            if (m["name"] == "attestation" && m["labels"]["device"] == kId && m["firing"]) {
              incident = i;
              return true;
            }
          }
        }
        return false;
      },
      seconds(10)))
      << hub_->Log();
  EXPECT_EQ(incident.value("severity", ""), "critical") << incident.dump();

  // Remediation: the hub lets the install of the expected version through;
  // the agent finds its files changed, installs them again and attests.
  DeployAndWait("1.1.0");
  EXPECT_TRUE(Eventually([&] { return !Quarantined(); }, seconds(3 * kAttestIntervalS + 10)))
      << Device().dump() << edge_->Stderr();
  auto repaired = ReadFile(ActiveModelSlot() / "manifest.json");
  ASSERT_TRUE(repaired.ok());
  EXPECT_EQ(json::parse(*repaired)["builtin"]["params"]["threshold"], 9);
  EXPECT_EQ(edge_->KillAndWait(SIGTERM), 0) << edge_->Stderr();
}

}  // namespace
}  // namespace keel
