// A real keel-edge agent in a rollout through a real keel-hub: it pins the
// update root at enrollment, polls over mTLS, installs a published model
// bundle into its A/B slots and switches its analytics to it while running;
// a version that cannot run on the device (its inputs are features the
// device does not compute) is rolled back by the device itself, reported,
// and the deployment rolls back, while the agent keeps the previous model.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "common/files.h"
#include "common/random.h"
#include "edge/agent/agent.h"
#include "edge/config/agent_config.h"
#include "edge/plant/motor_sensor.h"
#include "integration/hub_process.h"
#include "integration/pump_agent_config.h"

namespace keel {
namespace {

using nlohmann::json;

json Deployment(const HubProcess& hub, int64_t id) {
  auto [rc, out] = hub.Keelctl({"--json", "deploy", "status", std::to_string(id)});
  return rc == 0 ? json::parse(out, nullptr, false) : json::object();
}

TEST(AgentRolloutE2eTest, TheAgentInstallsAModelAndRefusesOneItCannotRun) {
  ASSERT_TRUE(edge::plant::RegisterPlantSensors().ok());
  TempDir tmp;
  HubProcess hub(tmp.path(), {"--update-poll-seconds", "1"});
  auto [keys_rc, keys_out] =
      hub.Keelctl({"keys", "init", "--offline", (tmp.path() / "offline").string(), "--online",
                   (hub.data() / "updates").string()});
  ASSERT_EQ(keys_rc, 0) << keys_out;
  hub.Start();
  const std::string id = "pump-ota";
  const auto identity = hub.EnrollDevice(id);
  ASSERT_TRUE(std::filesystem::exists(identity / "update-root.json"));

  // 1.0.0 runs on the device's features; 2.0.0 needs a pressure sensor it lacks.
  for (const auto& [version, inputs] :
       {std::pair{"1.0.0", json{"pump.vibration.rms", "pump.current.mean"}},
        std::pair{"2.0.0", json{"pump.vibration.rms", "pump.pressure.mean"}}}) {
    const auto dir = tmp.path() / (std::string("bundle-") + version);
    ASSERT_TRUE(EnsureDirectory(dir).ok());
    const json manifest = {{"name", "pump-ae"},
                           {"version", version},
                           {"backend", "builtin"},
                           {"inputs", inputs},
                           {"builtin", {{"kind", "mahalanobis"}, {"params", {{"threshold", 9}}}}},
                           {"health", {{"golden", json::array()}, {"latency_budget_us", 1000}}}};
    ASSERT_TRUE(WriteFileAtomic(dir / "manifest.json", manifest.dump()).ok());
    auto [rc, out] = hub.Keelctl({"model", "push", dir.string()});
    ASSERT_EQ(rc, 0) << out;
  }

  ASSERT_TRUE(WriteFileAtomic(tmp.path() / "edge.toml",
                              PumpAgentConfig(id, identity, hub, "\n[batch]\ninterval_ms = 500\n"))
                  .ok());
  auto config = edge::LoadAgentConfig(tmp.path() / "edge.toml");
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  SeededRandom random(5);
  edge::Agent agent(std::move(config).value(), SystemClock(), random);
  const Status started = agent.Start();
  ASSERT_TRUE(started.ok()) << started.ToString();

  auto deploy = [&](const char* artifact) {
    auto [rc, out] = hub.Keelctl({"--json", "deploy", "create", "--artifact", artifact, "--target",
                                  "devices:" + id, "--canary", "1", "--waves", "100", "--wave-soak",
                                  "0s", "--device-timeout", "1m"});
    EXPECT_EQ(rc, 0) << out;
    return json::parse(out, nullptr, false).value("id", int64_t{0});
  };
  const int64_t good = deploy("pump-ae@1.0.0");
  ASSERT_TRUE(Eventually([&] { return Deployment(hub, good).value("state", "") == "completed"; },
                         std::chrono::seconds(60)))
      << Deployment(hub, good).dump();
  EXPECT_TRUE(Eventually([&] { return agent.stats().model_swaps == 1; }, std::chrono::seconds(10)));
  EXPECT_TRUE(std::filesystem::exists(identity / "ota" / "model" / "state.json"));

  const int64_t bad = deploy("pump-ae@2.0.0");
  ASSERT_TRUE(Eventually([&] { return Deployment(hub, bad).value("state", "") == "rolled_back"; },
                         std::chrono::seconds(60)))
      << Deployment(hub, bad).dump();
  const json status = Deployment(hub, bad);
  const std::string detail = status["devices"][id].value("detail", "");
  EXPECT_NE(detail.find("pump.pressure.mean"), std::string::npos) << status.dump();
  EXPECT_EQ(agent.stats().model_swaps, 1u);  // still on 1.0.0
  auto state = ReadFile(identity / "ota" / "model" / "state.json");
  ASSERT_TRUE(state.ok());
  EXPECT_NE(state->find("2.0.0: the agent cannot run it"), std::string::npos) << *state;
  agent.Stop();
}

}  // namespace
}  // namespace keel
