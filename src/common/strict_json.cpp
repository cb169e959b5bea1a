#include "common/strict_json.h"

#include <fmt/format.h>

#include <limits>
#include <optional>
#include <vector>

namespace keel {
namespace {

// Where the parser is, to name a duplicated member.
struct Frame {
  bool array = false;
  size_t index = 0;                         // arrays: the element being parsed
  std::string key;                          // objects: the member being parsed
  std::set<std::string, std::less<>> keys;  // objects: members seen so far
};

std::string PathTo(const std::vector<Frame>& stack) {
  std::string path;
  for (const auto& frame : stack) {
    if (frame.array) {
      path += fmt::format("[{}]", frame.index);
    } else {
      if (!path.empty()) path += '.';
      path += frame.key;
    }
  }
  return path;
}

}  // namespace

std::string JsonTypeName(const nlohmann::json& value) {
  if (value.is_number_integer()) return "integer";
  if (value.is_number_float()) return "float";
  return value.type_name();
}

Result<nlohmann::json> ParseStrictJson(std::string_view text, std::string_view source,
                                       size_t max_bytes, int max_depth) {
  if (text.size() > max_bytes) {
    return Status::InvalidArgument(
        fmt::format("{}: {} bytes, more than the limit of {}", source, text.size(), max_bytes));
  }
  std::vector<Frame> stack;
  size_t too_deep = 0;  // containers opened below max_depth, not tracked
  std::optional<std::string> problem;
  auto element_done = [&] {
    if (too_deep == 0 && !stack.empty() && stack.back().array) ++stack.back().index;
  };
  using Event = nlohmann::json::parse_event_t;
  auto callback = [&](int /*depth*/, Event event, nlohmann::json& parsed) {
    switch (event) {
      case Event::object_start:
      case Event::array_start:
        if (too_deep > 0 || stack.size() >= static_cast<size_t>(max_depth)) {
          if (!problem) {
            problem = fmt::format("{}: nested deeper than {} levels", PathTo(stack), max_depth);
          }
          ++too_deep;
        } else {
          stack.push_back(Frame{event == Event::array_start, 0, {}, {}});
        }
        break;
      case Event::key: {
        if (too_deep > 0) break;
        Frame& frame = stack.back();
        frame.key = parsed.get<std::string>();
        if (!frame.keys.insert(frame.key).second && !problem) {
          problem = PathTo(stack) + ": given twice";
        }
        break;
      }
      case Event::object_end:
      case Event::array_end:
        if (too_deep > 0) {
          --too_deep;
          break;
        }
        stack.pop_back();
        element_done();
        break;
      case Event::value:
        element_done();
        break;
    }
    return true;
  };
  nlohmann::json json;
  try {
    json = nlohmann::json::parse(text, callback, /*allow_exceptions=*/true);
  } catch (const nlohmann::json::parse_error& e) {
    return Status::InvalidArgument(fmt::format("{}: not valid JSON at byte {}", source, e.byte));
  } catch (const nlohmann::json::exception& e) {
    return Status::InvalidArgument(fmt::format("{}: not valid JSON ({})", source, e.what()));
  }
  if (problem) {
    if (problem->starts_with(": ")) problem->erase(0, 2);  // the document itself
    return Status::InvalidArgument(fmt::format("{}: {}", source, *problem));
  }
  return json;
}

JsonMembers::JsonMembers(const nlohmann::json& json, std::string path)
    : json_(json), path_(std::move(path)) {}

Status JsonMembers::RequireObject() const {
  if (json_.is_object()) return Status::Ok();
  const std::string where = path_.empty() ? "the document" : path_;
  return Status::InvalidArgument(
      fmt::format("{}: expected a JSON object, got {}", where, JsonTypeName(json_)));
}

bool JsonMembers::Has(std::string_view key) const {
  return json_.is_object() && json_.contains(key);
}

std::string JsonMembers::PathOf(std::string_view key) const {
  return path_.empty() ? std::string(key) : fmt::format("{}.{}", path_, key);
}

Status JsonMembers::Error(std::string_view key, std::string_view why) const {
  return Status::InvalidArgument(fmt::format("{}: {}", PathOf(key), why));
}

Result<const nlohmann::json*> JsonMembers::Get(std::string_view key) {
  KEEL_RETURN_IF_ERROR(RequireObject());
  auto it = json_.find(key);
  if (it == json_.end()) return Error(key, "missing");
  read_.emplace(key);
  return &*it;
}

Result<std::string> JsonMembers::String(std::string_view key) {
  KEEL_ASSIGN_OR_RETURN(const auto* v, Get(key));
  if (!v->is_string()) return Error(key, "expected a string, got " + JsonTypeName(*v));
  return v->get<std::string>();
}

Result<std::string> JsonMembers::OptionalString(std::string_view key) {
  if (!Has(key)) return std::string();
  return String(key);
}

Result<int64_t> JsonMembers::Int(std::string_view key) {
  KEEL_ASSIGN_OR_RETURN(const auto* v, Get(key));
  if (v->is_number_unsigned() &&
      v->get<uint64_t>() > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
    return Error(key, "integer out of range");
  }
  if (!v->is_number_integer()) return Error(key, "expected an integer, got " + JsonTypeName(*v));
  return v->get<int64_t>();
}

Result<double> JsonMembers::Number(std::string_view key) {
  KEEL_ASSIGN_OR_RETURN(const auto* v, Get(key));
  if (!v->is_number()) return Error(key, "expected a number, got " + JsonTypeName(*v));
  return v->get<double>();
}

Result<bool> JsonMembers::Bool(std::string_view key) {
  KEEL_ASSIGN_OR_RETURN(const auto* v, Get(key));
  if (!v->is_boolean()) return Error(key, "expected a boolean, got " + JsonTypeName(*v));
  return v->get<bool>();
}

Result<std::map<std::string, std::string>> JsonMembers::StringMap(std::string_view key) {
  KEEL_ASSIGN_OR_RETURN(const auto* v, Get(key));
  if (!v->is_object()) return Error(key, "expected an object of strings, got " + JsonTypeName(*v));
  std::map<std::string, std::string> out;
  for (const auto& [k, value] : v->items()) {
    if (!value.is_string()) {
      return Error(key, fmt::format("\"{}\": expected a string, got {}", k, JsonTypeName(value)));
    }
    out.emplace(k, value.get<std::string>());
  }
  return out;
}

Result<std::vector<std::string>> JsonMembers::StringArray(std::string_view key) {
  KEEL_ASSIGN_OR_RETURN(const auto* v, Get(key));
  if (!v->is_array()) return Error(key, "expected an array of strings, got " + JsonTypeName(*v));
  std::vector<std::string> out;
  for (const auto& e : *v) {
    if (!e.is_string()) return Error(key, "expected an array of strings, got " + JsonTypeName(e));
    out.push_back(e.get<std::string>());
  }
  return out;
}

Result<std::vector<int64_t>> JsonMembers::IntArray(std::string_view key) {
  KEEL_ASSIGN_OR_RETURN(const auto* v, Get(key));
  if (!v->is_array()) return Error(key, "expected an array of integers, got " + JsonTypeName(*v));
  std::vector<int64_t> out;
  for (const auto& e : *v) {
    if (!e.is_number_integer() ||
        (e.is_number_unsigned() &&
         e.get<uint64_t>() > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))) {
      return Error(key, "expected an array of integers");
    }
    out.push_back(e.get<int64_t>());
  }
  return out;
}

