#include "edge/config/agent_config.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/files.h"
#include "test_util/temp_dir.h"

namespace keel::edge {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

constexpr const char* kMinimal = R"(
[device]
id = "dev-1"
dir = "/var/lib/keel"
[hub]
mqtt = "mqtts://hub.local:8883"
api = "https://hub.local:8443"
)";

AgentConfig ParseOk(const std::string& text) {
  auto r = ParseAgentConfig(text, "edge.toml");
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? std::move(r).value() : AgentConfig{};
}

std::string ParseError(const std::string& text) {
  auto r = ParseAgentConfig(text, "edge.toml");
  EXPECT_FALSE(r.ok()) << "parsed: " << text;
  if (r.ok()) return "";
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  return r.status().message();
}

TEST(AgentConfigTest, MinimalConfigGetsDefaults) {
  const AgentConfig c = ParseOk(kMinimal);
  EXPECT_EQ(c.device.id, "dev-1");
  EXPECT_EQ(c.device.dir, "/var/lib/keel");
  EXPECT_EQ(c.device.key_path(), "/var/lib/keel/device.key");
  EXPECT_EQ(c.device.ca_path(), "/var/lib/keel/ca.crt");
  EXPECT_EQ(c.hub.mqtt.ToString(), "mqtts://hub.local:8883");
  EXPECT_EQ(c.hub.api.host, "hub.local");
  EXPECT_EQ(c.hub.api.port, 8443);
  EXPECT_EQ(c.outbox.path, "/var/lib/keel/outbox.db");
  EXPECT_EQ(c.outbox.max_batches, 100000u);
  EXPECT_EQ(c.outbox.max_bytes, 256ull << 20);
  EXPECT_EQ(c.outbox.drop_policy, OutboxOptions::DropPolicy::kDropOldest);
  EXPECT_EQ(c.batch.interval_ms, 1000);
  EXPECT_EQ(c.batch.max_samples, 5000);
  EXPECT_EQ(c.batch.encoding, BatchEncoding::kCbor);
  EXPECT_EQ(c.mqtt.keepalive_s, 30);
  EXPECT_EQ(c.mqtt.reconnect_min_ms, 500);
  EXPECT_EQ(c.mqtt.reconnect_max_ms, 30000);
  EXPECT_EQ(c.mqtt.ack_timeout_ms, 10000);
  EXPECT_EQ(c.mqtt.max_inflight, 64);
  EXPECT_TRUE(c.sensors.empty());
}

TEST(AgentConfigTest, FullConfigIsParsed) {
  const AgentConfig c = ParseOk(std::string(kMinimal) + R"(
[outbox]
path = "/data/ob.db"
max_batches = 10
max_bytes = 1048576
drop_policy = "reject_newest"
[batch]
interval_ms = 250
max_samples = 100
encoding = "json"
[mqtt]
keepalive_s = 10
reconnect_min_ms = 100
reconnect_max_ms = 100
ack_timeout_ms = 2000
max_inflight = 8
[[sensor]]
kind = "simulated"
name = "motor"
[[sensor.signal]]
name = "temp"
unit = "degC"
rate_hz = 0.5
waveform = "random_walk"
offset = 40
amplitude = 2.5
period_s = 300
noise_stddev = 0.1
[[sensor.signal]]
name = "rpm"
[[sensor]]
kind = "simulated"
name = "pump"
)");
  EXPECT_EQ(c.outbox.path, "/data/ob.db");
  EXPECT_EQ(c.outbox.max_batches, 10u);
  EXPECT_EQ(c.outbox.max_bytes, 1048576u);
  EXPECT_EQ(c.outbox.drop_policy, OutboxOptions::DropPolicy::kRejectNewest);
  EXPECT_EQ(c.batch.interval_ms, 250);
  EXPECT_EQ(c.batch.max_samples, 100);
  EXPECT_EQ(c.batch.encoding, BatchEncoding::kJson);
  EXPECT_EQ(c.mqtt.keepalive_s, 10);
  EXPECT_EQ(c.mqtt.reconnect_max_ms, 100);
  EXPECT_EQ(c.mqtt.ack_timeout_ms, 2000);
  EXPECT_EQ(c.mqtt.max_inflight, 8);
  ASSERT_EQ(c.sensors.size(), 2u);
  EXPECT_EQ(c.sensors[0].kind, "simulated");
  EXPECT_EQ(c.sensors[0].name, "motor");
  ASSERT_EQ(c.sensors[0].signals.size(), 2u);
  EXPECT_EQ(c.sensors[0].signals[0],
            (SignalConfig{"temp", "degC", 0.5, Waveform::kRandomWalk, 40, 2.5, 300, 0.1}));
  SignalConfig rpm;
  rpm.name = "rpm";
  EXPECT_EQ(c.sensors[0].signals[1], rpm);
  EXPECT_TRUE(c.sensors[1].signals.empty());
}

