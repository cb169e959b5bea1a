#include "wire/topics.h"

#include <cassert>
#include <vector>

namespace keel::wire {
namespace {

bool IsIdHead(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }
bool IsIdChar(char c) { return IsIdHead(c) || c == '.' || c == '_' || c == '-'; }

std::string Join(std::string_view id, std::string_view leaf) {
  std::string topic;
  topic.reserve(kTopicRoot.size() + id.size() + leaf.size() + 2);
  topic.append(kTopicRoot).append("/").append(id).append("/").append(leaf);
  return topic;
}

std::vector<std::string_view> SplitLevels(std::string_view topic) {
  std::vector<std::string_view> levels;
  size_t start = 0;
  while (true) {
    size_t slash = topic.find('/', start);
    if (slash == std::string_view::npos) {
      levels.push_back(topic.substr(start));
      return levels;
    }
    levels.push_back(topic.substr(start, slash - start));
    start = slash + 1;
  }
}

std::string Quoted(std::string_view s) {
  constexpr size_t kMaxShown = 80;
  std::string out = "\"";
  out.append(s.substr(0, kMaxShown));
  if (s.size() > kMaxShown) out.append("...");
  return out + "\"";
}

}  // namespace

bool IsValidDeviceId(std::string_view id) {
  if (id.empty() || id.size() > 64 || !IsIdHead(id[0])) return false;
  for (char c : id) {
    if (!IsIdChar(c)) return false;
  }
  return true;
}

bool IsValidCommandName(std::string_view name) { return IsValidDeviceId(name); }

std::string TelemetryTopic(std::string_view id) {
  assert(IsValidDeviceId(id));
  return Join(id, "telemetry");
}

std::string EventsTopic(std::string_view id) {
  assert(IsValidDeviceId(id));
  return Join(id, "events");
}

std::string StateTopic(std::string_view id) {
  assert(IsValidDeviceId(id));
  return Join(id, "state");
}

std::string CommandTopic(std::string_view id, std::string_view name) {
  assert(IsValidDeviceId(id) && IsValidCommandName(name));
  return Join(id, "cmd/").append(name);
}

std::string CommandFilter(std::string_view id) {
  assert(IsValidDeviceId(id));
  return Join(id, "cmd/#");
}

Result<ParsedTopic> ParseTopic(std::string_view topic) {
  auto error = [&](std::string_view why) {
    return Status::InvalidArgument("topic " + Quoted(topic) + ": " + std::string(why));
  };
  std::vector<std::string_view> levels = SplitLevels(topic);
  if (levels.size() < 4 || levels[0] != "keel" || levels[1] != "v1") {
    return error("not under keel/v1/<device>/");
  }
  if (!IsValidDeviceId(levels[2])) {
    return error("invalid device id " + Quoted(levels[2]));
  }
  ParsedTopic parsed;
  parsed.device_id = std::string(levels[2]);
  std::string_view leaf = levels[3];
  if (leaf == "cmd") {
    if (levels.size() != 5) return error("expected keel/v1/<device>/cmd/<name>");
    if (!IsValidCommandName(levels[4])) {
      return error("invalid command name " + Quoted(levels[4]));
    }
    parsed.kind = TopicKind::kCommand;
    parsed.command = std::string(levels[4]);
    return parsed;
  }
  if (levels.size() != 4) return error("unexpected levels after " + Quoted(leaf));
  if (leaf == "telemetry") {
    parsed.kind = TopicKind::kTelemetry;
  } else if (leaf == "events") {
    parsed.kind = TopicKind::kEvents;
  } else if (leaf == "state") {
    parsed.kind = TopicKind::kState;
  } else {
    return error("unknown message kind " + Quoted(leaf) +
                 " (expected telemetry, events, state or cmd/<name>)");
  }
  return parsed;
}

}  // namespace keel::wire
