// ParseAgentConfigWithOverlay: a fleet-wide configuration overlay merged
// into the local configuration (docs/ota.md, "Configuration artifacts").
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/files.h"
#include "edge/config/agent_config.h"

namespace keel::edge {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

constexpr const char* kLocal = R"([device]
id = "dev-1"
dir = "/var/lib/keel"
[hub]
mqtt = "mqtts://hub.local:8883"
api = "https://hub.local:8443"
[batch]
interval_ms = 2000
max_samples = 100
[mqtt]
keepalive_s = 60
)";

TEST(ConfigOverlayTest, EachSectionOfTheOverlayReplacesTheLocalOneAsAWhole) {
  auto merged = ParseAgentConfigWithOverlay(kLocal, "edge.toml", "[batch]\ninterval_ms = 500\n",
                                            "fleet@1.0.0/agent.toml");
  ASSERT_TRUE(merged.ok()) << merged.status().ToString();
  EXPECT_EQ(merged->device.id, "dev-1");       // local identity stays
  EXPECT_EQ(merged->batch.interval_ms, 500);   // from the overlay
  EXPECT_EQ(merged->batch.max_samples, 5000);  // the whole [batch] replaced: default
  EXPECT_EQ(merged->mqtt.keepalive_s, 60);     // a section the overlay does not name stays
  EXPECT_EQ(merged->hub.api.ToString(), "https://hub.local:8443");
}

TEST(ConfigOverlayTest, AnArrayOfTablesReplacesTheLocalArray) {
  const std::string local = std::string(kLocal) +
                            "[[sensor]]\nkind = \"simulated\"\nname = \"a\"\n"
                            "[[sensor]]\nkind = \"simulated\"\nname = \"b\"\n";
  auto merged = ParseAgentConfigWithOverlay(
      local, "edge.toml", "[[sensor]]\nkind = \"simulated\"\nname = \"c\"\n", "o.toml");
  ASSERT_TRUE(merged.ok()) << merged.status().ToString();
  ASSERT_EQ(merged->sensors.size(), 1u);
  EXPECT_EQ(merged->sensors[0].name, "c");
}

TEST(ConfigOverlayTest, DeviceHubAndOtaAreRefused) {
  for (const std::string section : {"device", "hub", "ota"}) {
    auto merged = ParseAgentConfigWithOverlay(kLocal, "edge.toml",
                                              "[batch]\ninterval_ms = 500\n[" + section + "]\n",
                                              "fleet@1.0.0/agent.toml");
    ASSERT_FALSE(merged.ok()) << section;
    EXPECT_EQ(merged.status().code(), StatusCode::kInvalidArgument);
    EXPECT_THAT(merged.status().message(), StartsWith("fleet@1.0.0/agent.toml:3:1: [" + section));
    EXPECT_THAT(merged.status().message(), HasSubstr("may not set [device], [hub] or [ota]"));
  }
}

TEST(ConfigOverlayTest, ErrorsInTheOverlayNameItAndItsLines) {
  auto bad_value = ParseAgentConfigWithOverlay(kLocal, "edge.toml", "\n[batch]\ninterval_ms = 0\n",
                                               "fleet@1.0.0/agent.toml");
  ASSERT_FALSE(bad_value.ok());
  EXPECT_THAT(bad_value.status().message(),
              StartsWith("fleet@1.0.0/agent.toml:3:15: [batch] interval_ms: must be between"));
  auto unknown = ParseAgentConfigWithOverlay(kLocal, "edge.toml", "[batches]\n", "o.toml");
  ASSERT_FALSE(unknown.ok());
  EXPECT_THAT(unknown.status().message(), StartsWith("o.toml:1:1: [batches]: unknown section"));
  auto not_toml = ParseAgentConfigWithOverlay(kLocal, "edge.toml", "[batch\n", "o.toml");
  ASSERT_FALSE(not_toml.ok());
  EXPECT_THAT(not_toml.status().message(), StartsWith("o.toml:1:"));
  auto bad_local = ParseAgentConfigWithOverlay("[device]\n", "edge.toml", "", "o.toml");
  ASSERT_FALSE(bad_local.ok());
  EXPECT_THAT(bad_local.status().message(), StartsWith("edge.toml"));
}

TEST(ConfigOverlayTest, RelativePathsResolveAgainstTheLocalFilesDirectory) {
  auto merged =
      ParseAgentConfigWithOverlay(kLocal, "edge.toml", "[outbox]\npath = \"ob.db\"\n", "o.toml");
  ASSERT_TRUE(merged.ok()) << merged.status().ToString();
  AgentConfig config = std::move(merged).value();
  ResolveRelativePaths(&config, "/etc/keel");
  EXPECT_EQ(config.outbox.path, "/etc/keel/ob.db");
  EXPECT_EQ(config.device.dir, "/var/lib/keel");
}

}  // namespace
}  // namespace keel::edge
