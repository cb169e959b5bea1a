#include "tuf/metadata_json.h"

#include <fmt/format.h>

#include <cstdio>
#include <ctime>
#include <vector>

namespace keel::tuf::internal {
namespace {

constexpr int kMaxDepth = 16;

}  // namespace

Result<nlohmann::json> ParseMetadataJson(std::string_view text, std::string_view file) {
  if (text.size() > kMaxMetadataBytes) {
    return Status::InvalidArgument(
        fmt::format("{}: {} bytes; the limit is {}", file, text.size(), kMaxMetadataBytes));
  }
  std::string problem;
  std::vector<std::set<std::string>> keys;  // one per open object
  auto callback = [&](int depth, nlohmann::json::parse_event_t event, nlohmann::json& parsed) {
    using Event = nlohmann::json::parse_event_t;
    if (!problem.empty()) return false;
    if (depth > kMaxDepth) {
      problem = fmt::format("nesting deeper than {}", kMaxDepth);
      return false;
    }
    switch (event) {
      case Event::object_start:
        keys.emplace_back();
        break;
      case Event::object_end:
        if (!keys.empty()) keys.pop_back();
        break;
      case Event::key: {
        const auto key = parsed.get<std::string>();
        if (!keys.empty() && !keys.back().insert(key).second) {
          problem = fmt::format("key \"{}\" appears twice in one object", key);
          return false;
        }
        break;
      }
      case Event::value:
        if (parsed.is_number_float()) {
          problem = fmt::format("{} is not a whole number", parsed.dump());
          return false;
        }
        break;
      default:
        break;
    }
    return true;
  };
  nlohmann::json doc = nlohmann::json::parse(text.begin(), text.end(), callback,
                                             /*allow_exceptions=*/false);
  if (!problem.empty()) return Status::InvalidArgument(fmt::format("{}: {}", file, problem));
  if (doc.is_discarded()) return Status::InvalidArgument(fmt::format("{}: not valid JSON", file));
  return doc;
}

ObjectReader::ObjectReader(const nlohmann::json& value, std::string file, std::string path)
    : value_(value), file_(std::move(file)), path_(std::move(path)) {
  if (!value_.is_object()) {
    status_ = Status::InvalidArgument(fmt::format("{}: {}: must be an object", file_, path_));
  }
}

std::string ObjectReader::Where(std::string_view key) const {
  // Keys with a dot (file and target names) are quoted so the path stays readable.
  if (key.find('.') != std::string_view::npos)
    return fmt::format("{}: {}.\"{}\"", file_, path_, key);
  return fmt::format("{}: {}.{}", file_, path_, key);
}

Result<const nlohmann::json*> ObjectReader::Optional(std::string_view key) {
  KEEL_RETURN_IF_ERROR(status_);
  read_.emplace(key);
  auto it = value_.find(key);
  return it == value_.end() ? nullptr : &*it;
}

Result<const nlohmann::json*> ObjectReader::Member(std::string_view key) {
  KEEL_ASSIGN_OR_RETURN(const nlohmann::json* member, Optional(key));
  if (member == nullptr) return Status::InvalidArgument(Where(key) + ": is required");
  return member;
}

Result<std::string> ObjectReader::String(std::string_view key) {
  KEEL_ASSIGN_OR_RETURN(const nlohmann::json* member, Member(key));
  if (!member->is_string()) return Status::InvalidArgument(Where(key) + ": must be a string");
  return member->get<std::string>();
}

Result<int64_t> ObjectReader::Int(std::string_view key, int64_t min, int64_t max) {
  KEEL_ASSIGN_OR_RETURN(const nlohmann::json* member, Member(key));
  const auto out_of_range = [&] {
    return Status::InvalidArgument(
        fmt::format("{}: must be a whole number in {}..{}", Where(key), min, max));
  };
  if (member->is_number_unsigned()) {
    const auto v = member->get<uint64_t>();
    if (v > static_cast<uint64_t>(max)) return out_of_range();
    if (static_cast<int64_t>(v) < min) return out_of_range();
    return static_cast<int64_t>(v);
  }
  if (!member->is_number_integer()) return out_of_range();
  const auto v = member->get<int64_t>();
  if (v < min || v > max) return out_of_range();
  return v;
}

Status ObjectReader::Finish() const {
  KEEL_RETURN_IF_ERROR(status_);
  for (const auto& [key, unused] : value_.items()) {
    if (read_.find(key) == read_.end()) {
      return Status::InvalidArgument(Where(key) + ": unknown key");
    }
  }
  return Status::Ok();
}

Result<int64_t> ParseExpiry(std::string_view text, std::string_view where) {
  const auto bad = [&] {
    return Status::InvalidArgument(
        fmt::format("{}: \"{}\" is not a UTC time of the form 2027-01-31T23:59:59Z", where, text));
  };
  if (text.size() != 20) return bad();
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  char tail = 0;
  const std::string copy(text);
  if (std::sscanf(copy.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%c", &year, &month, &day, &hour, &minute,
                  &second, &tail) != 7 ||
      tail != 'Z' || copy[4] != '-' || copy[7] != '-' || copy[10] != 'T' || copy[13] != ':' ||
      copy[16] != ':') {
    return bad();
  }
  if (year < 1970 || year > 9999 || month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 ||
      minute > 59 || second > 59) {
    return bad();
  }
  std::tm tm{};
  tm.tm_year = year - 1900;
  tm.tm_mon = month - 1;
  tm.tm_mday = day;
  tm.tm_hour = hour;
  tm.tm_min = minute;
  tm.tm_sec = second;
  const time_t t = timegm(&tm);
  if (FormatExpiry(static_cast<int64_t>(t) * 1000) != text) return bad();  // e.g. February 30
  return static_cast<int64_t>(t) * 1000;
}

std::string FormatExpiry(int64_t unix_ms) {
  const time_t t = static_cast<time_t>(unix_ms / 1000);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

}  // namespace keel::tuf::internal
