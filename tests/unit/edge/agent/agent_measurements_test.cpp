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

TEST_F(AgentMeasurementsTest, TheConfigurationIsTheOverlayAppliedOrElseTheLocalFile) {
  AgentConfig config;
  ASSERT_TRUE(RecordAgentConfig(load_, config, std::nullopt).ok());  // built in code
  EXPECT_TRUE(load_.log().Take().events.empty());

  config.file = Write("edge.toml", "[device]\nid = \"pump-1\"\n");
  config.ota.dir = tmp_.path() / "ota";
  const MeasuredEvent local{"config", "local", "0.0.0",
                            *attest::MeasureFiles({{"agent.toml", config.file}})};
  ASSERT_TRUE(RecordAgentConfig(load_, config, std::nullopt).ok());
  EXPECT_EQ(Last(), local);

  const ota::Slot slot = Install(ota::ConfigSlotsDir(config.ota.dir), "fleet-cfg", "2.0.0",
                                 ota::kConfigFile, "[batch]\ninterval_ms = 500\n");
  const ConfigOverlay overlay{"fleet-cfg", "2.0.0", slot.dir / ota::kConfigFile};
  ASSERT_TRUE(RecordAgentConfig(load_, config, overlay).ok());
  // As the registry digests the config artifact: its one file, agent.toml.
  EXPECT_EQ(Last(),
            (MeasuredEvent{"config", "fleet-cfg", "2.0.0",
                           *attest::MeasureFiles({{"agent.toml", slot.dir / "agent.toml"}})}));

  // Installed but not applied (e.g. it no longer merges with the local
  // file): the local file runs alone, and it is what is measured.
  ASSERT_TRUE(RecordAgentConfig(load_, config, std::nullopt).ok());
  EXPECT_EQ(Last(), local);
  EXPECT_TRUE(load_.Drift().empty());
  // ... and re-measured: a change to the local file shows as drift.
  Write("edge.toml", "[device]\nid = \"pump-2\"\n");
  ASSERT_EQ(load_.Drift().size(), 1u);
  EXPECT_EQ(load_.Drift()[0].name, "local");
}

// What keel-edge run does: the overlay LoadEffectiveAgentConfig applied is
// measured, and the local file when it applied none although the slots'
// current slot is an overlay (here a trial whose start cannot be counted, so
// it does not run).
TEST_F(AgentMeasurementsTest, TheMeasuredConfigurationIsTheOneLoadEffectiveAgentConfigApplied) {
  const auto local = Write("edge.toml",
                           "[device]\nid = \"pump-1\"\ndir = \"device\"\n"
                           "[hub]\nmqtt = \"mqtts://hub:8883\"\napi = \"https://hub:8443\"\n");
  auto measure = [&]() -> MeasuredEvent {
    auto effective = ota::LoadEffectiveAgentConfig(PosixFileSystem(), local);
    EXPECT_TRUE(effective.ok()) << effective.status().ToString();
    if (!effective.ok()) return {};
    std::optional<ConfigOverlay> overlay;
    if (effective->overlay) {
      overlay = ConfigOverlay{effective->overlay->name, effective->overlay->version,
                              effective->overlay_file};
    }
    EXPECT_TRUE(RecordAgentConfig(load_, effective->config, overlay).ok());
    return Last();
  };
  const MeasuredEvent alone{"config", "local", "0.0.0",
                            *attest::MeasureFiles({{"agent.toml", local}})};
  EXPECT_EQ(measure(), alone);

  const auto slots_dir = ota::ConfigSlotsDir(tmp_.path() / "device" / "ota");
  const std::string text = "[batch]\ninterval_ms = 500\n";
  {
    auto slots = ota::SlotStore::Open(PosixFileSystem(), slots_dir).value();
    ASSERT_TRUE(slots
                    .Stage({"fleet-cfg", "2.0.0", {{ota::kConfigFile, ota::DigestOf(text)}}},
                           {{ota::kConfigFile, text}})
                    .ok());
    ASSERT_TRUE(slots.Switch().ok());
  }
  // state.json cannot be replaced (its temporary name is taken by a
  // directory): the trial's start is not counted and the local file runs.
  ASSERT_TRUE(std::filesystem::create_directory(slots_dir / "state.json.tmp"));
  EXPECT_EQ(measure(), alone);
  std::filesystem::remove(slots_dir / "state.json.tmp");
  const MeasuredEvent applied = measure();  // counted: the overlay runs
  EXPECT_EQ(applied.name, "fleet-cfg");
  EXPECT_EQ(applied.version, "2.0.0");
  EXPECT_EQ(applied.sha256,
            *attest::MeasureFiles(
                {{"agent.toml", ota::SlotStore::Open(PosixFileSystem(), slots_dir)->Current()->dir /
                                    ota::kConfigFile}}));
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
