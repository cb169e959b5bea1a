// The "modbus" sensor kind: polls holding or input registers of a Modbus TCP
// device (PLC, meter, gateway) with libmodbus.
//
// Options (SensorConfig::options; any other key is InvalidArgument):
//   host         required; an IPv4 address such as "192.168.1.10". Host names
//                are refused: a name lookup could block the sampler for an
//                unbounded time.
//   port         1..65535 (default 502)
//   unit_id      the Modbus unit (slave) id, 0..247 or 255 (default 1)
//   timeout_ms   1..60000 (default 1000): the time budget of one Read, see
//                below
//   register_<signal>
//                required for every listed signal and only for those: where
//                the value lives and how to decode it, in the grammar of
//                modbus_register_map.h, e.g. register_temp =
//                "holding:40:float32_abcd", register_flow = "input:3:uint16*0.1".
//                (In TOML a signal name with '.', ':' or '/' needs a quoted
//                key: "register_a.b" = "...".)
//
// Signals: at least one; each is named freely. ChannelSpec::unit is
// SignalConfig::unit; the value is the decoded register value times the
// mapping's scale (no other unit conversion).
//
// Timing follows SensorDriver's grid. The driver only sees the present: a
// Read reads every channel with due samples once and gives that value to all
// of its due samples (so a late Read yields repeated values), at most
// kModbusMaxSamplesPerRead per channel. The registers due in one Read are
// grouped into as few requests as PlanModbusReads allows.
//
// Connection: none at creation; the first Read with due samples connects and
// the connection is kept. Each Read has a budget of timeout_ms for the
// connect and all its requests together (libmodbus's response timeout is set
// to what remains before each step, its byte timeout is disabled), so a Read
// blocks for at most about timeout_ms.
//
// Errors (every failed Read appends nothing and leaves every grid where it
// was, so the samples follow once the device answers again):
//   Unavailable         connect failed, the request timed out, the connection
//                       broke, the reply was garbled, or the budget ran out.
//                       The connection is closed and no new connect is tried
//                       before a back-off has passed, measured in Read's
//                       now_ms: 1 s after the first failure, doubling to at
//                       most 30 s, reset by a successful Read. A Read during
//                       the back-off fails at once, quoting the last error.
//   FailedPrecondition  the device answered with a Modbus exception (e.g.
//                       "Illegal data address"): the mapping does not match
//                       the device, a retry will not fix it. The connection
//                       stays and no back-off applies.
// Messages name the sensor, "host:port" and the request's registers and
// signals, e.g.
//   sensor "plc": modbus 10.0.0.5:502: holding registers 40..41 (signal
//   "temp"): Connection timed out
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>

#include "common/status.h"
#include "edge/sensors/sensor_config.h"
#include "edge/sensors/sensor_driver.h"

namespace keel::edge {

inline constexpr std::string_view kModbusKind = "modbus";
inline constexpr size_t kModbusMaxSamplesPerRead = 100000;
inline constexpr int64_t kModbusFirstBackoffMs = 1000;
inline constexpr int64_t kModbusMaxBackoffMs = 30000;

// ValidateSensorConfig plus: kind must be "modbus", at least one signal, and
// the options above. InvalidArgument naming the sensor and the option at
// fault, e.g.
//   sensor "plc": option "register_temp": "holding:40:float": type: expected ...
// Does not touch the network.
Result<std::unique_ptr<SensorDriver>> CreateModbusSensor(const SensorConfig& config, uint64_t seed);

}  // namespace keel::edge
