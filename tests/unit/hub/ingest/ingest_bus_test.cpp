// What ingest publishes on the hub's event bus: only what the store
// committed, in arrival order (docs/events.md).
#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <mutex>
#include <numeric>

#include "hub/bus/event_bus.h"
#include "hub/ingest/ingest_service.h"
#include "hub/store/sqlite_store.h"
#include "test_util/temp_dir.h"
#include "wire/messages.h"
#include "wire/topics.h"

namespace keel::hub {
namespace {

constexpr int64_t kT0 = 1732470000000;

// The real store, with WriteBatches failing on demand (a full disk).
class FailableTelemetryStore : public TelemetryStore {
 public:
  explicit FailableTelemetryStore(TelemetryStore& inner) : inner_(inner) {}
  std::atomic<bool> fail_writes{false};

  Result<WriteResult> WriteBatches(std::span<IngestBatch> batches) override {
    if (fail_writes) return Status::IoError("keel.db: disk full (test)");
    return inner_.WriteBatches(batches);
  }
  Result<uint64_t> RecordGap(std::string_view device, uint64_t from, uint64_t to,
                             int64_t now_ms) override {
    return inner_.RecordGap(device, from, to, now_ms);
  }
  Result<uint64_t> SettleUpTo(std::string_view device, uint64_t acked, int64_t now_ms) override {
    return inner_.SettleUpTo(device, acked, now_ms);
  }
  Result<std::vector<wire::Point>> ReadSeries(std::string_view device, std::string_view series,
                                              int64_t from_ms, int64_t to_ms,
                                              size_t limit) override {
    return inner_.ReadSeries(device, series, from_ms, to_ms, limit);
  }
  Result<std::vector<std::string>> ListSeries(std::string_view device) override {
    return inner_.ListSeries(device);
  }
  Result<std::vector<StoredEvent>> ReadEvents(const EventQuery& q) override {
    return inner_.ReadEvents(q);
  }
  Result<StoreStats> Stats() override { return inner_.Stats(); }

 private:
  TelemetryStore& inner_;
};

class IngestBusTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = OpenSqliteStore(dir_.path() / "keel.db");
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::move(store).value();
    failable_ = std::make_unique<FailableTelemetryStore>(*store_);
    ASSERT_TRUE(store_->CreateDevice("dev1", kT0).ok());
    ASSERT_TRUE(store_->CreateDevice("dev2", kT0).ok());
    // The consumer checks that what it is told about is already in the store.
    ASSERT_TRUE(bus_.Subscribe({"recorder", 1000, 50, nullptr},
                               [this](const bus::Event& e) {
                                 bool stored = true;
                                 if (e.kind == bus::EventKind::kTelemetry) {
                                   auto points =
                                       store_->ReadSeries(e.device, "temp", e.t_ms, e.t_ms + 1, 1);
                                   stored = points.ok() && points->size() == 1;
                                 }
                                 std::lock_guard lock(mu_);
                                 events_.push_back(e);
                                 all_stored_ = all_stored_ && stored;
                               })
                    .ok());
    bus_.Start();
    IngestOptions options;
    options.bus = &bus_;
    ingest_ = std::make_unique<IngestService>(*store_, *failable_, clock_, metrics_, options,
                                              [](const std::string&, uint64_t) {});
    ingest_->Start();
  }
  void TearDown() override {
    ingest_->Stop();
    bus_.Stop();
  }

  static mqtt::Message Batch(const std::string& device, uint64_t seq,
                             std::vector<wire::Event> events = {}) {
    wire::TelemetryBatch batch;
    batch.seq = seq;
    batch.series.push_back({"temp", {{kT0 + 10 * static_cast<int64_t>(seq), 1.0}}});
    batch.series.push_back({"rpm", {{kT0 + 10 * static_cast<int64_t>(seq) - 5, 2.0}}});
    batch.events = std::move(events);
    return Upload(wire::TelemetryTopic(device), device,
                  wire::EncodeTelemetry(batch, wire::Encoding::kJson));
  }
  static mqtt::Message Upload(const std::string& topic, const std::string& device,
                              std::string payload) {
    mqtt::Message m;
    m.topic = topic;
    m.payload = std::move(payload);
    m.user_properties.emplace_back("keel-identity", device);
    return m;
  }
  static mqtt::Message State(const std::string& device, bool online) {
    wire::DeviceState state;
    state.online = online;
    state.t_ms = kT0 + 7;
    state.outbox_depth = 3;
    state.agent = "keel-edge/test";
    return Upload(wire::StateTopic(device), device, wire::EncodeDeviceState(state));
  }
  void Send(const mqtt::Message& m) {
    ingest_->OnMessage(m);
    ingest_->Flush();
    bus_.WaitIdle();
  }
  std::vector<bus::Event> Events() {
    std::lock_guard lock(mu_);
    return events_;
  }

  TempDir dir_;
  FakeClock clock_{kT0 + 1000};
  MetricsRegistry metrics_;
  std::unique_ptr<SqliteStore> store_;
  std::unique_ptr<FailableTelemetryStore> failable_;
  bus::EventBus bus_{clock_, metrics_};
  std::unique_ptr<IngestService> ingest_;
  std::mutex mu_;
  std::vector<bus::Event> events_;
  bool all_stored_ = true;
};

