// ModbusTestServer: a real Modbus TCP server (libmodbus) on 127.0.0.1 for
// tests, serving 64 coils and 64 holding registers from a background thread,
// one client connection at a time. Stop() closes the listener and the client
// connection, as a device going away would.
#pragma once

#include <modbus/modbus.h>
#include <poll.h>
#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <mutex>
#include <thread>

namespace keel::edge::rules {

class ModbusTestServer {
 public:
  static constexpr int kSize = 64;

  explicit ModbusTestServer(int port) : port_(port) {
    map_ = modbus_mapping_new(kSize, 0, kSize, 0);
  }
  ~ModbusTestServer() {
    Stop();
    modbus_mapping_free(map_);
  }
  ModbusTestServer(const ModbusTestServer&) = delete;
  ModbusTestServer& operator=(const ModbusTestServer&) = delete;

  // Listens and serves until Stop; false when it cannot listen.
  bool Start() {
    ctx_ = modbus_new_tcp("127.0.0.1", port_);
    if (ctx_ == nullptr) return false;
    listen_fd_ = modbus_tcp_listen(ctx_, 1);
    if (listen_fd_ < 0) {
      modbus_free(ctx_);
      ctx_ = nullptr;
      return false;
    }
    stop_ = false;
    thread_ = std::thread([this] { Serve(); });
    return true;
  }

  void Stop() {
    if (!thread_.joinable()) return;
    stop_ = true;
    thread_.join();
    ::close(listen_fd_);
    modbus_free(ctx_);
    ctx_ = nullptr;
  }

  uint16_t reg(int address) {
    std::lock_guard lock(mu_);
    return map_->tab_registers[address];
  }
  uint8_t coil(int address) {
    std::lock_guard lock(mu_);
    return map_->tab_bits[address];
  }
  int requests() {
    std::lock_guard lock(mu_);
    return requests_;
  }

 private:
  // Waits up to 20 ms for `fd` to be readable.
  static bool Readable(int fd) {
    pollfd p{fd, POLLIN, 0};
    return ::poll(&p, 1, 20) > 0;
  }

  void Serve() {
    while (!stop_) {
      if (!Readable(listen_fd_)) continue;
      const int fd = modbus_tcp_accept(ctx_, &listen_fd_);
      if (fd < 0) continue;
      while (!stop_) {
        if (!Readable(fd)) continue;
        uint8_t query[MODBUS_TCP_MAX_ADU_LENGTH];
        const int n = modbus_receive(ctx_, query);
        if (n < 0) break;
        if (n == 0) continue;
        std::lock_guard lock(mu_);
        ++requests_;
        modbus_reply(ctx_, query, n, map_);
      }
      ::close(fd);
    }
  }

  const int port_;
  modbus_t* ctx_ = nullptr;
  modbus_mapping_t* map_ = nullptr;
  int listen_fd_ = -1;
  std::atomic<bool> stop_{false};
  std::thread thread_;
  std::mutex mu_;
  int requests_ = 0;
};

}  // namespace keel::edge::rules