Result<JsonMembers> JsonMembers::Child(std::string_view key) {
  KEEL_ASSIGN_OR_RETURN(const auto* v, Object(key));
  return JsonMembers(*v, PathOf(key));
}

Result<std::vector<JsonMembers>> JsonMembers::ObjectArray(std::string_view key) {
  KEEL_ASSIGN_OR_RETURN(const auto* v, Array(key));
  std::vector<JsonMembers> out;
  for (size_t i = 0; i < v->size(); ++i) {
    JsonMembers element((*v)[i], fmt::format("{}[{}]", PathOf(key), i));
    KEEL_RETURN_IF_ERROR(element.RequireObject());
    out.push_back(std::move(element));
  }
  return out;
}

Result<const nlohmann::json*> JsonMembers::Array(std::string_view key) {
  KEEL_ASSIGN_OR_RETURN(const auto* v, Get(key));
  if (!v->is_array()) return Error(key, "expected an array, got " + JsonTypeName(*v));
  return v;
}

Result<const nlohmann::json*> JsonMembers::Object(std::string_view key) {
  KEEL_ASSIGN_OR_RETURN(const auto* v, Get(key));
  if (!v->is_object()) return Error(key, "expected an object, got " + JsonTypeName(*v));
  return v;
}

Status JsonMembers::Finish() const {
  KEEL_RETURN_IF_ERROR(RequireObject());
  for (const auto& [key, value] : json_.items()) {
    if (!read_.contains(key)) return Error(key, "unknown member");
  }
  return Status::Ok();
}

}  // namespace keel
