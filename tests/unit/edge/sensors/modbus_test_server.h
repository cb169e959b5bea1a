// ModbusTestServer: a real Modbus TCP server (libmodbus) on 127.0.0.1 for
// the "modbus" sensor tests. One client at a time; serves holding and input
// registers 0..199 from a mapping the test can change while it runs. For
// tests only.
#pragma once

#include <modbus/modbus.h>
#include <poll.h>
#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <mutex>
#include <thread>

namespace keel::edge {

class ModbusTestServer {
 public:
  static constexpr int kRegisters = 200;

  // Listens on 127.0.0.1:port and serves until destroyed. ok() is false when
  // the port could not be bound.
  explicit ModbusTestServer(int port)
      : ctx_(modbus_new_tcp("127.0.0.1", port)),
        mapping_(modbus_mapping_new(0, 0, kRegisters, kRegisters)) {
    listen_fd_ = modbus_tcp_listen(ctx_, 1);
    if (listen_fd_ >= 0) thread_ = std::thread([this] { Run(); });
  }
  ~ModbusTestServer() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
    if (client_fd_ >= 0) ::close(client_fd_);
    if (listen_fd_ >= 0) ::close(listen_fd_);
    modbus_mapping_free(mapping_);
    modbus_free(ctx_);
  }
  ModbusTestServer(const ModbusTestServer&) = delete;
  ModbusTestServer& operator=(const ModbusTestServer&) = delete;

  bool ok() const { return listen_fd_ >= 0; }

  void SetHolding(int address, uint16_t value) {
    std::lock_guard lock(mu_);
    mapping_->tab_registers[address] = value;
  }
  void SetInput(int address, uint16_t value) {
    std::lock_guard lock(mu_);
    mapping_->tab_input_registers[address] = value;
  }
  // Requests received so far (counted before they are answered).
  int requests() const { return requests_; }

 private:
  void Run() {
    uint8_t query[MODBUS_TCP_MAX_ADU_LENGTH];
    while (!stop_) {
      pollfd fd{client_fd_ >= 0 ? client_fd_ : listen_fd_, POLLIN, 0};
      if (::poll(&fd, 1, 10) <= 0) continue;
      if (client_fd_ < 0) {
        int listen_fd = listen_fd_;
        client_fd_ = modbus_tcp_accept(ctx_, &listen_fd);
        continue;
      }
      const int rc = modbus_receive(ctx_, query);
      if (rc > 0) {
        std::lock_guard lock(mu_);
        ++requests_;  // before the reply, so the client sees the count once it has the reply
        modbus_reply(ctx_, query, rc, mapping_);
      } else if (rc < 0) {
        ::close(client_fd_);
        client_fd_ = -1;
        modbus_set_socket(ctx_, -1);
      }
    }
  }

  modbus_t* ctx_;
  modbus_mapping_t* mapping_;
  int listen_fd_ = -1;
  int client_fd_ = -1;
  std::mutex mu_;
  std::atomic<bool> stop_{false};
  std::atomic<int> requests_{0};
  std::thread thread_;
};

}  // namespace keel::edge
