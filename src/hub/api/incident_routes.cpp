#include "hub/api/incident_routes.h"

#include <charconv>
#include <initializer_list>
#include <map>
#include <string_view>

#include "hub/api/http_json.h"

namespace keel::hub {
namespace {

constexpr int64_t kDefaultIncidentsPerRead = 100;
constexpr int64_t kMaxIncidentsPerRead = 1000;

Result<int64_t> ParseId(const std::string& text, std::string_view what) {
  int64_t id = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
  if (ec != std::errc() || end != text.data() + text.size() || id <= 0) {
    return Status::InvalidArgument(std::string(what) + " id \"" + text.substr(0, 40) +
                                   "\" is not a positive integer");
  }
  return id;
}

// The string members of a strict request body: every member must be one of
// `allowed` and a string; `required` ones must be present.
Result<std::map<std::string, std::string>> StringMembers(
    const nlohmann::json& body, std::initializer_list<std::string_view> allowed,
    std::initializer_list<std::string_view> required) {
  std::map<std::string, std::string> out;
  for (const auto& [key, value] : body.items()) {
    bool known = false;
    for (std::string_view a : allowed) known = known || key == a;
    if (!known) return Status::InvalidArgument("request body: unknown member \"" + key + "\"");
    if (!value.is_string()) {
      return Status::InvalidArgument("request body: \"" + key + "\" must be a string");
    }
    out[key] = value.get<std::string>();
  }
  for (std::string_view r : required) {
    if (!out.contains(std::string(r))) {
      return Status::InvalidArgument("request body: missing \"" + std::string(r) + "\"");
    }
  }
  return out;
}

std::string ByOf(const std::map<std::string, std::string>& members) {
  auto it = members.find("by");
  return it == members.end() || it->second.empty() ? std::string("operator") : it->second;
}

Result<nlohmann::json> IncidentAction(const httplib::Request& req, alerts::AlertService& alerts,
                                      const std::string& id_text, const std::string& action) {
  KEEL_ASSIGN_OR_RETURN(const int64_t id, ParseId(id_text, "incident"));
  nlohmann::json body = nlohmann::json::object();
  if (!req.body.empty()) {
    KEEL_ASSIGN_OR_RETURN(body, ParseJsonObject(req));
  }
  if (action == "label") {
    KEEL_ASSIGN_OR_RETURN(auto members,
                          StringMembers(body, {"verdict", "cause", "by"}, {"verdict"}));
    alerts::OperatorLabel label;
    label.verdict = members["verdict"];
    label.cause = members["cause"];
    label.by = ByOf(members);
    KEEL_ASSIGN_OR_RETURN(auto incident, alerts.Label(id, std::move(label)));
    return alerts::IncidentToJson(incident);
  }
  KEEL_ASSIGN_OR_RETURN(auto members, StringMembers(body, {"by", "note"}, {}));
  if (action == "ack") {
    KEEL_ASSIGN_OR_RETURN(auto incident, alerts.Acknowledge(id, ByOf(members), members["note"]));
    return alerts::IncidentToJson(incident);
  }
  KEEL_ASSIGN_OR_RETURN(auto incident, alerts.Resolve(id, ByOf(members), members["note"]));
  return alerts::IncidentToJson(incident);
}

void Reply(httplib::Response& res, const Result<nlohmann::json>& result, int http_status = 200) {
  if (!result.ok()) return ReplyError(res, result.status());
  ReplyJson(res, *result, http_status);
}

}  // namespace

void ServeIncidentList(const httplib::Request& req, httplib::Response& res,
                       alerts::AlertService& alerts) {
  auto reply = [&]() -> Result<nlohmann::json> {
    IncidentQuery query;
    if (req.has_param("state")) {
      const std::string state = req.get_param_value("state");
      if (state == "active") {
        query.active_only = true;
      } else if (alerts::ParseIncidentState(state)) {
        query.state = state;
      } else {
        return Status::InvalidArgument("query parameter state=\"" + state.substr(0, 40) +
                                       "\": must be open, acknowledged, resolved or active");
      }
    }
    KEEL_ASSIGN_OR_RETURN(const auto since, IntQueryParam(req, "since"));
    KEEL_ASSIGN_OR_RETURN(const auto limit, IntQueryParam(req, "limit"));
    query.updated_since_ms = since.value_or(0);
    const int64_t n = limit.value_or(kDefaultIncidentsPerRead);
    if (n < 1 || n > kMaxIncidentsPerRead) {
      return Status::InvalidArgument("query parameter limit=\"" + std::to_string(n) +
                                     "\": must be 1.." + std::to_string(kMaxIncidentsPerRead));
    }
    query.limit = static_cast<size_t>(n);
    KEEL_ASSIGN_OR_RETURN(auto incidents, alerts.List(query));
    nlohmann::json out = nlohmann::json::array();
    for (const auto& incident : incidents) out.push_back(alerts::IncidentToJson(incident));
    return nlohmann::json{{"incidents", std::move(out)}};
  }();
  Reply(res, reply);
}

void ServeIncident(httplib::Response& res, alerts::AlertService& alerts, const std::string& id) {
  auto reply = [&]() -> Result<nlohmann::json> {
    KEEL_ASSIGN_OR_RETURN(const int64_t parsed, ParseId(id, "incident"));
    KEEL_ASSIGN_OR_RETURN(auto incident, alerts.Get(parsed));
    return alerts::IncidentToJson(incident);
  }();
  Reply(res, reply);
}

void ServeIncidentAction(const httplib::Request& req, httplib::Response& res,
                         alerts::AlertService& alerts, const std::string& id,
                         const std::string& action) {
  Reply(res, IncidentAction(req, alerts, id, action));
}

void ServeSilenceList(httplib::Response& res, alerts::AlertService& alerts) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& silence : alerts.Silences()) out.push_back(alerts::SilenceToJson(silence));
  ReplyJson(res, {{"silences", std::move(out)}});
}

