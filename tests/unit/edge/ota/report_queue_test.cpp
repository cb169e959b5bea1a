#include "edge/ota/report_queue.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/simulated_disk.h"

namespace keel::edge::ota {
namespace {

using ::testing::HasSubstr;

const std::filesystem::path kDir = "/device/ota";

wire::OtaReport Report(int64_t deployment, const std::string& state, std::string reason = "") {
  wire::OtaReport r;
  r.deployment = deployment;
  r.kind = "model";
  r.name = "pump-ae";
  r.version = "1.3.0";
  r.state = state;
  r.reason = std::move(reason);
  r.t_ms = 1'732'470'000'000;
  return r;
}

std::unique_ptr<ReportQueue> MustOpen(FileSystem& fs, int64_t first_seq = 1) {
  auto queue = ReportQueue::Open(fs, kDir, first_seq);
  EXPECT_TRUE(queue.ok()) << queue.status().ToString();
  return queue.ok() ? std::move(queue).value() : nullptr;
}

std::vector<int64_t> Seqs(const ReportQueue& queue) {
  std::vector<int64_t> seqs;
  for (const auto& r : queue.Pending()) seqs.push_back(r.seq);
  return seqs;
}

TEST(ReportQueueTest, AssignsSeqsKeepsReportsUntilAckedAndSurvivesRestarts) {
  SimulatedDisk disk;
  {
    auto queue = MustOpen(disk, 100);
    EXPECT_EQ(queue->Add(Report(3, "installing"), "install").value(), 100);
    EXPECT_EQ(queue->Add(Report(3, "committed"), "install").value(), 101);
    EXPECT_EQ(queue->Add(Report(4, "reverted", "not installed"), "revert").value(), 102);
    EXPECT_EQ(queue->Progress({3, "install"})->state, "committed");
    EXPECT_EQ(queue->Progress({3, "install"})->seq, 101);
    EXPECT_FALSE(queue->Progress({3, "revert"}).has_value());
  }
  disk.Crash();  // everything Add returned is durable
  auto queue = MustOpen(disk, 1);
  EXPECT_EQ(Seqs(*queue), (std::vector<int64_t>{100, 101, 102}));
  EXPECT_EQ(queue->Pending()[2].reason, "not installed");
  ASSERT_TRUE(queue->Ack(101).ok());
  EXPECT_EQ(Seqs(*queue), (std::vector<int64_t>{102}));
  disk.Crash();
  queue = MustOpen(disk, 1);
  EXPECT_EQ(Seqs(*queue), (std::vector<int64_t>{102}));
  EXPECT_EQ(queue->Add(Report(5, "installing"), "install").value(), 103);  // acked seqs not reused
}

TEST(ReportQueueTest, PendingIsTheOldestAtMostMaxReports) {
  SimulatedDisk disk;
  auto queue = MustOpen(disk);
  for (size_t i = 0; i < wire::kMaxReports + 5; ++i) {
    ASSERT_TRUE(queue->Add(Report(static_cast<int64_t>(i) + 1, "failed"), "install").ok());
  }
  const auto pending = queue->Pending();
  ASSERT_EQ(pending.size(), wire::kMaxReports);
  EXPECT_EQ(pending.front().seq, 1);
  EXPECT_EQ(pending.back().seq, static_cast<int64_t>(wire::kMaxReports));
}

TEST(ReportQueueTest, ReasonsAreMadeWireSafe) {
  SimulatedDisk disk;
  auto queue = MustOpen(disk);
  ASSERT_TRUE(
      queue->Add(Report(1, "failed", "bad\nline \xc3\xa9" + std::string(600, 'x')), "install")
          .ok());
  const std::string reason = queue->Pending()[0].reason;
  EXPECT_EQ(reason.size(), 512u);
  EXPECT_TRUE(reason.starts_with("bad?line ??x"));
  wire::PollRequest request;
  request.reports = queue->Pending();
  EXPECT_TRUE(wire::DecodePollRequest(wire::EncodePollRequest(request)).ok());
}

TEST(ReportQueueTest, AnAckBeyondTheQueueMovesNextSeqPastIt) {
  SimulatedDisk disk;
  auto queue = MustOpen(disk);
  ASSERT_TRUE(queue->Add(Report(1, "installing"), "install").ok());
  ASSERT_TRUE(queue->Ack(500).ok());  // the hub holds reports of an earlier queue
  EXPECT_EQ(queue->size(), 0u);
  EXPECT_EQ(queue->Add(Report(1, "committed"), "install").value(), 501);
}

TEST(ReportQueueTest, PruneForgetsFinalAcknowledgedDirectivesTheHubNoLongerSends) {
  SimulatedDisk disk;
  auto queue = MustOpen(disk);
  ASSERT_TRUE(queue->Add(Report(1, "committed"), "install").ok());   // 1
  ASSERT_TRUE(queue->Add(Report(2, "committed"), "install").ok());   // 2
  ASSERT_TRUE(queue->Add(Report(3, "installing"), "install").ok());  // 3
  ASSERT_TRUE(queue->Add(Report(4, "failed"), "install").ok());      // 4, not acked
  ASSERT_TRUE(queue->Ack(3).ok());
  ASSERT_TRUE(queue->Prune(3, {{2, "install"}}).ok());
  EXPECT_FALSE(queue->Progress({1, "install"}).has_value());  // final, acked, not sent
  EXPECT_TRUE(queue->Progress({2, "install"}).has_value());   // still directed
  EXPECT_TRUE(queue->Progress({3, "install"}).has_value());   // not final
  EXPECT_TRUE(queue->Progress({4, "install"}).has_value());   // not acked
  disk.Crash();
  queue = MustOpen(disk);
  EXPECT_EQ(queue->AllProgress().size(), 3u);
}

TEST(ReportQueueTest, ACorruptFileIsKeptAsideAndTheQueueStartsOver) {
  SimulatedDisk disk;
  ASSERT_TRUE(disk.MakeDirs(kDir).ok());
  for (const char* garbage :
       {"{not json", R"({"format": 2, "next_seq": 1, "reports": [], "progress": []})",
        R"({"format": 1, "next_seq": 3, "reports": [{"seq": 5}], "progress": []})"}) {
    ASSERT_TRUE(disk.Write(kDir / "reports.json", garbage).ok());
    auto queue = MustOpen(disk, 7000);
    EXPECT_EQ(queue->size(), 0u) << garbage;
    EXPECT_EQ(queue->next_seq(), 7000) << garbage;
    EXPECT_EQ(disk.Read(kDir / "reports.json.corrupt").value(), garbage);
  }
}

// [ota-report-1] A crash at every write of a sequence of Add and Ack calls
// loses no report whose Add returned, brings back no report whose Ack
// returned, and never reuses a seq that was returned.
TEST(ReportQueueTest, CrashAtEveryWriteLosesNoReportAndReusesNoSeq) {
  // Adds 1..3, acks 2, adds 4..5, acks 5.
  struct Run {
    std::vector<int64_t> returned;  // seqs Add returned
    int64_t acked = 0;              // highest seq whose Ack returned
  };
  auto script = [](ReportQueue& queue, Run* run) {
    for (int step = 0; step < 7; ++step) {
      if (step == 3 || step == 6) {
        const int64_t upto = step == 3 ? 2 : 5;
        if (!queue.Ack(upto).ok()) return;
        run->acked = upto;
        continue;
      }
      auto seq = queue.Add(Report(step + 1, "installing"), "install");
      if (!seq.ok()) return;
      run->returned.push_back(*seq);
    }
  };
  int64_t writes = 0;
  {
    SimulatedDisk disk;
    auto queue = MustOpen(disk);
    Run run;
    script(*queue, &run);
    ASSERT_EQ(run.returned, (std::vector<int64_t>{1, 2, 3, 4, 5}));
    writes = disk.mutations();
  }
  for (int64_t k = 1; k <= writes; ++k) {
    SCOPED_TRACE("crash at write " + std::to_string(k));
    SimulatedDisk disk;
    Run run;
    {
      auto queue = MustOpen(disk);
      disk.CrashAfter(k);
      script(*queue, &run);
    }
    disk.Crash();
    auto queue = MustOpen(disk);
    const std::vector<int64_t> pending = Seqs(*queue);
    for (int64_t seq : run.returned) {
      const bool present = std::find(pending.begin(), pending.end(), seq) != pending.end();
      EXPECT_EQ(present, seq > run.acked)
          << "report " << seq << " (acked up to " << run.acked << ")";
    }
    const int64_t highest = run.returned.empty() ? 0 : run.returned.back();
    auto next = queue->Add(Report(99, "failed"), "install");
    ASSERT_TRUE(next.ok());
    EXPECT_GT(*next, highest) << "seq reused";
  }
}

}  // namespace
}  // namespace keel::edge::ota
