#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "store_fixture.h"

namespace keel::hub {
namespace {

using Outcomes = std::vector<BatchOutcome>;
using Watermarks = std::vector<std::pair<std::string, uint64_t>>;

class TelemetryStoreTest : public StoreTest {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
    ASSERT_TRUE(store_->CreateDevice("d1", 0).ok());
    ASSERT_TRUE(store_->CreateDevice("d2", 0).ok());
  }
};

TEST_F(TelemetryStoreTest, StoresAndReportsWatermark) {
  const WriteResult r = Write({Batch("d1", 1, 3), Batch("d1", 2, 2, 2000)});
  EXPECT_EQ(r.outcomes, (Outcomes{BatchOutcome::kStored, BatchOutcome::kStored}));
  EXPECT_EQ(r.watermarks, (Watermarks{{"d1", 2}}));
  EXPECT_EQ(r.samples_stored, 5u);
  EXPECT_EQ(Acked("d1"), 2u);
  EXPECT_EQ(store_->GetDevice("d1")->samples_stored, 5u);
  EXPECT_EQ(*store_->Stats(), (StoreStats{2, 2, 5, 0, 0, 0}));
}

TEST_F(TelemetryStoreTest, SameBatchTwiceInOneCallIsStoredOnce) {
  const WriteResult r = Write({Batch("d1", 1, 3), Batch("d1", 1, 3)});
  EXPECT_EQ(r.outcomes, (Outcomes{BatchOutcome::kStored, BatchOutcome::kDuplicate}));
  EXPECT_EQ(r.samples_stored, 3u);
  EXPECT_EQ(store_->GetDevice("d1")->samples_stored, 3u);
  EXPECT_EQ(store_->Stats()->duplicates_total, 1u);
  EXPECT_EQ(store_->Stats()->batches, 1u);
}

TEST_F(TelemetryStoreTest, RedeliveryAcrossCallsIsDuplicate) {
  Write({Batch("d1", 1, 3, 1000, 1.0)});
  // A redelivery with different content must not overwrite anything.
  const WriteResult r = Write({Batch("d1", 1, 3, 1000, 42.0)});
  EXPECT_EQ(r.outcomes, Outcomes{BatchOutcome::kDuplicate});
  EXPECT_EQ(r.watermarks, (Watermarks{{"d1", 1}}));
  EXPECT_EQ(r.samples_stored, 0u);
  auto points = store_->ReadSeries("d1", "temp", 0, 10'000, 100);
  ASSERT_TRUE(points.ok());
  ASSERT_EQ(points->size(), 3u);
  EXPECT_EQ((*points)[0].value, 1.0);
  EXPECT_EQ(*store_->Stats(), (StoreStats{2, 1, 3, 1, 0, 0}));
}

TEST_F(TelemetryStoreTest, WatermarkIsContiguousWithOutOfOrderSeqs) {
  EXPECT_EQ(Write({Batch("d1", 3)}).watermarks, (Watermarks{{"d1", 0}}));
  EXPECT_EQ(Write({Batch("d1", 1)}).watermarks, (Watermarks{{"d1", 1}}));
  EXPECT_EQ(Write({Batch("d1", 2)}).watermarks, (Watermarks{{"d1", 3}}));
  EXPECT_EQ(Acked("d1"), 3u);
}

TEST_F(TelemetryStoreTest, WatermarkWalksALongRunInOneWrite) {
  std::vector<IngestBatch> batches;
  for (uint64_t seq = 500; seq >= 2; --seq) batches.push_back(Batch("d1", seq, 1));
  batches.push_back(Batch("d1", 502, 1));
  EXPECT_EQ(Write(std::move(batches)).watermarks, (Watermarks{{"d1", 0}}));
  EXPECT_EQ(Write({Batch("d1", 1, 1)}).watermarks, (Watermarks{{"d1", 500}}));
  EXPECT_EQ(Write({Batch("d1", 501, 1)}).watermarks, (Watermarks{{"d1", 502}}));
}

TEST_F(TelemetryStoreTest, GapsAdvanceWatermark) {
  Write({Batch("d1", 1), Batch("d1", 5), Batch("d1", 9)});
  EXPECT_EQ(Acked("d1"), 1u);
  auto acked = store_->RecordGap("d1", 6, 8, 100);  // not adjacent yet
  ASSERT_TRUE(acked.ok()) << acked.status().ToString();
  EXPECT_EQ(*acked, 1u);
  acked = store_->RecordGap("d1", 2, 4, 100);
  ASSERT_TRUE(acked.ok());
  EXPECT_EQ(*acked, 9u);  // 2-4 gap, 5 stored, 6-8 gap, 9 stored
  EXPECT_EQ(Acked("d1"), 9u);
  EXPECT_EQ(store_->Stats()->gaps_total, 6u);
  // A gap an earlier notice covered changes nothing and is not counted again.
  EXPECT_EQ(*store_->RecordGap("d1", 3, 3, 100), 9u);
  EXPECT_EQ(store_->Stats()->gaps_total, 6u);
  // A gap reaching past stored batches.
  EXPECT_EQ(*store_->RecordGap("d1", 10, 20, 100), 20u);
  EXPECT_EQ(Write({Batch("d1", 21)}).watermarks, (Watermarks{{"d1", 21}}));
}

TEST_F(TelemetryStoreTest, GapRejectsBadRangesAndUnknownDevice) {
  EXPECT_EQ(store_->RecordGap("d1", 0, 3, 1).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(store_->RecordGap("d1", 5, 3, 1).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(store_->RecordGap("d1", 1, std::numeric_limits<uint64_t>::max(), 1).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(store_->RecordGap("ghost", 1, 3, 1).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(store_->Stats()->gaps_total, 0u);
}

TEST_F(TelemetryStoreTest, UnknownDeviceAndInvalidBatchesDoNotFailOthers) {
  IngestBatch nan = Batch("d2", 1);
  nan.batch.series[0].points[1].value = std::nan("");
  const WriteResult r = Write(
      {Batch("ghost", 1), Batch("d1", 1), Batch("d1", 0), nan, Batch("d2", 2), Batch("ghost", 2)});
  EXPECT_EQ(r.outcomes, (Outcomes{BatchOutcome::kUnknownDevice, BatchOutcome::kStored,
                                  BatchOutcome::kInvalid, BatchOutcome::kInvalid,
                                  BatchOutcome::kStored, BatchOutcome::kUnknownDevice}));
  EXPECT_EQ(r.watermarks, (Watermarks{{"d1", 1}, {"d2", 0}}));
  EXPECT_EQ(r.samples_stored, 4u);
  EXPECT_EQ(store_->Stats()->batches, 2u);
}

TEST_F(TelemetryStoreTest, ReadSeriesRangeLimitAndOrder) {
  IngestBatch b = Batch("d1", 1, 0);
  for (int64_t t : {50, 10, 40, 20, 30}) {
    b.batch.series[0].points.push_back(wire::Point{t, static_cast<double>(t) / 10});
  }
  b.batch.series.push_back(wire::Series{"hum", {{10, 0.5}}});
  Write({b});
  auto all = store_->ReadSeries("d1", "temp", 0, 1000, 100);
  ASSERT_TRUE(all.ok()) << all.status().ToString();
  EXPECT_EQ(*all, (std::vector<wire::Point>{{10, 1}, {20, 2}, {30, 3}, {40, 4}, {50, 5}}));
  EXPECT_EQ(*store_->ReadSeries("d1", "temp", 20, 40, 100),
            (std::vector<wire::Point>{{20, 2}, {30, 3}}));  // [from, to)
  EXPECT_EQ(*store_->ReadSeries("d1", "temp", 0, 1000, 2),
            (std::vector<wire::Point>{{10, 1}, {20, 2}}));
  EXPECT_TRUE(store_->ReadSeries("d1", "temp", 0, 1000, 0)->empty());
  EXPECT_TRUE(store_->ReadSeries("d1", "temp", 40, 40, 10)->empty());
  EXPECT_TRUE(store_->ReadSeries("d1", "nope", 0, 1000, 10)->empty());
  EXPECT_TRUE(store_->ReadSeries("d2", "temp", 0, 1000, 10)->empty());
  EXPECT_EQ(store_->ReadSeries("ghost", "temp", 0, 1000, 10).status().code(),
            StatusCode::kNotFound);
  EXPECT_EQ(*store_->ListSeries("d1"), (std::vector<std::string>{"hum", "temp"}));
  EXPECT_TRUE(store_->ListSeries("d2")->empty());
  EXPECT_EQ(store_->ListSeries("ghost").status().code(), StatusCode::kNotFound);
}

TEST_F(TelemetryStoreTest, SameTimestampInLaterBatchOverwrites) {
  Write({Batch("d1", 2, 1, 1000, 2.0)});
  Write({Batch("d1", 1, 1, 1000, 1.0)});  // written later, lower seq: still wins
  EXPECT_EQ(*store_->ReadSeries("d1", "temp", 0, 2000, 10),
            (std::vector<wire::Point>{{1000, 1.0}}));
  Write({Batch("d1", 3, 1, 1000, 3.0), Batch("d1", 4, 1, 1000, 4.0)});
  EXPECT_EQ(*store_->ReadSeries("d1", "temp", 0, 2000, 10),
            (std::vector<wire::Point>{{1000, 4.0}}));
}

TEST_F(TelemetryStoreTest, SeriesAreSeparatePerDevice) {
  Write({Batch("d1", 1, 1, 1000, 1.0), Batch("d2", 1, 1, 1000, 2.0)});
  EXPECT_EQ(*store_->ReadSeries("d1", "temp", 0, 2000, 10),
            (std::vector<wire::Point>{{1000, 1.0}}));
  EXPECT_EQ(*store_->ReadSeries("d2", "temp", 0, 2000, 10),
            (std::vector<wire::Point>{{1000, 2.0}}));
}

}  // namespace
}  // namespace keel::hub

namespace keel::hub {
namespace {

TEST_F(TelemetryStoreTest, WritesMoveLastSeenForwardIncludingDuplicates) {
  IngestBatch first = Batch("d1", 1);
  first.received_ms = 700;
  Write({first});
  EXPECT_EQ(store_->GetDevice("d1")->last_seen_ms, 700);
  IngestBatch again = Batch("d1", 1);
  again.received_ms = 900;  // a redelivery still shows the device is alive
  Write({again});
  EXPECT_EQ(store_->GetDevice("d1")->last_seen_ms, 900);
  IngestBatch late = Batch("d1", 2);
  late.received_ms = 800;
  Write({late});
  EXPECT_EQ(store_->GetDevice("d1")->last_seen_ms, 900);
}

}  // namespace
}  // namespace keel::hub

namespace keel::hub {
namespace {

TEST_F(TelemetryStoreTest, RepeatedGapNoticesAreCountedOnce) {
  Write({Batch("d1", 1)});
  ASSERT_EQ(*store_->RecordGap("d1", 5, 9, 10), 1u);
  ASSERT_EQ(*store_->RecordGap("d1", 5, 9, 11), 1u);   // the same notice again
  ASSERT_EQ(*store_->RecordGap("d1", 3, 12, 12), 1u);  // grown on both sides: 3,4 and 10..12 new
  EXPECT_EQ(store_->Stats()->gaps_total, 10u);         // 3..12
  Write({Batch("d1", 2)});
  EXPECT_EQ(store_->GetDevice("d1")->acked_seq, 12u);
}

}  // namespace
}  // namespace keel::hub

namespace keel::hub {
namespace {

TEST_F(TelemetryStoreTest, SettleUpToRaisesTheWatermarkWithoutCountingAGap) {
  Write({Batch("d1", 1), Batch("d1", 2)});
  // A re-installed device whose new outbox starts at 1001 has settled 1..1000.
  EXPECT_EQ(*store_->SettleUpTo("d1", 1000, 10), 1000u);
  EXPECT_EQ(Write({Batch("d1", 1001)}).watermarks, (Watermarks{{"d1", 1001}}));
  EXPECT_EQ(*store_->SettleUpTo("d1", 5, 11), 1001u);  // never lowers it
  EXPECT_EQ(store_->Stats()->gaps_total, 0u);
  EXPECT_EQ(store_->SettleUpTo("ghost", 1, 1).status().code(), StatusCode::kNotFound);
  // Batches already stored above the settled seq are walked over.
  Write({Batch("d1", 1003)});
  EXPECT_EQ(*store_->SettleUpTo("d1", 1002, 12), 1003u);
}

}  // namespace
}  // namespace keel::hub
