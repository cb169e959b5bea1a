// MotorParams: the physical description of the simulated motor-driven pump,
// and its parsing from the sensor's `options` (all values are text).
//
// Options (all optional; numbers are plain decimals):
//   rpm                  rated shaft speed, rev/min, 60..12000      (1480)
//   ramp_s               start-up and run-down ramp, s, 0.1..600    (5)
//   balls                rolling elements in the bearing, 3..64     (9)
//   ball_diameter_mm     0.1..500, < pitch_diameter_mm              (7.94)
//   pitch_diameter_mm    0.1..2000                                  (39.04)
//   contact_angle_deg    0..60                                      (0)
//   rated_current_a      full-load current, 0.1..10000              (15)
//   inrush_factor        start-up current / rated current, 1..10    (6)
//   rated_flow_m3h       flow at rated speed, 0.1..1e5              (50)
//   rated_pressure_bar   discharge pressure at rated flow, 0.1..1000 (3)
//   ambient_c            ambient temperature, degC, -50..60         (25)
//   winding_tau_s        winding thermal time constant, s, 1..1e5   (300)
//   bearing_tau_s        bearing housing time constant, s, 1..1e5   (600)
//   schedule             start/stop schedule (faults.h)             ("on@0s")
//   faults               scheduled faults (faults.h)                ("")
#pragma once

#include <map>
#include <string>
#include <vector>

#include "common/status.h"
#include "edge/plant/faults.h"

namespace keel::edge::plant {

struct BearingGeometry {
  int balls = 9;
  double ball_diameter_mm = 7.94;
  double pitch_diameter_mm = 39.04;
  double contact_angle_deg = 0;
};

// Standard defect frequencies, in multiples of the shaft frequency:
//   BPFO = n/2 (1 - d/D cos a),  BPFI = n/2 (1 + d/D cos a).
struct DefectOrders {
  double bpfo = 0;
  double bpfi = 0;
};
DefectOrders BearingDefectOrders(const BearingGeometry& bearing);

struct MotorParams {
  double rpm = 1480;
  double ramp_s = 5;
  BearingGeometry bearing;
  double rated_current_a = 15;
  double inrush_factor = 6;
  double rated_flow_m3h = 50;
  double rated_pressure_bar = 3;
  double ambient_c = 25;
  double winding_tau_s = 300;
  double bearing_tau_s = 600;
  std::vector<ScheduleEvent> schedule = {{0, true}};
  std::vector<Fault> faults;
};

// InvalidArgument for an unknown option, a malformed or out-of-range number,
// or a bad schedule/faults text, e.g.
//   option "rpm": must be between 60 and 12000, got 5
// `signals` are the names sensor faults may target.
Result<MotorParams> ParseMotorOptions(const std::map<std::string, std::string>& options,
                                      const std::vector<std::string>& signals);

}  // namespace keel::edge::plant
