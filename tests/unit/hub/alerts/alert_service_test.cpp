#include "hub/alerts/alert_service.h"

#include <gtest/gtest.h>

#include "hub/alerts/alert_from_event.h"
#include "hub/store/sqlite_store.h"
#include "hub/topology/topology_service.h"
#include "test_util/temp_dir.h"

namespace keel::hub::alerts {
namespace {

bus::Event DeviceEvent(bus::EventKind kind, const std::string& device, const std::string& type,
                       nlohmann::json data = nlohmann::json::object()) {
  bus::Event e;
  e.kind = kind;
  e.device = device;
  e.type = type;
  e.t_ms = 1'732'470'000'000;
  e.data = std::move(data);
  return e;
}

TEST(AlertFromEventTest, MapsDetectionsConnectivityAttestationAndDeployments) {
  using bus::EventKind;
  const Labels topology = {{"site", "north"}, {"device", "spoofed"}, {"criticality", "5"}};
  auto anomaly = AlertFromEvent(DeviceEvent(EventKind::kDetection, "p1", "anomaly.raised",
                                            {{"score", 3.0}, {"threshold", 2.0}}),
                                topology);
  ASSERT_TRUE(anomaly);
  EXPECT_EQ(anomaly->name, "anomaly");
  EXPECT_TRUE(anomaly->firing);
  EXPECT_DOUBLE_EQ(anomaly->confidence, 0.75);
  EXPECT_EQ(anomaly->labels.at("device"), "p1") << "topology never overrides the event's labels";
  EXPECT_EQ(anomaly->labels.at("site"), "north");

  auto fault = AlertFromEvent(
      DeviceEvent(EventKind::kDetection, "p1", "sensor_fault.cleared", {{"signal", "temp"}}), {});
  ASSERT_TRUE(fault);
  EXPECT_FALSE(fault->firing);
  EXPECT_EQ(fault->labels.at("signal"), "temp");

  auto rule = AlertFromEvent(DeviceEvent(EventKind::kDetection, "p1", "rule.raised",
                                         {{"rule", "overheat"}, {"severity", "critical"}}),
                             {});
  ASSERT_TRUE(rule);
  EXPECT_EQ(rule->severity, Severity::kCritical);
  EXPECT_EQ(rule->labels.at("rule"), "overheat");
  EXPECT_EQ(rule->labels.count("source"), 0u);
  // A hub rule's detection is told apart from a device rule of the same name.
  auto hub_rule = AlertFromEvent(
      DeviceEvent(EventKind::kDetection, "p1", "rule.raised",
                  {{"rule", "overheat"}, {"source", "hub"}, {"signal", "anomaly/vibration"}}),
      {});
  ASSERT_TRUE(hub_rule);
  EXPECT_EQ(hub_rule->labels.at("source"), "hub");
  EXPECT_EQ(hub_rule->labels.at("signal"), "anomaly/vibration");
  EXPECT_NE(Fingerprint(*hub_rule), Fingerprint(*rule));

  auto offline = AlertFromEvent(DeviceEvent(EventKind::kDeviceOffline, "p1", "device.offline"), {});
  auto online = AlertFromEvent(DeviceEvent(EventKind::kDeviceOnline, "p1", "device.online"), {});
  ASSERT_TRUE(offline && online);
  EXPECT_EQ(offline->name, "device.offline");
  EXPECT_TRUE(offline->firing);
  EXPECT_FALSE(online->firing);
  // An absence rule's offline is an alert of its own, not cleared by the broker.
  auto silent = AlertFromEvent(
      DeviceEvent(EventKind::kDeviceOffline, "p1", "device.offline", {{"rule", "heartbeat"}}), {});
  ASSERT_TRUE(silent);
  EXPECT_EQ(silent->labels.at("rule"), "heartbeat");
  EXPECT_NE(Fingerprint(*silent), Fingerprint(*offline));

  auto quarantined =
      AlertFromEvent(DeviceEvent(EventKind::kAttestation, "p1", "attestation.quarantined"), {});
  ASSERT_TRUE(quarantined);
  EXPECT_EQ(quarantined->severity, Severity::kCritical);

  auto aborted = AlertFromEvent(
      DeviceEvent(EventKind::kOtaState, "", "deployment.aborted", {{"deployment", 4}}), {});
  ASSERT_TRUE(aborted);
  EXPECT_EQ(aborted->name, "deployment.failed");
  EXPECT_EQ(aborted->labels.at("deployment"), "4");

  EXPECT_FALSE(AlertFromEvent(DeviceEvent(EventKind::kDeviceEvent, "p1", "mode.changed"), {}));
  EXPECT_FALSE(AlertFromEvent(DeviceEvent(EventKind::kTelemetry, "p1", "telemetry.batch"), {}));
  EXPECT_FALSE(AlertFromEvent(DeviceEvent(EventKind::kOtaState, "p1", "ota.committed"), {}));
  EXPECT_FALSE(AlertFromEvent(DeviceEvent(EventKind::kDetection, "p1", "weird.raised"), {}));
}

class AlertServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = OpenSqliteStore(dir_.path() / "hub.db");
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::move(*store);
    auto topology = topology::TopologyService::Open(*store_, *store_, clock_);
    ASSERT_TRUE(topology.ok()) << topology.status().ToString();
    topology_ = std::move(*topology);
    Open();
  }
  void Open() {
    service_.reset();
    auto service = AlertService::Open(
        *store_, [this](const std::string& device) { return topology_->ContextOf(device); }, clock_,
        metrics_);
    ASSERT_TRUE(service.ok()) << service.status().ToString();
    service_ = std::move(*service);
  }
  void Device(const std::string& id, DeviceTags tags) {
    ASSERT_TRUE(store_->CreateDevice(id, 1).ok());
    ASSERT_TRUE(store_->SetDeviceTags(id, tags).ok());
    clock_.AdvanceMs(topology::TopologyService::kRefreshMs);  // past the topology's tag cache
  }
  // Advances the clock second by second, ticking.
  void Run(int64_t seconds) {
    for (int64_t i = 0; i < seconds; ++i) {
      clock_.AdvanceMs(1000);
      service_->Tick();
    }
  }
  std::vector<nlohmann::json> Notifications() {
    std::vector<nlohmann::json> out;
    auto stored = store_->ListNotifications(0, 1000);
    EXPECT_TRUE(stored.ok());
    for (const auto& n : *stored) {
      out.push_back(nlohmann::json::parse(n.body));
    }
    return out;
  }

