#include "edge/toml/toml_reader.h"

#include <fmt/format.h>

#include <cmath>

namespace keel::edge {

std::string TomlLocation(std::string_view source, const toml::node* node) {
  if (node == nullptr || node->source().begin.line == 0) return std::string(source) + ":";
  const auto& begin = node->source().begin;
  return fmt::format("{}:{}:{}:", source, begin.line, begin.column);
}

std::string_view TomlTypeName(const toml::node& node) {
  switch (node.type()) {
    case toml::node_type::table:
      return "table";
    case toml::node_type::array:
      return "array";
    case toml::node_type::string:
      return "string";
    case toml::node_type::integer:
      return "integer";
    case toml::node_type::floating_point:
      return "float";
    case toml::node_type::boolean:
      return "boolean";
    case toml::node_type::date:
    case toml::node_type::time:
    case toml::node_type::date_time:
      return "date/time";
    case toml::node_type::none:
      break;
  }
  return "nothing";
}

const toml::node* TomlReader::Take(std::string_view key) {
  consumed_.emplace(key);
  return Peek(key);
}

const toml::node* TomlReader::Peek(std::string_view key) const {
  return table_ == nullptr ? nullptr : table_->get(key);
}

Status TomlReader::Error(std::string_view key, const toml::node* node,
                         std::string_view problem) const {
  const toml::node* where = node != nullptr ? node : table_;
  return Status::InvalidArgument(
      fmt::format("{} {} {}: {}", TomlLocation(source_, where), section_, key, problem));
}

Status TomlReader::String(std::string_view key, std::string* out, bool required) {
  const toml::node* node = Take(key);
  if (node == nullptr) return required ? Error(key, nullptr, "is required") : Status::Ok();
  const auto* value = node->as_string();
  if (value == nullptr) {
    return Error(key, node, fmt::format("must be a string, got {}", TomlTypeName(*node)));
  }
  *out = value->get();
  return Status::Ok();
}

Status TomlReader::Int(std::string_view key, int64_t lo, int64_t hi, int64_t* out, bool required) {
  const toml::node* node = Take(key);
  if (node == nullptr) return required ? Error(key, nullptr, "is required") : Status::Ok();
  const auto* value = node->as_integer();
  if (value == nullptr) {
    return Error(key, node, fmt::format("must be an integer, got {}", TomlTypeName(*node)));
  }
  const int64_t v = value->get();
  if (v < lo || v > hi) {
    return Error(key, node, fmt::format("must be between {} and {}, got {}", lo, hi, v));
  }
  *out = v;
  return Status::Ok();
}

Result<bool> TomlReader::Double(std::string_view key, double* out) {
  const toml::node* node = Take(key);
  if (node == nullptr) return false;
  double v = 0;
  if (const auto* i = node->as_integer()) {
    v = static_cast<double>(i->get());
  } else if (const auto* f = node->as_floating_point()) {
    v = f->get();
  } else {
    return Error(key, node, fmt::format("must be a number, got {}", TomlTypeName(*node)));
  }
  if (!std::isfinite(v)) return Error(key, node, "must be a finite number");
  *out = v;
  return true;
}

Result<std::vector<std::string>> TomlReader::Strings(std::string_view key) {
  std::vector<std::string> out;
  const toml::node* node = Take(key);
  if (node == nullptr) return out;
  const toml::array* array = node->as_array();
  if (array == nullptr) {
    return Error(key, node,
                 fmt::format("must be an array of strings, got {}", TomlTypeName(*node)));
  }
  for (const toml::node& item : *array) {
    const auto* s = item.as_string();
    if (s == nullptr) {
      return Error(key, &item, fmt::format("must hold strings, got {}", TomlTypeName(item)));
    }
    out.push_back(s->get());
  }
  return out;
}

Result<std::vector<double>> TomlReader::Doubles(std::string_view key) {
  std::vector<double> out;
  const toml::node* node = Take(key);
  if (node == nullptr) return out;
  const toml::array* array = node->as_array();
  if (array == nullptr) {
    return Error(key, node,
                 fmt::format("must be an array of numbers, got {}", TomlTypeName(*node)));
  }
  for (const toml::node& item : *array) {
    double v = 0;
    if (const auto* i = item.as_integer()) {
      v = static_cast<double>(i->get());
    } else if (const auto* f = item.as_floating_point()) {
      v = f->get();
    } else {
      return Error(key, &item, fmt::format("must hold numbers, got {}", TomlTypeName(item)));
    }
    if (!std::isfinite(v)) return Error(key, &item, "must hold finite numbers");
    out.push_back(v);
  }
  return out;
}

Result<bool> TomlReader::Bool(std::string_view key, bool* out) {
  const toml::node* node = Take(key);
  if (node == nullptr) return false;
  const auto* value = node->as_boolean();
  if (value == nullptr) {
    return Error(key, node, fmt::format("must be true or false, got {}", TomlTypeName(*node)));
  }
  *out = value->get();
  return true;
}

Result<const toml::table*> TomlReader::Table(std::string_view key) {
  const toml::node* node = Take(key);
  if (node == nullptr) return static_cast<const toml::table*>(nullptr);
  if (!node->is_table()) {
    return Error(key, node, fmt::format("must be a table, got {}", TomlTypeName(*node)));
  }
  return node->as_table();
}

Result<std::vector<const toml::table*>> TomlReader::Tables(std::string_view key) {
  std::vector<const toml::table*> out;
  const toml::node* node = Take(key);
  if (node == nullptr) return out;
  const toml::array* array = node->as_array();
  if (array == nullptr) {
    return Error(key, node, fmt::format("must be an array of tables ([[...{}]])", key));
  }
  for (size_t i = 0; i < array->size(); ++i) {
    const toml::node& item = (*array)[i];
    if (!item.is_table()) {
      return Status::InvalidArgument(fmt::format("{} [{} {}]: must be a table, got {}",
                                                 TomlLocation(source_, &item), key, i + 1,
                                                 TomlTypeName(item)));
    }
    out.push_back(item.as_table());
  }
  return out;
}

Status TomlReader::NotFor(std::string_view key, std::string_view kind) {
  const toml::node* node = Take(key);
  if (node == nullptr) return Status::Ok();
  return Error(key, node, fmt::format("does not apply to kind \"{}\"", kind));
}

Status TomlReader::CheckNoUnknownKeys() const {
  if (table_ == nullptr) return Status::Ok();
  for (const auto& [key, node] : *table_) {
    if (consumed_.count(key.str()) == 0) return Error(key.str(), &node, "unknown key");
  }
  return Status::Ok();
}

}  // namespace keel::edge