TEST(AgentConfigTest, CsvSensorOptionsArePassedToTheDriver) {
  const AgentConfig c = ParseOk(std::string(kMinimal) +
                                "[[sensor]]\nkind = \"csv\"\nname = \"pump\"\n"
                                "path = \"rec.csv\"\nlayout = \"skab\"\nloop = true\n");
  ASSERT_EQ(c.sensors.size(), 1u);
  EXPECT_EQ(c.sensors[0].kind, "csv");
  EXPECT_EQ(c.sensors[0].options.at("path"), "rec.csv");
  EXPECT_EQ(c.sensors[0].options.at("layout"), "skab");
  EXPECT_EQ(c.sensors[0].options.at("loop"), "true");
}

TEST(AgentConfigTest, ExampleFileLoadsAndIsValid) {
  auto c = LoadAgentConfig(std::filesystem::path(KEEL_SOURCE_DIR) / "examples" / "edge.toml");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->device.id, "press-07");
  ASSERT_EQ(c->sensors.size(), 1u);
  EXPECT_EQ(c->sensors[0].signals.size(), 3u);
}

TEST(AgentConfigTest, LoadResolvesRelativePathsAgainstTheFile) {
  TempDir dir;
  const std::string text = R"(
[device]
id = "d"
dir = "identity"
[hub]
mqtt = "mqtts://h:1"
api = "https://h:2"
)";
  ASSERT_TRUE(WriteFileAtomic(dir.path() / "edge.toml", text).ok());
  auto c = LoadAgentConfig(dir.path() / "edge.toml");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->device.dir, dir.path() / "identity");
  EXPECT_EQ(c->outbox.path, dir.path() / "identity" / "outbox.db");
}

TEST(AgentConfigTest, AnalyticsSectionIsOptionalAndItsPathsResolveAgainstTheFile) {
  EXPECT_FALSE(ParseOk(kMinimal).analytics.has_value());
  TempDir dir;
  const std::string text = std::string(kMinimal) + R"(
[analytics]
rules = "rules.toml"
model = "/opt/models/pump"
[analytics.mode]
signal = "press.current.mean"
off_below = 1
running_above = 5
[[analytics.channel]]
name = "press.current"
features = ["mean"]
)";
  ASSERT_TRUE(WriteFileAtomic(dir.path() / "edge.toml", text).ok());
  auto c = LoadAgentConfig(dir.path() / "edge.toml");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  ASSERT_TRUE(c->analytics.has_value());
  EXPECT_EQ(c->analytics->rules_file, dir.path() / "rules.toml");
  EXPECT_EQ(c->analytics->model_dir, "/opt/models/pump");
  EXPECT_EQ(c->analytics->pipeline.mode.load_signal, "press.current.mean");
  EXPECT_THAT(ParseError("analytics = 3\n" + std::string(kMinimal)),
              HasSubstr("[analytics]: must be a table"));
  EXPECT_THAT(ParseError(std::string(kMinimal) + "[analytics]\nwindow_ms = 5\n"),
              HasSubstr("[analytics] window_ms: must be between 10"));
}

TEST(AgentConfigTest, MissingFileIsNotFound) {
  TempDir dir;
  auto c = LoadAgentConfig(dir.path() / "nope.toml");
  EXPECT_EQ(c.status().code(), StatusCode::kNotFound);
}

