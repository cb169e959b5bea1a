#include "hub/alerts/json_fields.h"

#include <fmt/format.h>

#include <limits>

namespace keel::hub::alerts {
namespace {

std::string TypeOf(const nlohmann::json& v) {
  if (v.is_number_integer()) return "integer";
  if (v.is_number_float()) return "float";
  return v.type_name();
}

}  // namespace

JsonFields::JsonFields(const nlohmann::json& json, std::string path)
    : json_(json), path_(std::move(path)) {}

Status JsonFields::RequireObject() const {
  if (json_.is_object()) return Status::Ok();
  return Status::InvalidArgument(
      fmt::format("{}: expected a JSON object, got {}", path_, TypeOf(json_)));
}

bool JsonFields::Has(std::string_view key) const {
  return json_.is_object() && json_.contains(key);
}

Status JsonFields::Error(std::string_view key, std::string_view why) const {
  return Status::InvalidArgument(fmt::format("{}.{}: {}", path_, key, why));
}

Result<const nlohmann::json*> JsonFields::Get(std::string_view key) {
  KEEL_RETURN_IF_ERROR(RequireObject());
  auto it = json_.find(key);
  if (it == json_.end()) return Error(key, "missing");
  read_.emplace(key);
  return &*it;
}

Result<std::string> JsonFields::String(std::string_view key) {
  KEEL_ASSIGN_OR_RETURN(const auto* v, Get(key));
  if (!v->is_string()) return Error(key, "expected a string, got " + TypeOf(*v));
  return v->get<std::string>();
}

Result<int64_t> JsonFields::Int(std::string_view key) {
  KEEL_ASSIGN_OR_RETURN(const auto* v, Get(key));
  if (v->is_number_unsigned() &&
      v->get<uint64_t>() > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
    return Error(key, "integer out of range");
  }
  if (!v->is_number_integer()) return Error(key, "expected an integer, got " + TypeOf(*v));
  return v->get<int64_t>();
}

Result<double> JsonFields::Number(std::string_view key) {
  KEEL_ASSIGN_OR_RETURN(const auto* v, Get(key));
  if (!v->is_number()) return Error(key, "expected a number, got " + TypeOf(*v));
  return v->get<double>();
}

Result<bool> JsonFields::Bool(std::string_view key) {
  KEEL_ASSIGN_OR_RETURN(const auto* v, Get(key));
  if (!v->is_boolean()) return Error(key, "expected a boolean, got " + TypeOf(*v));
  return v->get<bool>();
}

Result<Labels> JsonFields::StringMap(std::string_view key) {
  KEEL_ASSIGN_OR_RETURN(const auto* v, Get(key));
  if (!v->is_object()) return Error(key, "expected an object of strings, got " + TypeOf(*v));
  Labels out;
  for (const auto& [k, value] : v->items()) {
    if (!value.is_string()) {
      return Error(key, fmt::format("\"{}\": expected a string, got {}", k, TypeOf(value)));
    }
    out.emplace(k, value.get<std::string>());
  }
  return out;
}

Result<Severity> JsonFields::SeverityField(std::string_view key) {
  KEEL_ASSIGN_OR_RETURN(std::string text, String(key));
  auto severity = ParseSeverity(text);
  if (!severity) return Error(key, "\"" + text + "\" is not info, warning or critical");
  return *severity;
}

Result<std::vector<int64_t>> JsonFields::IntArray(std::string_view key) {
  KEEL_ASSIGN_OR_RETURN(const auto* v, Get(key));
  if (!v->is_array()) return Error(key, "expected an array of integers, got " + TypeOf(*v));
  std::vector<int64_t> out;
  for (const auto& e : *v) {
    if (!e.is_number_integer()) return Error(key, "expected an array of integers");
    out.push_back(e.get<int64_t>());
  }
  return out;
}

Result<std::vector<std::string>> JsonFields::StringArray(std::string_view key) {
  KEEL_ASSIGN_OR_RETURN(const auto* v, Get(key));
  if (!v->is_array()) return Error(key, "expected an array of strings, got " + TypeOf(*v));
  std::vector<std::string> out;
  for (const auto& e : *v) {
    if (!e.is_string()) return Error(key, "expected an array of strings, got " + TypeOf(e));
    out.push_back(e.get<std::string>());
  }
  return out;
}

Result<nlohmann::json> JsonFields::Object(std::string_view key) {
  KEEL_ASSIGN_OR_RETURN(const auto* v, Get(key));
  if (!v->is_object()) return Error(key, "expected an object, got " + TypeOf(*v));
  return *v;
}

Result<JsonFields> JsonFields::Child(std::string_view key) {
  KEEL_ASSIGN_OR_RETURN(const auto* v, Get(key));
  JsonFields child(*v, fmt::format("{}.{}", path_, key));
  KEEL_RETURN_IF_ERROR(child.RequireObject());
  return child;
}

Result<std::vector<JsonFields>> JsonFields::ObjectArray(std::string_view key) {
  KEEL_ASSIGN_OR_RETURN(const auto* v, Get(key));
  if (!v->is_array()) return Error(key, "expected an array of objects, got " + TypeOf(*v));
  std::vector<JsonFields> out;
  for (size_t i = 0; i < v->size(); ++i) {
    JsonFields element((*v)[i], fmt::format("{}.{}[{}]", path_, key, i));
    KEEL_RETURN_IF_ERROR(element.RequireObject());
    out.push_back(std::move(element));
  }
  return out;
}

Status JsonFields::Finish() const {
  if (!json_.is_object()) return RequireObject();
  for (const auto& [key, value] : json_.items()) {
    if (!read_.contains(key)) return Error(key, "unknown member");
  }
  return Status::Ok();
}

}  // namespace keel::hub::alerts
