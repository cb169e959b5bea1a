#include "edge/rules/rule_parser.h"

#include <fmt/format.h>
#include <toml++/toml.h>

#include <algorithm>
#include <cmath>
#include <exception>
#include <set>
#include <string>

namespace keel::edge::rules {
namespace {

constexpr std::string_view kModes[] = {"off", "idle", "ramping", "running"};
constexpr int64_t kMaxDurationMs = int64_t{7} * 24 * 3600 * 1000;

std::string Location(std::string_view source, const toml::node* node) {
  if (node == nullptr || node->source().begin.line == 0) return std::string(source) + ":";
  const auto& begin = node->source().begin;
  return fmt::format("{}:{}:{}:", source, begin.line, begin.column);
}

std::string_view TypeName(const toml::node& node) {
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

bool ValidName(std::string_view name) {
  if (name.empty() || name.size() > 64) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_' || c == '-';
  });
}

// Strict typed reads of one [[rule]] table; remembers the keys it read.
class RuleTableReader {
 public:
  RuleTableReader(const toml::table& table, std::string_view source, size_t index)
      : table_(table), source_(source), section_(fmt::format("[rule {}]", index)) {}

  const toml::node* Take(std::string_view key) {
    consumed_.emplace(key);
    return table_.get(key);
  }
  const toml::node* Peek(std::string_view key) const { return table_.get(key); }

  Status Error(std::string_view key, const toml::node* node, std::string_view problem) const {
    return Status::InvalidArgument(fmt::format(
        "{} {} {}: {}", Location(source_, node ? node : &table_), section_, key, problem));
  }

  Status String(std::string_view key, std::string* out, bool required) {
    const toml::node* node = Take(key);
    if (node == nullptr) return required ? Error(key, nullptr, "is required") : Status::Ok();
    const auto* value = node->as_string();
    if (value == nullptr) {
      return Error(key, node, fmt::format("must be a string, got {}", TypeName(*node)));
    }
    *out = value->get();
    return Status::Ok();
  }

  Status Int(std::string_view key, int64_t lo, int64_t hi, bool required, int64_t* out) {
    const toml::node* node = Take(key);
    if (node == nullptr) return required ? Error(key, nullptr, "is required") : Status::Ok();
    const auto* value = node->as_integer();
    if (value == nullptr) {
      return Error(key, node, fmt::format("must be an integer, got {}", TypeName(*node)));
    }
    if (value->get() < lo || value->get() > hi) {
      return Error(key, node,
                   fmt::format("must be between {} and {}, got {}", lo, hi, value->get()));
    }
    *out = value->get();
    return Status::Ok();
  }

  // Returns whether the key was present.
  Result<bool> Double(std::string_view key, double* out) {
    const toml::node* node = Take(key);
    if (node == nullptr) return false;
    if (const auto* i = node->as_integer()) {
      *out = static_cast<double>(i->get());
    } else if (const auto* f = node->as_floating_point()) {
      *out = f->get();
    } else {
      return Error(key, node, fmt::format("must be a number, got {}", TypeName(*node)));
    }
    if (!std::isfinite(*out)) return Error(key, node, "must be a finite number");
    return true;
  }

  Result<std::vector<std::string>> Strings(std::string_view key) {
    std::vector<std::string> out;
    const toml::node* node = Take(key);
    if (node == nullptr) return out;
    const toml::array* array = node->as_array();
    if (array == nullptr) {
      return Error(key, node, fmt::format("must be an array of strings, got {}", TypeName(*node)));
    }
    for (const toml::node& item : *array) {
      const auto* s = item.as_string();
      if (s == nullptr) {
        return Error(key, &item, fmt::format("must hold strings, got {}", TypeName(item)));
      }
      out.push_back(s->get());
    }
    return out;
  }

  // Fails when `key` is present: it does not apply to `kind`.
  Status NotFor(std::string_view key, std::string_view kind) {
    consumed_.emplace(key);
    const toml::node* node = table_.get(key);
    if (node == nullptr) return Status::Ok();
    return Error(key, node, fmt::format("does not apply to kind \"{}\"", kind));
  }

  Status CheckNoUnknownKeys() const {
    for (const auto& [key, node] : table_) {
      if (consumed_.count(key.str()) == 0) return Error(key.str(), &node, "unknown key");
    }
    return Status::Ok();
  }

