// Events of telemetry batches in the hub store: written with the batch,
// deduplicated with it, read back by EventQuery.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include "store_fixture.h"

namespace keel::hub {
namespace {

using EventStoreTest = StoreTest;

constexpr int64_t kT = 1'732'470'000'000;

IngestBatch WithEvents(IngestBatch b, std::vector<wire::Event> events) {
  b.batch.events = std::move(events);
  return b;
}

IngestBatch EventsOnly(std::string device, uint64_t seq, std::vector<wire::Event> events) {
  IngestBatch b;
  b.device_id = std::move(device);
  b.batch.seq = seq;
  b.batch.events = std::move(events);
  b.received_ms = 5;
  return b;
}

wire::Event Ev(std::string type, int64_t t, nlohmann::json data = nlohmann::json::object()) {
  return wire::Event{std::move(type), t, std::move(data)};
}

std::vector<std::string> Types(const std::vector<StoredEvent>& events) {
  std::vector<std::string> out;
  for (const auto& e : events) out.push_back(e.type);
  return out;
}

class EventStoreFilled : public EventStoreTest {
 protected:
  void SetUp() override {
    EventStoreTest::SetUp();
    ASSERT_TRUE(store_->CreateDevice("d1", 0).ok());
    ASSERT_TRUE(store_->CreateDevice("d2", 0).ok());
    const WriteResult r = Write({
        WithEvents(Batch("d1", 1),
                   {Ev("anomaly.detected", kT + 10, {{"score", 7.5}, {"mode", "run"}}),
                    Ev("sensor.fault", kT + 5)}),
        EventsOnly("d2", 1, {Ev("anomaly.cleared", kT + 20), Ev("rule.transition", kT + 1)}),
        EventsOnly("d1", 2, {Ev("anomaly.detected", kT + 30, {{"nested", {{"a", {1, 2}}}}})}),
    });
    ASSERT_EQ(r.events_stored, 5u);
  }

  std::vector<StoredEvent> Read(const EventQuery& q) {
    auto r = store_->ReadEvents(q);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? std::move(r).value() : std::vector<StoredEvent>{};
  }
};

TEST_F(EventStoreFilled, StoresEventsWithTheirBatchAndReadsNewestFirst) {
  const auto all = Read({});
  EXPECT_EQ(Types(all),
            (std::vector<std::string>{"anomaly.detected", "anomaly.cleared", "anomaly.detected",
                                      "sensor.fault", "rule.transition"}));
  const StoredEvent& first = all[0];
  EXPECT_EQ(first.device_id, "d1");
  EXPECT_EQ(first.seq, 2u);
  EXPECT_EQ(first.index, 0u);
  EXPECT_EQ(first.t_ms, kT + 30);
  EXPECT_EQ(first.data, (nlohmann::json{{"nested", {{"a", {1, 2}}}}}));
  EXPECT_EQ(all[2].data["score"], 7.5);
  EXPECT_EQ(all[3].index, 1u);
  EXPECT_EQ(store_->Stats()->events, 5u);
  EXPECT_EQ(*store_->Stats(), (StoreStats{2, 3, 2, 0, 0, 5}));
}

TEST_F(EventStoreFilled, EventsOnlyBatchesAdvanceTheWatermark) {
  EXPECT_EQ(Acked("d1"), 2u);
  EXPECT_EQ(Acked("d2"), 1u);
}

TEST_F(EventStoreFilled, DuplicateBatchAddsNoEvents) {
  const WriteResult r = Write({WithEvents(Batch("d1", 1), {Ev("other.thing", kT + 99)}),
                               EventsOnly("d2", 1, {Ev("other.thing", kT + 99)})});
  EXPECT_EQ(r.outcomes,
            (std::vector<BatchOutcome>{BatchOutcome::kDuplicate, BatchOutcome::kDuplicate}));
  EXPECT_EQ(r.events_stored, 0u);
  EXPECT_EQ(Read({}).size(), 5u);
  EXPECT_EQ(store_->Stats()->events, 5u);
}

TEST_F(EventStoreFilled, FiltersByDeviceTypePrefixAndTime) {
  EventQuery q;
  q.device_id = "d2";
  EXPECT_EQ(Types(Read(q)), (std::vector<std::string>{"anomaly.cleared", "rule.transition"}));
  q = {};
  q.type_prefix = "anomaly.";
  EXPECT_EQ(Types(Read(q)),
            (std::vector<std::string>{"anomaly.detected", "anomaly.cleared", "anomaly.detected"}));
  q.type_prefix = "anomaly.detected";
  q.device_id = "d1";
  EXPECT_EQ(Read(q).size(), 2u);
  q = {};
  q.from_ms = kT + 5;
  q.to_ms = kT + 20;  // exclusive
  EXPECT_EQ(Types(Read(q)), (std::vector<std::string>{"anomaly.detected", "sensor.fault"}));
  q.from_ms = q.to_ms;
  EXPECT_TRUE(Read(q).empty());
}

TEST_F(EventStoreFilled, LimitAndOldestFirst) {
  EventQuery q;
  q.limit = 2;
  EXPECT_EQ(Types(Read(q)), (std::vector<std::string>{"anomaly.detected", "anomaly.cleared"}));
  q.newest_first = false;
  EXPECT_EQ(Types(Read(q)), (std::vector<std::string>{"rule.transition", "sensor.fault"}));
  q.limit = 0;
  EXPECT_TRUE(Read(q).empty());
}

TEST_F(EventStoreFilled, UnknownDeviceIsNotFound) {
  EventQuery q;
  q.device_id = "nope";
  auto r = store_->ReadEvents(q);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kNotFound);
  EXPECT_NE(r.status().message().find("\"nope\""), std::string::npos);
}

TEST_F(EventStoreFilled, SurvivesReopen) {
  Reopen();
  EXPECT_EQ(store_->Stats()->events, 5u);
  EXPECT_EQ(Read({}).size(), 5u);
}

TEST_F(EventStoreTest, BatchWithNonObjectEventDataIsInvalidAndStoresNothing) {
  ASSERT_TRUE(store_->CreateDevice("d1", 0).ok());
  const WriteResult r = Write({WithEvents(Batch("d1", 1), {Ev("a.b", kT, nlohmann::json(3))})});
  EXPECT_EQ(r.outcomes, std::vector<BatchOutcome>{BatchOutcome::kInvalid});
  EXPECT_EQ(*store_->Stats(), (StoreStats{1, 0, 0, 0, 0, 0}));
}

TEST_F(EventStoreTest, FailedEventWriteRollsBackTheWholeBatch) {
  ASSERT_TRUE(store_->CreateDevice("d1", 0).ok());
  store_.reset();
  {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path().c_str(), &db), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(db,
                           "CREATE TRIGGER no_events BEFORE INSERT ON events"
                           " BEGIN SELECT RAISE(FAIL, 'events refused'); END",
                           nullptr, nullptr, nullptr),
              SQLITE_OK);
    sqlite3_close(db);
  }
  Reopen();
  std::vector<IngestBatch> batches = {WithEvents(Batch("d1", 1), {Ev("a.b", kT)})};
  auto r = store_->WriteBatches(batches);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("events refused"), std::string::npos) << r.status().message();
  EXPECT_EQ(*store_->Stats(), (StoreStats{1, 0, 0, 0, 0, 0}));
  EXPECT_EQ(Acked("d1"), 0u);
  EXPECT_TRUE(store_->ReadSeries("d1", "temp", 0, 10'000, 100)->empty());
}

}  // namespace
}  // namespace keel::hub