TEST(AgentConfigTest, SyntaxErrorHasLineAndColumn) {
  EXPECT_THAT(ParseError("[device]\nid = \"x\"\ndir = \n"), StartsWith("edge.toml:3:"));
  EXPECT_THAT(ParseError("[device\n"), StartsWith("edge.toml:1:"));
}

TEST(AgentConfigTest, RangeErrorNamesSectionKeyAndPosition) {
  EXPECT_EQ(ParseError(std::string(kMinimal) + "[batch]\ninterval_ms = 0\n"),
            "edge.toml:9:15: [batch] interval_ms: must be between 10 and 600000, got 0");
  EXPECT_THAT(ParseError(std::string(kMinimal) + "[batch]\nmax_samples = 0\n"),
              HasSubstr("[batch] max_samples: must be between 1 and 1000000, got 0"));
  EXPECT_THAT(ParseError(std::string(kMinimal) + "[mqtt]\nmax_inflight = 70000\n"),
              HasSubstr("[mqtt] max_inflight"));
  EXPECT_THAT(ParseError(std::string(kMinimal) + "[mqtt]\nkeepalive_s = 1\n"),
              HasSubstr("[mqtt] keepalive_s"));
  EXPECT_THAT(ParseError(std::string(kMinimal) + "[mqtt]\nack_timeout_ms = 5\n"),
              HasSubstr("[mqtt] ack_timeout_ms"));
  EXPECT_THAT(ParseError(std::string(kMinimal) + "[outbox]\nmax_bytes = 10\n"),
              HasSubstr("[outbox] max_bytes: must be between 65536"));
  EXPECT_THAT(ParseError(std::string(kMinimal) + "[outbox]\nmax_batches = -1\n"),
              HasSubstr("[outbox] max_batches"));
  EXPECT_THAT(ParseError(std::string(kMinimal) +
                         "[mqtt]\nreconnect_min_ms = 1000\nreconnect_max_ms = 999\n"),
              HasSubstr("[mqtt] reconnect_max_ms: must be >= reconnect_min_ms (1000), got 999"));
}

TEST(AgentConfigTest, WrongTypesAreReported) {
  EXPECT_THAT(ParseError(std::string(kMinimal) + "[batch]\ninterval_ms = \"1s\"\n"),
              HasSubstr("[batch] interval_ms: must be an integer, got string"));
  EXPECT_THAT(ParseError(std::string(kMinimal) + "[batch]\ninterval_ms = 1.5\n"),
              HasSubstr("must be an integer, got float"));
  EXPECT_THAT(ParseError("[device]\nid = 5\n"), HasSubstr("[device] id: must be a string"));
  EXPECT_THAT(ParseError("batch = 3\n" + std::string(kMinimal)),
              HasSubstr("[batch]: must be a table, got integer"));
}

TEST(AgentConfigTest, RequiredKeysAreReported) {
  EXPECT_EQ(ParseError(""), "edge.toml: [device] id: is required");
  EXPECT_THAT(ParseError("[device]\nid = \"d\"\n"), HasSubstr("[device] dir: is required"));
  EXPECT_THAT(ParseError("[device]\nid = \"d\"\ndir = \"/x\"\n"),
              HasSubstr("[hub] mqtt: is required"));
}

TEST(AgentConfigTest, DeviceIdIsValidated) {
  for (const char* bad : {"", "-lead", "UPPER", "has space", "a/b",
                          "x1234567890123456789012345678901234567890123456789012345678901234"}) {
    std::string text = kMinimal;
    text.replace(text.find("dev-1"), 5, bad);
    EXPECT_THAT(ParseError(text), HasSubstr("[device] id: must match")) << bad;
  }
  std::string ok = kMinimal;
  ok.replace(ok.find("dev-1"), 5, "0a.b_c-d");
  EXPECT_EQ(ParseOk(ok).device.id, "0a.b_c-d");
}

