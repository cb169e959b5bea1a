#include "hub/rollout/rollout_controller.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <mutex>

#include "hub/bus/event_bus.h"
#include "hub/store/sqlite_store.h"
#include "test_util/temp_dir.h"

namespace keel::hub::rollout {
namespace {

using ::testing::HasSubstr;

class RolloutControllerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = OpenSqliteStore(dir_.path() / "hub.db").value();
    for (int i = 0; i < 20; ++i) AddDevice(Id(i), i < 10 ? "north" : "south");
    Publish("pump-ae", "1.0.0");
    Publish("pump-ae", "1.1.0");
    Reopen();
  }

  static std::string Id(int i) { return "pump-" + std::to_string(100 + i); }

  void AddDevice(const std::string& id, const std::string& site) {
    ASSERT_TRUE(store_->CreateDevice(id, 1).ok());
    ASSERT_TRUE(store_->RecordCertificate(id, "serial-" + id, 1LL << 50, 1).ok());
    ASSERT_TRUE(store_->SetDeviceTags(id, {{"site", site}}).ok());
  }

  void Publish(const std::string& name, const std::string& version) {
    ArtifactRecord a;
    a.name = name;
    a.version = version;
    a.files["manifest.json"] = {std::string(64, 'a'), 10};
    ASSERT_TRUE(store_->AddArtifact(a).ok());
  }

  void Reopen() {
    controller_.reset();
    auto c = RolloutController::Open(*store_, *store_, *store_, clock_, options_);
    ASSERT_TRUE(c.ok()) << c.status().ToString();
    controller_ = std::move(c).value();
  }

  DeploymentSpec Spec(std::string target = "all") {
    DeploymentSpec s;
    s.artifact = "pump-ae";
    s.version = "1.1.0";
    s.target = std::move(target);
    s.canary = 2;
    s.waves = {50, 100};
    s.max_failures = 0.1;
    s.wave_soak_ms = 10'000;
    s.device_timeout_ms = 60'000;
    return s;
  }

  int64_t Create(DeploymentSpec spec) {
    auto created = controller_->Create(std::move(spec), "alice");
    EXPECT_TRUE(created.ok()) << created.status().ToString();
    return created.ok() ? created->deployment.id : 0;
  }

  // One poll of `device` with the given reports; returns its directives.
  std::vector<wire::Directive> Poll(const std::string& device,
                                    std::vector<wire::OtaReport> reports = {},
                                    wire::DeviceKpis kpis = {}, std::string running = "1.0.0") {
    wire::PollRequest request;
    request.installed = {{"model", "pump-ae", running}};
    request.kpis = kpis;
    for (auto& r : reports) r.seq = ++seq_[device];
    request.reports = reports;
    auto reply = controller_->Poll(device, request);
    EXPECT_TRUE(reply.ok()) << reply.status().ToString();
    if (!reply.ok()) return {};
    if (!reports.empty()) {
      EXPECT_EQ(reply->acked, reports.back().seq);
    }
    return reply->directives;
  }

  static wire::OtaReport Report(int64_t deployment, std::string state, std::string reason = "") {
    return {0, deployment, "model", "pump-ae", "1.1.0", std::move(state), std::move(reason), 0};
  }

  // Every device with an install directive reports `state`; returns how many.
  int InstallAll(int64_t id, const std::string& state = "committed",
                 wire::DeviceKpis kpis = {100, 1, 0, 500}) {
    int n = 0;
    for (int i = 0; i < 20; ++i) {
      auto directives = Poll(Id(i));
      if (directives.empty() || directives[0].action != "install") continue;
      EXPECT_EQ(directives[0].deployment, id);
      Poll(Id(i), {Report(id, "installing"), Report(id, state)});
      Poll(Id(i), {}, kpis, state == "committed" ? "1.1.0" : "1.0.0");
      ++n;
    }
    return n;
  }

  void Tick() { ASSERT_TRUE(controller_->Tick().ok()); }

  DeploymentStatus Status(int64_t id) { return controller_->Get(id).value(); }

  TempDir dir_;
  FakeClock clock_;
  RolloutOptions options_;
  std::unique_ptr<SqliteStore> store_;
  std::unique_ptr<RolloutController> controller_;
  std::map<std::string, int64_t> seq_;
};

