// End-to-end: a long outage overflows a small outbox. The oldest batches are
// dropped and counted, the hub is told about the gap, its ack moves over it,
// and everything that was kept is stored exactly once.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "common/random.h"
#include "edge/sim/fleet_simulator.h"
#include "integration/hub_process.h"
#include "test_util/tcp_proxy.h"

namespace keel {
namespace {

TEST(OutboxOverflowE2eTest, DroppedBatchesAreCountedReportedAndDoNotStallTheAck) {
  TempDir tmp;
  HubProcess hub(tmp.path());
  hub.Start();
  TcpProxy link(hub.mqtt_port());
  edge::FleetOptions options = hub.FleetOptionsFor(tmp.path() / "fleet");
  options.devices = 1;
  options.batch_interval_ms = 100;
  options.reconnect_min_ms = 100;
  options.reconnect_max_ms = 500;
  options.ack_timeout_ms = 1000;
  options.outbox_max_batches = 20;
  options.mqtt_url_override = "mqtts://127.0.0.1:" + std::to_string(link.port());
  SeededRandom random(11);
  edge::FleetSimulator fleet(options, SystemClock(), random);
  ASSERT_TRUE(fleet.Start().ok());
  ASSERT_TRUE(Eventually([&] { return fleet.stats().connected == 1; }, std::chrono::seconds(20)));

  link.Cut();  // ~50 batches are produced while only 20 fit
  std::this_thread::sleep_for(std::chrono::seconds(5));
  EXPECT_EQ(fleet.stats().outbox_depth, 20u);
  EXPECT_GT(fleet.stats().dropped, 0u);
  link.Restore();

  fleet.StopSampling();
  ASSERT_TRUE(fleet.WaitDrained(30'000)) << "outbox depth " << fleet.stats().outbox_depth;
  const uint64_t dropped = fleet.stats().dropped;
  auto [rc, shown] = hub.Keelctl({"--json", "device", "show", "sim-0001"});
  ASSERT_EQ(rc, 0) << shown;
  const auto device = nlohmann::json::parse(shown);
  // The hub's ack went past the dropped range to the last batch appended.
  EXPECT_EQ(device["acked_seq"].get<uint64_t>(), fleet.stats().highest_seq);
  EXPECT_TRUE(Eventually([&] { return hub.Metric("keel_store_gap_batches") == dropped; },
                         std::chrono::seconds(10)))
      << "hub counted " << hub.Metric("keel_store_gap_batches") << ", agent dropped " << dropped;
  auto verification = fleet.Verify();
  ASSERT_TRUE(verification.ok());
  // The dropped batches' samples are missing, nothing else is.
  EXPECT_LT(verification->samples_stored, verification->samples_produced);
  EXPECT_GT(verification->samples_stored, 0u);
  fleet.Stop();
}

}  // namespace
}  // namespace keel
