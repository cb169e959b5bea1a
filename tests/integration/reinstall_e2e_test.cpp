// End-to-end: a device is wiped (identity and outbox gone), re-enrolled under
// the same id and streams again. Its new batches must not be taken for
// redeliveries of the old ones: the new outbox starts its seqs above every
// old one and tells the hub so (outbox.sync).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "common/random.h"
#include "edge/sim/fleet_simulator.h"
#include "integration/hub_process.h"

namespace keel {
namespace {

uint64_t RunFleetOnce(const edge::FleetOptions& options) {
  SeededRandom random(5);
  edge::FleetSimulator fleet(options, SystemClock(), random);
  EXPECT_TRUE(fleet.Start().ok());
  EXPECT_TRUE(Eventually([&] { return fleet.stats().connected == 1; }, std::chrono::seconds(20)));
  std::this_thread::sleep_for(std::chrono::seconds(2));
  fleet.StopSampling();
  EXPECT_TRUE(fleet.WaitDrained(30'000));
  const uint64_t produced = fleet.stats().samples_read;
  fleet.Stop();
  return produced;
}

TEST(ReinstallE2eTest, AWipedAndReEnrolledDeviceIsNotDeduplicatedAgainstItsPast) {
  TempDir tmp;
  HubProcess hub(tmp.path());
  hub.Start();
  edge::FleetOptions options = hub.FleetOptionsFor(tmp.path() / "fleet");
  options.devices = 1;
  options.batch_interval_ms = 100;

  const uint64_t first = RunFleetOnce(options);
  std::filesystem::remove_all(options.dir);       // the device is re-installed from scratch
  const uint64_t second = RunFleetOnce(options);  // re-enrolls with a fresh token

  ASSERT_GT(first, 0u);
  ASSERT_GT(second, 0u);
  auto [rc, shown] = hub.Keelctl({"--json", "device", "show", "sim-0001"});
  ASSERT_EQ(rc, 0) << shown;
  EXPECT_EQ(nlohmann::json::parse(shown)["samples_stored"].get<uint64_t>(), first + second);
  EXPECT_EQ(hub.Metric("keel_store_duplicates"), 0);
}

}  // namespace
}  // namespace keel
