#include "edge/outbox/outbox.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "common/clock.h"
#include "test_util/temp_dir.h"

namespace keel::edge {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

std::function<std::string(uint64_t)> Payload(size_t size = 10) {
  return [size](uint64_t seq) {
    std::string s = "batch-" + std::to_string(seq);
    s.resize(size, '.');
    return s;
  };
}

class OutboxTest : public ::testing::Test {
 protected:
  std::unique_ptr<Outbox> OpenOk(OutboxOptions options = {}) {
    auto r = Outbox::Open(path_, options, clock_);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? std::move(r).value() : nullptr;
  }
  uint64_t AppendOk(Outbox& outbox, size_t size = 10) {
    auto r = outbox.Append(Payload(size), "application/cbor");
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? r->seq : 0;
  }
  std::vector<uint64_t> Seqs(Outbox& outbox, uint64_t after = 0) {
    auto r = outbox.PeekAfter(after, 1000);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    std::vector<uint64_t> out;
    if (r.ok()) {
      for (const auto& e : *r) out.push_back(e.seq);
    }
    return out;
  }

  TempDir dir_;
  std::filesystem::path path_ = dir_.path() / "outbox.db";
  FakeClock clock_;
};

// [outbox-1] seqs start at 1 and are never reused.
TEST_F(OutboxTest, SeqStartsAtOneAndIncreases) {
  auto outbox = OpenOk();
  EXPECT_EQ(outbox->Stats().next_seq, 1u);
  EXPECT_EQ(AppendOk(*outbox), 1u);
  EXPECT_EQ(AppendOk(*outbox), 2u);
  EXPECT_EQ(AppendOk(*outbox), 3u);
  EXPECT_EQ(outbox->Stats().next_seq, 4u);
}

TEST_F(OutboxTest, NewOutboxStartsAtFirstSeqAndAnExistingOneKeepsItsOwn) {
  OutboxOptions options;
  options.first_seq = 1'732'470'000'000'000;
  {
    auto outbox = OpenOk(options);
    EXPECT_EQ(outbox->Stats().acked_seq, options.first_seq - 1);
    EXPECT_EQ(AppendOk(*outbox), options.first_seq);
  }
  options.first_seq = 5;  // ignored: the file exists
  auto outbox = OpenOk(options);
  EXPECT_EQ(AppendOk(*outbox), 1'732'470'000'000'001u);
  options.first_seq = 0;
  EXPECT_EQ(Outbox::Open(dir_.path() / "other.db", options, clock_).status().code(),
            StatusCode::kInvalidArgument);
  options.first_seq = kMaxFirstSeq + 1;
  EXPECT_EQ(Outbox::Open(dir_.path() / "other.db", options, clock_).status().code(),
            StatusCode::kInvalidArgument);
}

TEST_F(OutboxTest, SeqMonotonicAcrossReopenEvenWhenEverythingAcked) {
  {
    auto outbox = OpenOk();
    AppendOk(*outbox);
    AppendOk(*outbox);
  }
  {
    auto outbox = OpenOk();
    EXPECT_EQ(AppendOk(*outbox), 3u);
    ASSERT_TRUE(outbox->Ack(3).ok());
    EXPECT_EQ(outbox->Stats().depth, 0u);
  }
  auto outbox = OpenOk();
  const OutboxStats stats = outbox->Stats();
  EXPECT_EQ(stats.depth, 0u);
  EXPECT_EQ(stats.acked_seq, 3u);
  EXPECT_EQ(stats.next_seq, 4u);
  EXPECT_EQ(AppendOk(*outbox), 4u);
}

TEST_F(OutboxTest, StoresPayloadContentTypeAndCreatedTime) {
  auto outbox = OpenOk();
  const int64_t t0 = clock_.NowMs();
  ASSERT_TRUE(
      outbox->Append([](uint64_t seq) { return "seq=" + std::to_string(seq); }, "application/json")
          .ok());
  clock_.AdvanceMs(250);
  std::string binary("\0\x01\xff", 3);
  ASSERT_TRUE(outbox->Append([&](uint64_t) { return binary; }, "application/cbor").ok());
  auto entries = outbox->PeekAfter(0, 10);
  ASSERT_TRUE(entries.ok());
  EXPECT_THAT(*entries, ElementsAre(OutboxEntry{1, "seq=1", "application/json", t0},
                                    OutboxEntry{2, binary, "application/cbor", t0 + 250}));
  EXPECT_EQ(outbox->Stats().bytes, 5u + 3u);
}

TEST_F(OutboxTest, PeekAfterReturnsSeqOrderFromCursorWithLimit) {
  auto outbox = OpenOk();
  for (int i = 0; i < 6; ++i) AppendOk(*outbox);
  EXPECT_THAT(Seqs(*outbox), ElementsAre(1, 2, 3, 4, 5, 6));
  EXPECT_THAT(Seqs(*outbox, 4), ElementsAre(5, 6));
  EXPECT_TRUE(Seqs(*outbox, 6).empty());
  auto limited = outbox->PeekAfter(1, 2);
  ASSERT_TRUE(limited.ok());
  ASSERT_EQ(limited->size(), 2u);
  EXPECT_EQ((*limited)[0].seq, 2u);
  EXPECT_EQ((*limited)[1].seq, 3u);
  auto none = outbox->PeekAfter(0, 0);
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
}

// [outbox-3] a batch leaves the outbox only when acknowledged.
TEST_F(OutboxTest, AckDeletesExactlyUpToSeqAndIsIdempotent) {
  auto outbox = OpenOk();
  for (int i = 0; i < 5; ++i) AppendOk(*outbox, 7);
  ASSERT_TRUE(outbox->Ack(3).ok());
  EXPECT_THAT(Seqs(*outbox), ElementsAre(4, 5));
  OutboxStats stats = outbox->Stats();
  EXPECT_EQ(stats.depth, 2u);
  EXPECT_EQ(stats.bytes, 14u);
  EXPECT_EQ(stats.acked_seq, 3u);
  ASSERT_TRUE(outbox->Ack(3).ok());
  ASSERT_TRUE(outbox->Ack(1).ok());
  EXPECT_THAT(Seqs(*outbox), ElementsAre(4, 5));
  EXPECT_EQ(outbox->Stats().acked_seq, 3u);
}

TEST_F(OutboxTest, AckBeyondHighestAssignedSeqIsRefused) {
  auto outbox = OpenOk();
  auto fresh = outbox->Ack(1);
  EXPECT_EQ(fresh.code(), StatusCode::kInvalidArgument);
  AppendOk(*outbox);
  AppendOk(*outbox);
  Status s = outbox->Ack(3);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr("seq 3"));
  EXPECT_THAT(Seqs(*outbox), ElementsAre(1, 2));
  EXPECT_TRUE(outbox->Ack(0).ok());
}

TEST_F(OutboxTest, DropOldestByCountRecordsMergedRangeDurably) {
  OutboxOptions options;
  options.max_batches = 3;
  {
    auto outbox = OpenOk(options);
    for (int i = 0; i < 3; ++i) AppendOk(*outbox);
    auto r = outbox->Append(Payload(), "x");
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->seq, 4u);
    EXPECT_EQ(r->dropped_batches, 1u);
    AppendOk(*outbox);
    EXPECT_THAT(Seqs(*outbox), ElementsAre(3, 4, 5));
    EXPECT_EQ(outbox->Stats().dropped_total, 2u);
  }
  auto outbox = OpenOk(options);
  auto notices = outbox->PendingDropNotices();
  ASSERT_TRUE(notices.ok());
  EXPECT_THAT(*notices, ElementsAre(DroppedRange{1, 2}));
  EXPECT_EQ(outbox->Stats().dropped_total, 2u);
  EXPECT_EQ(outbox->Stats().depth, 3u);
}

