// Helpers of the hub/notify tests: a scripted Transport, a fixed Random,
// and incidents with their outbox notifications written into a real store.
#pragma once

#include <gtest/gtest.h>

#include <deque>
#include <string>
#include <vector>

#include "common/random.h"
#include "hub/alerts/incident.h"
#include "hub/alerts/incident_correlator.h"
#include "hub/notify/transport.h"
#include "hub/store/sqlite_store.h"

namespace keel::hub::notify {

// Replies with the scripted results in order, then with 200 / OK.
class FakeTransport : public Transport {
 public:
  Result<int> Post(const HttpsPost& post) override {
    posts.push_back(post);
    if (post_replies.empty()) return 200;
    Result<int> reply = post_replies.front();
    post_replies.pop_front();
    return reply;
  }
  Status SendMail(const MailMessage& mail) override {
    mails.push_back(mail);
    if (mail_replies.empty()) return Status::Ok();
    Status reply = mail_replies.front();
    mail_replies.pop_front();
    return reply;
  }

  std::deque<Result<int>> post_replies;
  std::deque<Status> mail_replies;
  std::vector<HttpsPost> posts;
  std::vector<MailMessage> mails;
};

class FixedRandom : public Random {
 public:
  explicit FixedRandom(double value) : value_(value) {}
  double Uniform() override { return value_; }
  double Gaussian() override { return 0; }

 private:
  double value_;
};

// An open incident with one firing alert on device `device` of `site`,
// scored `score` (P1 >= 60, P2 >= 35, ...), notified as firing.
inline alerts::Incident MakeIncident(int64_t id, const std::string& site, const std::string& device,
                                     int score, int64_t now_ms) {
  alerts::Incident incident;
  incident.id = id;
  incident.group_key = "site=" + site + ",device=" + device;
  incident.opened_ms = incident.updated_ms = incident.first_event_ms = incident.last_event_ms =
      now_ms;
  incident.priority_score = score;
  incident.severity = alerts::Severity::kCritical;
  incident.notified_ms = now_ms;
  incident.notified_as = "firing";
  alerts::IncidentMember member;
  member.fingerprint = "sensor_fault{" + device + "}";
  member.name = "sensor_fault";
  member.labels = {{"site", site}, {"device", device}, {"signal", "temp"}};
  member.severity = alerts::Severity::kCritical;
  member.first_ms = member.last_ms = member.changed_ms = now_ms;
  member.events = 1;
  incident.members.push_back(member);
  return incident;
}

// Writes `incident` and one notification about it (`reason`, at `at_ms`).
inline void SaveWithNotification(SqliteStore& store, const alerts::Incident& incident,
                                 const std::string& reason, int64_t at_ms) {
  const alerts::Notification n = alerts::NotificationOf(incident, reason, at_ms);
  const StoredIncident stored{incident.id, std::string(alerts::IncidentStateName(incident.state)),
                              incident.updated_ms, alerts::IncidentToJson(incident).dump()};
  const StoredNotification note{0, incident.id, alerts::NotificationToJson(n).dump(), 0};
  Status saved = store.SaveIncidents({stored}, {note});
  ASSERT_TRUE(saved.ok()) << saved.ToString();
}

}  // namespace keel::hub::notify
