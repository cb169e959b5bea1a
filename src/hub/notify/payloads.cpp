#include "hub/notify/payloads.h"

#include <fmt/format.h>

#include <ctime>

namespace keel::hub::notify {
namespace {

using nlohmann::json;

Result<std::string> StringField(const json& body, const char* key, int64_t id) {
  auto it = body.find(key);
  if (it == body.end() || !it->is_string()) {
    return Status::InvalidArgument(
        fmt::format("notification {}: {} missing or not a string", id, key));
  }
  return it->get<std::string>();
}

Result<int64_t> IntField(const json& body, const char* key, int64_t id) {
  auto it = body.find(key);
  if (it == body.end() || !it->is_number_integer()) {
    return Status::InvalidArgument(
        fmt::format("notification {}: {} missing or not an integer", id, key));
  }
  return it->get<int64_t>();
}

// Header values never carry line breaks (no header injection).
std::string OneLine(std::string_view text) {
  std::string out;
  for (char c : text) out += (c == '\r' || c == '\n' || c == '\t') ? ' ' : c;
  return out;
}

std::string Base64(std::string_view in) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    const uint32_t v = (static_cast<uint8_t>(in[i]) << 16) |
                       (static_cast<uint8_t>(in[i + 1]) << 8) | static_cast<uint8_t>(in[i + 2]);
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
    out += kAlphabet[v & 63];
  }
  if (i < in.size()) {
    uint32_t v = static_cast<uint8_t>(in[i]) << 16;
    if (i + 1 < in.size()) v |= static_cast<uint8_t>(in[i + 1]) << 8;
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += i + 1 < in.size() ? kAlphabet[(v >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

// RFC 2047 encoded-word when the text is not plain ASCII.
std::string HeaderText(std::string_view text) {
  const std::string line = OneLine(text);
  for (char c : line) {
    if (static_cast<unsigned char>(c) >= 0x80) return "=?UTF-8?B?" + Base64(line) + "?=";
  }
  return line;
}

std::string MailDate(int64_t ms) {
  const std::time_t t = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buffer[64];
  std::strftime(buffer, sizeof buffer, "%a, %d %b %Y %H:%M:%S +0000", &tm);
  return buffer;
}

}  // namespace

Result<NotificationView> ParseNotification(int64_t id, std::string_view body) {
  NotificationView n;
  n.id = id;
  n.body = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (!n.body.is_object()) {
    return Status::InvalidArgument(fmt::format("notification {}: not a JSON object", id));
  }
  KEEL_ASSIGN_OR_RETURN(n.incident, IntField(n.body, "incident", id));
  KEEL_ASSIGN_OR_RETURN(n.reason, StringField(n.body, "reason", id));
  KEEL_ASSIGN_OR_RETURN(n.at_ms, IntField(n.body, "at_ms", id));
  KEEL_ASSIGN_OR_RETURN(n.title, StringField(n.body, "title", id));
  KEEL_ASSIGN_OR_RETURN(n.group_key, StringField(n.body, "group_key", id));
  KEEL_ASSIGN_OR_RETURN(n.priority, StringField(n.body, "priority", id));
  KEEL_ASSIGN_OR_RETURN(n.severity, StringField(n.body, "severity", id));
  KEEL_ASSIGN_OR_RETURN(n.priority_score, IntField(n.body, "priority_score", id));
  KEEL_ASSIGN_OR_RETURN(n.firing, IntField(n.body, "firing", id));
  return n;
}

std::map<std::string, std::string> SharedLabels(const alerts::Incident& incident) {
  std::map<std::string, std::string> shared;
  bool first = true;
  for (const auto& m : incident.members) {
    if (!m.inhibited_by.empty()) continue;
    if (first) {
      shared = m.labels;
      first = false;
      continue;
    }
    for (auto it = shared.begin(); it != shared.end();) {
      auto other = m.labels.find(it->first);
      it =
          other == m.labels.end() || other->second != it->second ? shared.erase(it) : std::next(it);
    }
  }
  return shared;
}

std::string IncidentLink(const std::string& hub_url, int64_t incident) {
  return fmt::format("{}/api/v1/incidents/{}", hub_url, incident);
}

json WebhookBody(const NotificationView& n, const alerts::Incident* incident,
                 const std::string& hub_url) {
  json notification = n.body;
  notification["id"] = n.id;
  json summary = nullptr;
  if (incident != nullptr) {
    summary = {{"id", incident->id},
               {"state", alerts::IncidentStateName(incident->state)},
               {"title", incident->Title()},
               {"priority", incident->priority()},
               {"priority_score", incident->priority_score},
               {"severity", alerts::SeverityName(incident->severity)},
               {"group_key", incident->group_key},
               {"labels", SharedLabels(*incident)},
               {"members", incident->members.size()},
               {"firing", incident->NotifiableFiring()},
               {"opened_ms", incident->opened_ms},
               {"link", IncidentLink(hub_url, incident->id)}};
  }
  return {{"notification", std::move(notification)}, {"incident", std::move(summary)}};
}

std::string Rfc3339(int64_t ms) {
  const std::time_t t = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&t, &tm);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", tm.tm_year + 1900, tm.tm_mon + 1,
                     tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ms % 1000);
}

namespace {

json AlertOf(json labels, json annotations, int64_t incident, int64_t starts_ms, int64_t ends_ms,
             const std::string& hub_url) {
  labels["alertname"] = "keel_incident";
  labels["incident"] = std::to_string(incident);
  annotations["link"] = IncidentLink(hub_url, incident);
  json alert = {{"labels", std::move(labels)},
                {"annotations", std::move(annotations)},
                {"startsAt", Rfc3339(starts_ms)},
                {"endsAt", Rfc3339(ends_ms)}};
  if (!hub_url.empty()) alert["generatorURL"] = IncidentLink(hub_url, incident);
  return alert;
}

}  // namespace

json AlertmanagerAlert(const alerts::Incident& incident, const std::string& reason, int64_t ends_ms,
                       const std::string& hub_url) {
  json labels = json::object();
  for (const auto& [label, value] : SharedLabels(incident)) {
    if (!value.empty()) labels[label] = value;
  }
  labels["priority"] = incident.priority();
  labels["severity"] = alerts::SeverityName(incident.severity);
  json annotations = {{"title", incident.Title()},
                      {"summary", incident.Title()},
                      {"reason", reason},
                      {"priority_score", std::to_string(incident.priority_score)},
                      {"group_key", incident.group_key},
                      {"members", std::to_string(incident.members.size())}};
  return AlertOf(std::move(labels), std::move(annotations), incident.id, incident.opened_ms,
                 ends_ms, hub_url);
}

json AlertmanagerAlert(const NotificationView& n, int64_t ends_ms, const std::string& hub_url) {
  json labels = {{"priority", n.priority}, {"severity", n.severity}};
  json annotations = {{"title", n.title},
                      {"summary", n.title},
                      {"reason", n.reason},
                      {"priority_score", std::to_string(n.priority_score)},
                      {"group_key", n.group_key}};
  return AlertOf(std::move(labels), std::move(annotations), n.incident, n.at_ms, ends_ms, hub_url);
}

std::string MailContent(const Route& route, const NotificationView& n,
                        const alerts::Incident* incident, const std::string& hub_url) {
  std::string to;
  for (const auto& address : route.to) to += (to.empty() ? "" : ", ") + OneLine(address);
  std::string m;
  m += "From: " + OneLine(route.from) + "\r\n";
  m += "To: " + to + "\r\n";
  m += "Subject: " + HeaderText(fmt::format("[Keel {}] {}: {}", n.priority, n.reason, n.title)) +
       "\r\n";
  m += "Date: " + MailDate(n.at_ms) + "\r\n";
  m += fmt::format("Message-ID: <keel-notification-{}.{}@keel>\r\n", n.id, n.incident);
  m += "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n"
       "Content-Transfer-Encoding: 8bit\r\n\r\n";
  std::string text = fmt::format("Incident {} {}: {}\n", n.incident, n.reason, n.title);
  text += fmt::format("Priority: {} (score {}), severity {}\n", n.priority, n.priority_score,
                      n.severity);
  text += fmt::format("Group: {}\n", n.group_key);
  text += fmt::format("At: {}\n", Rfc3339(n.at_ms));
  if (incident != nullptr) {
    text +=
        fmt::format("State: {}, {} alerts, {} firing\n", alerts::IncidentStateName(incident->state),
                    incident->members.size(), incident->NotifiableFiring());
    std::string labels;
    for (const auto& [label, value] : SharedLabels(*incident)) {
      labels += (labels.empty() ? "" : ", ") + label + "=" + value;
    }
    if (!labels.empty()) text += "Labels: " + labels + "\n";
  }
  text += "Link: " + IncidentLink(hub_url, n.incident) + "\n";
  // CRLF line ends (libcurl dot-stuffs the DATA itself).
  for (char c : text) {
    if (c == '\n') {
      m += "\r\n";
    } else if (c != '\r') {
      m += c;
    }
  }
  return m;
}

}  // namespace keel::hub::notify
