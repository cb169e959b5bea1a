#include "edge/agent/attestation_worker.h"

#include <gtest/gtest.h>

#include <chrono>
#include <thread>
#include <vector>

namespace keel::edge {
namespace {

// A hub's verdicts in order; Unavailable while `down`.
struct FakeHub {
  Result<attest::Verdict> Attest() {
    calls.push_back(clock->MonotonicMs());
    if (down) return Status::Unavailable("hub down");
    return attest::Verdict{!quarantine, quarantine ? "model: files differ" : ""};
  }
  const Clock* clock = nullptr;
  bool down = false;
  bool quarantine = false;
  std::vector<int64_t> calls;  // monotonic ms of each attestation
};

class AttestationWorkerTest : public ::testing::Test {
 protected:
  AttestationWorkerTest() {
    hub_.clock = &clock_;
    options_.interval_ms = 10'000;
    options_.retry_min_ms = 1'000;
    options_.retry_max_ms = 4'000;
  }
  std::unique_ptr<AttestationWorker> Worker() {
    return std::make_unique<AttestationWorker>([this] { return hub_.Attest(); }, clock_, random_,
                                               options_, "pump-1");
  }

  FakeClock clock_;
  SeededRandom random_{7};
  FakeHub hub_;
  AttestationWorkerOptions options_;
};

TEST_F(AttestationWorkerTest, AttestsWhenAskedThenEveryInterval) {
  auto worker = Worker();
  EXPECT_FALSE(worker->RunDue());  // nothing asked, the interval not over
  worker->Request("connect");
  worker->Request("model change");  // coalesced with the pending one
  EXPECT_TRUE(worker->RunDue());
  EXPECT_FALSE(worker->RunDue());
  EXPECT_EQ(hub_.calls.size(), 1u);

  clock_.AdvanceMs(9'999);
  EXPECT_FALSE(worker->RunDue());
  clock_.AdvanceMs(1);
  EXPECT_TRUE(worker->RunDue());    // periodic
  worker->Request("model change");  // an install: at once, not at the next interval
  EXPECT_TRUE(worker->RunDue());
  clock_.AdvanceMs(10'000);
  EXPECT_TRUE(worker->RunDue());
  EXPECT_EQ(hub_.calls.size(), 4u);
  const AttestationStats stats = worker->stats();
  EXPECT_EQ(stats.attempts, 4u);
  EXPECT_EQ(stats.trusted, 4u);
  EXPECT_EQ(stats.failures, 0u);
}

TEST_F(AttestationWorkerTest, RetriesWithBackoffWhileTheHubIsUnreachable) {
  auto worker = Worker();
  hub_.down = true;
  worker->Request("connect");
  const int64_t start = clock_.MonotonicMs();
  // Each retry waits about twice as long (+-25%), never more than retry_max_ms.
  for (int i = 0; i < 200'000 && hub_.calls.size() < 6; ++i) {
    worker->RunDue();
    clock_.AdvanceMs(10);
  }
  ASSERT_EQ(hub_.calls.size(), 6u);
  const std::vector<int64_t> nominal = {1'000, 2'000, 4'000, 4'000, 4'000};
  for (size_t i = 0; i < nominal.size(); ++i) {
    const int64_t gap = hub_.calls[i + 1] - hub_.calls[i];
    EXPECT_GE(gap, nominal[i] * 3 / 4) << i;
    EXPECT_LE(gap, nominal[i] * 5 / 4 + 10) << i;
  }
  EXPECT_EQ(hub_.calls[0], start);
  EXPECT_EQ(worker->stats().failures, 6u);

  // A connect means the hub is back: no waiting for the back-off.
  hub_.down = false;
  worker->Request("connect");
  EXPECT_TRUE(worker->RunDue());
  EXPECT_EQ(worker->stats().trusted, 1u);
  // ... and the next one is periodic again.
  clock_.AdvanceMs(9'000);
  EXPECT_FALSE(worker->RunDue());
  clock_.AdvanceMs(1'000);
  EXPECT_TRUE(worker->RunDue());
}

TEST_F(AttestationWorkerTest, AQuarantinedVerdictIsCountedAndKept) {
  auto worker = Worker();
  hub_.quarantine = true;
  worker->Request("connect");
  ASSERT_TRUE(worker->RunDue());
  AttestationStats stats = worker->stats();
  EXPECT_EQ(stats.quarantined, 1u);
  ASSERT_TRUE(stats.last_verdict.has_value());
  EXPECT_FALSE(stats.last_verdict->trusted);
  EXPECT_EQ(stats.last_verdict->reason, "model: files differ");
  // A verdict is an answer: the next one comes after the interval, not sooner.
  clock_.AdvanceMs(5'000);
  EXPECT_FALSE(worker->RunDue());
}

TEST_F(AttestationWorkerTest, TheThreadAttestsOnRequestWithoutTheCallerWaiting) {
  auto worker = Worker();
  worker->Start();
  worker->Request("connect");
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (worker->stats().attempts == 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  EXPECT_EQ(worker->stats().trusted, 1u);
  worker->Stop();
  worker->Stop();  // idempotent
}

}  // namespace
}  // namespace keel::edge
