// End-to-end durability: while a simulated fleet streams, kill -9 the
// broker, kill -9 the hub, and cut a device's link for 30 s. Afterwards every
// produced sample is stored exactly once.
#include <gtest/gtest.h>

#include "common/random.h"
#include "edge/sim/fleet_simulator.h"
#include "integration/hub_process.h"
#include "test_util/tcp_proxy.h"

namespace keel {
namespace {

TEST(DurabilityE2eTest, BrokerCrashHubCrashAndLinkCutLoseNothingAndDuplicateNothing) {
  TempDir tmp;
  HubProcess hub(tmp.path());
  hub.Start();
  TcpProxy link(hub.mqtt_port());

  edge::FleetOptions options = hub.FleetOptionsFor(tmp.path() / "fleet");
  options.devices = 3;
  options.batch_interval_ms = 200;
  options.reconnect_min_ms = 100;
  options.reconnect_max_ms = 1000;
  options.ack_timeout_ms = 2000;
  options.mqtt_url_override = "mqtts://127.0.0.1:" + std::to_string(link.port());
  SeededRandom random(7);
  edge::FleetSimulator fleet(options, SystemClock(), random);
  ASSERT_TRUE(fleet.Start().ok());
  auto connected = [&] { return fleet.stats().connected == options.devices; };
  ASSERT_TRUE(Eventually(connected, std::chrono::seconds(20)));
  std::this_thread::sleep_for(std::chrono::seconds(2));

  // 1. The broker dies; keel-hub restarts it; agents reconnect and resend.
  const int broker = hub.BrokerPid();
  ASSERT_GT(broker, 0);
  ASSERT_EQ(::kill(broker, SIGKILL), 0);
  ASSERT_TRUE(Eventually([&] { return hub.BrokerPid() != broker && hub.BrokerPid() > 0; },
                         std::chrono::seconds(20)));
  ASSERT_TRUE(Eventually(connected, std::chrono::seconds(30)));
  std::this_thread::sleep_for(std::chrono::seconds(2));

  // 2. The hub dies mid-stream and comes back on the same data directory.
  hub.Kill9();
  std::this_thread::sleep_for(std::chrono::seconds(2));
  hub.Start();
  ASSERT_TRUE(Eventually(connected, std::chrono::seconds(30)));
  std::this_thread::sleep_for(std::chrono::seconds(2));

  // 3. Every device's link is cut for 30 s; samples pile up in the outboxes.
  link.Cut();
  std::this_thread::sleep_for(std::chrono::seconds(30));
  EXPECT_GT(fleet.stats().outbox_depth, 0u);
  link.Restore();
  ASSERT_TRUE(Eventually(connected, std::chrono::seconds(30)));

  fleet.StopSampling();
  ASSERT_TRUE(fleet.WaitDrained(60'000)) << "outbox depth " << fleet.stats().outbox_depth;
  auto verification = fleet.Verify();
  ASSERT_TRUE(verification.ok()) << verification.status().ToString();
  for (const auto& problem : verification->problems) ADD_FAILURE() << problem;
  EXPECT_TRUE(verification->exactly_once);
  EXPECT_GT(verification->samples_produced, 1000u);
  EXPECT_EQ(verification->samples_produced, verification->samples_stored);
  fleet.Stop();
}

}  // namespace
}  // namespace keel