  TempDir dir_;
  FakeClock clock_;
  MetricsRegistry metrics_;
  std::unique_ptr<SqliteStore> store_;
  std::unique_ptr<topology::TopologyService> topology_;
  std::unique_ptr<AlertService> service_;
};

TEST_F(AlertServiceTest, QuarantineRaisesAnIncidentThatResolvesWhenRestored) {
  Device("pump-3", {{"site", "north"}});
  service_->OnEvent(DeviceEvent(bus::EventKind::kAttestation, "pump-3", "attestation.quarantined",
                                {{"reason", "config: hash differs"}}));
  Run(31);
  auto notifications = Notifications();
  ASSERT_EQ(notifications.size(), 1u);
  EXPECT_EQ(notifications[0]["reason"], "opened");
  EXPECT_EQ(notifications[0]["priority"], "P1");
  auto incidents = service_->List({});
  ASSERT_TRUE(incidents.ok());
  ASSERT_EQ(incidents->size(), 1u);
  EXPECT_EQ(incidents->at(0).members.at(0).name, "attestation");
  EXPECT_EQ(incidents->at(0).group_key, "site=north,device=pump-3");
  EXPECT_EQ(incidents->at(0).members.at(0).context["reason"], "config: hash differs");

  service_->OnEvent(DeviceEvent(bus::EventKind::kAttestation, "pump-3", "attestation.restored"));
  Run(301);
  auto resolved = service_->Get(incidents->at(0).id);
  ASSERT_TRUE(resolved.ok());
  EXPECT_EQ(resolved->state, IncidentState::kResolved);
  EXPECT_EQ(resolved->resolved_by, "keel");
  EXPECT_EQ(Notifications().back()["reason"], "resolved");
}

TEST_F(AlertServiceTest, OfflineGatewayIsOneIncidentUsingTheDeviceTopology) {
  Device("gw-1", {{"site", "north"}, {"role", "gateway"}});
  for (int i = 0; i < 5; ++i) {
    Device("d" + std::to_string(i), {{"site", "north"}, {"gateway", "gw-1"}});
  }
  for (int i = 0; i < 5; ++i) {
    service_->OnEvent(
        DeviceEvent(bus::EventKind::kDeviceOffline, "d" + std::to_string(i), "device.offline"));
  }
  service_->OnEvent(DeviceEvent(bus::EventKind::kDeviceOffline, "gw-1", "device.offline"));
  Run(60);
  ASSERT_EQ(Notifications().size(), 1u);
  IncidentQuery active;
  active.active_only = true;
  auto open = service_->List(active);
  ASSERT_EQ(open->size(), 1u);
  EXPECT_EQ(open->at(0).members.size(), 6u);
  EXPECT_EQ(service_->stats().incidents_merged, 5u);
}

