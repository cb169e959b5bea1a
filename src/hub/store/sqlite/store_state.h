// Internal to keel_hub_store: what SqliteStore holds, and lookups shared by
// its device and telemetry halves.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "hub/store/sqlite/connection.h"
#include "hub/store/sqlite/reader_pool.h"
#include "hub/store/sqlite_store.h"

namespace keel::hub {

struct SqliteStore::State {
  State(std::unique_ptr<sqlite::Connection> w, std::vector<std::unique_ptr<sqlite::Connection>> r)
      : writer(std::move(w)), readers(std::move(r)) {}

  std::mutex write_mu;
  std::unique_ptr<sqlite::Connection> writer;  // guarded by write_mu
  // "<dkey>/<series name>" -> sid, only for committed rows. Guarded by write_mu.
  std::unordered_map<std::string, int64_t> series_ids;

  sqlite::ReaderPool readers;

  std::mutex stats_mu;
  StoreStats stats;  // guarded by stats_mu; changed only after a commit
};

namespace sqlite {

struct DeviceKey {
  int64_t dkey = 0;
  DeviceState state = DeviceState::kRegistered;
  uint64_t acked_seq = 0;
};

// nullopt if no device has this id.
Result<std::optional<DeviceKey>> FindDevice(Connection& conn, std::string_view id);

// The key of device `id`; NotFound ("device \"<id>\" is not registered")
// if no device has it.
Result<int64_t> RequireDeviceKey(Connection& conn, std::string_view id);

// Loads the totals that StoreStats reports.
Result<StoreStats> LoadStats(Connection& conn);

}  // namespace sqlite
}  // namespace keel::hub
