#include "hub/api/rollout_routes.h"

#include <spdlog/spdlog.h>

#include <charconv>

#include "hub/api/http_json.h"
#include "hub/rollout/target_query.h"
#include "wire/ota_messages.h"

namespace keel::hub {

using nlohmann::json;

namespace {

Result<int64_t> ParseId(const std::string& text) {
  int64_t id = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
  if (ec != std::errc() || ptr != text.data() + text.size() || id < 1) {
    return Status::InvalidArgument("deployment id \"" + text + "\" is not a positive integer");
  }
  return id;
}

void Reply(httplib::Response& res, const Result<rollout::DeploymentStatus>& status,
           int http_status = 200) {
  if (!status.ok()) return ReplyError(res, status.status());
  ReplyJson(res, DeploymentStatusJson(*status, true), http_status);
}

}  // namespace

json DeploymentStatusJson(const rollout::DeploymentStatus& s, bool with_devices) {
  json out = rollout::ToJson(s.deployment);
  out["waves_total"] = s.waves;
  out["counts"] = s.counts;
  out["devices_total"] = s.devices.size();
  if (with_devices) {
    json devices = json::object();
    for (const auto& [device, row] : s.devices) devices[device] = rollout::ToJson(row);
    out["devices"] = devices;
  }
  return out;
}

void ServeUpdatePoll(const httplib::Request& req, httplib::Response& res,
                     rollout::RolloutController& controller, const std::string& device) {
  auto request = wire::DecodePollRequest(req.body);
  if (!request.ok()) return ReplyError(res, request.status());
  auto reply = controller.Poll(device, *request);
  if (!reply.ok()) return ReplyError(res, reply.status());
  res.set_content(wire::EncodePollReply(*reply), "application/json");
}

void ServeCreateDeployment(const httplib::Request& req, httplib::Response& res,
                           rollout::RolloutController& controller) {
  std::string created_by;
  auto spec = rollout::ParseDeploymentRequest(req.body, &created_by);
  if (!spec.ok()) return ReplyError(res, spec.status());
  Reply(res, controller.Create(*spec, created_by), 201);
}

void ServeDeploymentList(httplib::Response& res, const rollout::RolloutController& controller) {
  json list = json::array();
  for (const auto& d : controller.List()) {
    auto status = controller.Get(d.id);
    if (status.ok()) list.push_back(DeploymentStatusJson(*status, false));
  }
  ReplyJson(res, {{"deployments", list}});
}

void ServeDeployment(httplib::Response& res, const rollout::RolloutController& controller,
                     const std::string& id) {
  auto parsed = ParseId(id);
  if (!parsed.ok()) return ReplyError(res, parsed.status());
  Reply(res, controller.Get(*parsed));
}

void ServeDeploymentAction(httplib::Response& res, rollout::RolloutController& controller,
                           const std::string& id, const std::string& action) {
  auto parsed = ParseId(id);
  if (!parsed.ok()) return ReplyError(res, parsed.status());
  spdlog::info("api: {} deployment {}", action, *parsed);
  if (action == "pause") return Reply(res, controller.Pause(*parsed));
  if (action == "resume") return Reply(res, controller.Resume(*parsed));
  if (action == "abort") return Reply(res, controller.Abort(*parsed));
  if (action == "rollback") return Reply(res, controller.Rollback(*parsed));
  ReplyError(res, Status::NotFound("no deployment action \"" + action + "\""));
}

void ServeSetTags(const httplib::Request& req, httplib::Response& res, RolloutStore& store,
                  const std::string& device) {
  auto body = ParseJsonObject(req);
  if (!body.ok()) return ReplyError(res, body.status());
  auto tags = body->find("tags");
  if (tags == body->end() || !tags->is_object() || body->size() != 1) {
    return ReplyError(res, Status::InvalidArgument("tags: expected {\"tags\": {KEY: VALUE, ...}}"));
  }
  DeviceTags parsed;
  for (const auto& [key, value] : tags->items()) {
    if (!value.is_string()) {
      return ReplyError(res, Status::InvalidArgument("tags." + key + ": must be a string"));
    }
    // The same rules as in a target query, so every tag can be targeted.
    if (!rollout::ParseTargetQuery("tag:" + key + "=" + value.get<std::string>()).ok() ||
        key.find(',') != std::string::npos) {
      return ReplyError(
          res, Status::InvalidArgument(
                   "tags." + key + ": keys and values are 1..64 characters of [A-Za-z0-9._:-]"));
    }
    parsed[key] = value.get<std::string>();
  }
  if (parsed.size() > 32) return ReplyError(res, Status::InvalidArgument("tags: more than 32"));
  Status set = store.SetDeviceTags(device, parsed);
  if (!set.ok()) return ReplyError(res, set);
  ReplyJson(res, {{"id", device}, {"tags", parsed}});
}

}  // namespace keel::hub