TEST_F(AlertServiceTest, OpenIncidentsSurviveARestart) {
  Device("pump-1", {});
  service_->OnEvent(DeviceEvent(bus::EventKind::kDetection, "pump-1", "sensor_fault.raised",
                                {{"signal", "temp"}}));
  Run(40);
  const int64_t id = service_->List({})->at(0).id;
  ASSERT_TRUE(service_->Acknowledge(id, "ana", "looking").ok());
  Open();  // a hub restart
  auto restored = service_->Get(id);
  ASSERT_TRUE(restored.ok());
  EXPECT_EQ(restored->state, IncidentState::kAcknowledged);
  service_->OnEvent(DeviceEvent(bus::EventKind::kDetection, "pump-1", "sensor_fault.cleared",
                                {{"signal", "temp"}}));
  Run(301);
  EXPECT_EQ(service_->Get(id)->state, IncidentState::kResolved);
  EXPECT_EQ(Notifications().size(), 2u) << "opened before the restart, resolved after";
  // A new alert of another device after the restart gets a new id (one of
  // pump-1 would reopen the incident: it resolved inside the reopen window).
  service_->OnEvent(DeviceEvent(bus::EventKind::kDetection, "pump-9", "rule.raised",
                                {{"rule", "hot"}, {"severity", "info"}}));
  EXPECT_GT(service_->List({})->at(0).id, id);
}

TEST_F(AlertServiceTest, OperatorsResolveLabelAndSilence) {
  Device("pump-2", {{"site", "south"}});
  auto silence = service_->AddSilence(
      {{"matchers", {{"site", "south"}}}, {"ends_ms", clock_.NowMs() + 3'600'000}}, "ana");
  ASSERT_TRUE(silence.ok()) << silence.status().ToString();
  EXPECT_GT(silence->id, 0);
  EXPECT_FALSE(service_->AddSilence({{"matchers", {{"site", "south"}}}}, "ana").ok());
  service_->OnEvent(DeviceEvent(bus::EventKind::kDetection, "pump-2", "anomaly.raised"));
  Run(60);
  EXPECT_TRUE(Notifications().empty()) << "silenced: recorded, not notified";
  const int64_t id = service_->List({})->at(0).id;
  ASSERT_TRUE(service_->ExpireSilence(silence->id, "ana").ok());
  EXPECT_EQ(service_->ExpireSilence(silence->id, "ana").status().code(),
            StatusCode::kFailedPrecondition);
  Run(2);
  EXPECT_EQ(Notifications().size(), 1u) << "notified once the silence ended";

  auto resolved = service_->Resolve(id, "ana", "false alarm");
  ASSERT_TRUE(resolved.ok());
  OperatorLabel label;
  label.verdict = "false_positive";
  label.cause = "probe unplugged";
  label.by = "ana";
  auto labelled = service_->Label(id, label);  // on a resolved incident
  ASSERT_TRUE(labelled.ok()) << labelled.status().ToString();
  Open();
  auto stored = service_->Get(id);
  ASSERT_TRUE(stored.ok() && stored->label);
  EXPECT_EQ(stored->label->verdict, "false_positive");
  EXPECT_EQ(stored->label->devices, std::vector<std::string>{"pump-2"});
  EXPECT_LT(stored->label->window_from_ms, stored->first_event_ms);
  label.verdict = "maybe";
  EXPECT_EQ(service_->Label(id, label).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(service_->Silences().size(), 1u);

  // The verdict was learned and survived the restart: pump-2's next anomaly
  // counts (0 + 2) / (0 + 1 + 2) as confident as the first one did.
  const double first_confidence = stored->members.at(0).confidence;
  service_->OnEvent(DeviceEvent(bus::EventKind::kDetection, "pump-2", "anomaly.raised"));
  auto listed = service_->List({});
  ASSERT_TRUE(listed.ok());
  const Incident& fresh = listed->at(0);
  ASSERT_NE(fresh.id, id);
  EXPECT_DOUBLE_EQ(fresh.members.at(0).confidence, first_confidence * 2.0 / 3.0);
}

}  // namespace
}  // namespace keel::hub::alerts
