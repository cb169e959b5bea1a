// IncidentStore: durable state of contextual alerting (hub/alerts): the
// incidents, the notifications the correlator decided to send (an outbox
// that notification routes drain), and the silences. Incident, notification
// and silence contents are JSON documents owned by hub/alerts; the store
// keeps them atomically, with the few columns it needs to query. A storage
// interface: no policy. Thread-safety as DeviceStore; errors: IoError for
// the database, NotFound for an unknown id.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace keel::hub {

struct StoredIncident {
  int64_t id = 0;
  std::string state;  // "open", "acknowledged" or "resolved"
  int64_t updated_ms = 0;
  std::string body;  // JSON (hub/alerts IncidentToJson)
};

struct StoredNotification {
  int64_t id = 0;  // assigned by the store, increasing
  int64_t incident = 0;
  std::string body;          // JSON
  int64_t delivered_ms = 0;  // 0 until a route delivered it
};

struct StoredSilence {
  int64_t id = 0;    // assigned by the store
  std::string body;  // JSON without the id
};

// Delivery progress of one notification route (hub/notify): every outbox
// notification with id <= cursor is finished for the route (delivered,
// given up on, or not matched by it).
struct NotifyRouteRecord {
  std::string route;  // the route's name
  int64_t cursor = 0;
  int64_t updated_ms = 0;
  int64_t failed = 0;      // notifications the route gave up on, all time
  std::string last_error;  // "" until one failed
  int64_t last_error_ms = 0;
};

struct IncidentQuery {
  std::optional<std::string> state;  // only this state
  bool active_only = false;          // open or acknowledged
  int64_t updated_since_ms = 0;
  size_t limit = 1000;  // newest first
};

class IncidentStore {
 public:
  virtual ~IncidentStore() = default;

  // Upserts `incidents` (by id) and appends `notifications` (their id is
  // ignored) in one transaction, so a crash never keeps an incident change
  // without the notification it caused, or the reverse.
  virtual Status SaveIncidents(const std::vector<StoredIncident>& incidents,
                               const std::vector<StoredNotification>& notifications) = 0;
  virtual Result<std::vector<StoredIncident>> ListIncidents(const IncidentQuery& query) = 0;
  virtual Result<StoredIncident> GetIncident(int64_t id) = 0;
  // 0 when there is none.
  virtual Result<int64_t> MaxIncidentId() = 0;

  // Notifications with id > after_id, oldest first, at most `limit`.
  virtual Result<std::vector<StoredNotification>> ListNotifications(int64_t after_id,
                                                                    size_t limit) = 0;
  virtual Status MarkNotificationDelivered(int64_t id, int64_t delivered_ms) = 0;
  // 0 when the outbox is empty.
  virtual Result<int64_t> MaxNotificationId() = 0;

  // The routes' delivery progress, by route name; SaveNotifyRoute upserts one.
  virtual Result<std::vector<NotifyRouteRecord>> ListNotifyRoutes() = 0;
  virtual Status SaveNotifyRoute(const NotifyRouteRecord& record) = 0;

  virtual Result<int64_t> AddSilence(std::string_view body) = 0;
  virtual Status UpdateSilence(int64_t id, std::string_view body) = 0;
  virtual Result<std::vector<StoredSilence>> ListSilences() = 0;
};

}  // namespace keel::hub
