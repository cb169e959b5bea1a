#include "hub/alerts/incident_correlator.h"

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

namespace keel::hub::alerts {
namespace {

constexpr int64_t kT0 = 1'800'000'000'000;
constexpr int64_t kSec = 1000;
constexpr int64_t kMin = 60 * kSec;

Alert Offline(const std::string& device, const std::string& gateway, bool firing = true) {
  Alert a;
  a.name = "device.offline";
  a.labels = {{"device", device}, {"site", "north"}};
  if (!gateway.empty()) a.labels["gateway"] = gateway;
  a.firing = firing;
  return a;
}

Alert Fault(const std::string& device, const std::string& signal, bool firing = true) {
  Alert a;
  a.name = "sensor_fault";
  a.labels = {{"device", device}, {"site", "north"}, {"signal", signal}};
  a.firing = firing;
  return a;
}

// Drives a correlator through time and records everything it said.
class Harness {
 public:
  explicit Harness(CorrelationPolicy policy = {}) : correlator_(std::move(policy)) {}

  void At(int64_t t, Alert alert) {
    alert.t_ms = t;
    Absorb(correlator_.Observe(alert, t));
  }
  // Ticks every second up to `t`.
  void RunTo(int64_t t) {
    for (; now_ <= t; now_ += kSec) Absorb(correlator_.Tick(now_));
  }
  void Absorb(const CorrelationChanges& changes) {
    for (const auto& n : changes.notifications) notifications.push_back(n);
    for (const auto& i : changes.incidents) {
      ids.insert(i.id);
      latest[i.id] = i;
    }
  }
  size_t Count(const std::string& reason) const {
    size_t n = 0;
    for (const auto& x : notifications) n += x.reason == reason;
    return n;
  }

  IncidentCorrelator& correlator() { return correlator_; }
  std::vector<Notification> notifications;
  std::set<int64_t> ids;
  std::map<int64_t, Incident> latest;

