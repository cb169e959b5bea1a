// The agent's part in rollouts ([ota]) with a real Agent: a fake hub API over
// mutual TLS serves the signed update repository and the update poll; the
// agent installs the directed model bundle, swaps it into its running
// analytics, reports each state once, and runs it again after a restart.
// There is no MQTT broker: telemetry waits in the outbox, which OTA does not
// depend on.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <httplib.h>

#include <chrono>
#include <mutex>
#include <thread>

#include "common/files.h"
#include "common/random.h"
#include "edge/agent/agent.h"
#include "edge/agent/identity.h"
#include "edge/fusion/window_features.h"
#include "edge/ota/config_install.h"
#include "edge/plant/motor_sensor.h"
#include "test_util/mosquitto_process.h"
#include "test_util/net.h"
#include "test_util/temp_dir.h"
#include "test_util/test_pki.h"
#include "unit/edge/analytics/pump_config.h"
#include "unit/edge/ota/fake_update_source.h"

namespace keel::edge {
namespace {

using ::testing::ElementsAre;

// The hub's update endpoints and poll (wire/ota_messages.h semantics).
class FakeHubApi {
 public:
  FakeHubApi(const TestPki& pki, ota::testing::FakeSource& source)
      : server_(pki.cert("server").c_str(), pki.key("server").c_str(), pki.ca_cert().c_str()),
        source_(source) {
    server_.Get(R"(/api/v1/updates/metadata/(.+))",
                [this](const httplib::Request& req, httplib::Response& res) {
                  std::lock_guard lock(mu_);
                  auto bytes = source_.FetchMetadata(req.matches[1].str(), 1 << 20);
                  res.status = bytes.ok() ? 200 : 404;
                  if (bytes.ok()) res.set_content(*bytes, "application/json");
                });
    server_.Get(R"(/api/v1/updates/targets/(.+))",
                [this](const httplib::Request& req, httplib::Response& res) {
                  std::lock_guard lock(mu_);
                  auto it = source_.payloads_.find(req.matches[1].str());
                  res.status = it == source_.payloads_.end() ? 404 : 200;
                  if (it != source_.payloads_.end()) {
                    res.set_content(it->second, "application/octet-stream");
                  }
                });
    server_.Post("/api/v1/updates/poll",
                 [this](const httplib::Request& req, httplib::Response& res) {
                   std::lock_guard lock(mu_);
                   auto request = wire::DecodePollRequest(req.body);
                   if (!request.ok()) {
                     res.status = 400;
                     return;
                   }
                   last_request_ = *request;
                   windows_total_ += request->kpis.windows;
                   for (const auto& r : request->reports) held_.emplace(r.seq, r);
                   wire::PollReply reply;
                   reply.acked = held_.empty() ? 0 : held_.rbegin()->first;
                   for (const auto& d : directives_) {
                     bool final = false;
                     for (const auto& [seq, r] : held_) {
                       // A revert is final with "reverted", an install with its own final states.
                       final |= r.deployment == d.deployment && wire::IsFinalOtaState(r.state) &&
                                (d.action == "revert") == (r.state == "reverted");
                     }
                     if (!final) reply.directives.push_back(d);
                   }
                   reply.poll_after_ms = 100;
                   res.set_content(wire::EncodePollReply(reply), "application/json");
                 });
    port_ = FreeLoopbackPort();
    EXPECT_TRUE(server_.bind_to_port("127.0.0.1", port_));
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    while (!server_.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ~FakeHubApi() {
    server_.stop();
    thread_.join();
  }

  int port() const { return port_; }
  void Direct(wire::Directive d) {
    std::lock_guard lock(mu_);
    directives_.push_back(std::move(d));
  }
  std::vector<std::string> States() const {
    std::lock_guard lock(mu_);
    std::vector<std::string> out;
    for (const auto& [seq, r] : held_) out.push_back(r.version + " " + r.state);
    return out;
  }
  wire::PollRequest last_request() const {
    std::lock_guard lock(mu_);
    return last_request_;
  }
  int64_t windows_total() const {
    std::lock_guard lock(mu_);
    return windows_total_;
  }
  std::mutex& mu() { return mu_; }

 private:
  httplib::SSLServer server_;
  ota::testing::FakeSource& source_;
  mutable std::mutex mu_;
  std::vector<wire::Directive> directives_;
  std::map<int64_t, wire::OtaReport> held_;
  wire::PollRequest last_request_;
  int64_t windows_total_ = 0;
  std::thread thread_;
  int port_ = 0;
};

// Waits up to `seconds` for `done`.
bool WaitFor(const std::function<bool()>& done, int seconds = 60) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
  while (std::chrono::steady_clock::now() < deadline) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return done();
}

class AgentOtaTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(plant::RegisterPlantSensors().ok());
    keys_.clock.SetMs(SystemClock().NowMs());  // the agent checks expiry on the real clock
    repo_ = ota::testing::OpenTestRepository(keys_, dir_.path() / "hub", &pinned_root_);
    ASSERT_NE(repo_, nullptr);
    source_ = std::make_unique<ota::testing::FakeSource>(*repo_);
    pki_.Issue("server", "localhost", /*server=*/true);
    pki_.Issue("pump-1", "pump-1");
    const IdentityPaths identity(dir_.path() / "identity");
    ASSERT_TRUE(EnsureDirectory(identity.dir).ok());
    std::filesystem::copy_file(pki_.ca_cert(), identity.ca);
    std::filesystem::copy_file(pki_.cert("pump-1"), identity.cert);
    std::filesystem::copy_file(pki_.key("pump-1"), identity.key);
    ASSERT_TRUE(WriteFileAtomic(identity.update_root, pinned_root_).ok());
    hub_ = std::make_unique<FakeHubApi>(pki_, *source_);