TEST_F(RolloutControllerTest, WavesAdvanceOnlyAfterTheSoakAndComplete) {
  const int64_t id = Create(Spec());
  EXPECT_EQ(Status(id).counts["assigned"], 2);  // the canary
  EXPECT_EQ(InstallAll(id), 2);
  Tick();
  EXPECT_EQ(Status(id).deployment.wave, 0);  // soaking
  clock_.AdvanceMs(10'001);
  Tick();
  EXPECT_EQ(Status(id).deployment.wave, 1);
  EXPECT_EQ(Status(id).counts["assigned"], 8);  // up to 50% of 20
  EXPECT_EQ(InstallAll(id), 8);
  clock_.AdvanceMs(10'001);
  Tick();
  EXPECT_EQ(InstallAll(id), 10);
  clock_.AdvanceMs(10'001);
  Tick();
  const DeploymentStatus done = Status(id);
  EXPECT_EQ(done.deployment.state, kCompleted);
  EXPECT_EQ(done.counts.at("committed"), 20);
  EXPECT_TRUE(Poll(Id(0)).empty());  // nothing more to do
}

TEST_F(RolloutControllerTest, AFailedCanaryRollsTheFleetBack) {
  const int64_t id = Create(Spec());
  std::vector<std::string> canary;
  for (const auto& [device, row] : Status(id).devices) {
    if (row.state == "assigned") canary.push_back(device);
  }
  ASSERT_EQ(canary.size(), 2u);
  Poll(canary[0], {Report(id, "installing"), Report(id, "committed")});
  Poll(canary[1], {Report(id, "installing"), Report(id, "rolled_back", "golden sample 0 off")});
  Tick();
  DeploymentStatus s = Status(id);
  EXPECT_EQ(s.deployment.state, kRollingBack);
  EXPECT_THAT(s.deployment.reason, HasSubstr("1 of 2 device(s) failed"));
  EXPECT_EQ(s.devices[canary[1]].detail, "golden sample 0 off");
  EXPECT_EQ(s.counts["cancelled"], 18);
  auto directives = Poll(canary[0]);
  ASSERT_EQ(directives.size(), 1u);
  EXPECT_EQ(directives[0].action, "revert");
  EXPECT_TRUE(Poll(canary[1]).empty());  // it rolled itself back already
  Poll(canary[0], {Report(id, "reverted")});
  Tick();
  EXPECT_EQ(Status(id).deployment.state, kRolledBack);
}

TEST_F(RolloutControllerTest, SilentDevicesTimeOutAndCountAsFailed) {
  DeploymentSpec spec = Spec();
  spec.max_failures = 0.5;
  const int64_t id = Create(spec);
  clock_.AdvanceMs(60'001);
  Tick();
  const DeploymentStatus s = Status(id);
  EXPECT_EQ(s.counts.at("timed_out"), 2);
  EXPECT_EQ(s.deployment.state, kRollingBack);
  for (const auto& [device, row] : s.devices) {
    if (row.state == "timed_out") {
      EXPECT_THAT(row.detail, HasSubstr("no install report within 60 s"));
    }
  }
}

TEST_F(RolloutControllerTest, TheKpiGateComparesWithTheDevicesNotUpdated) {
  const int64_t id = Create(Spec());
  for (int i = 0; i < 20; ++i) Poll(Id(i), {}, {100, 1, 0, 500});  // baseline: 1% anomalies
  EXPECT_EQ(InstallAll(id, "committed", {100, 40, 0, 500}), 2);    // 40% on the new model
  clock_.AdvanceMs(10'001);
  Tick();
  const DeploymentStatus s = Status(id);
  EXPECT_EQ(s.deployment.state, kRollingBack);
  EXPECT_THAT(s.deployment.reason, HasSubstr("anomaly rate 0.400 on updated devices vs 0.010"));
}

TEST_F(RolloutControllerTest, TheGateComparesScoringLatencyWithTheDevicesNotUpdated) {
  DeploymentSpec spec = Spec();
  spec.gate.latency_factor = 1.5;
  spec.gate.latency_margin_us = 100;
  const int64_t id = Create(spec);
  for (int i = 0; i < 20; ++i) Poll(Id(i), {}, {100, 1, 0, 500});  // baseline p99 500 us
  EXPECT_EQ(InstallAll(id, "committed", {100, 1, 0, 900}), 2);     // limit 850 us
  clock_.AdvanceMs(10'001);
  Tick();
  const DeploymentStatus s = Status(id);
  EXPECT_EQ(s.deployment.state, kRollingBack);
  EXPECT_THAT(s.deployment.reason,
              HasSubstr("scoring latency p99 900 us on updated devices vs 500 us on the others "
                        "(limit 850 us)"));
}

TEST_F(RolloutControllerTest, GateThresholdsArePerDeploymentAndSurviveARestart) {
  DeploymentSpec spec = Spec();
  spec.gate.anomaly_factor = 1;
  spec.gate.anomaly_margin = 0;
  const int64_t id = Create(spec);
  Reopen();  // the gate comes back from the store
  for (int i = 0; i < 20; ++i) Poll(Id(i), {}, {100, 1, 0, 500});
  // 3% against 1%: passes the default gate (limit 4%), not this one (1%).
  EXPECT_EQ(InstallAll(id, "committed", {100, 3, 0, 500}), 2);
  clock_.AdvanceMs(10'001);
  Tick();
  EXPECT_EQ(Status(id).deployment.state, kRollingBack);
  EXPECT_THAT(Status(id).deployment.reason, HasSubstr("(limit 0.010)"));
}

TEST_F(RolloutControllerTest, AGatePassesWhenItCannotCompareAndSaysWhy) {
  const int64_t id = Create(Spec());
  EXPECT_EQ(InstallAll(id, "committed", {100, 1, 0, 0}), 2);  // no latency, no baseline
  clock_.AdvanceMs(10'001);
  Tick();
  const DeploymentStatus s = Status(id);
  EXPECT_EQ(s.deployment.state, kRunning);
  EXPECT_EQ(s.deployment.wave, 1);
  EXPECT_THAT(s.deployment.reason, HasSubstr("no baseline to compare the anomaly rate"));
  EXPECT_THAT(s.deployment.reason, HasSubstr("no scoring latency on both sides"));
}

TEST_F(RolloutControllerTest, ResentReportsChangeNothingTwice) {
  const int64_t id = Create(Spec());
  std::string canary;
  for (const auto& [d, row] : Status(id).devices) {
    if (row.state == "assigned") canary = d;
  }
  wire::PollRequest request;
  request.installed = {{"model", "pump-ae", "1.0.0"}};
  request.reports = {{1, id, "model", "pump-ae", "1.1.0", "rolled_back", "crashed 3 times", 0}};
  ASSERT_EQ(controller_->Poll(canary, request)->acked, 1);
  // The reply was lost: the device sends the same report again, then later
  // a report with a higher seq of the same state.
  ASSERT_EQ(controller_->Poll(canary, request)->acked, 1);
  EXPECT_EQ(Status(id).counts.at("failed"), 1);
  Reopen();  // a hub restart in between
  EXPECT_EQ(Status(id).counts.at("failed"), 1);
  ASSERT_EQ(controller_->Poll(canary, request)->acked, 1);
}

TEST_F(RolloutControllerTest, AHubRestartResumesWhereItWas) {
  const int64_t id = Create(Spec());
  EXPECT_EQ(InstallAll(id), 2);
  Reopen();
  clock_.AdvanceMs(10'001);
  Tick();
  EXPECT_EQ(Status(id).deployment.wave, 1);
  Reopen();
  EXPECT_EQ(InstallAll(id), 8);
}

TEST_F(RolloutControllerTest, ACrashRightAfterCreationLeavesADeploymentThatRuns) {
  const int64_t id = Create(Spec());
  // What a crash after the creating transaction leaves: the rows with the
  // canary assigned, and the document as first written (without its id).
  Deployment first = Status(id).deployment;
  first.id = 0;
  ASSERT_TRUE(store_->UpdateDeployment(id, ToJson(first).dump(), {}).ok());
  Reopen();
  EXPECT_EQ(Status(id).deployment.id, id);
  EXPECT_EQ(Status(id).counts.at("assigned"), 2);
  EXPECT_EQ(InstallAll(id), 2);
}

TEST_F(RolloutControllerTest, ANewDeploymentSupersedesTheOldOneOnItsDevices) {
  const int64_t old_id = Create(Spec("tag:site=north"));
  Publish("pump-ae", "1.2.0");
  DeploymentSpec newer = Spec("all");
  newer.version = "1.2.0";
  const int64_t new_id = Create(newer);
  const DeploymentStatus old_status = Status(old_id);
  EXPECT_EQ(old_status.counts.at("cancelled"), 10);
  EXPECT_THAT(old_status.devices.begin()->second.detail,
              HasSubstr("superseded by deployment " + std::to_string(new_id)));
  for (int i = 0; i < 20; ++i) {
    for (const auto& d : Poll(Id(i))) EXPECT_EQ(d.deployment, new_id);
  }
}

TEST_F(RolloutControllerTest, OperatorActions) {
  const int64_t id = Create(Spec());
  ASSERT_TRUE(controller_->Pause(id).ok());
  EXPECT_EQ(InstallAll(id), 2);  // devices already assigned carry on
  clock_.AdvanceMs(20'000);
  Tick();
  EXPECT_EQ(Status(id).deployment.wave, 0);  // but no new wave
  EXPECT_EQ(controller_->Pause(id).status().code(), StatusCode::kFailedPrecondition);
  ASSERT_TRUE(controller_->Resume(id).ok());
  Tick();
  EXPECT_EQ(Status(id).deployment.wave, 1);
  ASSERT_TRUE(controller_->Abort(id).ok());
  EXPECT_TRUE(Poll(Id(0)).empty() || Poll(Id(0))[0].deployment != id);
  EXPECT_EQ(controller_->Resume(id).status().code(), StatusCode::kFailedPrecondition);
  auto rolled = controller_->Rollback(id);
  ASSERT_TRUE(rolled.ok());
  EXPECT_EQ(rolled->counts.at("reverting"), 2);  // the two that committed
}

TEST_F(RolloutControllerTest, TargetsMatchTheTopologyContext) {
  // The topology puts pump-100 and pump-101 behind gateway gw-7 (no such
  // tag on the devices); a device's own tags still count.
  options_.context = [](const std::string& device) {
    DeviceTags labels;
    if (device == Id(0) || device == Id(1)) labels = {{"gateway", "gw-7"}, {"site", "east"}};
    return labels;
  };
  Reopen();
  const int64_t behind = Create(Spec("tag:gateway=gw-7"));
  ASSERT_NE(behind, 0);
  EXPECT_EQ(Status(behind).devices.size(), 2u);
  EXPECT_EQ(Status(behind).devices.count(Id(0)), 1u);
  ASSERT_TRUE(controller_->Abort(behind).ok());
  // The topology's site wins over a tag of the same name (as in ContextOf).
  const int64_t east = Create(Spec("tag:site=east"));
  ASSERT_NE(east, 0);
  EXPECT_EQ(Status(east).devices.size(), 2u);
  EXPECT_EQ(controller_->Create(Spec("tag:gateway=gw-8"), "x").status().code(),
            StatusCode::kFailedPrecondition);
}

TEST_F(RolloutControllerTest, CreateRefusesWhatCannotBeDeployed) {
  DeploymentSpec unknown = Spec();
  unknown.version = "9.9.9";
  EXPECT_EQ(controller_->Create(unknown, "x").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(controller_->Create(Spec("tag:site=mars"), "x").status().code(),
            StatusCode::kFailedPrecondition);
  const int64_t id = Create(Spec("devices:pump-100,pump-101,pump-999"));
  EXPECT_EQ(Status(id).devices.size(), 2u);
}

TEST(DeploymentRequestTest, ParsesAndRejectsWithTheMember) {
  std::string by;
  auto spec = ParseDeploymentRequest(
      R"({"artifact": "pump-ae@1.3.0", "target": "tag:site=north", "canary": 3,
          "waves": [10, 50, 100], "max_failures": "5%", "wave_soak": "60s",
          "device_timeout": "10m", "created_by": "alice"})",
      &by);
  ASSERT_TRUE(spec.ok()) << spec.status().ToString();
  EXPECT_EQ(spec->artifact, "pump-ae");
  EXPECT_EQ(spec->version, "1.3.0");
  EXPECT_DOUBLE_EQ(spec->max_failures, 0.05);
  EXPECT_EQ(spec->wave_soak_ms, 60'000);
  EXPECT_EQ(spec->device_timeout_ms, 600'000);
  EXPECT_EQ(by, "alice");
  auto error = [&](const char* body) {
    auto r = ParseDeploymentRequest(body, &by);
    EXPECT_FALSE(r.ok()) << body;
    return r.status().message();
  };
  EXPECT_THAT(error(R"({"artifact": "pump-ae"})"), HasSubstr("artifact:"));
  EXPECT_THAT(error(R"({"artifact": "a@1.0.0", "waves": [50, 10]})"), HasSubstr("waves:"));
  EXPECT_THAT(error(R"({"artifact": "a@1.0.0", "waves": [10, 50]})"), HasSubstr("last wave"));
  EXPECT_THAT(error(R"({"artifact": "a@1.0.0", "max_failures": "x%"})"), HasSubstr("max_failures"));
  EXPECT_THAT(error(R"({"artifact": "a@1.0.0", "wave_soak": "60"})"), HasSubstr("wave_soak"));
  EXPECT_THAT(error(R"({"artifact": "a@1.0.0", "target": "site=north"})"), HasSubstr("target:"));
  EXPECT_THAT(error(R"({"artifact": "a@1.0.0", "colour": 1})"), HasSubstr("colour: unknown"));
  EXPECT_THAT(error(R"({"artifact": "a@1.0.0", "gate": 1})"), HasSubstr("gate: must be an object"));
  EXPECT_THAT(error(R"({"artifact": "a@1.0.0", "gate": {"max_error_rate": "x%"}})"),
              HasSubstr("gate.max_error_rate"));
  EXPECT_THAT(error(R"({"artifact": "a@1.0.0", "gate": {"anomaly_factor": 0.5}})"),
              HasSubstr("gate.anomaly_factor: must be 1..1000"));
  EXPECT_THAT(error(R"({"artifact": "a@1.0.0", "gate": {"latency_margin": 5}})"),
              HasSubstr("gate.latency_margin"));
  EXPECT_THAT(error(R"({"artifact": "a@1.0.0", "gate": {"min_windows": 0}})"),
              HasSubstr("gate.min_windows"));
  EXPECT_THAT(error(R"({"artifact": "a@1.0.0", "gate": {"speed": 1}})"),
              HasSubstr("gate.speed: unknown member"));
  auto gated = ParseDeploymentRequest(
      R"({"artifact": "a@1.0.0", "gate": {"max_error_rate": "2%", "latency_margin": "3ms",
          "min_windows": 5}})",
      &by);
  ASSERT_TRUE(gated.ok()) << gated.status().ToString();
  EXPECT_DOUBLE_EQ(gated->gate.max_error_rate, 0.02);
  EXPECT_EQ(gated->gate.latency_margin_us, 3000);
  EXPECT_EQ(gated->gate.min_windows, 5);
  EXPECT_DOUBLE_EQ(gated->gate.anomaly_factor, HealthGate{}.anomaly_factor);
  EXPECT_THAT(error("[]"), HasSubstr("JSON object"));
}

// Records what the controller publishes on a bus.
class BusRecorder {
 public:
  BusRecorder(const Clock& clock) : bus_(clock, metrics_) {
    EXPECT_TRUE(bus_.Subscribe({"test", 1000, 50, nullptr},
                               [this](const bus::Event& e) {
                                 std::lock_guard lock(mu_);
                                 events_.push_back(e);
                               })
                    .ok());
    bus_.Start();
  }
  bus::EventBus* bus() { return &bus_; }
  // "<kind name> <type> <device>" of every event so far, in order.
  std::vector<std::string> Take() {
    bus_.WaitIdle();
    std::lock_guard lock(mu_);
    std::vector<std::string> out;
    for (const auto& e : events_) {
      out.push_back(std::string(bus::EventKindName(e.kind)) + " " + e.type +
                    (e.device.empty() ? "" : " " + e.device));
    }
    last_ = std::move(events_);
    events_.clear();
    return out;
  }
  const std::vector<bus::Event>& last() const { return last_; }

 private:
  MetricsRegistry metrics_;
  bus::EventBus bus_;
  std::mutex mu_;
  std::vector<bus::Event> events_;
  std::vector<bus::Event> last_;
};

TEST_F(RolloutControllerTest, OperatorActionsAndInstallStatesArePublishedOnceRecorded) {
  BusRecorder recorder(clock_);
  options_.bus = recorder.bus();
  Reopen();
  const int64_t id = Create(Spec());
  std::vector<std::string> canary;
  for (const auto& [device, row] : Status(id).devices) {
    if (row.state == "assigned") canary.push_back(device);
  }
  ASSERT_EQ(canary.size(), 2u);
  EXPECT_EQ(recorder.Take(), (std::vector<std::string>{"operator.action deployment.created",
                                                       "ota.state ota.assigned " + canary[0],
                                                       "ota.state ota.assigned " + canary[1]}));
  const bus::Event& created = recorder.last()[0];
  EXPECT_EQ(created.data["deployment"], id);
  EXPECT_EQ(created.data["artifact"], "pump-ae");
  EXPECT_EQ(created.data["version"], "1.1.0");
  EXPECT_EQ(created.data["kind"], "model");
  EXPECT_EQ(created.t_ms, clock_.NowMs());
  ASSERT_TRUE(controller_->Pause(id).ok());
  EXPECT_EQ(controller_->Pause(id).status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(recorder.Take(), (std::vector<std::string>{"operator.action deployment.paused"}));
  EXPECT_EQ(recorder.last()[0].data["reason"], "paused by the operator");
  Poll(canary[0], {Report(id, "installing")});
  Poll(canary[0], {Report(id, "committed")});
  Poll(canary[0], {Report(id, "committed")});  // a repeated report changes nothing
  // Two reports in one poll: the row is recorded once, in its final state.
  Poll(canary[1], {Report(id, "installing"), Report(id, "failed", "disk full")});
  EXPECT_EQ(recorder.Take(), (std::vector<std::string>{"ota.state ota.installing " + canary[0],
                                                       "ota.state ota.committed " + canary[0],
                                                       "ota.state ota.failed " + canary[1]}));
  EXPECT_EQ(recorder.last()[2].data["reason"], "disk full");
  ASSERT_TRUE(controller_->Resume(id).ok());
  ASSERT_TRUE(controller_->Abort(id).ok());
  const auto aborted = recorder.Take();
  ASSERT_EQ(aborted.size(), 2u + 18u);  // the 18 pending rows are cancelled
  EXPECT_EQ(aborted[0], "operator.action deployment.resumed");
  EXPECT_EQ(aborted[1], "operator.action deployment.aborted");
  EXPECT_EQ(aborted[2].rfind("ota.state ota.cancelled ", 0), 0u) << aborted[2];
  EXPECT_EQ(recorder.last()[2].data["reason"], "aborted");
}

TEST_F(RolloutControllerTest, ChangesTheControllerMakesArePublishedAsOtaStates) {
  BusRecorder recorder(clock_);
  options_.bus = recorder.bus();
  Reopen();
  const int64_t id = Create(Spec());
  std::vector<std::string> canary;
  for (const auto& [device, row] : Status(id).devices) {
    if (row.state == "assigned") canary.push_back(device);
  }
  ASSERT_EQ(canary.size(), 2u);
  Poll(canary[0], {Report(id, "installing"), Report(id, "committed")});
  Poll(canary[1], {Report(id, "installing"), Report(id, "rolled_back", "golden sample 0 off")});
  recorder.Take();
  Tick();  // 1 of 2 failed > 10%: the controller rolls back
  const auto rolling = recorder.Take();
  ASSERT_EQ(rolling.size(), 1u + 1u + 18u);
  EXPECT_EQ(rolling[0], "ota.state deployment.rolling_back");
  EXPECT_EQ(recorder.last()[0].kind, bus::EventKind::kOtaState);
  EXPECT_EQ(recorder.last()[0].data["reason"], Status(id).deployment.reason);
  Poll(canary[0], {Report(id, "reverted")});
  Tick();
  EXPECT_EQ(recorder.Take(), (std::vector<std::string>{"ota.state ota.reverted " + canary[0],
                                                       "ota.state deployment.rolled_back"}));
}

TEST_F(RolloutControllerTest, TimeoutsArePublishedBeforeTheRollbackTheyCause) {
  BusRecorder recorder(clock_);
  options_.bus = recorder.bus();
  Reopen();
  DeploymentSpec spec = Spec();
  spec.max_failures = 0.5;
  const int64_t id = Create(spec);
  recorder.Take();
  clock_.AdvanceMs(60'001);
  Tick();
  const auto timed_out = recorder.Take();
  ASSERT_GE(timed_out.size(), 3u);
  EXPECT_EQ(timed_out[0].rfind("ota.state ota.timed_out ", 0), 0u);
  EXPECT_EQ(timed_out[1].rfind("ota.state ota.timed_out ", 0), 0u);
  EXPECT_EQ(timed_out[2], "ota.state deployment.rolling_back");
  EXPECT_EQ(recorder.last()[0].data["reason"], "no install report within 60 s");
  EXPECT_EQ(recorder.last()[0].data["deployment"], id);
}

}  // namespace
}  // namespace keel::hub::rollout
