// Internal to keel_hub_store: a fixed pool of read-only connections. A Lease
// gives one thread exclusive use of a connection until it is destroyed.
#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>
#include <vector>

#include "hub/store/sqlite/connection.h"

namespace keel::hub::sqlite {

class ReaderPool {
 public:
  explicit ReaderPool(std::vector<std::unique_ptr<Connection>> conns) : all_(std::move(conns)) {
    for (auto& c : all_) free_.push_back(c.get());
  }

  class Lease {
   public:
    Lease(ReaderPool* pool, Connection* conn) : pool_(pool), conn_(conn) {}
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    ~Lease() { pool_->Release(conn_); }
    Connection& operator*() const { return *conn_; }
    Connection* operator->() const { return conn_; }

   private:
    ReaderPool* pool_;
    Connection* conn_;
  };

  // Blocks until a connection is free.
  Lease Acquire() {
    std::unique_lock lock(mu_);
    freed_.wait(lock, [this] { return !free_.empty(); });
    Connection* conn = free_.back();
    free_.pop_back();
    return Lease(this, conn);
  }

 private:
  void Release(Connection* conn) {
    {
      std::lock_guard lock(mu_);
      free_.push_back(conn);
    }
    freed_.notify_one();
  }

  std::vector<std::unique_ptr<Connection>> all_;
  std::mutex mu_;
  std::condition_variable freed_;
  std::vector<Connection*> free_;  // guarded by mu_
};

}  // namespace keel::hub::sqlite
