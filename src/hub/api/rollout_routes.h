// Rollout endpoints (docs/api.md). Operators (bearer token; the caller
// checks):
//   POST /api/v1/deployments              deployment request -> 201 status
//   GET  /api/v1/deployments              {"deployments": [...]}
//   GET  /api/v1/deployments/{id}         status: deployment, counts, devices
//   POST /api/v1/deployments/{id}/{pause|resume|abort|rollback}
//   POST /api/v1/devices/{id}/tags        {"tags": {"site": "north", ...}}
// Devices (client certificate; the caller passes the authenticated id):
//   POST /api/v1/updates/poll             wire::PollRequest -> wire::PollReply
// Stateless helpers.
#pragma once

#include <httplib.h>

#include <nlohmann/json.hpp>
#include <string>

#include "hub/rollout/rollout_controller.h"
#include "hub/store/rollout_store.h"

namespace keel::hub {

nlohmann::json DeploymentStatusJson(const rollout::DeploymentStatus& status, bool with_devices);

void ServeUpdatePoll(const httplib::Request& req, httplib::Response& res,
                     rollout::RolloutController& controller, const std::string& device);

void ServeCreateDeployment(const httplib::Request& req, httplib::Response& res,
                           rollout::RolloutController& controller);

void ServeDeploymentList(httplib::Response& res, const rollout::RolloutController& controller);

void ServeDeployment(httplib::Response& res, const rollout::RolloutController& controller,
                     const std::string& id);

void ServeDeploymentAction(httplib::Response& res, rollout::RolloutController& controller,
                           const std::string& id, const std::string& action);

void ServeSetTags(const httplib::Request& req, httplib::Response& res, RolloutStore& store,
                  const std::string& device);

}  // namespace keel::hub
