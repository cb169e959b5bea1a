#include "cli/event_table.h"

#include <fmt/format.h>

#include <array>
#include <charconv>
#include <ctime>
#include <limits>

#include "common/duration.h"

namespace keel::cli {
namespace {

std::string PercentEncode(std::string_view s) {
  std::string out;
  for (unsigned char c : s) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
        c == '_' || c == '.' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out += fmt::format("%{:02X}", c);
    }
  }
  return out;
}

std::string Scalar(const nlohmann::json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_number_float()) return fmt::format("{:.4g}", v.get<double>());
  if (v.is_object()) return "{..}";
  if (v.is_array()) {
    std::string out;
    for (const auto& item : v) {
      if (!out.empty()) out += ",";
      out += item.is_structured() ? std::string(item.is_object() ? "{..}" : "[..]") : Scalar(item);
    }
    return out;
  }
  return v.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string OneLine(std::string s) {
  for (char& c : s) {
    if (c == '\n' || c == '\r' || c == '\t') c = ' ';
  }
  return s;
}

std::string StringField(const nlohmann::json& object, const char* key) {
  const auto it = object.find(key);
  return it != object.end() && it->is_string() ? OneLine(it->get<std::string>()) : "-";
}

}  // namespace

Result<int64_t> ParsePositiveDuration(std::string_view text) {
  KEEL_ASSIGN_OR_RETURN(const int64_t ms, ParseDuration(text));
  if (ms <= 0) return Status::InvalidArgument(fmt::format("duration \"{}\": must be > 0", text));
  return ms;
}

Result<std::string> EventsPath(const EventsRequest& request, int64_t now_ms) {
  std::string query;
  auto add = [&](std::string_view key, std::string_view value) {
    query += query.empty() ? "?" : "&";
    query += fmt::format("{}={}", key, PercentEncode(value));
  };
  if (!request.device.empty()) add("device", request.device);
  if (!request.type_prefix.empty()) add("type", request.type_prefix);
  if (!request.since.empty()) {
    auto since = ParsePositiveDuration(request.since);
    if (!since.ok()) return Status::InvalidArgument("--since: " + since.status().message());
    add("from", std::to_string(now_ms - *since));
  }
  if (request.limit < 0) return Status::InvalidArgument("--limit must be positive");
  if (request.limit > 0) add("limit", std::to_string(request.limit));
  return "/api/v1/events" + query;
}

std::string FormatUtcMs(int64_t ms) {
  const int64_t secs = ms >= 0 ? ms / 1000 : (ms - 999) / 1000;
  const std::time_t t = static_cast<std::time_t>(secs);
  std::tm tm{};
  gmtime_r(&t, &tm);
  std::array<char, 32> buf{};
  std::strftime(buf.data(), buf.size(), "%Y-%m-%dT%H:%M:%S", &tm);
  return fmt::format("{}.{:03}Z", buf.data(), ms - secs * 1000);
}

std::string SummarizeEventData(const nlohmann::json& data, size_t max_chars) {
  if (!data.is_object() || data.empty()) return "-";
  constexpr std::array<std::string_view, 3> kFirst = {"mode", "score", "signals"};
  std::string out;
  auto add = [&](const std::string& key, const nlohmann::json& value) {
    if (!out.empty()) out += " ";
    out += key + "=" + Scalar(value);
  };
  for (std::string_view key : kFirst) {
    if (auto it = data.find(key); it != data.end()) add(std::string(key), *it);
  }
  for (const auto& [key, value] : data.items()) {
    bool first = false;
    for (std::string_view k : kFirst) first = first || key == k;
    if (!first) add(key, value);
  }
  out = OneLine(std::move(out));
  if (out.size() > max_chars && max_chars >= 3) out = out.substr(0, max_chars - 3) + "...";
  return out;
}

void PrintEventTable(const nlohmann::json& events, std::ostream& out) {
  out << fmt::format("{:<24} {:<20} {:<28} {}\n", "TIME (UTC)", "DEVICE", "TYPE", "SUMMARY");
  if (!events.is_array()) return;
  for (const auto& e : events) {
    if (!e.is_object()) continue;
    const auto t = e.find("t");
    const std::string time =
        t != e.end() && t->is_number_integer() ? FormatUtcMs(t->get<int64_t>()) : "-";
    const auto data = e.find("data");
    out << fmt::format("{:<24} {:<20} {:<28} {}\n", time, StringField(e, "device"),
                       StringField(e, "type"), data != e.end() ? SummarizeEventData(*data) : "-");
  }
}

}  // namespace keel::cli