    config_.device.id = "pump-1";
    config_.device.dir = identity.dir;
    config_.hub.mqtt = {"mqtts", "localhost", FreeLoopbackPort()};  // no broker
    config_.hub.api = {"https", "localhost", hub_->port()};
    config_.outbox.path = identity.dir / "outbox.db";
    SensorConfig pump;
    pump.kind = "motor";
    pump.name = "pump";
    pump.options = {{"schedule", "on@0s"}};
    config_.sensors.push_back(pump);
    toml::table root = toml::parse(std::string_view(kPumpAnalytics), std::string_view("pump"));
    auto analytics = analytics::ParseAnalyticsSection(*root.get("analytics"), "pump");
    ASSERT_TRUE(analytics.ok()) << analytics.status().ToString();
    config_.analytics = *analytics;
    config_.ota.poll_interval_s = 1;
    config_.ota.dir = identity.dir / "ota";
    config_.ota.model_soak_s = 0;  // committed at the health check unless a test soaks
  }

  // A broker on the port config_.hub.mqtt names, with the test PKI.
  std::unique_ptr<MosquittoProcess> StartBroker() {
    MosquittoOptions options;
    options.dir = dir_.path() / "broker";
    EXPECT_TRUE(EnsureDirectory(options.dir).ok());
    options.port = config_.hub.mqtt.port;
    options.ca_file = pki_.ca_cert();
    options.cert_file = pki_.cert("server");
    options.key_file = pki_.key("server");
    return std::make_unique<MosquittoProcess>(options);
  }

  // A built-in detector bundle whose inputs are the configured features.
  void PublishBundle(const std::string& version) {
    auto driver = plant::CreateMotorSensor(config_.sensors[0], 7).value();
    analytics::AnalyticsConfig resolved = *config_.analytics;
    ASSERT_TRUE(analytics::ResolveChannelRates(driver->channels(), &resolved).ok());
    const auto inputs = fusion::FeatureNames(resolved.pipeline.features).value();
    const nlohmann::json manifest = {
        {"name", "pump-maha"},
        {"version", version},
        {"backend", "builtin"},
        {"inputs", inputs},
        {"builtin", {{"kind", "mahalanobis"}, {"params", {{"threshold", 12.0}}}}},
        {"health", {{"golden", nlohmann::json::array()}, {"latency_budget_us", 1000}}}};
    std::lock_guard lock(hub_->mu());
    ota::testing::PublishTarget(*repo_, *source_, "pump-maha@" + version + "/manifest.json",
                                manifest.dump(), {{"kind", "model"}});
  }

