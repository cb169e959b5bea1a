#include "hub/ingest/ingest_service.h"

#include <gtest/gtest.h>

#include <atomic>
#include <mutex>

#include "hub/store/sqlite_store.h"
#include "test_util/temp_dir.h"
#include "wire/messages.h"
#include "wire/topics.h"

namespace keel::hub {
namespace {

constexpr int64_t kT0 = 1732470000000;

class IngestServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = OpenSqliteStore(dir_.path() / "keel.db");
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::move(store).value();
    ASSERT_TRUE(store_->CreateDevice("dev1", kT0).ok());
    ASSERT_TRUE(store_->CreateDevice("dev2", kT0).ok());
    Restart();
  }

  void Restart() {
    if (ingest_) ingest_->Stop();
    ingest_ = std::make_unique<IngestService>(*store_, *store_, clock_, metrics_, IngestOptions{},
                                              [this](const std::string& device, uint64_t seq) {
                                                std::lock_guard lock(mu_);
                                                acks_.emplace_back(device, seq);
                                              });
    ingest_->Start();
  }

  static mqtt::Message Telemetry(const std::string& device, uint64_t seq, double value,
                                 const std::string& identity) {
    wire::TelemetryBatch batch;
    batch.seq = seq;
    batch.series.push_back({"temp", {{kT0 + static_cast<int64_t>(seq), value}}});
    mqtt::Message m;
    m.topic = wire::TelemetryTopic(device);
    m.payload = wire::EncodeTelemetry(batch, wire::Encoding::kCbor);
    m.content_type = std::string(wire::ContentTypeFor(wire::Encoding::kCbor));
    m.qos = 1;
    if (!identity.empty()) m.user_properties.emplace_back("keel-identity", identity);
    return m;
  }

  void Send(const mqtt::Message& m) {
    ingest_->OnMessage(m);
    ingest_->Flush();
  }

  uint64_t LastAck(const std::string& device) {
    std::lock_guard lock(mu_);
    uint64_t last = 0;
    for (const auto& [d, seq] : acks_) {
      if (d == device) last = seq;
    }
    return last;
  }

  double Rejected(const std::string& reason) {
    return static_cast<double>(
        metrics_.GetCounter("keel_ingest_rejected_total", "", {{"reason", reason}}).value());
  }

  TempDir dir_;
  FakeClock clock_{kT0 + 1000};
  MetricsRegistry metrics_;
  std::unique_ptr<SqliteStore> store_;
  std::unique_ptr<IngestService> ingest_;
  std::mutex mu_;
  std::vector<std::pair<std::string, uint64_t>> acks_;
};

TEST_F(IngestServiceTest, StoresThenAcksHighestContiguousSeq) {
  Send(Telemetry("dev1", 2, 1.0, "dev1"));
  EXPECT_EQ(LastAck("dev1"), 0u);  // seq 1 missing: nothing contiguous yet
  Send(Telemetry("dev1", 1, 1.0, "dev1"));
  EXPECT_EQ(LastAck("dev1"), 2u);
  auto points = store_->ReadSeries("dev1", "temp", 0, kT0 + 10, 100);
  ASSERT_TRUE(points.ok());
  EXPECT_EQ(points->size(), 2u);
  EXPECT_EQ(metrics_.GetCounter("keel_ingest_samples_total", "").value(), 2u);
}

TEST_F(IngestServiceTest, EventsInBatchesAreStoredCountedAndAcked) {
  for (const auto encoding : {wire::Encoding::kJson, wire::Encoding::kCbor}) {
    const uint64_t seq = encoding == wire::Encoding::kJson ? 1 : 2;
    wire::TelemetryBatch batch;  // events only, no series
    batch.seq = seq;
    batch.events.push_back({"anomaly.detected", kT0 + 5, {{"score", 4.5}}});
    batch.events.push_back({"sensor.fault", kT0 + 6, {{"sensor", "vib"}}});
    mqtt::Message m;
    m.topic = wire::TelemetryTopic("dev1");
    m.payload = wire::EncodeTelemetry(batch, encoding);
    m.content_type = std::string(wire::ContentTypeFor(encoding));
    m.user_properties.emplace_back("keel-identity", "dev1");
    Send(m);
    EXPECT_EQ(LastAck("dev1"), seq);
    Send(m);  // a redelivery adds no events and is acked again
    EXPECT_EQ(LastAck("dev1"), seq);
  }
  EXPECT_EQ(metrics_.GetCounter("keel_ingest_events_total", "").value(), 4u);
  EXPECT_EQ(metrics_.GetCounter("keel_ingest_messages_total", "").value(), 2u);
  auto events = store_->ReadEvents({});
  ASSERT_TRUE(events.ok()) << events.status().ToString();
  ASSERT_EQ(events->size(), 4u);
  EXPECT_EQ((*events)[0].type, "sensor.fault");
  EXPECT_EQ((*events)[0].data["sensor"], "vib");
}