 private:
  const toml::table& table_;
  std::string_view source_;
  std::string section_;
  std::set<std::string, std::less<>> consumed_;
};

Status ParseLevel(RuleTableReader& r, RuleConfig* rule) {
  const toml::node* above = r.Peek("above");
  const toml::node* below = r.Peek("below");
  if (above != nullptr && below != nullptr) {
    return r.Error("below", below, "give either above or below, not both");
  }
  if (above == nullptr && below == nullptr) {
    return r.Error("above", nullptr, "is required (or below)");
  }
  rule->direction = above != nullptr ? Direction::kAbove : Direction::kBelow;
  const std::string_view key = above != nullptr ? "above" : "below";
  auto present = r.Double(key, &rule->level);
  if (!present.ok()) return present.status();
  r.Take(above != nullptr ? "below" : "above");
  return Status::Ok();
}

Status ParseKindFields(RuleTableReader& r, RuleConfig* rule, std::string_view kind) {
  switch (rule->kind) {
    case RuleKind::kThreshold: {
      KEEL_RETURN_IF_ERROR(ParseLevel(r, rule));
      rule->clear_at = rule->level;
      auto clear = r.Double("clear_at", &rule->clear_at);
      if (!clear.ok()) return clear.status();
      const bool above = rule->direction == Direction::kAbove;
      if (above ? rule->clear_at > rule->level : rule->clear_at < rule->level) {
        return r.Error("clear_at", r.Peek("clear_at"),
                       fmt::format("must be {} {} ({}), got {}", above ? "<=" : ">=",
                                   above ? "above" : "below", rule->level, rule->clear_at));
      }
      for (auto key : {"for_ms", "clear_after_ms", "rate_per_s", "windows"}) {
        KEEL_RETURN_IF_ERROR(r.NotFor(key, kind));
      }
      return Status::Ok();
    }
    case RuleKind::kForDuration:
      KEEL_RETURN_IF_ERROR(ParseLevel(r, rule));
      KEEL_RETURN_IF_ERROR(r.Int("for_ms", 0, kMaxDurationMs, true, &rule->for_ms));
      KEEL_RETURN_IF_ERROR(
          r.Int("clear_after_ms", 0, kMaxDurationMs, false, &rule->clear_after_ms));
      for (auto key : {"clear_at", "rate_per_s", "windows"}) {
        KEEL_RETURN_IF_ERROR(r.NotFor(key, kind));
      }
      return Status::Ok();
    case RuleKind::kRate: {
      auto rate = r.Double("rate_per_s", &rule->rate_per_s);
      if (!rate.ok()) return rate.status();
      if (!*rate) return r.Error("rate_per_s", nullptr, "is required");
      if (!(rule->rate_per_s > 0)) {
        return r.Error("rate_per_s", r.Peek("rate_per_s"),
                       fmt::format("must be > 0, got {}", rule->rate_per_s));
      }
      rule->clear_at = rule->rate_per_s;
      auto clear = r.Double("clear_at", &rule->clear_at);
      if (!clear.ok()) return clear.status();
      if (rule->clear_at < 0 || rule->clear_at > rule->rate_per_s) {
        return r.Error("clear_at", r.Peek("clear_at"),
                       fmt::format("must be between 0 and rate_per_s ({}), got {}",
                                   rule->rate_per_s, rule->clear_at));
      }
      int64_t windows = rule->windows;
      KEEL_RETURN_IF_ERROR(r.Int("windows", 2, 1000, false, &windows));
      rule->windows = static_cast<int>(windows);
      for (auto key : {"above", "below", "for_ms", "clear_after_ms"}) {
        KEEL_RETURN_IF_ERROR(r.NotFor(key, kind));
      }
      return Status::Ok();
    }
  }
  return Status::Ok();
}

Status ParseCommon(RuleTableReader& r, RuleConfig* rule) {
  KEEL_ASSIGN_OR_RETURN(rule->when_mode, r.Strings("when_mode"));
  for (size_t i = 0; i < rule->when_mode.size(); ++i) {
    const std::string& mode = rule->when_mode[i];
    if (std::find(std::begin(kModes), std::end(kModes), mode) == std::end(kModes)) {
      return r.Error("when_mode", r.Peek("when_mode"),
                     fmt::format("unknown mode \"{}\" (known: off, idle, ramping, running)", mode));
    }
  }
  std::string severity = "warning";
  KEEL_RETURN_IF_ERROR(r.String("severity", &severity, false));
  if (severity == "info") {
    rule->severity = Severity::kInfo;
  } else if (severity == "warning") {
    rule->severity = Severity::kWarning;
  } else if (severity == "critical") {
    rule->severity = Severity::kCritical;
  } else {
    return r.Error(
        "severity", r.Peek("severity"),
        fmt::format("must be \"info\", \"warning\" or \"critical\", got \"{}\"", severity));
  }
  const bool has_actions = r.Peek("actions") != nullptr;
  KEEL_ASSIGN_OR_RETURN(std::vector<std::string> actions, r.Strings("actions"));
  if (!has_actions) actions = {"publish"};
  for (const std::string& action : actions) {
    constexpr std::string_view kCommand = "command:";
    if (action == "publish") {
      rule->actions.push_back({RuleAction::Kind::kPublish, ""});
    } else if (action.starts_with(kCommand) && ValidName(action.substr(kCommand.size()))) {
      rule->actions.push_back({RuleAction::Kind::kCommand, action.substr(kCommand.size())});
    } else {
      return r.Error("actions", r.Peek("actions"),
                     fmt::format("unknown action \"{}\" (expected \"publish\" or "
                                 "\"command:<name>\" with name [A-Za-z0-9._-]{{1,64}})",
                                 action));
    }
  }
  return Status::Ok();
}

Result<RuleConfig> ParseRule(const toml::table& table, std::string_view source, size_t index) {
  RuleTableReader r(table, source, index);
  RuleConfig rule;
  KEEL_RETURN_IF_ERROR(r.String("name", &rule.name, true));
  if (!ValidName(rule.name)) {
    return r.Error("name", r.Peek("name"),
                   fmt::format("must match [A-Za-z0-9._-]{{1,64}}, got \"{}\"", rule.name));
  }
  KEEL_RETURN_IF_ERROR(r.String("input", &rule.input, true));
  if (rule.input.empty()) return r.Error("input", r.Peek("input"), "must not be empty");
  std::string kind;
  KEEL_RETURN_IF_ERROR(r.String("kind", &kind, true));
  if (kind == "threshold") {
    rule.kind = RuleKind::kThreshold;
  } else if (kind == "for_duration") {
    rule.kind = RuleKind::kForDuration;
  } else if (kind == "rate") {
    rule.kind = RuleKind::kRate;
  } else {
    return r.Error(
        "kind", r.Peek("kind"),
        fmt::format("must be \"threshold\", \"for_duration\" or \"rate\", got \"{}\"", kind));
  }
  KEEL_RETURN_IF_ERROR(ParseKindFields(r, &rule, kind));
  KEEL_RETURN_IF_ERROR(ParseCommon(r, &rule));
  KEEL_RETURN_IF_ERROR(r.CheckNoUnknownKeys());
  Status valid = ValidateRule(rule);
  if (!valid.ok()) {
    return Status::InvalidArgument(
        fmt::format("{} [rule {}]: {}", Location(source, &table), index, valid.message()));
  }
  return rule;
}

Result<std::vector<RuleConfig>> ParseRoot(const toml::table& root, std::string_view source) {
  std::vector<RuleConfig> rules;
  for (const auto& [key, node] : root) {
    if (key.str() != "rule") {
      return Status::InvalidArgument(fmt::format("{} {}: unknown key (expected [[rule]] tables)",
                                                 Location(source, &node), key.str()));
    }
  }
  const toml::node* node = root.get("rule");
  if (node == nullptr) return rules;
  const toml::array* array = node->as_array();
  if (array == nullptr) {
    return Status::InvalidArgument(
        fmt::format("{} rule: must be an array of tables ([[rule]])", Location(source, node)));
  }
  std::set<std::string, std::less<>> names;
  for (size_t i = 0; i < array->size(); ++i) {
    const toml::node& item = (*array)[i];
    if (!item.is_table()) {
      return Status::InvalidArgument(fmt::format("{} [rule {}]: must be a table, got {}",
                                                 Location(source, &item), i + 1, TypeName(item)));
    }
    KEEL_ASSIGN_OR_RETURN(RuleConfig rule, ParseRule(*item.as_table(), source, i + 1));
    if (!names.insert(rule.name).second) {
      return Status::InvalidArgument(
          fmt::format("{} [rule {}] name: \"{}\" is used by another rule",
                      Location(source, item.as_table()->get("name")), i + 1, rule.name));
    }
    rules.push_back(std::move(rule));
  }
  return rules;
}

}  // namespace

Result<std::vector<RuleConfig>> ParseRules(std::string_view toml_text,
                                           std::string_view source_name) {
  try {
    toml::table root = toml::parse(toml_text, source_name);
    return ParseRoot(root, source_name);
  } catch (const toml::parse_error& e) {
    const auto& begin = e.source().begin;
    return Status::InvalidArgument(
        fmt::format("{}:{}:{}: {}", source_name, begin.line, begin.column, e.description()));
  } catch (const std::exception& e) {
    return Status::Internal(fmt::format("{}: reading rules: {}", source_name, e.what()));
  }
}

}  // namespace keel::edge::rules