TEST(AgentConfigTest, OnlyTlsSchemesAreAccepted) {
  std::string text = kMinimal;
  text.replace(text.find("mqtts://"), 8, "mqtt://");
  EXPECT_THAT(ParseError(text), HasSubstr("[hub] mqtt:"));
  EXPECT_THAT(ParseError(text), HasSubstr("plaintext"));
  text = kMinimal;
  text.replace(text.find("https://"), 8, "http://");
  EXPECT_THAT(ParseError(text), HasSubstr("[hub] api:"));
  text = kMinimal;
  text.replace(text.find(":8883"), 5, "");
  EXPECT_THAT(ParseError(text), HasSubstr("port"));
}

TEST(AgentConfigTest, EnumsAreValidated) {
  EXPECT_THAT(ParseError(std::string(kMinimal) + "[outbox]\ndrop_policy = \"drop_newest\"\n"),
              HasSubstr("[outbox] drop_policy: must be \"drop_oldest\" or \"reject_newest\""));
  EXPECT_THAT(ParseError(std::string(kMinimal) + "[batch]\nencoding = \"xml\"\n"),
              HasSubstr("[batch] encoding: must be \"cbor\" or \"json\", got \"xml\""));
}

TEST(AgentConfigTest, UnknownKeysAndSectionsAreErrors) {
  EXPECT_THAT(ParseError(std::string(kMinimal) + "[batch]\nintervl_ms = 5\n"),
              HasSubstr("[batch] intervl_ms: unknown key"));
  EXPECT_THAT(ParseError(std::string(kMinimal) + "[telemetry]\nx = 1\n"),
              HasSubstr("[telemetry]: unknown section"));
}

TEST(AgentConfigTest, SensorErrors) {
  const std::string base =
      std::string(kMinimal) + "[[sensor]]\nkind = \"simulated\"\nname = \"m\"\n";
  EXPECT_THAT(
      ParseError(std::string(kMinimal) + "[[sensor]]\nkind = \"lidar\"\nname = \"m\"\n"),
      HasSubstr(
          "[sensor 1] kind: unknown sensor kind \"lidar\" (known: csv, iio, modbus, simulated)"));
  EXPECT_THAT(ParseError(std::string(kMinimal) + "[[sensor]]\nname = \"m\"\n"),
              HasSubstr("[sensor 1] kind: is required"));
  EXPECT_THAT(ParseError(base + "[[sensor.signal]]\nname = \"x\"\noffset = inf\n"),
              HasSubstr("offset: must be a finite number"));
  EXPECT_THAT(ParseError(base + "[[sensor.signal]]\nname = \"t\"\nrate_hz = 0\n"),
              HasSubstr("[sensor 1]: sensor \"m\": signal \"t\": rate_hz: must be between 0.1 "
                        "and 1000, got 0"));
  EXPECT_THAT(ParseError(base + "[[sensor.signal]]\nname = \"t\"\nwaveform = \"triangle\"\n"),
              HasSubstr("[sensor 1 signal 1] waveform: must be one of"));
  EXPECT_THAT(ParseError(base + "[[sensor.signal]]\nname = \"t\"\nrate = 3\n"),
              HasSubstr("[sensor 1 signal 1] rate: unknown key"));
  EXPECT_THAT(ParseError(base + "[[sensor.signal]]\nunit = \"A\"\n"),
              HasSubstr("[sensor 1 signal 1] name: is required"));
  EXPECT_THAT(ParseError(base + "[[sensor.signal]]\nname = \"t\"\nrate_hz = \"fast\"\n"),
              HasSubstr("rate_hz: must be a number, got string"));
  EXPECT_THAT(ParseError(base + "port = \"/dev/ttyS0\"\n"),
              HasSubstr("[sensor 1] port: unknown key"));
  EXPECT_THAT(ParseError(base + base.substr(std::string(kMinimal).size())),
              HasSubstr("[sensor 2] name: \"m\" is used by another sensor"));
  EXPECT_THAT(ParseError("sensor = 1\n" + std::string(kMinimal)),
              HasSubstr("sensor: must be an array of tables"));
}

}  // namespace
}  // namespace keel::edge

