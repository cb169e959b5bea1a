// Crash, corruption and concurrency behaviour of the outbox.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <thread>

#include "common/clock.h"
#include "common/files.h"
#include "edge/outbox/outbox.h"
#include "test_util/temp_dir.h"

namespace keel::edge {
namespace {

using ::testing::HasSubstr;

std::string PayloadFor(uint64_t seq) { return "payload-" + std::to_string(seq); }

void RunSql(const std::filesystem::path& path, const char* sql) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  char* err = nullptr;
  const int rc = sqlite3_exec(db, sql, nullptr, nullptr, &err);
  std::string message = err != nullptr ? err : "";
  sqlite3_free(err);
  sqlite3_close(db);
  ASSERT_EQ(rc, SQLITE_OK) << message;
}

// [outbox-2] a batch reported appended survives a crash of the process. The
// child appends until killed with SIGKILL (no destructor, no close); every seq
// it reported as appended must be found after reopening.
TEST(OutboxDurabilityTest, BatchesReportedAppendedSurviveKill) {
  TempDir dir;
  const auto path = dir.path() / "outbox.db";
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    ::close(fds[0]);
    auto outbox = Outbox::Open(path, {}, SystemClock());
    if (!outbox.ok()) ::_exit(2);
    while (true) {
      auto r = (*outbox)->Append(PayloadFor, "text/plain");
      if (!r.ok()) ::_exit(3);
      const uint64_t seq = r->seq;
      if (::write(fds[1], &seq, sizeof seq) != sizeof seq) ::_exit(4);
    }
  }
  ::close(fds[1]);
  uint64_t last = 0;
  for (int i = 0; i < 40; ++i) {
    uint64_t seq = 0;
    ASSERT_EQ(::read(fds[0], &seq, sizeof seq), static_cast<ssize_t>(sizeof seq));
    EXPECT_EQ(seq, last + 1);
    last = seq;
  }
  ::kill(child, SIGKILL);
  int wstatus = 0;
  ASSERT_EQ(::waitpid(child, &wstatus, 0), child);
  ASSERT_TRUE(WIFSIGNALED(wstatus)) << "child exited early with " << WEXITSTATUS(wstatus);
  ::close(fds[0]);

  auto outbox = Outbox::Open(path, {}, SystemClock());
  ASSERT_TRUE(outbox.ok()) << outbox.status().ToString();
  auto entries = (*outbox)->PeekAfter(0, 100000);
  ASSERT_TRUE(entries.ok());
  ASSERT_GE(entries->size(), last);
  for (uint64_t seq = 1; seq <= last; ++seq) {
    EXPECT_EQ((*entries)[seq - 1].seq, seq);
    EXPECT_EQ((*entries)[seq - 1].payload, PayloadFor(seq));
  }
  EXPECT_GT((*outbox)->Stats().next_seq, last);
  auto next = (*outbox)->Append(PayloadFor, "text/plain");
  ASSERT_TRUE(next.ok());
  EXPECT_EQ(next->seq, entries->size() + 1);
}

TEST(OutboxDurabilityTest, ChildExitWithoutCloseKeepsEveryBatch) {
  TempDir dir;
  const auto path = dir.path() / "outbox.db";
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    auto outbox = Outbox::Open(path, {}, SystemClock());
    if (!outbox.ok()) ::_exit(2);
    for (int i = 0; i < 25; ++i) {
      if (!(*outbox)->Append(PayloadFor, "text/plain").ok()) ::_exit(3);
    }
    if (!(*outbox)->Ack(5).ok()) ::_exit(4);
    ::_exit(0);
  }
  int wstatus = 0;
  ASSERT_EQ(::waitpid(child, &wstatus, 0), child);
  ASSERT_TRUE(WIFEXITED(wstatus));
  ASSERT_EQ(WEXITSTATUS(wstatus), 0);

  auto outbox = Outbox::Open(path, {}, SystemClock());
  ASSERT_TRUE(outbox.ok()) << outbox.status().ToString();
  const OutboxStats stats = (*outbox)->Stats();
  EXPECT_EQ(stats.depth, 20u);
  EXPECT_EQ(stats.acked_seq, 5u);
  EXPECT_EQ(stats.next_seq, 26u);
  auto entries = (*outbox)->PeekAfter(0, 100);
  ASSERT_TRUE(entries.ok());
  ASSERT_EQ(entries->size(), 20u);
  EXPECT_EQ(entries->front().seq, 6u);
  EXPECT_EQ(entries->back().payload, PayloadFor(25));
}

