// [[modbus_write]] and [[gpio]] tables and "modbus:" / "gpio:" references.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "edge/rules/rule_parser.h"

namespace keel::edge::rules {
namespace {

using ::testing::HasSubstr;

constexpr const char* kRule = R"([[rule]]
name = "hot"
input = "t"
kind = "threshold"
above = 80
actions = ["publish", "modbus:valve", "gpio:lamp"]
)";

constexpr const char* kValve = R"(
[[modbus_write]]
name = "valve"
host = "127.0.0.1"
kind = "holding"
address = 40
on_raise = 1
)";

constexpr const char* kLamp = R"(
[[gpio]]
name = "lamp"
chip = "gpiochip0"
line = 17
)";

std::string SetError(const std::string& text) {
  auto r = ParseRuleSet(text, "rules.toml");
  EXPECT_FALSE(r.ok()) << "parsed: " << text;
  if (r.ok()) return "";
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  return r.status().message();
}

TEST(ActionParserTest, ReadsModbusAndGpioTablesWithDefaults) {
  auto set = ParseRuleSet(std::string(kRule) + kValve + kLamp + R"(
[[modbus_write]]
name = "pump-off"
host = "10.0.0.5"
port = 1502
unit_id = 255
kind = "coil"
address = 0
on_raise = 0
on_clear = 1
timeout_ms = 250
retries = 0

[[gpio]]
name = "buzzer"
chip = "/dev/gpiochip1"
line = 0
active_low = true
on_raise = 0
on_clear = 1
)",
                          "rules.toml");
  ASSERT_TRUE(set.ok()) << set.status().ToString();
  ASSERT_EQ(set->rules.size(), 1u);
  const auto& actions = set->rules[0].actions;
  ASSERT_EQ(actions.size(), 3u);
  EXPECT_EQ(actions[1].kind, RuleAction::Kind::kModbus);
  EXPECT_EQ(actions[1].name, "valve");
  EXPECT_EQ(actions[2].kind, RuleAction::Kind::kGpio);
  EXPECT_EQ(actions[2].Reference(), "gpio:lamp");

  ASSERT_EQ(set->modbus_writes.size(), 2u);
  const ModbusWriteSpec& v = set->modbus_writes[0];
  EXPECT_EQ(v.host, "127.0.0.1");
  EXPECT_EQ(v.port, 502);
  EXPECT_EQ(v.unit_id, 1);
  EXPECT_EQ(v.kind, ModbusTarget::kHoldingRegister);
  EXPECT_EQ(v.address, 40);
  EXPECT_EQ(v.on_raise, 1);
  EXPECT_FALSE(v.on_clear.has_value());
  EXPECT_EQ(v.timeout_ms, 1000);
  EXPECT_EQ(v.retries, 1);
  EXPECT_TRUE(ValidateModbusWriteSpec(v).ok());
  const ModbusWriteSpec& p = set->modbus_writes[1];
  EXPECT_EQ(p.port, 1502);
  EXPECT_EQ(p.unit_id, 255);
  EXPECT_EQ(p.kind, ModbusTarget::kCoil);
  EXPECT_EQ(p.on_raise, 0);
  EXPECT_EQ(p.on_clear, 1);
  EXPECT_EQ(p.timeout_ms, 250);
  EXPECT_EQ(p.retries, 0);

  ASSERT_EQ(set->gpios.size(), 2u);
  const GpioSpec& l = set->gpios[0];
  EXPECT_EQ(l.chip, "gpiochip0");
  EXPECT_EQ(l.line, 17);
  EXPECT_FALSE(l.active_low);
  EXPECT_EQ(l.on_raise, 1);
  EXPECT_EQ(l.on_clear, 0);
  const GpioSpec& b = set->gpios[1];
  EXPECT_TRUE(b.active_low);
  EXPECT_EQ(b.on_raise, 0);
  EXPECT_EQ(b.on_clear, 1);
}

TEST(ActionParserTest, ModbusWriteErrorsNameLineColumnTableAndKey) {
  const std::string base = "name = \"v\"\nhost = \"127.0.0.1\"\nkind = \"holding\"\n";
  const std::pair<std::string, std::string> cases[] = {
      {"host = \"127.0.0.1\"\nkind = \"coil\"\naddress = 1\non_raise = 1\n",
       "[modbus_write 1] name: is required"},
      {"name = \"v\"\nkind = \"coil\"\naddress = 1\non_raise = 1\n",
       "[modbus_write 1] host: is required"},
      {"name = \"v\"\nhost = \"plc.local\"\n",
       "rules.toml:3:8: [modbus_write 1] host: must be an IPv4 address"},
      {base + "address = 1\non_raise = 1\nport = 0\n",
       "[modbus_write 1] port: must be between 1 and 65535, got 0"},
      {base + "address = 1\non_raise = 1\nunit_id = 250\n",
       "[modbus_write 1] unit_id: must be 0..247 or 255, got 250"},
      {"name = \"v\"\nhost = \"127.0.0.1\"\nkind = \"input\"\n",
       "rules.toml:4:8: [modbus_write 1] kind: must be \"coil\" or \"holding\", got \"input\""},
      {base + "on_raise = 1\n", "[modbus_write 1] address: is required"},
      {base + "address = 65536\non_raise = 1\n", "address: must be between 0 and 65535, got 65536"},
      {base + "address = 1\n", "[modbus_write 1] on_raise: is required"},
      {base + "address = 1\non_raise = 70000\n",
       "on_raise: must be between 0 and 65535, got 70000"},
      {"name = \"v\"\nhost = \"127.0.0.1\"\nkind = \"coil\"\naddress = 1\non_raise = 2\n",
       "[modbus_write 1] on_raise: must be between 0 and 1, got 2"},
      {base + "address = 1\non_raise = 1\non_clear = -1\n",
       "on_clear: must be between 0 and 65535, got -1"},
      {base + "address = 1\non_raise = 1\ntimeout_ms = 0\n",
       "timeout_ms: must be between 1 and 60000, got 0"},
      {base + "address = 1\non_raise = 1\nretries = 11\n",
       "retries: must be between 0 and 10, got 11"},
      {base + "address = 1\non_raise = \"1\"\n", "on_raise: must be an integer, got string"},
      {base + "address = 1\non_raise = 1\nregister = 3\n",
       "[modbus_write 1] register: unknown key"},
  };
  for (const auto& [body, want] : cases) {
    EXPECT_THAT(SetError("[[modbus_write]]\n" + body), HasSubstr(want)) << body;
  }
  EXPECT_THAT(SetError(std::string(kValve) + kValve),
              HasSubstr("[modbus_write 2] name: \"valve\" is used by another modbus_write"));
}

