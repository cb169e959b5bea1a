#include "edge/sensors/modbus_register_map.h"

#include <fmt/format.h>

#include <algorithm>
#include <bit>
#include <charconv>
#include <cmath>
#include <system_error>

namespace keel::edge {
namespace {

Status MappingError(std::string_view text, std::string_view part, std::string_view what) {
  return Status::InvalidArgument(fmt::format("\"{}\": {}: {}", text, part, what));
}

uint16_t Swap(uint16_t word) { return static_cast<uint16_t>((word << 8) | (word >> 8)); }

uint32_t Assemble(ModbusWordOrder order, const uint16_t* w) {
  switch (order) {
    case ModbusWordOrder::kAbcd:
      return (uint32_t{w[0]} << 16) | w[1];
    case ModbusWordOrder::kCdab:
      return (uint32_t{w[1]} << 16) | w[0];
    case ModbusWordOrder::kBadc:
      return (uint32_t{Swap(w[0])} << 16) | Swap(w[1]);
    case ModbusWordOrder::kDcba:
      return (uint32_t{Swap(w[1])} << 16) | Swap(w[0]);
  }
  return 0;
}

struct TypeName {
  std::string_view name;
  ModbusValueType type;
  ModbusWordOrder order;
};

constexpr TypeName kTypes[] = {
    {"uint16", ModbusValueType::kUint16, ModbusWordOrder::kAbcd},
    {"int16", ModbusValueType::kInt16, ModbusWordOrder::kAbcd},
    {"uint32_abcd", ModbusValueType::kUint32, ModbusWordOrder::kAbcd},
    {"uint32_badc", ModbusValueType::kUint32, ModbusWordOrder::kBadc},
    {"uint32_cdab", ModbusValueType::kUint32, ModbusWordOrder::kCdab},
    {"uint32_dcba", ModbusValueType::kUint32, ModbusWordOrder::kDcba},
    {"int32_abcd", ModbusValueType::kInt32, ModbusWordOrder::kAbcd},
    {"int32_badc", ModbusValueType::kInt32, ModbusWordOrder::kBadc},
    {"int32_cdab", ModbusValueType::kInt32, ModbusWordOrder::kCdab},
    {"int32_dcba", ModbusValueType::kInt32, ModbusWordOrder::kDcba},
    {"float32_abcd", ModbusValueType::kFloat32, ModbusWordOrder::kAbcd},
    {"float32_badc", ModbusValueType::kFloat32, ModbusWordOrder::kBadc},
    {"float32_cdab", ModbusValueType::kFloat32, ModbusWordOrder::kCdab},
    {"float32_dcba", ModbusValueType::kFloat32, ModbusWordOrder::kDcba},
};

}  // namespace

std::string_view ModbusTableName(ModbusTable table) {
  return table == ModbusTable::kHolding ? "holding" : "input";
}

int ModbusRegisterMapping::registers() const {
  return type == ModbusValueType::kUint16 || type == ModbusValueType::kInt16 ? 1 : 2;
}

Result<ModbusRegisterMapping> ParseModbusRegisterMapping(std::string_view text) {
  const size_t first = text.find(':');
  const size_t second = first == std::string_view::npos ? first : text.find(':', first + 1);
  if (second == std::string_view::npos) {
    return MappingError(text, "syntax", "expected <holding|input>:<address>:<type>[*<scale>]");
  }
  const std::string_view table = text.substr(0, first);
  const std::string_view address = text.substr(first + 1, second - first - 1);
  std::string_view type = text.substr(second + 1);
  std::string_view scale;
  bool has_scale = false;
  if (const size_t star = type.find('*'); star != std::string_view::npos) {
    scale = type.substr(star + 1);
    type = type.substr(0, star);
    has_scale = true;
  }

  ModbusRegisterMapping mapping;
  if (table == "holding") {
    mapping.table = ModbusTable::kHolding;
  } else if (table == "input") {
    mapping.table = ModbusTable::kInput;
  } else {
    return MappingError(text, "table", fmt::format("expected holding or input, got \"{}\"", table));
  }

  unsigned value = 0;
  auto [aptr, aec] = std::from_chars(address.data(), address.data() + address.size(), value);
  if (address.empty() || aec != std::errc() || aptr != address.data() + address.size() ||
      value > 65535) {
    return MappingError(text, "address",
                        fmt::format("expected a decimal 0..65535, got \"{}\"", address));
  }
  mapping.address = static_cast<uint16_t>(value);

  const auto* known = std::find_if(std::begin(kTypes), std::end(kTypes),
                                   [&](const TypeName& t) { return t.name == type; });
  if (known == std::end(kTypes)) {
    return MappingError(
        text, "type",
        fmt::format("expected uint16, int16 or uint32|int32|float32 with _abcd, _badc, _cdab or "
                    "_dcba, got \"{}\"",
                    type));
  }
  mapping.type = known->type;
  mapping.order = known->order;
  if (mapping.address + mapping.registers() - 1 > 65535) {
    return MappingError(text, "address", "a 32-bit value starting at 65535 runs past 65535");
  }

  if (has_scale) {
    const char* end = scale.data() + scale.size();
    auto [sptr, sec] = std::from_chars(scale.data(), end, mapping.scale);
    if (scale.empty() || sec != std::errc() || sptr != end || !std::isfinite(mapping.scale) ||
        mapping.scale == 0) {
      return MappingError(text, "scale",
                          fmt::format("expected a finite, non-zero decimal, got \"{}\"", scale));
    }
  }
  return mapping;
}

double DecodeModbusValue(const ModbusRegisterMapping& mapping, const uint16_t* words) {
  double value = 0;
  switch (mapping.type) {
    case ModbusValueType::kUint16:
      value = words[0];
      break;
    case ModbusValueType::kInt16:
      value = static_cast<int16_t>(words[0]);
      break;
    case ModbusValueType::kUint32:
      value = Assemble(mapping.order, words);
      break;
    case ModbusValueType::kInt32:
      value = static_cast<int32_t>(Assemble(mapping.order, words));
      break;
    case ModbusValueType::kFloat32:
      value = std::bit_cast<float>(Assemble(mapping.order, words));
      break;
  }
  return value * mapping.scale;
}

std::vector<ModbusReadRequest> PlanModbusReads(const std::vector<ModbusRegisterMapping>& mappings,
                                               const std::vector<size_t>& wanted) {
  std::vector<size_t> order = wanted;
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    const auto& ma = mappings[a];
    const auto& mb = mappings[b];
    if (ma.table != mb.table) return ma.table == ModbusTable::kHolding;
    if (ma.address != mb.address) return ma.address < mb.address;
    return a < b;
  });
  std::vector<ModbusReadRequest> requests;
  for (size_t i : order) {
    const ModbusRegisterMapping& m = mappings[i];
    const int end = m.address + m.registers();
    if (!requests.empty()) {
      ModbusReadRequest& last = requests.back();
      const int last_end = last.address + last.count;
      const int merged_end = std::max(last_end, end);
      if (last.table == m.table && m.address <= last_end &&
          merged_end - last.address <= kModbusMaxRegistersPerRequest) {
        last.count = merged_end - last.address;
        last.members.push_back(i);
        continue;
      }
    }
    requests.push_back({m.table, m.address, m.registers(), {i}});
  }
  return requests;
}

}  // namespace keel::edge
