// TomlTableReader: strict, typed reads of one TOML table with errors that say
// "<source>:<line>:<col>: <section> <key>: <problem>". Private to edge/config.
#pragma once

#include <toml++/toml.h>

#include <cstdint>
#include <set>
#include <string>
#include <string_view>

#include "common/status.h"

namespace keel::edge {

// Error text for a problem at `node` (or at no position when null).
std::string ConfigLocation(std::string_view source, const toml::node* node);

// Remembers which keys were read so that the rest can be reported as unknown.
// `table` may be null (a missing section): every read then keeps its default
// and required keys are reported missing. Does not own the table.
class TomlTableReader {
 public:
  TomlTableReader(const toml::table* table, std::string source, std::string section)
      : table_(table), source_(std::move(source)), section_(std::move(section)) {}

  // Each leaves *out unchanged when the key is absent (unless required).
  Status String(std::string_view key, std::string* out, bool required = false);
  Status Int(std::string_view key, int64_t lo, int64_t hi, int64_t* out);
  Status Double(std::string_view key, double* out);

  // The node for `key` (marking it read), or null when absent.
  const toml::node* Take(std::string_view key);

  // InvalidArgument "<location> <section> <key>: <problem>".
  Status Error(std::string_view key, const toml::node* node, std::string_view problem) const;
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

std::string_view TomlTypeName(const toml::node& node);

}  // namespace keel::edge
