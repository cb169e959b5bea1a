// IncidentStore on SQLite: incidents upserted with their notifications in
// one transaction, queries by state, the notification outbox, silences.
#include "unit/hub/store/store_fixture.h"

namespace keel::hub {
namespace {

class IncidentStoreTest : public StoreTest {};

TEST_F(IncidentStoreTest, IncidentsAreUpsertedAndSurviveAReopen) {
  EXPECT_EQ(*store_->MaxIncidentId(), 0);
  ASSERT_TRUE(store_
                  ->SaveIncidents({{1, "open", 10, R"({"v":1})"}, {2, "open", 11, R"({"v":2})"}},
                                  {{0, 1, R"({"reason":"opened"})", 0}})
                  .ok());
  ASSERT_TRUE(store_->SaveIncidents({{1, "resolved", 20, R"({"v":3})"}}, {}).ok());
  Reopen();
  EXPECT_EQ(*store_->MaxIncidentId(), 2);
  auto one = store_->GetIncident(1);
  ASSERT_TRUE(one.ok());
  EXPECT_EQ(one->state, "resolved");
  EXPECT_EQ(one->body, R"({"v":3})");
  EXPECT_EQ(store_->GetIncident(9).status().code(), StatusCode::kNotFound);

  IncidentQuery active;
  active.active_only = true;
  auto open = store_->ListIncidents(active);
  ASSERT_TRUE(open.ok());
  ASSERT_EQ(open->size(), 1u);
  EXPECT_EQ(open->at(0).id, 2);
  IncidentQuery resolved;
  resolved.state = "resolved";
  EXPECT_EQ(store_->ListIncidents(resolved)->size(), 1u);
  IncidentQuery all;
  all.limit = 1;
  ASSERT_EQ(store_->ListIncidents(all)->size(), 1u);
  EXPECT_EQ(store_->ListIncidents(all)->at(0).id, 2) << "newest first";
  IncidentQuery recent;
  recent.updated_since_ms = 15;
  ASSERT_EQ(store_->ListIncidents(recent)->size(), 1u);
}

TEST_F(IncidentStoreTest, NotificationOutboxIsOrderedAndMarkedDelivered) {
  ASSERT_TRUE(
      store_
          ->SaveIncidents({{1, "open", 1, "{}"}}, {{0, 1, "{\"n\":1}", 0}, {0, 1, "{\"n\":2}", 0}})
          .ok());
  auto all = store_->ListNotifications(0, 10);
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 2u);
  EXPECT_LT(all->at(0).id, all->at(1).id);
  EXPECT_EQ(all->at(1).body, "{\"n\":2}");
  ASSERT_TRUE(store_->MarkNotificationDelivered(all->at(0).id, 77).ok());
  EXPECT_EQ(store_->ListNotifications(0, 10)->at(0).delivered_ms, 77);
  EXPECT_EQ(store_->ListNotifications(all->at(0).id, 10)->size(), 1u);
  EXPECT_EQ(store_->MarkNotificationDelivered(999, 1).code(), StatusCode::kNotFound);
}

TEST_F(IncidentStoreTest, NotifyRouteProgressIsUpsertedAndSurvivesAReopen) {
  EXPECT_EQ(*store_->MaxNotificationId(), 0);
  ASSERT_TRUE(
      store_->SaveIncidents({{1, "open", 1, "{}"}}, {{0, 1, "{}", 0}, {0, 1, "{}", 0}}).ok());
  EXPECT_EQ(*store_->MaxNotificationId(), 2);
  ASSERT_TRUE(store_->ListNotifyRoutes()->empty());
  ASSERT_TRUE(store_->SaveNotifyRoute({"ops", 1, 10, 0, "", 0}).ok());
  ASSERT_TRUE(store_->SaveNotifyRoute({"am", 2, 11, 0, "", 0}).ok());
  ASSERT_TRUE(store_->SaveNotifyRoute({"ops", 2, 12, 1, "HTTP 400", 12}).ok());
  Reopen();
  auto routes = store_->ListNotifyRoutes();
  ASSERT_TRUE(routes.ok()) << routes.status().ToString();
  ASSERT_EQ(routes->size(), 2u);
  EXPECT_EQ(routes->at(0).route, "am");
  EXPECT_EQ(routes->at(1).route, "ops");
  EXPECT_EQ(routes->at(1).cursor, 2);
  EXPECT_EQ(routes->at(1).failed, 1);
  EXPECT_EQ(routes->at(1).last_error, "HTTP 400");
  EXPECT_EQ(routes->at(1).last_error_ms, 12);
}

TEST_F(IncidentStoreTest, AVersion7StoreGainsTheNotifyRoutesTable) {
  ASSERT_TRUE(store_->SaveIncidents({{1, "open", 1, "{}"}}, {{0, 1, "{}", 0}}).ok());
  store_.reset();
  RunSql(path(),
         "DROP TABLE notify_routes; UPDATE meta SET value = 7 WHERE key = 'schema_version'");
  Reopen();
  EXPECT_TRUE(store_->ListNotifyRoutes()->empty());
  ASSERT_TRUE(store_->SaveNotifyRoute({"ops", 1, 10, 0, "", 0}).ok());
  EXPECT_EQ(store_->ListNotifyRoutes()->size(), 1u);
  EXPECT_EQ(*store_->MaxNotificationId(), 1);
}

TEST_F(IncidentStoreTest, SilencesGetIdsAndCanBeUpdated) {
  auto a = store_->AddSilence(R"({"a":1})");
  auto b = store_->AddSilence(R"({"b":1})");
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_LT(*a, *b);
  ASSERT_TRUE(store_->UpdateSilence(*a, R"({"a":2})").ok());
  EXPECT_EQ(store_->UpdateSilence(999, "{}").code(), StatusCode::kNotFound);
  Reopen();
  auto silences = store_->ListSilences();
  ASSERT_TRUE(silences.ok());
  ASSERT_EQ(silences->size(), 2u);
  EXPECT_EQ(silences->at(0).body, R"({"a":2})");
}

}  // namespace
}  // namespace keel::hub