  TempDir dir_;
  tuf::testing::Repo keys_;
  std::string pinned_root_;
  std::unique_ptr<tuf::Repository> repo_;
  std::unique_ptr<ota::testing::FakeSource> source_;
  TestPki pki_{dir_.path() / "tls"};
  std::unique_ptr<FakeHubApi> hub_;
  AgentConfig config_;
  SeededRandom random_{7};
};

TEST_F(AgentOtaTest, InstallsSwapsInAndReportsTheDirectedModelThenRevertsIt) {
  PublishBundle("1.4.0");
  PublishBundle("1.5.0");
  {
    Agent agent(config_, SystemClock(), random_);
    ASSERT_TRUE(agent.Start().ok());
    hub_->Direct({1, "model", "pump-maha", "1.4.0", "install"});
    ASSERT_TRUE(WaitFor([&] { return hub_->States().size() == 2; })) << hub_->States().size();
    EXPECT_THAT(hub_->States(), ElementsAre("1.4.0 installing", "1.4.0 committed"));
    ASSERT_TRUE(WaitFor([&] { return agent.stats().model_swaps == 1; }));
    hub_->Direct({2, "model", "pump-maha", "1.5.0", "install"});
    ASSERT_TRUE(WaitFor([&] { return agent.stats().model_swaps == 2; }));
    hub_->Direct({2, "model", "pump-maha", "1.5.0", "revert"});
    ASSERT_TRUE(WaitFor([&] { return agent.stats().model_swaps == 3; }));
    ASSERT_TRUE(WaitFor([&] { return hub_->States().size() == 5; })) << hub_->States().size();
    EXPECT_THAT(hub_->States(),
                ElementsAre("1.4.0 installing", "1.4.0 committed", "1.5.0 installing",
                            "1.5.0 committed", "1.5.0 reverted"));
    ASSERT_TRUE(WaitFor([&] {
      const auto installed = hub_->last_request().installed;
      return installed.size() == 1 && installed[0].version == "1.4.0";
    }));
    ASSERT_TRUE(WaitFor([&] { return hub_->windows_total() > 0; }));  // KPIs flow
    agent.Stop();
  }
  // After a restart the agent runs the installed model and repeats nothing.
  Agent agent(config_, SystemClock(), random_);
  ASSERT_TRUE(agent.Start().ok());
  ASSERT_TRUE(WaitFor([&] { return agent.stats().samples_read > 0; }));
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));  // a poll or two
  EXPECT_EQ(hub_->States().size(), 5u);
  EXPECT_EQ(agent.stats().model_swaps, 0u);
  agent.Stop();
}

TEST_F(AgentOtaTest, WithoutAnUpdateRootRolloutsAreOff) {
  std::filesystem::remove(IdentityPaths(config_.device.dir).update_root);
  Agent agent(config_, SystemClock(), random_);
  ASSERT_TRUE(agent.Start().ok());
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  EXPECT_EQ(hub_->last_request(), wire::PollRequest{});  // never polled
  agent.Stop();
}

}  // namespace
}  // namespace keel::edge

