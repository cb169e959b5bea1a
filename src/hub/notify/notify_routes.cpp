#include "hub/notify/notify_routes.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <set>

#include "common/files.h"
#include "common/strict_json.h"

namespace keel::hub::notify {
namespace {

constexpr size_t kMaxRoutesBytes = 1 << 20;
constexpr int kMaxRoutesDepth = 16;
constexpr size_t kMaxRoutes = 64;

bool ValidName(std::string_view name) {
  if (name.empty() || name.size() > 64) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '.' || c == '-';
  });
}

bool SafeText(std::string_view text) {
  return std::none_of(text.begin(), text.end(),
                      [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; });
}

// Splits scheme://host[:port][/path] (host may be [v6]); `why` says what is wrong.
// The port is 0 when the URL names none.
bool SplitUrl(Route& r, std::string* why) {
  const size_t sep = r.url.find("://");
  if (sep == std::string::npos) return *why = "expected scheme://host[:port][/path]", false;
  r.scheme = r.url.substr(0, sep);
  std::string rest = r.url.substr(sep + 3);
  const size_t slash = rest.find('/');
  r.path = slash == std::string::npos ? "" : rest.substr(slash);
  std::string authority = rest.substr(0, slash);
  if (authority.find('@') != std::string::npos) {
    return *why = "must not carry credentials (use bearer_token_file or password_file)", false;
  }
  std::string port_text;
  if (!authority.empty() && authority[0] == '[') {
    const size_t close = authority.find(']');
    if (close == std::string::npos) return *why = "unterminated [IPv6] host", false;
    r.host = authority.substr(1, close - 1);
    const std::string after = authority.substr(close + 1);
    if (!after.empty() && after[0] != ':') return *why = "garbage after the [IPv6] host", false;
    if (!after.empty()) port_text = after.substr(1);
  } else {
    const size_t colon = authority.find(':');
    r.host = authority.substr(0, colon);
    if (colon != std::string::npos) port_text = authority.substr(colon + 1);
  }
  if (r.host.empty()) return *why = "has no host", false;
  r.port = 0;
  if (!port_text.empty()) {
    if (port_text.size() > 5 || !std::all_of(port_text.begin(), port_text.end(),
                                             [](char c) { return c >= '0' && c <= '9'; })) {
      return *why = "port must be a number 1..65535", false;
    }
    r.port = std::stoi(port_text);
    if (r.port < 1 || r.port > 65535) return *why = "port must be a number 1..65535", false;
  }
  return true;
}

Status ReadPositive(JsonMembers& f, std::string_view key, int64_t max, int64_t* out) {
  if (!f.Has(key)) return Status::Ok();
  KEEL_ASSIGN_OR_RETURN(*out, f.Int(key));
  if (*out < 1 || *out > max) return f.Error(key, fmt::format("must be in 1..{}", max));
  return Status::Ok();
}

Result<TlsFiles> ReadTls(JsonMembers& f) {
  TlsFiles tls;
  KEEL_ASSIGN_OR_RETURN(std::string ca, f.String("ca_file"));
  if (ca.empty()) return f.Error("ca_file", "must not be empty");
  tls.ca_file = ca;
  KEEL_ASSIGN_OR_RETURN(std::string cert, f.OptionalString("cert_file"));
  KEEL_ASSIGN_OR_RETURN(std::string key, f.OptionalString("key_file"));
  if (cert.empty() != key.empty()) {
    return f.Error(cert.empty() ? "cert_file" : "key_file",
                   "cert_file and key_file go together (mutual TLS)");
  }
  tls.cert_file = cert;
  tls.key_file = key;
  KEEL_RETURN_IF_ERROR(f.Finish());
  return tls;
}

Result<RouteMatch> ReadMatch(JsonMembers& f) {
  KEEL_RETURN_IF_ERROR(f.RequireObject());
  RouteMatch m;
  if (f.Has("min_priority")) {
    KEEL_ASSIGN_OR_RETURN(std::string p, f.String("min_priority"));
    if (p.size() != 2 || p[0] != 'P' || p[1] < '1' || p[1] > '4') {
      return f.Error("min_priority", "must be P1, P2, P3 or P4");
    }
    m.max_priority_bucket = p[1] - '0';
  }
  if (f.Has("severities")) {
    KEEL_ASSIGN_OR_RETURN(m.severities, f.StringArray("severities"));
    for (const auto& s : m.severities) {
      if (s != "info" && s != "warning" && s != "critical") {
        return f.Error("severities", fmt::format("\"{}\" is not info, warning or critical", s));
      }
    }
  }
  if (f.Has("reasons")) {
    KEEL_ASSIGN_OR_RETURN(m.reasons, f.StringArray("reasons"));
    for (const auto& r : m.reasons) {
      if (r != "opened" && r != "reopened" && r != "escalated" && r != "repeated" &&
          r != "resolved") {
        return f.Error("reasons",
                       fmt::format("\"{}\" is not opened, reopened, escalated, repeated or "
                                   "resolved",
                                   r));
      }
    }
  }
  if (f.Has("labels")) {
    KEEL_ASSIGN_OR_RETURN(m.labels, f.StringMap("labels"));
  }
  KEEL_RETURN_IF_ERROR(f.Finish());
  return m;
}