 private:
  IncidentCorrelator correlator_;
  int64_t now_ = kT0;
};

TEST(IncidentCorrelatorTest, RepeatedAndRelatedAlertsOfOneDeviceAreOneIncidentNotifiedOnce) {
  Harness h;
  h.At(kT0, Fault("pump-1", "temp"));
  h.At(kT0 + 2 * kSec, Fault("pump-1", "temp"));  // redelivered / repeated raise
  h.At(kT0 + 3 * kSec, Fault("pump-1", "flow"));
  h.RunTo(kT0 + 29 * kSec);
  EXPECT_TRUE(h.notifications.empty()) << "group_wait holds the first notification";
  h.RunTo(kT0 + 31 * kSec);
  ASSERT_EQ(h.notifications.size(), 1u);
  EXPECT_EQ(h.notifications[0].reason, "opened");
  h.At(kT0 + 40 * kSec, Fault("pump-1", "temp"));
  h.RunTo(kT0 + 2 * kMin);
  EXPECT_EQ(h.notifications.size(), 1u);
  ASSERT_EQ(h.ids.size(), 1u);
  const Incident& incident = h.latest.begin()->second;
  EXPECT_EQ(incident.members.size(), 2u);
  EXPECT_EQ(incident.raw_events, 4u);
  EXPECT_EQ(incident.group_key, "site=north,device=pump-1");
  EXPECT_EQ(h.correlator().stats().repeats, 2u);
}

TEST(IncidentCorrelatorTest, GatewayOfflineExplainsItsDevicesWithOneNotification) {
  Harness h;
  // The devices' alarms arrive first (their keep-alives expire first), the
  // gateway's a second later.
  for (int i = 0; i < 10; ++i) h.At(kT0 + i * 50, Offline("d" + std::to_string(i), "gw-1"));
  h.At(kT0 + kSec, Offline("gw-1", ""));
  Alert late = Fault("d3", "temp");  // arrives after the cause: attached directly
  late.labels["gateway"] = "gw-1";   // as the hub's topology enrichment adds it
  h.At(kT0 + 2 * kSec, late);
  h.RunTo(kT0 + 2 * kMin);
  ASSERT_EQ(h.notifications.size(), 1u);
  const int64_t cause = h.notifications[0].incident_id;
  const Incident& incident = h.latest.at(cause);
  EXPECT_EQ(incident.group_key, "site=north,device=gw-1");
  EXPECT_EQ(incident.members.size(), 12u);
  size_t explained = 0;
  for (const auto& m : incident.members) explained += !m.inhibited_by.empty();
  EXPECT_EQ(explained, 11u);
  for (const auto& [id, i] : h.latest) {
    if (id == cause) continue;
    EXPECT_EQ(i.state, IncidentState::kResolved);
    EXPECT_EQ(i.resolved_by, "merged");
    EXPECT_EQ(i.merged_into, cause);
  }
  EXPECT_EQ(h.correlator().Active().size(), 1u);
}

TEST(IncidentCorrelatorTest, CauseClearingResolvesAndSurfacesDevicesThatStayDown) {
  Harness h;
  h.At(kT0, Offline("gw-1", ""));
  h.At(kT0 + 100, Offline("d1", "gw-1"));
  h.At(kT0 + 200, Offline("d2", "gw-1"));
  h.RunTo(kT0 + kMin);
  ASSERT_EQ(h.notifications.size(), 1u);
  // The gateway comes back, d1 reconnects, d2 does not.
  h.At(kT0 + 2 * kMin, Offline("gw-1", "", false));
  h.At(kT0 + 2 * kMin + 500, Offline("d1", "gw-1", false));
  h.RunTo(kT0 + 8 * kMin);
  ASSERT_EQ(h.Count("resolved"), 1u);
  ASSERT_EQ(h.Count("opened"), 2u) << "d2 is still down: it gets its own incident";
  const Notification& d2 = h.notifications.back();
  EXPECT_EQ(d2.group_key, "site=north,device=d2");
  EXPECT_EQ(d2.reason, "opened");
}

TEST(IncidentCorrelatorTest, FlappingSensorIsOneIncidentThatStaysOpenUntilStable) {
  CorrelationPolicy policy;
  policy.resolve_after_ms = kMin;
  policy.flap_window_ms = 10 * kMin;
  policy.flap_transitions = 4;
  Harness h(policy);
  // Fires for 1 min, clears for 2 min, for an hour: without flap detection
  // it would resolve after every clear.
  int64_t t = kT0;
  for (int cycle = 0; cycle < 20; ++cycle, t += 3 * kMin) {
    h.At(t, Fault("pump-2", "vibration"));
    h.RunTo(t + kMin);
    h.At(t + kMin, Fault("pump-2", "vibration", false));
    h.RunTo(t + 3 * kMin - kSec);
    if (cycle >= 3) {
      ASSERT_EQ(h.correlator().Active().size(), 1u) << "cycle " << cycle;
      EXPECT_TRUE(h.correlator().Active()[0]->members[0].flapping);
    }
  }
  EXPECT_EQ(h.ids.size(), 1u) << "one incident, reopened at most, never N";
  EXPECT_LE(h.notifications.size(), 3u);
  // Stable from now on: it resolves once the flap window and resolve_after pass.
  h.RunTo(t + 12 * kMin);
  EXPECT_TRUE(h.correlator().Active().empty());
  EXPECT_EQ(h.latest.begin()->second.state, IncidentState::kResolved);
}

TEST(IncidentCorrelatorTest, SilencedAlertIsRecordedButNotNotifiedUntilTheSilenceEnds) {
  Harness h;
  Silence s;
  s.id = 7;
  s.kind = "maintenance";
  s.matchers = {{"device", "pump-3"}};
  s.starts_ms = kT0 - kMin;
  s.ends_ms = kT0 + 10 * kMin;
  h.correlator().SetSilences({s});
  h.At(kT0, Fault("pump-3", "temp"));
  h.At(kT0, Fault("pump-4", "temp"));  // not silenced
  h.RunTo(kT0 + 5 * kMin);
  ASSERT_EQ(h.notifications.size(), 1u);
  EXPECT_EQ(h.notifications[0].group_key, "site=north,device=pump-4");
  ASSERT_EQ(h.ids.size(), 2u);
  bool recorded = false;
  for (const auto& [id, i] : h.latest) {
    if (i.group_key == "site=north,device=pump-3") {
      recorded = true;
      EXPECT_EQ(i.members.at(0).silenced_by, 7);
    }
  }
  EXPECT_TRUE(recorded);
  h.RunTo(kT0 + 11 * kMin);  // still firing when the window ends
  ASSERT_EQ(h.notifications.size(), 2u);
  EXPECT_EQ(h.notifications[1].group_key, "site=north,device=pump-3");
}

TEST(IncidentCorrelatorTest, PriorityFromSeverityCriticalityAndConfidenceEscalates) {
  Harness h;
  Alert warning = Fault("pump-5", "temp");
  warning.confidence = 0.5;
  h.At(kT0, warning);
  h.RunTo(kT0 + kMin);
  ASSERT_EQ(h.notifications.size(), 1u);
  EXPECT_EQ(h.notifications[0].priority, "P3");  // 100 * 0.6 * 0.7 * 0.5 = 21
  Alert critical;
  critical.name = "rule.overheat";
  critical.labels = {{"device", "pump-5"}, {"site", "north"}, {"criticality", "5"}};
  critical.severity = Severity::kCritical;
  h.At(kT0 + 2 * kMin, critical);
  h.RunTo(kT0 + 5 * kMin + 29 * kSec);  // notified at 30 s, + group_interval
  EXPECT_EQ(h.notifications.size(), 1u) << "escalations wait for group_interval";
  h.RunTo(kT0 + 7 * kMin);
  ASSERT_EQ(h.notifications.size(), 2u);
  EXPECT_EQ(h.notifications[1].reason, "escalated");
  EXPECT_EQ(h.notifications[1].priority, "P1");
  EXPECT_EQ(h.notifications[1].priority_score, 100);
}

TEST(IncidentCorrelatorTest, AcknowledgeStopsRepeatsAndOperatorResolveCloses) {
  CorrelationPolicy policy;
  policy.repeat_interval_ms = 10 * kMin;
  Harness h(policy);
  h.At(kT0, Fault("pump-6", "temp"));
  h.RunTo(kT0 + 11 * kMin);
  EXPECT_EQ(h.Count("repeated"), 1u);
  const int64_t id = *h.ids.begin();
  ASSERT_TRUE(h.correlator().Acknowledge(id, "ana", "on it", kT0 + 11 * kMin).ok());
  EXPECT_EQ(h.correlator().Acknowledge(id, "ana", "", kT0 + 11 * kMin).status().code(),
            StatusCode::kFailedPrecondition);
  h.RunTo(kT0 + 40 * kMin);
  EXPECT_EQ(h.Count("repeated"), 1u);
  auto resolved = h.correlator().Resolve(id, "ana", "replaced the probe", kT0 + 41 * kMin);
  ASSERT_TRUE(resolved.ok());
  h.Absorb(*resolved);
  EXPECT_EQ(h.Count("resolved"), 1u);
  EXPECT_EQ(h.latest.at(id).resolved_by, "ana");
  EXPECT_EQ(h.correlator().Resolve(id, "ana", "", kT0).status().code(), StatusCode::kNotFound);
  // Still firing: its next raise is a new incident, not the closed one.
  h.At(kT0 + 42 * kMin, Fault("pump-6", "temp"));
  EXPECT_EQ(h.ids.size(), 2u);
}

TEST(IncidentCorrelatorTest, SensorFaultExplainsAnomalyOfTheSameDevice) {
  Harness h;
  h.At(kT0, Fault("pump-7", "temp"));
  Alert anomaly;
  anomaly.name = "anomaly";
  anomaly.labels = {{"device", "pump-7"}, {"site", "north"}};
  h.At(kT0 + kSec, anomaly);
  h.RunTo(kT0 + kMin);
  ASSERT_EQ(h.ids.size(), 1u);
  const Incident& incident = h.latest.begin()->second;
  ASSERT_EQ(incident.members.size(), 2u);
  EXPECT_FALSE(incident.members[1].inhibited_by.empty());
}

TEST(IncidentCorrelatorTest, HubWideAlertsGroupByTheirOwnLabelsAndTitlesNameTheWorst) {
  Harness h;
  for (const char* deployment : {"3", "4"}) {
    Alert failed;
    failed.name = "deployment.failed";
    failed.labels = {{"deployment", deployment}};
    h.At(kT0, failed);
  }
  ASSERT_EQ(h.ids.size(), 2u) << "unrelated hub-wide alerts stay apart";
  EXPECT_EQ(h.latest.begin()->second.group_key, "deployment=3");
  h.At(kT0, Offline("pump-9", ""));
  h.At(kT0 + 500, Offline("pump-9", "", /*firing=*/false));
  Alert quarantined;
  quarantined.name = "attestation";
  quarantined.labels = {{"device", "pump-9"}, {"site", "north"}};
  quarantined.severity = Severity::kCritical;
  h.At(kT0 + kSec, quarantined);
  const Incident& incident = h.latest.rbegin()->second;
  EXPECT_EQ(incident.Title(), "attestation on site=north,device=pump-9 (+1 related)");
}

TEST(IncidentCorrelatorTest, ABlipInAnUnnotifiedIncidentWaitsGroupWaitLikeAFirstOne) {
  Harness h;
  h.At(kT0, Fault("pump-11", "temp"));
  h.At(kT0 + 5 * kSec, Fault("pump-11", "temp", false));  // a blip: never notified
  h.RunTo(kT0 + 60 * kSec);
  h.At(kT0 + 60 * kSec, Fault("pump-11", "temp"));  // again, in the same open incident
  h.At(kT0 + 65 * kSec, Fault("pump-11", "temp", false));
  h.RunTo(kT0 + 2 * kMin);
  EXPECT_TRUE(h.notifications.empty()) << "a second blip is no more worth a page than the first";
  h.At(kT0 + 2 * kMin, Fault("pump-11", "temp"));  // and now it stays
  h.RunTo(kT0 + 2 * kMin + 31 * kSec);
  ASSERT_EQ(h.notifications.size(), 1u);
  EXPECT_EQ(h.ids.size(), 1u);
}

TEST(IncidentCorrelatorTest, ClearOfAnUnknownAlertIsCountedAndIgnored) {
  Harness h;
  h.At(kT0, Fault("pump-8", "temp", false));
  EXPECT_TRUE(h.ids.empty());
  EXPECT_EQ(h.correlator().stats().unmatched_clears, 1u);
}

TEST(IncidentCorrelatorTest, FalsePositiveVerdictsLowerTheConfidenceOfThatKindOfAlert) {
  Harness h;
  OperatorLabel false_positive;
  false_positive.verdict = "false_positive";
  false_positive.by = "ana";
  std::vector<int64_t> labelled;
  for (int i = 0; i < 3; ++i) {
    const int64_t t = kT0 + i * kMin;
    h.At(t, Fault("p1", "vibration"));
    const int64_t id = h.correlator().IncidentOf(Fingerprint(Fault("p1", "vibration")));
    ASSERT_NE(id, 0);
    EXPECT_DOUBLE_EQ(h.correlator().FindActive(id)->members[0].confidence,
                     i == 0 ? 1.0 : 2.0 / (2.0 + i));
    auto labelled_now = h.correlator().Label(id, false_positive, t + kSec);
    ASSERT_TRUE(labelled_now.ok());
    h.Absorb(*labelled_now);
    ASSERT_TRUE(h.correlator().Resolve(id, "ana", "probe loose", t + 2 * kSec).ok());
    labelled.push_back(id);
  }
  h.At(kT0 + 10 * kMin, Fault("p1", "vibration"));
  h.At(kT0 + 10 * kMin, Fault("p2", "vibration"));
  const Incident* p1 =
      h.correlator().FindActive(h.correlator().IncidentOf(Fingerprint(Fault("p1", "vibration"))));
  const Incident* p2 =
      h.correlator().FindActive(h.correlator().IncidentOf(Fingerprint(Fault("p2", "vibration"))));
  ASSERT_TRUE(p1 && p2);
  EXPECT_DOUBLE_EQ(p1->members[0].confidence, 0.4) << "(0 + 2) / (0 + 3 + 2)";
  EXPECT_DOUBLE_EQ(p2->members[0].confidence, 1.0) << "another device's alerts are not affected";
  EXPECT_LT(p1->priority_score, p2->priority_score);
  // A verdict changed later replaces the earlier one: (1 + 2) / (1 + 2 + 2).
  Incident relabelled = h.latest.at(labelled[0]);
  ASSERT_TRUE(relabelled.label.has_value());
  relabelled.label->verdict = "true_positive";
  h.correlator().RecordVerdict(relabelled);
  EXPECT_DOUBLE_EQ(h.correlator().verdicts().Precision(
                       VerdictBook::KindOf("sensor_fault", Fault("p1", "vibration").labels)),
                   0.6);
  EXPECT_EQ(h.correlator().verdicts().labelled_incidents(), 3u);
}

TEST(IncidentCorrelatorTest, RestoredIncidentsContinueWhereTheyWere) {
  Harness first;
  first.At(kT0, Fault("pump-9", "temp"));
  first.RunTo(kT0 + kMin);
  ASSERT_EQ(first.notifications.size(), 1u);
  std::vector<Incident> saved;
  for (const auto& [id, incident] : first.latest) {
    auto round_trip = IncidentFromJson(IncidentToJson(incident));
    ASSERT_TRUE(round_trip.ok()) << round_trip.status().ToString();
    saved.push_back(*round_trip);
  }
  IncidentCorrelator second{CorrelationPolicy{}};
  second.Restore(saved, first.correlator().next_id());
  auto cleared = second.Observe(Fault("pump-9", "temp", false), kT0 + 2 * kMin);
  ASSERT_EQ(cleared.incidents.size(), 1u) << "the clear matched the restored incident";
  EXPECT_FALSE(cleared.incidents[0].members[0].firing);
  auto done = second.Tick(kT0 + 8 * kMin);
  ASSERT_EQ(done.notifications.size(), 1u);
  EXPECT_EQ(done.notifications[0].reason, "resolved");
  auto next = second.Observe(Fault("pump-10", "temp"), kT0 + 9 * kMin);
  ASSERT_EQ(next.incidents.size(), 1u);
  EXPECT_GT(next.incidents[0].id, saved[0].id);
}

}  // namespace
}  // namespace keel::hub::alerts