namespace keel::edge {
namespace {

// A configuration overlay on trial (as ota::LoadEffectiveAgentConfig leaves
// it at start) is committed once the agent has kept its connection to the
// broker for [ota] config_soak_s, not before, and the OTA thread then polls
// at once with it installed.
TEST_F(AgentOtaTest, AConfigurationOnTrialIsCommittedAfterASoakConnected) {
  const std::filesystem::path slots_dir = ota::ConfigSlotsDir(config_.ota.dir);
  const std::string overlay = "[batch]\ninterval_ms = 500\n";
  const ota::SlotManifest manifest{"fleet", "1.0.0", {{ota::kConfigFile, ota::DigestOf(overlay)}}};
  {
    auto slots = ota::SlotStore::Open(PosixFileSystem(), slots_dir).value();
    ASSERT_TRUE(slots.Stage(manifest, {{ota::kConfigFile, overlay}}).ok());
    ASSERT_TRUE(slots.Switch().ok());
    ASSERT_TRUE(slots.RecordStart().value());
  }
  auto status = [&] { return ota::SlotStore::Open(PosixFileSystem(), slots_dir)->status(); };
  config_.ota.poll_interval_s = 3600;  // only the first poll and the one the commit asks for
  {
    Agent agent(config_, SystemClock(), random_);
    agent.CommitConfigTrialWhenHealthy(slots_dir, manifest);
    ASSERT_TRUE(agent.Start().ok());  // no broker: never healthy
    std::this_thread::sleep_for(std::chrono::milliseconds(1500));
    EXPECT_TRUE(status().trial.has_value());
    agent.Stop();
  }
  // The soak: connected 2 s without a break. The first connection breaks
  // after about 1 s (the broker stops), so the count starts again.
  config_.ota.config_soak_s = 2;
  auto broker = StartBroker();
  Agent agent(config_, SystemClock(), random_);
  agent.CommitConfigTrialWhenHealthy(slots_dir, manifest);
  ASSERT_TRUE(agent.Start().ok());
  std::this_thread::sleep_for(std::chrono::milliseconds(1000));
  broker.reset();
  std::this_thread::sleep_for(std::chrono::milliseconds(2500));
  EXPECT_TRUE(status().trial.has_value()) << "committed without 2 s of connection";
  const auto restarted = std::chrono::steady_clock::now();
  broker = StartBroker();
  ASSERT_TRUE(WaitFor([&] { return status().last_result == "committed fleet 1.0.0"; }))
      << status().last_result;
  EXPECT_GE(std::chrono::steady_clock::now() - restarted, std::chrono::seconds(2));
  ASSERT_TRUE(WaitFor([&] {
    const auto installed = hub_->last_request().installed;
    return !installed.empty() &&
           installed.back() == wire::InstalledArtifact{"config", "fleet", "1.0.0"};
  }));
  agent.Stop();
}

}  // namespace
}  // namespace keel::edge

