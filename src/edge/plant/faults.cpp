#include "edge/plant/faults.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <array>
#include <optional>

#include "edge/plant/event_list.h"

namespace keel::edge::plant {
namespace {

struct KindSpec {
  FaultKind kind;
  std::string_view name;
  std::string_view magnitude_key;  // empty: none
  std::optional<double> magnitude_default;
  double min;
  double max;
  bool needs_signal;
  bool allows_for;
};

constexpr double kHuge = 1e12;

const std::array<KindSpec, 7> kKinds = {{
    {FaultKind::kBearingWear, "bearing_wear", "growth", 0.001, 1e-9, 1.0, false, false},
    {FaultKind::kImbalance, "imbalance", "factor", 4.0, 1.0, 1000.0, false, true},
    {FaultKind::kOverheat, "overheat", "rise", 30.0, 1e-9, 1000.0, false, true},
    {FaultKind::kCavitation, "cavitation", "severity", 0.6, 0.0, 1.0, false, true},
    {FaultKind::kStuck, "stuck", "", 0.0, 0.0, 0.0, true, true},
    {FaultKind::kDrift, "drift", "rate", std::nullopt, -kHuge, kHuge, true, true},
    {FaultKind::kNoisy, "noisy", "stddev", std::nullopt, 1e-12, kHuge, true, true},
}};

Status ParamError(const EventParam& p, std::string_view message) {
  return Status::InvalidArgument(fmt::format("faults: offset {}: {}", p.offset, message));
}

Result<Fault> ToFault(const EventEntry& e, const KindSpec& spec,
                      const std::vector<std::string>& signals) {
  Fault fault{
      spec.kind, e.at_ms, kForever, spec.magnitude_default.value_or(0), "",
  };
  bool has_magnitude = false;
  for (const EventParam& p : e.params) {
    if (p.key == "for" && spec.allows_for) {
      auto d = ParseDurationMs(p.value);
      if (!d.ok()) return ParamError(p, fmt::format("for: {}", d.status().message()));
      fault.end_ms = e.at_ms + d.value();
    } else if (p.key == "signal" && spec.needs_signal) {
      if (std::find(signals.begin(), signals.end(), p.value) == signals.end()) {
        return ParamError(
            p, fmt::format("unknown signal \"{}\" (known: {})", p.value, fmt::join(signals, ", ")));
      }
      fault.signal = p.value;
    } else if (!spec.magnitude_key.empty() && p.key == spec.magnitude_key) {
      auto v = ParseNumber(p.value);
      if (!v.ok()) return ParamError(p, fmt::format("{}: {}", p.key, v.status().message()));
      if (v.value() < spec.min || v.value() > spec.max) {
        return ParamError(p, fmt::format("{}: must be between {} and {}, got {}", p.key, spec.min,
                                         spec.max, p.value));
      }
      fault.magnitude = v.value();
      has_magnitude = true;
    } else {
      std::vector<std::string_view> known;
      if (!spec.magnitude_key.empty()) known.push_back(spec.magnitude_key);
      if (spec.needs_signal) known.push_back("signal");
      if (spec.allows_for) known.push_back("for");
      return ParamError(p, fmt::format("{}: unknown parameter \"{}\" (known: {})", spec.name, p.key,
                                       fmt::join(known, ", ")));
    }
  }
  if (spec.needs_signal && fault.signal.empty()) {
    return Status::InvalidArgument(
        fmt::format("faults: offset {}: {}: missing parameter \"signal\"", e.offset, spec.name));
  }
  if (!has_magnitude && !spec.magnitude_default && !spec.magnitude_key.empty()) {
    return Status::InvalidArgument(fmt::format("faults: offset {}: {}: missing parameter \"{}\"",
                                               e.offset, spec.name, spec.magnitude_key));
  }
  return fault;
}

}  // namespace

std::string_view FaultKindName(FaultKind kind) {
  for (const KindSpec& spec : kKinds) {
    if (spec.kind == kind) return spec.name;
  }
  return "?";
}

bool IsSensorFault(FaultKind kind) {
  return kind == FaultKind::kStuck || kind == FaultKind::kDrift || kind == FaultKind::kNoisy;
}

Result<std::vector<Fault>> ParseFaults(std::string_view text,
                                       const std::vector<std::string>& signals) {
  KEEL_ASSIGN_OR_RETURN(std::vector<EventEntry> entries, ParseEventList("faults", text));
  std::vector<Fault> faults;
  for (const EventEntry& e : entries) {
    auto spec = std::find_if(kKinds.begin(), kKinds.end(),
                             [&](const KindSpec& k) { return k.name == e.name; });
    if (spec == kKinds.end()) {
      std::vector<std::string_view> names;
      for (const KindSpec& k : kKinds) names.push_back(k.name);
      return Status::InvalidArgument(
          fmt::format("faults: offset {}: unknown fault \"{}\" (known: {})", e.offset, e.name,
                      fmt::join(names, ", ")));
    }
    KEEL_ASSIGN_OR_RETURN(Fault fault, ToFault(e, *spec, signals));
    faults.push_back(std::move(fault));
  }
  return faults;
}

Result<std::vector<ScheduleEvent>> ParseSchedule(std::string_view text) {
  KEEL_ASSIGN_OR_RETURN(std::vector<EventEntry> entries, ParseEventList("schedule", text));
  std::vector<ScheduleEvent> events;
  for (const EventEntry& e : entries) {
    if (e.name != "on" && e.name != "off") {
      return Status::InvalidArgument(fmt::format(
          "schedule: offset {}: unknown event \"{}\" (known: on, off)", e.offset, e.name));
    }
    if (!e.params.empty()) {
      return Status::InvalidArgument(fmt::format("schedule: offset {}: \"{}\" takes no parameters",
                                                 e.params.front().offset, e.name));
    }
    if (!events.empty() && e.at_ms <= events.back().at_ms) {
      return Status::InvalidArgument(
          fmt::format("schedule: offset {}: times must be strictly increasing", e.offset));
    }
    events.push_back({e.at_ms, e.name == "on"});
  }
  return events;
}

}  // namespace keel::edge::plant
