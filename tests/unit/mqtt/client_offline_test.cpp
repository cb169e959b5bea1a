// Client behaviour without a reachable broker: option validation, errors
// while disconnected, the reconnect schedule and prompt shutdown.
#include <gtest/gtest.h>

#include <chrono>

#include "common/clock.h"
#include "common/random.h"
#include "mqtt/backoff_policy.h"
#include "mqtt/client.h"
#include "mqtt_test_support.h"
#include "test_util/net.h"

namespace keel::mqtt {
namespace {

using std::chrono::milliseconds;

TEST(ClientOfflineTest, StartRejectsBadOptions) {
  SeededRandom random(1);
  const int port = FreeLoopbackPort();
  struct Case {
    const char* name;
    std::function<void(ClientOptions&)> mutate;
    StatusCode code;
  };
  const Case cases[] = {
      {"empty client id", [](ClientOptions& o) { o.client_id.clear(); },
       StatusCode::kInvalidArgument},
      {"empty host", [](ClientOptions& o) { o.host.clear(); }, StatusCode::kInvalidArgument},
      {"port 0", [](ClientOptions& o) { o.port = 0; }, StatusCode::kInvalidArgument},
      {"port 70000", [](ClientOptions& o) { o.port = 70000; }, StatusCode::kInvalidArgument},
      {"keepalive 1", [](ClientOptions& o) { o.keepalive_s = 1; }, StatusCode::kInvalidArgument},
      {"inverted backoff", [](ClientOptions& o) { o.reconnect_max_ms = o.reconnect_min_ms - 1; },
       StatusCode::kInvalidArgument},
      {"max_inflight 0", [](ClientOptions& o) { o.max_inflight = 0; },
       StatusCode::kInvalidArgument},
      {"missing ca", [](ClientOptions& o) { o.ca_file = "/nonexistent/ca.crt"; },
       StatusCode::kNotFound},
      {"missing key", [](ClientOptions& o) { o.key_file = "/nonexistent/dev1.key"; },
       StatusCode::kNotFound},
      {"no cert", [](ClientOptions& o) { o.cert_file.clear(); }, StatusCode::kInvalidArgument},
  };
  for (const Case& c : cases) {
    ClientOptions options = TestClientOptions("dev1", port);
    c.mutate(options);
    Client client(options, SystemClock(), random);
    const Status status = client.Start();
    EXPECT_EQ(status.code(), c.code) << c.name << ": " << status.ToString();
    EXPECT_FALSE(client.connected());
  }
}

TEST(ClientOfflineTest, StartTwiceFailsAndStopIsIdempotent) {
  SeededRandom random(1);
  Client client(TestClientOptions("dev1", FreeLoopbackPort()), SystemClock(), random);
  client.Stop();  // before Start: a no-op
  ASSERT_TRUE(client.Start().ok());
  EXPECT_EQ(client.Start().code(), StatusCode::kFailedPrecondition);
  client.Stop();
  client.Stop();
  EXPECT_EQ(client.Start().code(), StatusCode::kFailedPrecondition);
}

TEST(ClientOfflineTest, PublishAndSubscribeWhileDisconnectedAreUnavailable) {
  SeededRandom random(1);
  Client client(TestClientOptions("dev1", FreeLoopbackPort()), SystemClock(), random);
  EXPECT_EQ(client.Publish("keel/v1/dev1/t", "x", 1).status().code(), StatusCode::kUnavailable);
  ASSERT_TRUE(client.Start().ok());
  const Result<int> published = client.Publish("keel/v1/dev1/t", "x", 1);
  EXPECT_EQ(published.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(published.status().message().find("not connected"), std::string::npos);
  EXPECT_EQ(client.Subscribe("keel/v1/dev1/#", 1).code(), StatusCode::kUnavailable);
  EXPECT_EQ(client.Publish("keel/v1/dev1/t", "x", 3).status().code(), StatusCode::kInvalidArgument);
}

TEST(ClientOfflineTest, ConnectionRefusedIsReportedAsUnavailable) {
  SeededRandom random(1);
  const int port = FreeLoopbackPort();
  Client client(TestClientOptions("dev1", port), SystemClock(), random);
  Collector<int> backoffs;
  client.on_backoff([&](int attempt, int) { backoffs.Push(attempt); });
  ASSERT_TRUE(client.Start().ok());
  ASSERT_TRUE(backoffs.WaitForSize(1));
  const Status error = client.last_error();
  EXPECT_EQ(error.code(), StatusCode::kUnavailable) << error.ToString();
  EXPECT_NE(error.message().find(std::to_string(port)), std::string::npos) << error.ToString();
}

TEST(ClientOfflineTest, ReconnectDelaysFollowTheJitteredBackoffPolicy) {
  ClientOptions options = TestClientOptions("dev1", FreeLoopbackPort());
  options.reconnect_min_ms = 10;
  options.reconnect_max_ms = 40;
  SeededRandom random(1234);
  Client client(options, SystemClock(), random);
  Collector<std::pair<int, int>> backoffs;
  client.on_backoff([&](int attempt, int delay_ms) { backoffs.Push({attempt, delay_ms}); });
  ASSERT_TRUE(client.Start().ok());
  ASSERT_TRUE(backoffs.WaitForSize(5));
  client.Stop();

  const BackoffPolicy policy(10, 40);
  SeededRandom expected_random(1234);
  const auto seen = backoffs.values();
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(seen[i].first, i + 1);
    EXPECT_EQ(seen[i].second, policy.DelayMs(i + 1, expected_random)) << "attempt " << i + 1;
  }
}

TEST(ClientOfflineTest, StopIsPromptDuringALongBackoff) {
  ClientOptions options = TestClientOptions("dev1", FreeLoopbackPort());
  options.reconnect_min_ms = 20000;
  options.reconnect_max_ms = 60000;
  SeededRandom random(1);
  Client client(options, SystemClock(), random);
  Collector<int> backoffs;
  client.on_backoff([&](int, int delay_ms) { backoffs.Push(delay_ms); });
  ASSERT_TRUE(client.Start().ok());
  ASSERT_TRUE(backoffs.WaitForSize(1));
  EXPECT_GE(backoffs.values()[0], 20000);

  const auto before = std::chrono::steady_clock::now();
  client.Stop();
  EXPECT_LT(std::chrono::steady_clock::now() - before, milliseconds(2000));
}

}  // namespace
}  // namespace keel::mqtt