namespace keel::edge {
namespace {

// [ota] model_soak_s with a real agent and broker: a model that passed its
// health check runs on trial; a broker drop restarts the soak, an agent
// stopped mid-soak (as by a kill) does not commit it, and the next start
// counts the trial, soaks again and reports "committed" once.
TEST_F(AgentOtaTest, AModelOnTrialIsCommittedAfterASoakAcrossABrokerDropAndARestart) {
  PublishBundle("1.4.0");
  config_.ota.model_soak_s = 2;
  config_.mqtt.reconnect_max_ms = 500;  // back soon after the broker is
  const std::filesystem::path slots_dir = config_.ota.dir / "model";
  auto status = [&] { return ota::SlotStore::Open(PosixFileSystem(), slots_dir)->status(); };
  auto broker = StartBroker();
  {
    Agent agent(config_, SystemClock(), random_);
    ASSERT_TRUE(agent.Start().ok());
    ASSERT_TRUE(WaitFor([&] { return agent.stats().connected; }));
    hub_->Direct({1, "model", "pump-maha", "1.4.0", "install"});
    ASSERT_TRUE(WaitFor([&] { return agent.stats().model_swaps == 1; }));  // on trial, running
    std::this_thread::sleep_for(std::chrono::milliseconds(1000));
    broker.reset();  // the connection breaks 1 s into the 2 s soak
    std::this_thread::sleep_for(std::chrono::milliseconds(2500));
    EXPECT_TRUE(status().trial.has_value()) << status().last_result;
    EXPECT_THAT(hub_->States(), ElementsAre("1.4.0 installing"));
    agent.Stop();  // stopped mid-soak: nothing commits it
  }
  EXPECT_TRUE(status().trial.has_value()) << status().last_result;
  Agent agent(config_, SystemClock(), random_);
  ASSERT_TRUE(agent.Start().ok());  // no broker yet
  EXPECT_EQ(status().trial_attempts, 2);
  std::this_thread::sleep_for(
      std::chrono::milliseconds(2500));  // polls; no soak without the broker
  EXPECT_TRUE(status().trial.has_value()) << status().last_result;
  EXPECT_THAT(hub_->States(), ElementsAre("1.4.0 installing"));
  EXPECT_EQ(hub_->last_request().installed.at(0).version, "1.4.0");  // what runs
  const auto restarted = std::chrono::steady_clock::now();
  broker = StartBroker();
  ASSERT_TRUE(WaitFor([&] { return hub_->States().size() == 2; })) << status().last_result;
  EXPECT_GE(std::chrono::steady_clock::now() - restarted, std::chrono::seconds(2));
  EXPECT_THAT(hub_->States(), ElementsAre("1.4.0 installing", "1.4.0 committed"));
  EXPECT_EQ(status().last_result, "committed pump-maha 1.4.0");
  EXPECT_EQ(agent.stats().model_swaps, 0u);  // it started with the trial model
  agent.Stop();
}

}  // namespace
}  // namespace keel::edge

namespace keel::edge {
namespace {

// [ota] config_health_timeout_s: a configuration on trial with which the
// agent never reaches the broker (none listens at [hub] mqtt here) is not
// committed; after the timeout it is rolled back and the agent asks for a
// restart, so that the next start runs the previous configuration (and its
// manager reports "rolled_back": ota_manager_test).
TEST_F(AgentOtaTest, AConfigurationOnTrialThatNeverConnectsIsRolledBackAfterItsHealthTimeout) {
  const std::filesystem::path slots_dir = ota::ConfigSlotsDir(config_.ota.dir);
  const std::string overlay = "[batch]\ninterval_ms = 500\n";
  const ota::SlotManifest manifest{"fleet", "1.0.0", {{ota::kConfigFile, ota::DigestOf(overlay)}}};
  {
    auto slots = ota::SlotStore::Open(PosixFileSystem(), slots_dir).value();
    ASSERT_TRUE(slots.Stage(manifest, {{ota::kConfigFile, overlay}}).ok());
    ASSERT_TRUE(slots.Switch().ok());
    ASSERT_TRUE(slots.RecordStart().value());
  }
  auto status = [&] { return ota::SlotStore::Open(PosixFileSystem(), slots_dir)->status(); };
  config_.ota.config_soak_s = 1;
  config_.ota.config_health_timeout_s = 2;
  Agent agent(config_, SystemClock(), random_);
  agent.CommitConfigTrialWhenHealthy(slots_dir, manifest);
  const auto started = std::chrono::steady_clock::now();
  ASSERT_TRUE(agent.Start().ok());
  std::this_thread::sleep_for(std::chrono::milliseconds(1000));
  EXPECT_FALSE(agent.restart_requested());
  EXPECT_TRUE(status().trial.has_value());
  ASSERT_TRUE(WaitFor([&] { return agent.restart_requested(); }, 15));
  EXPECT_GE(std::chrono::steady_clock::now() - started, std::chrono::seconds(2));
  const ota::SlotStatus after = status();
  EXPECT_FALSE(after.trial.has_value());
  EXPECT_FALSE(after.active.has_value());
  EXPECT_EQ(after.last_result,
            "rolled back fleet 1.0.0: not healthy within 2 s (the hub's broker connection was not "
            "kept 1 s)");
  agent.Stop();
  EXPECT_EQ(status().seq, after.seq);  // decided once
}

}  // namespace
}  // namespace keel::edge