TEST_F(IngestServiceTest, InvalidEventsRejectTheWholeBatch) {
  mqtt::Message m;
  m.topic = wire::TelemetryTopic("dev1");
  m.payload = R"({"seq": 1, "series": {"temp": [[1732470000000, 1]]},)"
              R"( "events": [{"type": "Bad", "t": 1732470000000, "data": {}}]})";
  m.user_properties.emplace_back("keel-identity", "dev1");
  Send(m);
  EXPECT_EQ(Rejected("bad_event_type"), 1);
  EXPECT_EQ(LastAck("dev1"), 0u);
  EXPECT_TRUE(store_->ListSeries("dev1")->empty());
}

TEST_F(IngestServiceTest, RedeliveryIsNotStoredTwiceButIsAckedAgain) {
  Send(Telemetry("dev1", 1, 1.0, "dev1"));
  {
    std::lock_guard lock(mu_);
    acks_.clear();
  }
  Send(Telemetry("dev1", 1, 99.0, "dev1"));  // e.g. the first ack was lost
  EXPECT_EQ(LastAck("dev1"), 1u);
  EXPECT_EQ(metrics_.GetCounter("keel_ingest_duplicates_total", "").value(), 1u);
  auto points = store_->ReadSeries("dev1", "temp", 0, kT0 + 10, 100);
  ASSERT_EQ(points->size(), 1u);
  EXPECT_EQ((*points)[0].value, 1.0);
}

TEST_F(IngestServiceTest, IdentityMustMatchTheTopic) {
  Send(Telemetry("dev2", 1, 1.0, "dev1"));
  Send(Telemetry("dev2", 1, 1.0, ""));  // no broker-stamped identity at all
  EXPECT_EQ(Rejected("identity_mismatch"), 2);
  EXPECT_TRUE(store_->ListSeries("dev2")->empty());
}

TEST_F(IngestServiceTest, UnknownAndRevokedDevicesAreRejected) {
  Send(Telemetry("ghost", 1, 1.0, "ghost"));
  EXPECT_EQ(Rejected("unknown_device"), 1);
  ASSERT_TRUE(store_->RevokeDevice("dev1", kT0).ok());
  ingest_->OnDeviceRevoked("dev1");
  Send(Telemetry("dev1", 1, 1.0, "dev1"));
  EXPECT_EQ(Rejected("revoked_device"), 1);
  EXPECT_TRUE(store_->ListSeries("dev1")->empty());
}

TEST_F(IngestServiceTest, MalformedPayloadsAreCountedByReason) {
  mqtt::Message m = Telemetry("dev1", 1, 1.0, "dev1");
  m.content_type = "application/json";
  m.payload = R"({"seq": 1, "series": {"t": [[1732470000000, 1e999]]}})";
  Send(m);
  m.payload = "{";
  Send(m);
  m.content_type = "text/plain";
  Send(m);
  m.topic = "keel/v1/dev1/elsewhere";
  Send(m);
  EXPECT_EQ(Rejected("non_finite"), 1);
  EXPECT_EQ(Rejected("malformed"), 1);
  EXPECT_EQ(Rejected("unsupported_content_type"), 1);
  EXPECT_EQ(Rejected("bad_topic"), 1);
  EXPECT_NE(metrics_.RenderPrometheus().find("keel_ingest_rejected_total{reason=\"too_deep\"} 0"),
            std::string::npos);
}

TEST_F(IngestServiceTest, GapNoticeAdvancesTheAckOverDroppedBatches) {
  Send(Telemetry("dev1", 1, 1.0, "dev1"));
  Send(Telemetry("dev1", 5, 1.0, "dev1"));
  EXPECT_EQ(LastAck("dev1"), 1u);
  mqtt::Message gap;
  gap.topic = wire::EventsTopic("dev1");
  gap.payload = wire::EncodeDroppedRange({2, 4}, kT0);
  gap.user_properties.emplace_back("keel-identity", "dev1");
  Send(gap);
  EXPECT_EQ(LastAck("dev1"), 5u);
  EXPECT_EQ(store_->Stats()->gaps_total, 3u);
}