TEST_F(OutboxTest, SeparateDropsGiveSeparateRangesAndAckCoversThem) {
  OutboxOptions options;
  options.max_batches = 2;
  auto outbox = OpenOk(options);
  for (int i = 0; i < 3; ++i) AppendOk(*outbox);  // drops 1, keeps 2 3
  ASSERT_TRUE(outbox->Ack(2).ok());               // keeps 3
  for (int i = 0; i < 3; ++i) AppendOk(*outbox);  // 4 5 6: drops 3 and 4, keeps 5 6
  auto notices = outbox->PendingDropNotices();
  ASSERT_TRUE(notices.ok());
  // The ack of 2 covered the notice {1,1}.
  EXPECT_THAT(*notices, ElementsAre(DroppedRange{3, 4}));
  ASSERT_TRUE(outbox->Ack(3).ok());
  notices = outbox->PendingDropNotices();
  ASSERT_TRUE(notices.ok());
  EXPECT_THAT(*notices, ElementsAre(DroppedRange{4, 4}));
  ASSERT_TRUE(outbox->Ack(5).ok());
  notices = outbox->PendingDropNotices();
  ASSERT_TRUE(notices.ok());
  EXPECT_TRUE(notices->empty());
  EXPECT_THAT(Seqs(*outbox), ElementsAre(6));
  EXPECT_EQ(outbox->Stats().dropped_total, 3u);
}