namespace keel::edge {
namespace {

TEST(AgentConfigTest, AttestSectionDefaultsAndRanges) {
  const AgentConfig defaults = ParseOk(kMinimal);
  EXPECT_TRUE(defaults.attest.enabled);
  EXPECT_EQ(defaults.attest.interval_s, 300);
  const AgentConfig set =
      ParseOk(std::string(kMinimal) + "[attest]\nenabled = false\ninterval_s = 1\n");
  EXPECT_FALSE(set.attest.enabled);
  EXPECT_EQ(set.attest.interval_s, 1);
  EXPECT_THAT(ParseError(std::string(kMinimal) + "[attest]\ninterval_s = 0\n"),
              HasSubstr("[attest] interval_s"));
  EXPECT_THAT(ParseError(std::string(kMinimal) + "[attest]\ninterval_s = 86401\n"),
              HasSubstr("[attest] interval_s"));
  EXPECT_THAT(ParseError(std::string(kMinimal) + "[attest]\nenabled = \"yes\"\n"),
              HasSubstr("enabled"));
  EXPECT_THAT(ParseError(std::string(kMinimal) + "[attest]\ninterval = 5\n"),
              HasSubstr("interval"));
}

TEST(AgentConfigTest, OtaSectionDefaultsAndRanges) {
  const AgentConfig defaults = ParseOk(kMinimal);
  EXPECT_FALSE(defaults.ota.enabled.has_value());  // decided by update-root.json at start
  EXPECT_EQ(defaults.ota.poll_interval_s, 30);
  EXPECT_EQ(defaults.ota.config_soak_s, 60);
  EXPECT_EQ(defaults.ota.dir, "/var/lib/keel/ota");
  const AgentConfig set = ParseOk(
      std::string(kMinimal) + "[ota]\nenabled = false\npoll_interval_s = 1\ndir = \"/data/ota\"\n");
  EXPECT_EQ(set.ota.enabled, false);
  EXPECT_EQ(set.ota.poll_interval_s, 1);
  EXPECT_EQ(set.ota.dir, "/data/ota");
  EXPECT_THAT(ParseError(std::string(kMinimal) + "[ota]\npoll_interval_s = 0\n"),
              HasSubstr("[ota] poll_interval_s"));
  EXPECT_THAT(ParseError(std::string(kMinimal) + "[ota]\nenabled = 1\n"), HasSubstr("enabled"));
  EXPECT_EQ(ParseOk(std::string(kMinimal) + "[ota]\nconfig_soak_s = 0\n").ota.config_soak_s, 0);
  EXPECT_THAT(ParseError(std::string(kMinimal) + "[ota]\nconfig_soak_s = -1\n"),
              HasSubstr("[ota] config_soak_s"));
  EXPECT_EQ(defaults.ota.config_health_timeout_s, 300);
  EXPECT_EQ(defaults.ota.model_soak_s, 60);
  const AgentConfig soaks = ParseOk(std::string(kMinimal) +
                                    "[ota]\nconfig_soak_s = 2\nconfig_health_timeout_s = 3\n"
                                    "model_soak_s = 0\n");
  EXPECT_EQ(soaks.ota.config_health_timeout_s, 3);
  EXPECT_EQ(soaks.ota.model_soak_s, 0);
  // A timeout that cannot be longer than the soak would roll back every trial.
  EXPECT_THAT(ParseError(std::string(kMinimal) + "[ota]\nconfig_health_timeout_s = 60\n"),
              HasSubstr("[ota] config_health_timeout_s"));
  EXPECT_THAT(ParseError(std::string(kMinimal) + "[ota]\nconfig_health_timeout_s = 0\n"),
              HasSubstr("[ota] config_health_timeout_s"));
  EXPECT_THAT(ParseError(std::string(kMinimal) + "[ota]\nmodel_soak_s = 86401\n"),
              HasSubstr("[ota] model_soak_s"));
  EXPECT_THAT(ParseError(std::string(kMinimal) + "[ota]\nurl = \"x\"\n"), HasSubstr("url"));

  TempDir dir;
  ASSERT_TRUE(
      WriteFileAtomic(dir.path() / "edge.toml", std::string(kMinimal) + "[ota]\ndir = \"ota\"\n")
          .ok());
  auto loaded = LoadAgentConfig(dir.path() / "edge.toml");
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  EXPECT_EQ(loaded->ota.dir, dir.path() / "ota");
}

}  // namespace
}  // namespace keel::edge