TEST(OutboxCorruptionTest, GarbageFileIsRefusedWithPathAndLeftUntouched) {
  TempDir dir;
  const auto path = dir.path() / "outbox.db";
  std::string garbage(8192, '\0');
  for (size_t i = 0; i < garbage.size(); ++i) garbage[i] = static_cast<char>((i * 131 + 7) % 251);
  ASSERT_TRUE(WriteFileAtomic(path, garbage).ok());

  auto r = Outbox::Open(path, {});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_THAT(r.status().message(), HasSubstr(path.string()));
  EXPECT_THAT(r.status().message(), HasSubstr("not"));
  EXPECT_EQ(*ReadFile(path), garbage);
}

TEST(OutboxCorruptionTest, CorruptedHeaderOfRealOutboxIsRefused) {
  TempDir dir;
  const auto path = dir.path() / "outbox.db";
  {
    auto outbox = Outbox::Open(path, {});
    ASSERT_TRUE(outbox.ok());
    ASSERT_TRUE((*outbox)->Append(PayloadFor, "x").ok());
  }
  std::string content = *ReadFile(path);
  for (size_t i = 0; i < 16 && i < content.size(); ++i) content[i] = 'Z';
  ASSERT_TRUE(WriteFileAtomic(path, content).ok());
  auto r = Outbox::Open(path, {});
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.status().message(), HasSubstr(path.string()));
}

TEST(OutboxCorruptionTest, UnknownSchemaVersionIsRefused) {
  TempDir dir;
  const auto path = dir.path() / "outbox.db";
  ASSERT_TRUE(Outbox::Open(path, {}).ok());
  RunSql(path, "UPDATE meta SET value = 99 WHERE key = 'schema_version'");
  auto r = Outbox::Open(path, {});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_THAT(r.status().message(), HasSubstr("schema version 99"));
  EXPECT_THAT(r.status().message(), HasSubstr(path.string()));
}

TEST(OutboxCorruptionTest, OtherApplicationsDatabaseIsRefused) {
  TempDir dir;
  const auto path = dir.path() / "other.db";
  RunSql(path, "CREATE TABLE t(x); INSERT INTO t VALUES (1);");
  auto r = Outbox::Open(path, {});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_THAT(r.status().message(), HasSubstr("another application"));
}

TEST(OutboxCorruptionTest, InconsistentCountersAreRefusedRatherThanReusingSeqs) {
  TempDir dir;
  const auto path = dir.path() / "outbox.db";
  {
    auto outbox = Outbox::Open(path, {});
    ASSERT_TRUE(outbox.ok());
    ASSERT_TRUE((*outbox)->Append(PayloadFor, "x").ok());
    ASSERT_TRUE((*outbox)->Append(PayloadFor, "x").ok());
  }
  RunSql(path, "UPDATE meta SET value = 1 WHERE key = 'next_seq'");
  auto r = Outbox::Open(path, {});
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.status().message(), HasSubstr("inconsistent"));
}

TEST(OutboxCorruptionTest, MissingDirectoryIsAnIoError) {
  TempDir dir;
  auto r = Outbox::Open(dir.path() / "missing" / "outbox.db", {});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kIoError);
  EXPECT_THAT(r.status().message(), HasSubstr("missing/outbox.db"));
}

// The sampling thread appends while the network thread peeks and acks.
TEST(OutboxConcurrencyTest, AppendWhilePeekingAndAcking) {
  TempDir dir;
  auto opened = Outbox::Open(dir.path() / "outbox.db", {});
  ASSERT_TRUE(opened.ok());
  Outbox& outbox = **opened;
  constexpr uint64_t kBatches = 200;

  std::thread producer([&] {
    for (uint64_t i = 0; i < kBatches; ++i) {
      auto r = outbox.Append(PayloadFor, "text/plain");
      ASSERT_TRUE(r.ok()) << r.status().ToString();
    }
  });
  uint64_t cursor = 0;
  bool in_order = true;
  while (cursor < kBatches) {
    auto entries = outbox.PeekAfter(cursor, 16);
    ASSERT_TRUE(entries.ok()) << entries.status().ToString();
    for (const auto& e : *entries) {
      in_order = in_order && e.seq == cursor + 1 && e.payload == PayloadFor(e.seq);
      cursor = e.seq;
    }
    if (entries->empty()) {
      std::this_thread::yield();
    } else {
      ASSERT_TRUE(outbox.Ack(cursor).ok());
    }
  }
  producer.join();
  EXPECT_TRUE(in_order);
  const OutboxStats stats = outbox.Stats();
  EXPECT_EQ(stats.depth, 0u);
  EXPECT_EQ(stats.bytes, 0u);
  EXPECT_EQ(stats.acked_seq, kBatches);
  EXPECT_EQ(stats.next_seq, kBatches + 1);
}

}  // namespace
}  // namespace keel::edge
