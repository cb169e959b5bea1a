// TomlReader: strict, typed reads of one TOML table for the rules file, with
// errors "<source>:<line>:<column>: <section> <key>: <problem>". Private to
// edge/rules (edge/config has its own; rules do not depend on it).
#pragma once

#include <toml++/toml.h>

#include <cstdint>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace keel::edge::rules {

// "<source>:<line>:<column>:" for `node`, or "<source>:" without a position.
std::string TomlLocation(std::string_view source, const toml::node* node);
std::string_view TomlTypeName(const toml::node& node);
// [A-Za-z0-9._-]{1,64}: names of rules and commands.
bool ValidRuleName(std::string_view name);

// Remembers which keys were read so that the rest are reported as unknown.
// Does not own the table; `source` must outlive the reader.
class TomlReader {
 public:
  TomlReader(const toml::table& table, std::string_view source, std::string section)
      : table_(table), source_(source), section_(std::move(section)) {}

  // The node for `key` (marking it read), or null when absent.
  const toml::node* Take(std::string_view key);
  // The node for `key` without marking it read.
  const toml::node* Peek(std::string_view key) const { return table_.get(key); }
  // InvalidArgument at `node` (the table when null).
  Status Error(std::string_view key, const toml::node* node, std::string_view problem) const;

  // Each leaves *out unchanged when the key is absent and not required.
  Status String(std::string_view key, std::string* out, bool required);
  Status Int(std::string_view key, int64_t lo, int64_t hi, bool required, int64_t* out);
  // Integer or finite float; returns whether the key was present.
  Result<bool> Double(std::string_view key, double* out);
  // An array of strings; empty when absent.
  Result<std::vector<std::string>> Strings(std::string_view key);
  // Fails when `key` is present: it does not apply to `kind`.
  Status NotFor(std::string_view key, std::string_view kind);
  // Fails on the first key that no read consumed.
  Status CheckNoUnknownKeys() const;

 private:
  const toml::table& table_;
  std::string_view source_;
  std::string section_;
  std::set<std::string, std::less<>> consumed_;
};

}  // namespace keel::edge::rules