TEST_F(OutboxTest, DropOldestByBytes) {
  OutboxOptions options;
  options.max_bytes = 100;
  auto outbox = OpenOk(options);
  AppendOk(*outbox, 40);
  AppendOk(*outbox, 40);
  auto r = outbox->Append(Payload(70), "x");  // needs 70: drop both 40s
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->dropped_batches, 2u);
  EXPECT_THAT(Seqs(*outbox), ElementsAre(3));
  EXPECT_EQ(outbox->Stats().bytes, 70u);
  r = outbox->Append(Payload(30), "x");  // exactly at the bound
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->dropped_batches, 0u);
  EXPECT_EQ(outbox->Stats().bytes, 100u);
  auto notices = outbox->PendingDropNotices();
  ASSERT_TRUE(notices.ok());
  EXPECT_THAT(*notices, ElementsAre(DroppedRange{1, 2}));
}

TEST_F(OutboxTest, RejectNewestByCountKeepsOldAndDoesNotConsumeSeq) {
  OutboxOptions options;
  options.max_batches = 2;
  options.drop_policy = OutboxOptions::DropPolicy::kRejectNewest;
  auto outbox = OpenOk(options);
  AppendOk(*outbox);
  AppendOk(*outbox);
  auto r = outbox->Append(Payload(), "x");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kResourceExhausted);
  EXPECT_THAT(r.status().message(), HasSubstr("outbox.db"));
  EXPECT_THAT(Seqs(*outbox), ElementsAre(1, 2));
  OutboxStats stats = outbox->Stats();
  EXPECT_EQ(stats.rejected_total, 1u);
  EXPECT_EQ(stats.dropped_total, 0u);
  EXPECT_EQ(stats.next_seq, 3u);
  ASSERT_TRUE(outbox->Ack(1).ok());
  EXPECT_EQ(AppendOk(*outbox), 3u);
  auto notices = outbox->PendingDropNotices();
  ASSERT_TRUE(notices.ok());
  EXPECT_TRUE(notices->empty());
}

TEST_F(OutboxTest, RejectNewestByBytes) {
  OutboxOptions options;
  options.max_bytes = 50;
  options.drop_policy = OutboxOptions::DropPolicy::kRejectNewest;
  auto outbox = OpenOk(options);
  AppendOk(*outbox, 30);
  auto r = outbox->Append(Payload(21), "x");
  EXPECT_EQ(r.status().code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(AppendOk(*outbox, 20), 2u);
  EXPECT_EQ(outbox->Stats().rejected_total, 1u);
  EXPECT_EQ(outbox->Stats().bytes, 50u);
}

TEST_F(OutboxTest, PayloadLargerThanBoundIsRejectedUnderEitherPolicy) {
  OutboxOptions options;
  options.max_bytes = 16;
  auto outbox = OpenOk(options);
  AppendOk(*outbox, 10);
  auto r = outbox->Append(Payload(17), "x");
  EXPECT_EQ(r.status().code(), StatusCode::kResourceExhausted);
  EXPECT_THAT(Seqs(*outbox), ElementsAre(1));
  EXPECT_EQ(outbox->Stats().rejected_total, 1u);
  EXPECT_EQ(outbox->Stats().dropped_total, 0u);
}

TEST_F(OutboxTest, EncoderExceptionBecomesInternalAndStoresNothing) {
  auto outbox = OpenOk();
  auto r = outbox->Append([](uint64_t) -> std::string { throw std::runtime_error("boom"); }, "x");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInternal);
  EXPECT_THAT(r.status().message(), HasSubstr("boom"));
  EXPECT_EQ(AppendOk(*outbox), 1u);
}

TEST_F(OutboxTest, ZeroBoundsAreInvalid) {
  OutboxOptions options;
  options.max_batches = 0;
  auto r = Outbox::Open(path_, options, clock_);
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace keel::edge
