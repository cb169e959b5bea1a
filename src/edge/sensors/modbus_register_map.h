// Where a "modbus" sensor's signal lives in the device and how its registers
// become a number (see modbus_sensor.h), and how the registers due in one
// Read are grouped into as few requests as simply possible. Pure functions;
// thread-safe.
//
// Mapping grammar (no blanks anywhere):
//   mapping := table ':' address ':' type [ '*' scale ]
//   table   := "holding" | "input"        (function 03 / function 04)
//   address := decimal 0..65535           the protocol (0-based) address, not
//                                         the 4xxxx/3xxxx "reference" number
//   type    := "uint16" | "int16"
//            | ("uint32" | "int32" | "float32") '_' order
//   order   := "abcd" | "badc" | "cdab" | "dcba"
//   scale   := finite, non-zero decimal (std::from_chars), default 1
// 32-bit types span registers address and address+1 (which must be <= 65535).
// Their order spells the bytes as they arrive on the wire, A being the most
// significant byte of the value: abcd = big-endian (first register holds the
// high word), cdab = low word first, badc / dcba = bytes swapped within each
// register. float32 is IEEE 754 single precision. The value is the decoded
// number times scale. Examples:
//   "holding:40:float32_abcd"   "input:3:uint16*0.1"   "holding:10:int16*-1"
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace keel::edge {

enum class ModbusTable { kHolding, kInput };
enum class ModbusValueType { kUint16, kInt16, kUint32, kInt32, kFloat32 };
enum class ModbusWordOrder { kAbcd, kBadc, kCdab, kDcba };

std::string_view ModbusTableName(ModbusTable table);  // "holding" | "input"

struct ModbusRegisterMapping {
  ModbusTable table = ModbusTable::kHolding;
  uint16_t address = 0;
  ModbusValueType type = ModbusValueType::kUint16;
  ModbusWordOrder order = ModbusWordOrder::kAbcd;  // 32-bit types only
  double scale = 1;
  bool operator==(const ModbusRegisterMapping&) const = default;

  int registers() const;  // 1 or 2
};

// InvalidArgument saying which part is wrong and what was expected, e.g.
//   "holding:x:uint16": address: expected a decimal 0..65535, got "x"
Result<ModbusRegisterMapping> ParseModbusRegisterMapping(std::string_view text);

// `words` holds mapping.registers() registers as received (each register's
// high byte first on the wire, as libmodbus stores them).
double DecodeModbusValue(const ModbusRegisterMapping& mapping, const uint16_t* words);

// At most this many registers per request (the protocol's limit for 03/04).
inline constexpr int kModbusMaxRegistersPerRequest = 125;

// One read request covering the registers of several mappings.
struct ModbusReadRequest {
  ModbusTable table = ModbusTable::kHolding;
  int address = 0;
  int count = 0;
  std::vector<size_t> members;  // indexes into the mappings passed to PlanModbusReads
};

// Groups mappings[i] for every i in `wanted`: per table, by address, a
// mapping joins the previous request when its registers start at or before
// that request's end (adjacent or overlapping; gaps are never read, since a
// device may reject unmapped addresses) and the request stays within
// kModbusMaxRegistersPerRequest. Requests come holding first, then by address.
std::vector<ModbusReadRequest> PlanModbusReads(const std::vector<ModbusRegisterMapping>& mappings,
                                               const std::vector<size_t>& wanted);

}  // namespace keel::edge