Result<RetryPolicy> ReadRetry(JsonMembers& f) {
  KEEL_RETURN_IF_ERROR(f.RequireObject());
  RetryPolicy r;
  int64_t attempts = r.max_attempts;
  KEEL_RETURN_IF_ERROR(ReadPositive(f, "max_attempts", 100, &attempts));
  r.max_attempts = static_cast<int>(attempts);
  KEEL_RETURN_IF_ERROR(ReadPositive(f, "initial_backoff_ms", 3'600'000, &r.initial_backoff_ms));
  KEEL_RETURN_IF_ERROR(ReadPositive(f, "max_backoff_ms", 86'400'000, &r.max_backoff_ms));
  if (r.max_backoff_ms < r.initial_backoff_ms) {
    return f.Error("max_backoff_ms", "must not be less than initial_backoff_ms");
  }
  KEEL_RETURN_IF_ERROR(f.Finish());
  return r;
}

Result<Route> ReadRoute(JsonMembers& f) {
  KEEL_RETURN_IF_ERROR(f.RequireObject());
  Route r;
  KEEL_ASSIGN_OR_RETURN(r.name, f.String("name"));
  if (!ValidName(r.name)) return f.Error("name", "must be 1..64 of [A-Za-z0-9_.-]");
  KEEL_ASSIGN_OR_RETURN(std::string type, f.String("type"));
  if (type == "webhook") {
    r.type = RouteType::kWebhook;
  } else if (type == "alertmanager") {
    r.type = RouteType::kAlertmanager;
  } else if (type == "smtp") {
    r.type = RouteType::kSmtp;
  } else {
    return f.Error("type", fmt::format("\"{}\" is not webhook, alertmanager or smtp", type));
  }
  KEEL_ASSIGN_OR_RETURN(r.url, f.String("url"));
  std::string why;
  if (!SafeText(r.url)) return f.Error("url", "contains control characters");
  if (!SplitUrl(r, &why)) return f.Error("url", why);
  if (r.port == 0) r.port = r.scheme == "smtps" ? 465 : r.scheme == "smtp" ? 587 : 443;
  if (r.type == RouteType::kSmtp) {
    if (r.scheme != "smtps" && r.scheme != "smtp") {
      return f.Error("url", "must be smtps://host[:port] (or smtp:// with STARTTLS, required)");
    }
    if (!r.path.empty() && r.path != "/") return f.Error("url", "an SMTP URL has no path");
  } else if (r.scheme != "https") {
    return f.Error("url", "must be https:// (plaintext HTTP is never used)");
  }
  KEEL_ASSIGN_OR_RETURN(auto tls, f.Child("tls"));
  KEEL_RETURN_IF_ERROR(tls.RequireObject());
  KEEL_ASSIGN_OR_RETURN(r.tls, ReadTls(tls));
  if (f.Has("match")) {
    KEEL_ASSIGN_OR_RETURN(auto match, f.Child("match"));
    KEEL_ASSIGN_OR_RETURN(r.match, ReadMatch(match));
  }
  if (f.Has("retry")) {
    KEEL_ASSIGN_OR_RETURN(auto retry, f.Child("retry"));
    KEEL_ASSIGN_OR_RETURN(r.retry, ReadRetry(retry));
  }
  KEEL_RETURN_IF_ERROR(ReadPositive(f, "timeout_ms", 600'000, &r.timeout_ms));
  KEEL_RETURN_IF_ERROR(ReadPositive(f, "connect_timeout_ms", 600'000, &r.connect_timeout_ms));
  if (r.type == RouteType::kSmtp) {
    KEEL_ASSIGN_OR_RETURN(r.from, f.String("from"));
    if (r.from.empty() || !SafeText(r.from)) return f.Error("from", "must be a mail address");
    KEEL_ASSIGN_OR_RETURN(r.to, f.StringArray("to"));
    if (r.to.empty()) return f.Error("to", "needs at least one address");
    for (const auto& to : r.to) {
      if (to.empty() || !SafeText(to)) return f.Error("to", "must be mail addresses");
    }
    KEEL_ASSIGN_OR_RETURN(r.username, f.OptionalString("username"));
    KEEL_ASSIGN_OR_RETURN(std::string password_file, f.OptionalString("password_file"));
    if (r.username.empty() != password_file.empty()) {
      return f.Error(r.username.empty() ? "username" : "password_file",
                     "username and password_file go together");
    }
    r.password_file = password_file;
  } else {
    KEEL_ASSIGN_OR_RETURN(std::string token_file, f.OptionalString("bearer_token_file"));
    r.bearer_token_file = token_file;
    if (r.type == RouteType::kAlertmanager) {
      KEEL_RETURN_IF_ERROR(ReadPositive(f, "resend_interval_ms", 3'600'000, &r.resend_interval_ms));
      if (r.resend_interval_ms < 1'000) {
        return f.Error("resend_interval_ms", "must be at least 1000");
      }
      if (!r.path.empty() && r.path.back() == '/') r.path.pop_back();
    } else if (r.path.empty()) {
      r.path = "/";
    }
  }
  KEEL_RETURN_IF_ERROR(f.Finish());
  return r;
}

Result<RoutesConfig> ReadConfig(JsonMembers& f) {
  KEEL_RETURN_IF_ERROR(f.RequireObject());
  RoutesConfig config;
  KEEL_ASSIGN_OR_RETURN(config.hub_url, f.OptionalString("hub_url"));
  if (!config.hub_url.empty()) {
    if (config.hub_url.rfind("https://", 0) != 0 || !SafeText(config.hub_url)) {
      return f.Error("hub_url", "must be an https:// URL");
    }
    while (config.hub_url.back() == '/') config.hub_url.pop_back();
  }
  KEEL_ASSIGN_OR_RETURN(auto routes, f.ObjectArray("routes"));
  if (routes.size() > kMaxRoutes) {
    return f.Error("routes", fmt::format("at most {} routes", kMaxRoutes));
  }
  std::set<std::string> names;
  for (size_t i = 0; i < routes.size(); ++i) {
    KEEL_ASSIGN_OR_RETURN(Route route, ReadRoute(routes[i]));
    if (!names.insert(route.name).second) {
      return routes[i].Error("name", fmt::format("\"{}\" is used by an earlier route", route.name));
    }
    config.routes.push_back(std::move(route));
  }
  KEEL_RETURN_IF_ERROR(f.Finish());
  return config;
}

Result<std::string> ReadSecret(const Route& route, const std::filesystem::path& file,
                               std::string_view what) {
  auto text = ReadFile(file);
  if (!text.ok()) {
    return text.status().WithContext(
        fmt::format("route {}: {} {}", route.name, what, file.string()));
  }
  std::string secret = std::move(text).value();
  while (!secret.empty() && (secret.back() == '\n' || secret.back() == '\r')) secret.pop_back();
  if (secret.empty() || !SafeText(secret)) {
    return Status::InvalidArgument(
        fmt::format("route {}: {} {}: empty or not one line", route.name, what, file.string()));
  }
  return secret;
}

}  // namespace

std::string_view RouteTypeName(RouteType type) {
  switch (type) {
    case RouteType::kWebhook:
      return "webhook";
    case RouteType::kAlertmanager:
      return "alertmanager";
    case RouteType::kSmtp:
      return "smtp";
  }
  return "?";
}

Result<RoutesConfig> ParseNotifyRoutes(std::string_view text, std::string_view source) {
  KEEL_ASSIGN_OR_RETURN(nlohmann::json json,
                        ParseStrictJson(text, source, kMaxRoutesBytes, kMaxRoutesDepth));
  JsonMembers fields(json, "");
  auto config = ReadConfig(fields);
  if (!config.ok()) return config.status().WithContext(source);
  return config;
}

Status LoadRouteSecrets(RoutesConfig& config) {
  for (auto& route : config.routes) {
    if (!route.bearer_token_file.empty()) {
      KEEL_ASSIGN_OR_RETURN(route.bearer_token,
                            ReadSecret(route, route.bearer_token_file, "bearer_token_file"));
    }
    if (!route.password_file.empty()) {
      KEEL_ASSIGN_OR_RETURN(route.password,
                            ReadSecret(route, route.password_file, "password_file"));
    }
  }
  return Status::Ok();
}

bool RouteMatches(const RouteMatch& match, const MatchInput& input) {
  const int bucket =
      input.priority.size() == 2 && input.priority[0] == 'P' ? input.priority[1] - '0' : 4;
  if (bucket > match.max_priority_bucket) return false;
  auto contains = [](const std::vector<std::string>& list, const std::string& value) {
    return list.empty() || std::find(list.begin(), list.end(), value) != list.end();
  };
  if (!contains(match.severities, input.severity)) return false;
  if (!contains(match.reasons, input.reason)) return false;
  for (const auto& [label, value] : match.labels) {
    auto it = input.labels.find(label);
    if (it == input.labels.end() || it->second != value) return false;
  }
  return true;
}

int64_t BackoffMs(const RetryPolicy& retry, int attempt, double uniform) {
  double delay = static_cast<double>(retry.initial_backoff_ms);
  for (int i = 1; i < attempt && delay < static_cast<double>(retry.max_backoff_ms); ++i) {
    delay *= 2;
  }
  delay = std::min(delay, static_cast<double>(retry.max_backoff_ms));
  const double jitter = 0.5 + 0.5 * std::clamp(uniform, 0.0, 1.0);
  return std::max<int64_t>(1, std::llround(delay * jitter));
}

}  // namespace keel::hub::notify
