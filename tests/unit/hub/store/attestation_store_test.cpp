// AttestationStore on SQLite: baselines (first use wins), quarantine records
// and the hub events written with them.
#include <gmock/gmock.h>

#include "unit/hub/store/store_fixture.h"

namespace keel::hub {
namespace {

class AttestationStoreTest : public StoreTest {};

TEST_F(AttestationStoreTest, FirstBaselineWins) {
  ASSERT_TRUE(store_->CreateDevice("d1", 1).ok());
  EXPECT_TRUE(store_->GetBaselines("d1")->empty());
  const AttestationBaseline first{"keel-edge", "0.1.0", std::string(64, 'a'), 10};
  EXPECT_EQ(*store_->RecordBaseline("d1", "agent", first), first);
  const AttestationBaseline second{"keel-edge", "0.2.0", std::string(64, 'b'), 20};
  EXPECT_EQ(*store_->RecordBaseline("d1", "agent", second), first);
  EXPECT_EQ(*store_->RecordBaseline("d1", "config", second), second);
  Reopen();
  auto baselines = store_->GetBaselines("d1");
  ASSERT_TRUE(baselines.ok());
  EXPECT_EQ(baselines->size(), 2u);
  EXPECT_EQ(baselines->at("agent"), first);
  EXPECT_EQ(store_->GetBaselines("nobody").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(store_->RecordBaseline("nobody", "agent", first).status().code(),
            StatusCode::kNotFound);
}

TEST_F(AttestationStoreTest, QuarantineIsDurableAndRaisesHubEvents) {
  ASSERT_TRUE(store_->CreateDevice("d1", 1).ok());
  ASSERT_TRUE(store_->CreateDevice("d2", 1).ok());
  const QuarantineRecord q{100, "model pump-ae: hash differs", R"([{"kind":"model"}])"};
  ASSERT_TRUE(
      store_->SetQuarantine("d1", q, {"attestation.quarantined", 100, R"({"reason":"x"})"}).ok());
  // A device batch with events is stored next to the hub's (seq 0) event.
  IngestBatch b = Batch("d1", 1);
  b.batch.events.push_back(wire::Event{"anomaly.detected", 50, {{"score", 1}}});
  Write({b});
  Reopen();
  auto list = store_->ListQuarantines();
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 1u);
  EXPECT_EQ(list->at("d1"), q);
  EXPECT_EQ(Acked("d1"), 1u);

  ASSERT_TRUE(store_->SetQuarantine("d1", std::nullopt, {"attestation.restored", 200, "{}"}).ok());
  EXPECT_TRUE(store_->ListQuarantines()->empty());
  EventQuery query;
  query.device_id = "d1";
  query.type_prefix = "attestation.";
  auto events = store_->ReadEvents(query);
  ASSERT_TRUE(events.ok());
  ASSERT_EQ(events->size(), 2u);
  EXPECT_EQ((*events)[0].type, "attestation.restored");
  EXPECT_EQ((*events)[0].seq, 0u);
  EXPECT_EQ((*events)[0].index, 1u);
  EXPECT_EQ((*events)[1].data["reason"], "x");
  EXPECT_EQ(store_->Stats()->events, 3u);
  Reopen();
  EXPECT_EQ(store_->Stats()->events, 3u);
  EXPECT_EQ(store_->SetQuarantine("nobody", q, {"attestation.quarantined", 1, "{}"}).code(),
            StatusCode::kNotFound);
}

}  // namespace
}  // namespace keel::hub
