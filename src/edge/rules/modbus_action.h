// ModbusWriteAction: writes a configured value to a Modbus TCP coil or
// holding register when a rule raises, and (optionally) another when it
// clears. Runs locally, without the hub.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "edge/rules/action_worker.h"
#include "edge/rules/actions.h"
#include "edge/rules/modbus_connection.h"

namespace keel::edge::rules {

enum class ModbusTarget {
  kCoil,             // function 05, value 0 or 1
  kHoldingRegister,  // function 06, value 0..65535
};

std::string_view ModbusTargetName(ModbusTarget target);  // "coil", "holding register"

struct ModbusWriteSpec {
  std::string name;  // what rules reference as "modbus:<name>"
  std::string host;  // IPv4 address of the device or gateway (no name lookup)
  int port = 502;    // 1..65535
  int unit_id = 1;   // 0..247, or 255
  ModbusTarget kind = ModbusTarget::kHoldingRegister;
  int address = 0;              // protocol (0-based) address, 0..65535
  int on_raise = 1;             // written on kRaised
  std::optional<int> on_clear;  // written on kCleared; none: clears are skipped
  int64_t timeout_ms = 1000;    // per attempt, for the connect and for the reply; >= 1
  int retries = 1;              // further attempts after a transport error, 0..10
};

// InvalidArgument "modbus_write \"<name>\": <problem>" for an out-of-range
// field (host not an IPv4 address, port, unit id, address, values for the
// target kind, timeout, retries).
Status ValidateModbusWriteSpec(const ModbusWriteSpec& spec);

// One worker thread writes, one event at a time (see ActionWorker): Submit
// only queues. The connection is kept between writes and re-opened after a
// transport error; each event gets 1 + `retries` attempts with no pause
// between them, so one event takes at most about
// (1 + retries) * 2 * timeout_ms. A Modbus exception reply (e.g. illegal
// address) fails at once without retrying. Clears without `on_clear` are
// counted as skipped and not queued. Result messages name the action, the
// target, host:port and the unit, e.g.
//   modbus_write "valve": holding register 40 := 1 at 127.0.0.1:1502 unit 1: connect: Connection
//   refused
// The spec is expected to pass ValidateModbusWriteSpec; writes of an invalid
// one fail. Thread-safe; the destructor waits for the running write.
class ModbusWriteAction : public ActionSink {
 public:
  explicit ModbusWriteAction(ModbusWriteSpec spec, ActionQueueOptions options = {});
  ~ModbusWriteAction() override;
  ModbusWriteAction(const ModbusWriteAction&) = delete;
  ModbusWriteAction& operator=(const ModbusWriteAction&) = delete;

  void Submit(const RuleEvent& event) override;
  // Blocks until nothing is queued or running, or `timeout_ms` (real time)
  // passes; returns whether it became idle.
  bool WaitIdle(int64_t timeout_ms);
  std::vector<ActionResult> TakeResults();
  ActionStats stats() const;
  const ModbusWriteSpec& spec() const { return spec_; }

 private:
  ActionResult Write(const RuleEvent& event);
  Status WriteOnce(int value);

  const ModbusWriteSpec spec_;
  ModbusTcpConnection connection_;                  // used by the worker only
  ActionWorker<ActionResult, ActionStats> worker_;  // last: stopped first
};

}  // namespace keel::edge::rules