TEST_F(IngestServiceTest, StateReportsAreStoredAndTrackConnectivity) {
  wire::DeviceState state;
  state.t_ms = kT0;
  state.outbox_depth = 17;
  state.agent = "keel-edge/test";
  mqtt::Message m;
  m.topic = wire::StateTopic("dev1");
  m.payload = wire::EncodeDeviceState(state);
  m.user_properties.emplace_back("keel-identity", "dev1");
  Send(m);
  EXPECT_EQ(ingest_->ConnectedDevices(), 1u);
  EXPECT_EQ(store_->GetDevice("dev1")->report.outbox_depth, 17u);
  EXPECT_NE(metrics_.RenderPrometheus().find("keel_device_outbox_depth{device=\"dev1\"} 17"),
            std::string::npos);
  state.online = false;  // the broker delivering the agent's last will
  m.payload = wire::EncodeDeviceState(state);
  Send(m);
  EXPECT_EQ(ingest_->ConnectedDevices(), 0u);
}

TEST_F(IngestServiceTest, UnstampedStateIsAcceptedOnlyAsALastWill) {
  wire::DeviceState state;
  state.t_ms = kT0;
  state.agent = "keel-edge/test";
  mqtt::Message m;
  m.topic = wire::StateTopic("dev1");
  m.user_properties.emplace_back("keel-identity", "dev1");
  m.payload = wire::EncodeDeviceState(state);
  Send(m);
  ASSERT_EQ(ingest_->ConnectedDevices(), 1u);
  m.user_properties.clear();  // as the broker publishes a will: no stamp
  Send(m);                    // "online" without a stamp: refused
  EXPECT_EQ(Rejected("identity_mismatch"), 1);
  EXPECT_EQ(ingest_->ConnectedDevices(), 1u);
  state.online = false;
  m.payload = wire::EncodeDeviceState(state);
  Send(m);
  EXPECT_EQ(Rejected("identity_mismatch"), 1);
  EXPECT_EQ(ingest_->ConnectedDevices(), 0u);
}

TEST_F(IngestServiceTest, ReinstalledDeviceWithAFreshOutboxIsNotMistakenForDuplicates) {
  Send(Telemetry("dev1", 1, 1.0, "dev1"));
  Send(Telemetry("dev1", 2, 1.0, "dev1"));
  // The device lost its outbox; the new one starts at 5000 and says so.
  mqtt::Message sync;
  sync.topic = wire::EventsTopic("dev1");
  sync.payload = wire::EncodeOutboxSync(4999, kT0);
  sync.user_properties.emplace_back("keel-identity", "dev1");
  Send(sync);
  EXPECT_EQ(LastAck("dev1"), 4999u);
  Send(Telemetry("dev1", 5000, 3.0, "dev1"));
  EXPECT_EQ(LastAck("dev1"), 5000u);
  EXPECT_EQ(metrics_.GetCounter("keel_ingest_duplicates_total", "").value(), 0u);
  EXPECT_EQ(store_->ReadSeries("dev1", "temp", 0, kT0 + 10000, 100)->size(), 3u);
}

TEST_F(IngestServiceTest, AcksSurviveARestartOfTheService) {
  Send(Telemetry("dev1", 1, 1.0, "dev1"));
  Send(Telemetry("dev1", 3, 1.0, "dev1"));
  Restart();
  Send(Telemetry("dev1", 2, 1.0, "dev1"));
  EXPECT_EQ(LastAck("dev1"), 3u);
}

TEST_F(IngestServiceTest, QuarantinedDevicesUploadsAreDroppedWithoutAnAck) {
  std::atomic<bool> quarantined{true};
  IngestOptions options;
  options.is_quarantined = [&](const std::string& device) {
    return device == "dev1" && quarantined.load();
  };
  ingest_->Stop();
  ingest_ = std::make_unique<IngestService>(*store_, *store_, clock_, metrics_, options,
                                            [this](const std::string& device, uint64_t seq) {
                                              std::lock_guard lock(mu_);
                                              acks_.emplace_back(device, seq);
                                            });
  ingest_->Start();
  Send(Telemetry("dev1", 1, 1.0, "dev1"));
  Send(Telemetry("dev2", 1, 1.0, "dev2"));
  EXPECT_EQ(LastAck("dev1"), 0u);  // not acked: the batch stays in the device's outbox
  EXPECT_EQ(LastAck("dev2"), 1u);
  EXPECT_EQ(store_->GetDevice("dev1")->acked_seq, 0u);
  EXPECT_EQ(metrics_.GetCounter("keel_ingest_quarantined_total", "").value(), 1u);
  // Remediated: the resent batch is stored and acked.
  quarantined = false;
  Send(Telemetry("dev1", 1, 1.0, "dev1"));
  EXPECT_EQ(LastAck("dev1"), 1u);
}

}  // namespace
}  // namespace keel::hub
