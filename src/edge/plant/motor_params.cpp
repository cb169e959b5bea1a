#include "edge/plant/motor_params.h"

#include <fmt/format.h>

#include <cmath>
#include <numbers>

#include "edge/plant/event_list.h"

namespace keel::edge::plant {
namespace {

struct NumberOption {
  const char* name;
  double min;
  double max;
  double MotorParams::*field;
};

Status SetNumber(std::string_view name, std::string_view text, double min, double max,
                 double* out) {
  auto v = ParseNumber(text);
  if (!v.ok())
    return Status::InvalidArgument(fmt::format("option \"{}\": {}", name, v.status().message()));
  if (v.value() < min || v.value() > max) {
    return Status::InvalidArgument(
        fmt::format("option \"{}\": must be between {} and {}, got {}", name, min, max, text));
  }
  *out = v.value();
  return Status::Ok();
}

}  // namespace

DefectOrders BearingDefectOrders(const BearingGeometry& b) {
  const double ratio = b.ball_diameter_mm / b.pitch_diameter_mm *
                       std::cos(b.contact_angle_deg * std::numbers::pi / 180.0);
  const double half = b.balls / 2.0;
  return {half * (1 - ratio), half * (1 + ratio)};
}

Result<MotorParams> ParseMotorOptions(const std::map<std::string, std::string>& options,
                                      const std::vector<std::string>& signals) {
  static const NumberOption kNumbers[] = {
      {"rpm", 60, 12000, &MotorParams::rpm},
      {"ramp_s", 0.1, 600, &MotorParams::ramp_s},
      {"rated_current_a", 0.1, 10000, &MotorParams::rated_current_a},
      {"inrush_factor", 1, 10, &MotorParams::inrush_factor},
      {"rated_flow_m3h", 0.1, 1e5, &MotorParams::rated_flow_m3h},
      {"rated_pressure_bar", 0.1, 1000, &MotorParams::rated_pressure_bar},
      {"ambient_c", -50, 60, &MotorParams::ambient_c},
      {"winding_tau_s", 1, 1e5, &MotorParams::winding_tau_s},
      {"bearing_tau_s", 1, 1e5, &MotorParams::bearing_tau_s},
  };
  MotorParams params;
  for (const auto& [name, value] : options) {
    bool known = false;
    for (const NumberOption& o : kNumbers) {
      if (name == o.name) {
        KEEL_RETURN_IF_ERROR(SetNumber(name, value, o.min, o.max, &(params.*o.field)));
        known = true;
      }
    }
    if (known) continue;
    if (name == "balls") {
      double balls = 0;
      KEEL_RETURN_IF_ERROR(SetNumber(name, value, 3, 64, &balls));
      if (balls != std::floor(balls)) {
        return Status::InvalidArgument(
            fmt::format("option \"balls\": must be an integer, got {}", value));
      }
      params.bearing.balls = static_cast<int>(balls);
    } else if (name == "ball_diameter_mm") {
      KEEL_RETURN_IF_ERROR(SetNumber(name, value, 0.1, 500, &params.bearing.ball_diameter_mm));
    } else if (name == "pitch_diameter_mm") {
      KEEL_RETURN_IF_ERROR(SetNumber(name, value, 0.1, 2000, &params.bearing.pitch_diameter_mm));
    } else if (name == "contact_angle_deg") {
      KEEL_RETURN_IF_ERROR(SetNumber(name, value, 0, 60, &params.bearing.contact_angle_deg));
    } else if (name == "schedule") {
      KEEL_ASSIGN_OR_RETURN(params.schedule, ParseSchedule(value));
    } else if (name == "faults") {
      KEEL_ASSIGN_OR_RETURN(params.faults, ParseFaults(value, signals));
    } else {
      return Status::InvalidArgument(fmt::format("unknown option \"{}\"", name));
    }
  }
  if (params.bearing.ball_diameter_mm >= params.bearing.pitch_diameter_mm) {
    return Status::InvalidArgument(
        fmt::format("option \"ball_diameter_mm\": must be less than pitch_diameter_mm ({}), got {}",
                    params.bearing.pitch_diameter_mm, params.bearing.ball_diameter_mm));
  }
  return params;
}

}  // namespace keel::edge::plant