TEST(ActionParserTest, GpioErrorsNameLineColumnTableAndKey) {
  const std::pair<std::string, std::string> cases[] = {
      {"chip = \"gpiochip0\"\nline = 1\n", "[gpio 1] name: is required"},
      {"name = \"l\"\nline = 1\n", "[gpio 1] chip: is required"},
      {"name = \"l\"\nchip = \"\"\nline = 1\n", "rules.toml:3:8: [gpio 1] chip: must not be empty"},
      {"name = \"l\"\nchip = \"gpiochip0\"\n", "[gpio 1] line: is required"},
      {"name = \"l\"\nchip = \"gpiochip0\"\nline = -1\n",
       "rules.toml:4:8: [gpio 1] line: must be between 0 and 65535, got -1"},
      {"name = \"l\"\nchip = \"gpiochip0\"\nline = 1\nactive_low = 1\n",
       "rules.toml:5:14: [gpio 1] active_low: must be true or false, got integer"},
      {"name = \"l\"\nchip = \"gpiochip0\"\nline = 1\non_raise = 2\n",
       "[gpio 1] on_raise: must be between 0 and 1, got 2"},
      {"name = \"l\"\nchip = \"gpiochip0\"\nline = 1\non_clear = true\n",
       "[gpio 1] on_clear: must be an integer, got boolean"},
      {"name = \"l\"\nchip = \"gpiochip0\"\nline = 1\ndirection = \"out\"\n",
       "[gpio 1] direction: unknown key"},
      {"name = \"bad name\"\nchip = \"gpiochip0\"\nline = 1\n",
       "[gpio 1] name: must match [A-Za-z0-9._-]{1,64}"},
  };
  for (const auto& [body, want] : cases) {
    EXPECT_THAT(SetError("[[gpio]]\n" + body), HasSubstr(want)) << body;
  }
  EXPECT_THAT(SetError(std::string(kLamp) + "\n[[gpio]]\nname = \"lamp2\"\nchip = \"gpiochip0\"\n"
                                            "line = 17\n"),
              HasSubstr("rules.toml:10:8: [gpio 2] line: gpiochip0 line 17 is used by [gpio 1] "
                        "\"lamp\""));
  EXPECT_THAT(SetError("gpio = 1\n"), HasSubstr("gpio: must be an array of tables ([[gpio]])"));
}

TEST(ActionParserTest, RuleSetResolvesModbusAndGpioReferences) {
  EXPECT_THAT(SetError(std::string(kRule) + kLamp),
              HasSubstr("rules.toml:6:11: [rule 1] actions: \"modbus:valve\" names no "
                        "[[modbus_write]]"));
  EXPECT_THAT(SetError(std::string(kRule) + kValve),
              HasSubstr("[rule 1] actions: \"gpio:lamp\" names no [[gpio]]"));
  // A [[command]] of the same name does not satisfy a modbus reference.
  EXPECT_THAT(SetError(std::string(kRule) + kLamp +
                       "[[command]]\nname = \"valve\"\nargv = [\"/bin/true\"]\n"),
              HasSubstr("\"modbus:valve\" names no [[modbus_write]]"));
  auto rules = ParseRules(kRule, "rules.toml");
  ASSERT_TRUE(rules.ok()) << rules.status().ToString();
  EXPECT_EQ(rules->size(), 1u);
  // ParseRules still checks the action tables.
  EXPECT_FALSE(ParseRules(std::string(kRule) + "[[gpio]]\nname = \"lamp\"\n", "rules.toml").ok());
}

TEST(ActionParserTest, RejectsMalformedReferences) {
  for (const char* action : {"modbus:", "gpio:", "modbus", "gpio:bad name", "relay:x"}) {
    const std::string text = std::string(
                                 "[[rule]]\nname = \"a\"\ninput = \"t\"\nkind = "
                                 "\"threshold\"\nabove = 1\nactions = [\"") +
                             action + "\"]\n";
    EXPECT_THAT(SetError(text),
                HasSubstr(std::string("[rule 1] actions: unknown action \"") + action + "\""));
  }
}

}  // namespace
}  // namespace keel::edge::rules
