// RolloutStore: durable state of deployments (hub/rollout) and of each
// device's part in them: deployments and their per-device rows, what each
// device last reported over the update poll (installed versions, KPIs, the
// highest install report seq stored, and the reports themselves), and
// device tags (used to target deployments).
//
// Deployment and row contents are opaque JSON documents owned by
// hub/rollout (which defines and validates them); the store keeps them
// atomically and in order. A storage interface: no policy. Thread-safety and
// errors as DeviceStore (NotFound for an unknown device or deployment).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.h"

namespace keel::hub {

struct StoredDeployment {
  int64_t id = 0;
  std::string body;  // JSON
};

// device id -> JSON document.
using DeploymentRows = std::vector<std::pair<std::string, std::string>>;

struct DeviceOtaRecord {
  int64_t report_seq = 0;   // highest install report seq stored for the device
  std::string body = "{}";  // JSON: installed versions, KPIs (hub/rollout)
};

using DeviceTags = std::map<std::string, std::string>;

class RolloutStore {
 public:
  virtual ~RolloutStore() = default;

  // Creates a deployment with its rows in one transaction; returns its id
  // (increasing). NotFound if a row names an unknown device.
  virtual Result<int64_t> CreateDeployment(std::string_view body, const DeploymentRows& rows) = 0;
  // Replaces the deployment's document and upserts `rows`, in one
  // transaction.
  virtual Status UpdateDeployment(int64_t id, std::string_view body,
                                  const DeploymentRows& rows) = 0;
  // Every deployment, by id.
  virtual Result<std::vector<StoredDeployment>> ListDeployments() = 0;
  // The rows of one deployment, by device id.
  virtual Result<DeploymentRows> ListDeploymentRows(int64_t id) = 0;

  // {0, "{}"} for a device that never polled; NotFound for an unknown one.
  virtual Result<DeviceOtaRecord> GetDeviceOta(std::string_view device) = 0;
  // Replaces the device's record and appends `reports` (seq -> JSON; a seq
  // stored before is ignored), in one transaction.
  virtual Status SaveDeviceOta(std::string_view device, const DeviceOtaRecord& record,
                               const std::vector<std::pair<int64_t, std::string>>& reports) = 0;

  // Replaces the device's tags (key -> value).
  virtual Status SetDeviceTags(std::string_view device, const DeviceTags& tags) = 0;
  // Tags of every device that has any, by device id.
  virtual Result<std::map<std::string, DeviceTags>> ListDeviceTags() = 0;
};

}  // namespace keel::hub
