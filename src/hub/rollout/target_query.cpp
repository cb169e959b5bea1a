#include "hub/rollout/target_query.h"

#include <fmt/format.h>

#include <algorithm>

namespace keel::hub::rollout {
namespace {

bool IsToken(std::string_view s) {
  return !s.empty() && s.size() <= 64 && std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_' || c == ':' || c == '-';
  });
}

std::vector<std::string_view> Split(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  size_t start = 0;
  while (true) {
    const size_t end = s.find(sep, start);
    out.push_back(s.substr(start, end == std::string_view::npos ? end : end - start));
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  return out;
}

}  // namespace

bool TargetQuery::Matches(const std::string& device, const DeviceTags& device_tags) const {
  if (all) return true;
  if (!ids.empty()) return ids.contains(device);
  for (const auto& [key, value] : tags) {
    auto it = device_tags.find(key);
    if (it == device_tags.end() || it->second != value) return false;
  }
  return true;
}

Result<TargetQuery> ParseTargetQuery(std::string_view text) {
  TargetQuery q;
  auto bad = [&](std::string_view why) {
    return Status::InvalidArgument(fmt::format(
        "target \"{}\": {} (expected all, tag:KEY=VALUE[,...] or devices:ID[,...])", text, why));
  };
  if (text == "all") {
    q.all = true;
    return q;
  }
  if (text.starts_with("tag:")) {
    for (std::string_view term : Split(text.substr(4), ',')) {
      const size_t eq = term.find('=');
      if (eq == std::string_view::npos) return bad(fmt::format("\"{}\" has no '='", term));
      const std::string_view key = term.substr(0, eq), value = term.substr(eq + 1);
      if (!IsToken(key) || !IsToken(value)) return bad(fmt::format("bad tag \"{}\"", term));
      q.tags[std::string(key)] = std::string(value);
    }
    return q;
  }
  if (text.starts_with("devices:")) {
    for (std::string_view id : Split(text.substr(8), ',')) {
      if (!IsToken(id)) return bad(fmt::format("bad device id \"{}\"", id));
      q.ids.insert(std::string(id));
    }
    return q;
  }
  return bad("unknown form");
}

}  // namespace keel::hub::rollout
