#include "edge/agent/agent_measurements.h"

#include <gtest/gtest.h>

#include "common/files.h"
#include "common/filesystem.h"
#include "edge/ota/config_install.h"
#include "edge/ota/slot_store.h"
#include "test_util/temp_dir.h"

namespace keel::edge {
namespace {

using attest::MeasuredEvent;

class AgentMeasurementsTest : public ::testing::Test {
 protected:
  std::filesystem::path Write(const std::filesystem::path& relative, const std::string& content) {
    const auto path = tmp_.path() / relative;
    EXPECT_TRUE(EnsureDirectory(path.parent_path()).ok());
    EXPECT_TRUE(WriteFileAtomic(path, content).ok());
    return path;
  }
  // Installs and commits `file` = `content` as name@version in the slots in `dir`.
  ota::Slot Install(const std::filesystem::path& dir, const std::string& name,
                    const std::string& version, const std::string& file,
                    const std::string& content) {
    auto slots = ota::SlotStore::Open(PosixFileSystem(), dir);
    EXPECT_TRUE(slots.ok());
    const ota::SlotManifest manifest{name, version, {{file, ota::DigestOf(content)}}};
    EXPECT_TRUE(slots->Stage(manifest, {{file, content}}).ok());
    EXPECT_TRUE(slots->Switch().ok());
    EXPECT_TRUE(slots->RecordStart().ok());
    EXPECT_TRUE(slots->Commit().ok());
    return slots->Current().value();
  }
  MeasuredEvent Last() const { return load_.log().Take().events.back(); }

  TempDir tmp_;
  FakeClock clock_;
  attest::MeasuredLoad load_;
};

TEST_F(AgentMeasurementsTest, TheBinaryIsNamedByItsSlotOrAsProvisioned) {
  const auto provisioned = Write("bin/keel-edge", "provisioned binary");
  const auto slots = tmp_.path() / "ota" / "agent";
  ASSERT_TRUE(RecordAgentBinary(load_, provisioned, slots, "0.1.0", clock_).ok());
  EXPECT_EQ(Last(), (MeasuredEvent{"agent", "keel-edge", "0.1.0",
                                   *attest::MeasureFiles({{"keel-edge", provisioned}})}));
  EXPECT_FALSE(std::filesystem::exists(slots));  // only read, never created

  const ota::Slot slot = Install(slots, "edge-agent", "1.4.0", "keel-edge", "slot binary");
  ASSERT_TRUE(RecordAgentBinary(load_, slot.dir / "keel-edge", slots, "0.1.0", clock_).ok());
  EXPECT_EQ(Last(),
            (MeasuredEvent{"agent", "edge-agent", "1.4.0",
                           *attest::MeasureFiles({{"keel-edge", slot.dir / "keel-edge"}})}));
  // A binary outside the slot is the provisioned one, slots or not.
  ASSERT_TRUE(RecordAgentBinary(load_, provisioned, slots, "0.1.0", clock_).ok());
  EXPECT_EQ(Last().name, "keel-edge");
  EXPECT_EQ(RecordAgentBinary(load_, tmp_.path() / "missing", slots, "0.1.0", clock_).code(),
            StatusCode::kNotFound);
}

TEST_F(AgentMeasurementsTest, TheConfigurationIsTheOverlayWhenOneIsInstalled) {
  AgentConfig config;
  ASSERT_TRUE(RecordAgentConfig(load_, config).ok());  // built in code: nothing to measure
  EXPECT_TRUE(load_.log().Take().events.empty());

  config.file = Write("edge.toml", "[device]\nid = \"pump-1\"\n");
  config.ota.dir = tmp_.path() / "ota";
  ASSERT_TRUE(RecordAgentConfig(load_, config).ok());
  EXPECT_EQ(Last(), (MeasuredEvent{"config", "local", "0.0.0",
                                   *attest::MeasureFiles({{"agent.toml", config.file}})}));

  const ota::Slot overlay = Install(ota::ConfigSlotsDir(config.ota.dir), "fleet-cfg", "2.0.0",
                                    ota::kConfigFile, "[batch]\ninterval_ms = 500\n");
  ASSERT_TRUE(RecordAgentConfig(load_, config).ok());
  // As the registry digests the config artifact: its one file, agent.toml.
  EXPECT_EQ(Last(),
            (MeasuredEvent{"config", "fleet-cfg", "2.0.0",
                           *attest::MeasureFiles({{"agent.toml", overlay.dir / "agent.toml"}})}));
}

TEST_F(AgentMeasurementsTest, AModelBundleIsNamedByItsManifest) {
  const auto bundle = tmp_.path() / "bundle";
  Write("bundle/manifest.json", R"({"name": "pump-ae", "version": "1.2.0", "backend": "builtin",
    "inputs": ["pump.vibration.rms"], "builtin": {"kind": "mahalanobis", "params": {}},
    "health": {"golden": [], "latency_budget_us": 1000}})");
  const Status recorded = RecordModelBundle(load_, bundle);
  ASSERT_TRUE(recorded.ok()) << recorded.ToString();
  EXPECT_EQ(Last(),
            (MeasuredEvent{"model", "pump-ae", "1.2.0", *attest::MeasureBundleDir(bundle)}));
  Write("bundle/manifest.json", "{");
  EXPECT_EQ(RecordModelBundle(load_, bundle).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(RecordModelBundle(load_, tmp_.path() / "none").code(), StatusCode::kNotFound);
}

}  // namespace
}  // namespace keel::edge
