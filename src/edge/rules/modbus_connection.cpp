#include "edge/rules/modbus_connection.h"

#include <fmt/format.h>
#include <modbus/modbus.h>

#include <algorithm>
#include <cerrno>

namespace keel::edge::rules {

ModbusTcpConnection::ModbusTcpConnection(std::string host, int port, int unit_id,
                                         int64_t timeout_ms)
    : host_(std::move(host)), port_(port), unit_id_(unit_id), timeout_ms_(timeout_ms) {}

ModbusTcpConnection::~ModbusTcpConnection() {
  if (ctx_ == nullptr) return;
  if (connected_) modbus_close(ctx_);
  modbus_free(ctx_);
}

Status ModbusTcpConnection::Connect() {
  if (connected_) return Status::Ok();
  if (ctx_ == nullptr) {
    ctx_ = modbus_new_tcp(host_.c_str(), port_);
    if (ctx_ == nullptr) {
      return Status::Internal(
          fmt::format("cannot create a Modbus context: {}", modbus_strerror(errno)));
    }
    const int64_t timeout_ms = std::max<int64_t>(timeout_ms_, 1);
    if (modbus_set_slave(ctx_, unit_id_) != 0 ||
        modbus_set_response_timeout(ctx_, static_cast<uint32_t>(timeout_ms / 1000),
                                    static_cast<uint32_t>(timeout_ms % 1000) * 1000) != 0) {
      return Status::InvalidArgument(fmt::format("unit id {} or timeout {} ms: {}", unit_id_,
                                                 timeout_ms_, modbus_strerror(errno)));
    }
  }
  if (modbus_connect(ctx_) != 0) {
    return Status::Unavailable(fmt::format("connect: {}", modbus_strerror(errno)));
  }
  connected_ = true;
  return Status::Ok();
}

Status ModbusTcpConnection::Check(int rc) {
  if (rc == 1) return Status::Ok();
  const int error = errno;
  if (error >= EMBXILFUN && error <= EMBXGTAR) {
    return Status::FailedPrecondition(fmt::format("device refused: {}", modbus_strerror(error)));
  }
  modbus_close(ctx_);
  connected_ = false;
  return Status::Unavailable(modbus_strerror(error));
}

Status ModbusTcpConnection::WriteCoil(int address, bool on) {
  KEEL_RETURN_IF_ERROR(Connect());
  return Check(modbus_write_bit(ctx_, address, on ? 1 : 0));
}

Status ModbusTcpConnection::WriteRegister(int address, uint16_t value) {
  KEEL_RETURN_IF_ERROR(Connect());
  return Check(modbus_write_register(ctx_, address, value));
}

}  // namespace keel::edge::rules
