// The motor's scheduled faults and start/stop schedule, parsed from the
// `faults` and `schedule` options (grammar in event_list.h; times are after
// the sensor's first Read).
//
// faults: entries "<kind>@<time>[:key=value,...]". Every kind accepts
// `for=<duration>` (the fault ends after it; default: never), except
// bearing_wear, whose damage is permanent.
//   Process faults (change the physics, so related signals move together):
//     bearing_wear  growth=<wear per s, 0..1, default 0.001>. Wear rises from 0
//                   at that rate times the speed fraction (only while the
//                   shaft turns) and saturates at 1: the BPFO/BPFI vibration
//                   components grow (0.1 g at wear 1), and bearing friction
//                   heats the bearing housing.
//     imbalance     factor=<>= 1, default 4>: 1x vibration amplitude multiplier.
//     overheat      rise=<degC > 0, default 30>: extra winding heating (the
//                   winding and, less, the bearing temperature approach it
//                   with their thermal lag).
//     cavitation    severity=<0..1, default 0.6>: flow drops up to 30 %,
//                   pressure drops up to 20 % and becomes noisy, broadband
//                   vibration rises, load current drops slightly.
//   Sensor faults (change only the measured value of `signal`, required):
//     stuck         the signal repeats its last value measured before the fault
//                   (its first value if the fault starts before any sample).
//     drift         rate=<signal units per s, required>: offset growing linearly.
//     noisy         stddev=<signal units > 0, required>: extra Gaussian noise.
// schedule: entries "on@<time>" / "off@<time>" without parameters, times
// strictly increasing. "on" starts a stopped or stopping machine, "off" stops
// a running or starting one; otherwise an event changes nothing.
#pragma once

#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace keel::edge::plant {

enum class FaultKind { kBearingWear, kImbalance, kOverheat, kCavitation, kStuck, kDrift, kNoisy };

std::string_view FaultKindName(FaultKind kind);
bool IsSensorFault(FaultKind kind);

inline constexpr int64_t kForever = std::numeric_limits<int64_t>::max();

struct Fault {
  FaultKind kind = FaultKind::kBearingWear;
  int64_t start_ms = 0;       // after the first Read
  int64_t end_ms = kForever;  // exclusive
  double magnitude = 0;       // growth, factor, rise, severity, rate or stddev (see above)
  std::string signal;         // sensor faults only
  bool operator==(const Fault&) const = default;

  bool ActiveAt(int64_t t_ms) const { return t_ms >= start_ms && t_ms < end_ms; }
};

// `signals` are the names a sensor fault may target. InvalidArgument naming
// the byte offset for grammar errors, unknown kinds or parameters, missing
// required parameters, values out of range and unknown signals.
Result<std::vector<Fault>> ParseFaults(std::string_view text,
                                       const std::vector<std::string>& signals);

struct ScheduleEvent {
  int64_t at_ms = 0;
  bool on = false;
  bool operator==(const ScheduleEvent&) const = default;
};

Result<std::vector<ScheduleEvent>> ParseSchedule(std::string_view text);

}  // namespace keel::edge::plant
