// TomlReader: strict, typed reads of one TOML table (toml++) with errors that
// say "<source>:<line>:<column>: <section> <key>: <problem>". Shared by the
// agent configuration (edge/config) and the rules file (edge/rules).
#pragma once

#include <toml++/toml.h>

#include <cstdint>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace keel::edge {

// "<source>:<line>:<column>:" for `node`, or "<source>:" without a position.
std::string TomlLocation(std::string_view source, const toml::node* node);
std::string_view TomlTypeName(const toml::node& node);

// Remembers which keys were read so that the rest can be reported as unknown.
// `table` may be null (a missing section): every read then keeps its default
// and required keys are reported missing. Does not own the table.
class TomlReader {
 public:
  TomlReader(const toml::table* table, std::string source, std::string section)
      : table_(table), source_(std::move(source)), section_(std::move(section)) {}

  // The node for `key` (marking it read), or null when absent.
  const toml::node* Take(std::string_view key);
  // The node for `key` without marking it read.
  const toml::node* Peek(std::string_view key) const;
  // InvalidArgument "<location> <section> <key>: <problem>" at `node` (the
  // table when null).
  Status Error(std::string_view key, const toml::node* node, std::string_view problem) const;

  // Each leaves *out unchanged when the key is absent and not required.
  Status String(std::string_view key, std::string* out, bool required = false);
  Status Int(std::string_view key, int64_t lo, int64_t hi, int64_t* out, bool required = false);
  // An integer or a finite float; returns whether the key was present.
  Result<bool> Double(std::string_view key, double* out);
  // An array of strings; empty when absent.
  Result<std::vector<std::string>> Strings(std::string_view key);
  // An array of finite numbers (integers or floats); empty when absent.
  Result<std::vector<double>> Doubles(std::string_view key);
  // A boolean; returns whether the key was present.
  Result<bool> Bool(std::string_view key, bool* out);
  // A sub-table; null when absent, an error when `key` is not a table.
  Result<const toml::table*> Table(std::string_view key);
  // An array of tables ([[section.key]]); empty when absent. Errors name
  // "[<key> N]" (1-based) for an element that is not a table.
  Result<std::vector<const toml::table*>> Tables(std::string_view key);
  // Fails when `key` is present: it does not apply to `kind`.
  Status NotFor(std::string_view key, std::string_view kind);
  // Fails on the first key that no read consumed.
  Status CheckNoUnknownKeys() const;

  const toml::table* table() const { return table_; }
  const std::string& source() const { return source_; }
  const std::set<std::string, std::less<>>& consumed() const { return consumed_; }

 private:
  const toml::table* table_;
  std::string source_;
  std::string section_;
  std::set<std::string, std::less<>> consumed_;
};

}  // namespace keel::edge