void ServeCreateSilence(const httplib::Request& req, httplib::Response& res,
                        alerts::AlertService& alerts) {
  auto reply = [&]() -> Result<nlohmann::json> {
    KEEL_ASSIGN_OR_RETURN(auto body, ParseJsonObject(req));
    std::string by = "operator";
    if (auto it = body.find("by"); it != body.end()) {
      if (!it->is_string()) return Status::InvalidArgument("request body: \"by\" must be a string");
      if (!it->get<std::string>().empty()) by = it->get<std::string>();
      body.erase("by");
    }
    KEEL_ASSIGN_OR_RETURN(auto silence, alerts.AddSilence(body, by));
    return alerts::SilenceToJson(silence);
  }();
  Reply(res, reply, 201);
}

void ServeExpireSilence(const httplib::Request& req, httplib::Response& res,
                        alerts::AlertService& alerts, const std::string& id) {
  auto reply = [&]() -> Result<nlohmann::json> {
    KEEL_ASSIGN_OR_RETURN(const int64_t parsed, ParseId(id, "silence"));
    const std::string by = req.has_param("by") ? req.get_param_value("by") : "operator";
    KEEL_ASSIGN_OR_RETURN(auto silence, alerts.ExpireSilence(parsed, by));
    return alerts::SilenceToJson(silence);
  }();
  Reply(res, reply);
}

void ServeNotifications(const httplib::Request& req, httplib::Response& res, IncidentStore& store) {
  auto reply = [&]() -> Result<nlohmann::json> {
    KEEL_ASSIGN_OR_RETURN(const auto after, IntQueryParam(req, "after"));
    KEEL_ASSIGN_OR_RETURN(const auto limit, IntQueryParam(req, "limit"));
    const int64_t n = limit.value_or(kDefaultIncidentsPerRead);
    if (n < 1 || n > kMaxIncidentsPerRead) {
      return Status::InvalidArgument("query parameter limit=\"" + std::to_string(n) +
                                     "\": must be 1.." + std::to_string(kMaxIncidentsPerRead));
    }
    KEEL_ASSIGN_OR_RETURN(auto rows,
                          store.ListNotifications(after.value_or(0), static_cast<size_t>(n)));
    nlohmann::json out = nlohmann::json::array();
    for (const auto& row : rows) {
      nlohmann::json body = nlohmann::json::parse(row.body, nullptr, false);
      if (!body.is_object()) {
        return Status::Internal("hub store: notification " + std::to_string(row.id) +
                                " is not a JSON object");
      }
      body["id"] = row.id;
      body["delivered_ms"] = row.delivered_ms;
      out.push_back(std::move(body));
    }
    return nlohmann::json{{"notifications", std::move(out)}};
  }();
  Reply(res, reply);
}

}  // namespace keel::hub
