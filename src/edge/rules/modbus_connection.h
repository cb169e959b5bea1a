// ModbusTcpConnection: one Modbus TCP client connection (libmodbus) that
// writes single coils and holding registers for ModbusWriteAction.
#pragma once

#include <cstdint>
#include <string>

#include "common/status.h"

struct _modbus;  // libmodbus's modbus_t

namespace keel::edge::rules {

// Connects on the first write and keeps the connection; after a transport
// error (refused, reset, timeout, garbled reply) it closes it, and the next
// write connects again. Blocking: each call takes at most about `timeout_ms`
// for the connect plus `timeout_ms` for the reply. Not thread-safe: one
// thread (an action's worker) owns it.
class ModbusTcpConnection {
 public:
  // `host` is an IPv4 address (no name lookup); port 1..65535; unit_id
  // 0..247 or 255; timeout_ms >= 1.
  ModbusTcpConnection(std::string host, int port, int unit_id, int64_t timeout_ms);
  ~ModbusTcpConnection();
  ModbusTcpConnection(const ModbusTcpConnection&) = delete;
  ModbusTcpConnection& operator=(const ModbusTcpConnection&) = delete;

  // Function 05 (write single coil) / 06 (write single register), protocol
  // (0-based) addresses. Errors: Unavailable for transport failures
  // ("connect: Connection refused", "Connection timed out", ...);
  // FailedPrecondition when the device answers with a Modbus exception
  // ("device refused: Illegal data address"), which a retry will not fix.
  Status WriteCoil(int address, bool on);
  Status WriteRegister(int address, uint16_t value);

  bool connected() const { return connected_; }

 private:
  Status Connect();
  Status Check(int rc);

  const std::string host_;
  const int port_;
  const int unit_id_;
  const int64_t timeout_ms_;
  _modbus* ctx_ = nullptr;
  bool connected_ = false;
};

}  // namespace keel::edge::rules
