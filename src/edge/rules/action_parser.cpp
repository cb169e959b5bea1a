#include "edge/rules/action_parser.h"

#include <arpa/inet.h>
#include <fmt/format.h>

#include <algorithm>
#include <string>

#include "edge/toml/toml_reader.h"

namespace keel::edge::rules {
namespace {

Status ReadName(TomlReader& r, std::string* name) {
  KEEL_RETURN_IF_ERROR(r.String("name", name, true));
  if (!ValidActionName(*name)) {
    return r.Error("name", r.Peek("name"),
                   fmt::format("must match [A-Za-z0-9._-]{{1,64}}, got \"{}\"", *name));
  }
  return Status::Ok();
}

Status ReadInt(TomlReader& r, std::string_view key, int64_t lo, int64_t hi, int* out,
               bool required = false) {
  int64_t value = *out;
  KEEL_RETURN_IF_ERROR(r.Int(key, lo, hi, &value, required));
  *out = static_cast<int>(value);
  return Status::Ok();
}

Status ReadBool(TomlReader& r, std::string_view key, bool* out) {
  const toml::node* node = r.Take(key);
  if (node == nullptr) return Status::Ok();
  if (!node->is_boolean()) {
    return r.Error(key, node, fmt::format("must be true or false, got {}", TomlTypeName(*node)));
  }
  *out = node->as_boolean()->get();
  return Status::Ok();
}

}  // namespace

bool ValidActionName(std::string_view name) {
  if (name.empty() || name.size() > 64) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_' || c == '-';
  });
}

Result<CommandSpec> ParseCommandTable(const toml::table& table, std::string_view source,
                                      size_t index) {
  TomlReader r(&table, std::string(source), fmt::format("[command {}]", index));
  CommandSpec command;
  KEEL_RETURN_IF_ERROR(ReadName(r, &command.name));
  if (r.Peek("argv") == nullptr) return r.Error("argv", nullptr, "is required");
  KEEL_ASSIGN_OR_RETURN(command.argv, r.Strings("argv"));
  if (command.argv.empty() || !command.argv[0].starts_with('/')) {
    return r.Error("argv", r.Peek("argv"),
                   "must start with the program's absolute path (no shell, no PATH lookup)");
  }
  KEEL_RETURN_IF_ERROR(r.Int("timeout_ms", 1, 600'000, &command.timeout_ms, false));
  KEEL_RETURN_IF_ERROR(r.CheckNoUnknownKeys());
  return command;
}

Result<ModbusWriteSpec> ParseModbusWriteTable(const toml::table& table, std::string_view source,
                                              size_t index) {
  TomlReader r(&table, std::string(source), fmt::format("[modbus_write {}]", index));
  ModbusWriteSpec spec;
  KEEL_RETURN_IF_ERROR(ReadName(r, &spec.name));
  KEEL_RETURN_IF_ERROR(r.String("host", &spec.host, true));
  in_addr addr{};
  if (inet_pton(AF_INET, spec.host.c_str(), &addr) != 1) {
    return r.Error("host", r.Peek("host"),
                   fmt::format("must be an IPv4 address such as \"192.168.1.20\" (no name "
                               "lookup), got \"{}\"",
                               spec.host));
  }
  KEEL_RETURN_IF_ERROR(ReadInt(r, "port", 1, 65535, &spec.port));
  KEEL_RETURN_IF_ERROR(ReadInt(r, "unit_id", 0, 255, &spec.unit_id));
  if (spec.unit_id > 247 && spec.unit_id != 255) {
    return r.Error("unit_id", r.Peek("unit_id"),
                   fmt::format("must be 0..247 or 255, got {}", spec.unit_id));
  }
  std::string kind;
  KEEL_RETURN_IF_ERROR(r.String("kind", &kind, true));
  if (kind == "coil") {
    spec.kind = ModbusTarget::kCoil;
  } else if (kind == "holding") {
    spec.kind = ModbusTarget::kHoldingRegister;
  } else {
    return r.Error("kind", r.Peek("kind"),
                   fmt::format("must be \"coil\" or \"holding\", got \"{}\"", kind));
  }
  KEEL_RETURN_IF_ERROR(ReadInt(r, "address", 0, 65535, &spec.address, true));
  const int64_t max = spec.kind == ModbusTarget::kCoil ? 1 : 65535;
  KEEL_RETURN_IF_ERROR(ReadInt(r, "on_raise", 0, max, &spec.on_raise, true));
  if (r.Peek("on_clear") != nullptr) {
    int on_clear = 0;
    KEEL_RETURN_IF_ERROR(ReadInt(r, "on_clear", 0, max, &on_clear));
    spec.on_clear = on_clear;
  }
  KEEL_RETURN_IF_ERROR(r.Int("timeout_ms", 1, 60'000, &spec.timeout_ms, false));
  KEEL_RETURN_IF_ERROR(ReadInt(r, "retries", 0, 10, &spec.retries));
  KEEL_RETURN_IF_ERROR(r.CheckNoUnknownKeys());
  return spec;
}

Result<GpioSpec> ParseGpioTable(const toml::table& table, std::string_view source, size_t index) {
  TomlReader r(&table, std::string(source), fmt::format("[gpio {}]", index));
  GpioSpec spec;
  KEEL_RETURN_IF_ERROR(ReadName(r, &spec.name));
  KEEL_RETURN_IF_ERROR(r.String("chip", &spec.chip, true));
  if (spec.chip.empty()) return r.Error("chip", r.Peek("chip"), "must not be empty");
  KEEL_RETURN_IF_ERROR(ReadInt(r, "line", 0, 65535, &spec.line, true));
  KEEL_RETURN_IF_ERROR(ReadBool(r, "active_low", &spec.active_low));
  KEEL_RETURN_IF_ERROR(ReadInt(r, "on_raise", 0, 1, &spec.on_raise));
  KEEL_RETURN_IF_ERROR(ReadInt(r, "on_clear", 0, 1, &spec.on_clear));
  KEEL_RETURN_IF_ERROR(r.CheckNoUnknownKeys());
  return spec;
}

}  // namespace keel::edge::rules
