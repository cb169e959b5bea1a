// End-to-end: an agent renews its short-lived certificate at 2/3 of its
// lifetime over mutual TLS, reconnects with it and loses no data doing so.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "common/random.h"
#include "crypto/certificate.h"
#include "edge/sim/fleet_simulator.h"
#include "integration/hub_process.h"

namespace keel {
namespace {

TEST(RenewalE2eTest, AgentRenewsAtTwoThirdsOfLifetimeWithoutATokenAndKeepsStreaming) {
  TempDir tmp;
  HubProcess hub(tmp.path(), {"--cert-seconds", "36"});
  hub.Start();
  edge::FleetOptions options = hub.FleetOptionsFor(tmp.path() / "fleet");
  options.devices = 1;
  options.batch_interval_ms = 200;
  SeededRandom random(3);
  edge::FleetSimulator fleet(options, SystemClock(), random);
  ASSERT_TRUE(fleet.Start().ok());
  const auto cert_path = options.dir / "sim-0001" / "device.crt";
  auto first = crypto::Certificate::LoadFile(cert_path);
  ASSERT_TRUE(first.ok());
  // Renewal is due at notBefore + 2/3 * (36 s + 3.6 s backdating) ~ 23 s after issue.
  const int64_t due = first->NotBeforeMs() + (first->NotAfterMs() - first->NotBeforeMs()) * 2 / 3;
  EXPECT_TRUE(Eventually([&] { return fleet.stats().renewals >= 1; }, std::chrono::seconds(40)));
  const int64_t renewed_at = SystemClock().NowMs();
  EXPECT_GE(renewed_at, due - 1000);
  auto second = crypto::Certificate::LoadFile(cert_path);
  ASSERT_TRUE(second.ok());
  EXPECT_NE(second->SerialHex(), first->SerialHex());
  EXPECT_GT(second->NotAfterMs(), first->NotAfterMs());
  EXPECT_TRUE(second->VerifyIssuedBy(*crypto::Certificate::LoadFile(hub.ca())).ok());

  auto [rc, shown] = hub.Keelctl({"--json", "device", "show", "sim-0001"});
  ASSERT_EQ(rc, 0) << shown;
  EXPECT_EQ(nlohmann::json::parse(shown)["cert_serial"], second->SerialHex());

  // Still connected and delivering with the new certificate.
  ASSERT_TRUE(Eventually([&] { return fleet.stats().connected == 1; }, std::chrono::seconds(10)));
  const uint64_t before = fleet.stats().samples_read;
  std::this_thread::sleep_for(std::chrono::seconds(2));
  fleet.StopSampling();
  ASSERT_TRUE(fleet.WaitDrained(30'000));
  EXPECT_GT(fleet.stats().samples_read, before);
  auto verification = fleet.Verify();
  ASSERT_TRUE(verification.ok()) << verification.status().ToString();
  for (const auto& problem : verification->problems) ADD_FAILURE() << problem;
  fleet.Stop();
}

}  // namespace
}  // namespace keel