TEST_F(IngestBusTest, StoredBatchesArePublishedWithTheirEventsAndDuplicatesAreNot) {
  Send(Batch("dev1", 1,
             {{"anomaly.raised", kT0 + 3, {{"score", 4.5}}},
              {"mode.changed", kT0 + 4, {{"mode", "running"}}},
              {"sensor_fault.cleared", kT0 + 5, {{"signal", "vib"}}}}));
  Send(Batch("dev1", 2));
  Send(Batch("dev1", 1));  // redelivered: a duplicate
  Send(Batch("dev1", 3));
  const auto events = Events();
  ASSERT_EQ(events.size(), 6u);
  EXPECT_TRUE(all_stored_);
  const auto& summary = events[0];
  EXPECT_EQ(summary.kind, bus::EventKind::kTelemetry);
  EXPECT_EQ(summary.type, "telemetry.batch");
  EXPECT_EQ(summary.device, "dev1");
  EXPECT_EQ(summary.seq, 1u);
  EXPECT_EQ(summary.t_ms, kT0 + 10);  // the newest sample
  EXPECT_EQ(summary.data["samples"], 2);
  EXPECT_EQ(summary.data["events"], 3);
  EXPECT_EQ(summary.data["series"], nlohmann::json::array({"temp", "rpm"}));
  EXPECT_EQ(summary.published_ms, clock_.NowMs());
  EXPECT_EQ(events[1].kind, bus::EventKind::kDetection);
  EXPECT_EQ(events[1].type, "anomaly.raised");
  EXPECT_EQ(events[1].seq, 1u);
  EXPECT_EQ(events[1].t_ms, kT0 + 3);
  EXPECT_EQ(events[1].data["score"], 4.5);
  EXPECT_EQ(events[2].kind, bus::EventKind::kDeviceEvent);
  EXPECT_EQ(events[2].type, "mode.changed");
  EXPECT_EQ(events[3].kind, bus::EventKind::kDetection);
  EXPECT_EQ(events[3].type, "sensor_fault.cleared");
  std::vector<uint64_t> telemetry_seqs;
  for (const auto& e : events) {
    if (e.kind == bus::EventKind::kTelemetry) telemetry_seqs.push_back(e.seq);
  }
  EXPECT_EQ(telemetry_seqs, (std::vector<uint64_t>{1, 2, 3}));
}

TEST_F(IngestBusTest, OneCommitOfManyMessagesPublishesPerDeviceInSeqOrder) {
  for (uint64_t seq = 1; seq <= 50; ++seq) {
    ingest_->OnMessage(Batch("dev1", seq));
    ingest_->OnMessage(Batch("dev2", seq, {{"rule.raised", kT0, {{"rule", "hot"}}}}));
  }
  ingest_->Flush();
  bus_.WaitIdle();
  std::map<std::string, std::vector<uint64_t>> seqs;
  for (const auto& e : Events()) {
    if (e.kind == bus::EventKind::kTelemetry) seqs[e.device].push_back(e.seq);
  }
  std::vector<uint64_t> expected(50);
  std::iota(expected.begin(), expected.end(), 1);
  EXPECT_EQ(seqs["dev1"], expected);
  EXPECT_EQ(seqs["dev2"], expected);
  EXPECT_EQ(Events().size(), 150u);
  EXPECT_TRUE(all_stored_);
}

TEST_F(IngestBusTest, NothingIsPublishedForAWriteThatFailed) {
  failable_->fail_writes = true;
  Send(Batch("dev1", 1, {{"anomaly.raised", kT0, nlohmann::json::object()}}));
  EXPECT_TRUE(Events().empty());
  failable_->fail_writes = false;
  Send(
      Batch("dev1", 1, {{"anomaly.raised", kT0, nlohmann::json::object()}}));  // the device resends
  ASSERT_EQ(Events().size(), 2u);
  EXPECT_TRUE(all_stored_);
}

TEST_F(IngestBusTest, RejectedAndUnknownDeviceBatchesPublishNothing) {
  Send(Batch("ghost", 1));
  mqtt::Message bad = Batch("dev1", 1);
  bad.payload = "{";
  Send(bad);
  EXPECT_TRUE(Events().empty());
}

TEST_F(IngestBusTest, ConnectivityChangesArePublishedOncePerChange) {
  Send(State("dev1", true));
  Send(State("dev1", true));  // the periodic report: no change
  Send(State("dev1", false));
  Send(State("dev1", false));
  Send(State("dev1", true));
  const auto events = Events();
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[0].kind, bus::EventKind::kDeviceOnline);
  EXPECT_EQ(events[0].type, "device.online");
  EXPECT_EQ(events[0].t_ms, kT0 + 7);
  EXPECT_EQ(events[0].seq, 0u);
  EXPECT_EQ(events[0].data["agent"], "keel-edge/test");
  EXPECT_EQ(events[0].data["outbox_depth"], 3);
  EXPECT_EQ(events[1].kind, bus::EventKind::kDeviceOffline);
  EXPECT_EQ(events[1].type, "device.offline");
  EXPECT_EQ(events[2].kind, bus::EventKind::kDeviceOnline);
}

TEST_F(IngestBusTest, GapNoticesArePublishedOnceRecorded) {
  Send(Batch("dev1", 1));
  Send(Upload(wire::EventsTopic("dev1"), "dev1", wire::EncodeDroppedRange({2, 4}, kT0 + 9)));
  const auto events = Events();
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[1].kind, bus::EventKind::kDeviceEvent);
  EXPECT_EQ(events[1].type, "outbox.dropped");
  EXPECT_EQ(events[1].t_ms, kT0 + 9);
  EXPECT_EQ(events[1].data, (nlohmann::json{{"from", 2}, {"to", 4}, {"count", 3}}));
}

}  // namespace
}  // namespace keel::hub
