// MotorModel: the process physics of a motor-driven centrifugal pump, stepped
// in fixed 1 ms increments so that its trajectory depends only on the
// parameters, never on how it is sampled.
//
// Units: speed rpm, current A, temperatures degC, pressure bar (gauge,
// discharge), flow m3/h, vibration acceleration in g (1 g = 9.81 m/s2).
//
// Model (s = speed / rated speed, 0..1):
//   - Machine state: off -> ramping_up (s rises linearly over ramp_s) ->
//     running -> ramping_down (s falls over ramp_s) -> off, driven by the
//     schedule; an "off" during ramp-up ramps down from the current speed.
//   - Pump: pump curve p = p0 s^2 - k Q^2 against a system curve
//     p = p_static + c Q^2, with p0 = 4/3 and p_static = 1/3 of
//     rated_pressure_bar, so rated speed gives rated flow and pressure. Below
//     the speed where p0 s^2 < p_static, no flow.
//   - Current: rated_current_a * (0.3 s + 0.7 * hydraulic load), load =
//     p Q / (rated p * rated Q); while ramping up, plus an inrush of
//     inrush_factor * rated_current_a * (1 - s).
//   - Temperatures: first-order lags towards targets: winding ambient +
//     40 min((I/I_rated)^2, 4) + overheat rise (time constant winding_tau_s);
//     bearing housing ambient + 15 s (1 + 3 wear) + 0.25 (winding - ambient)
//     (bearing_tau_s).
//   - Vibration: s^2 (0.05 g * imbalance sin(phi) + 0.02 g sin(2 phi) +
//     0.01 g sin(3 phi)) + s (0.002 + 0.1 wear) g (sin(psi_o) + 0.5 sin(2 psi_o))
//     + s (0.001 + 0.05 wear) g (1 + 0.5 cos(phi)) sin(psi_i) + Gaussian
//     broadband noise (0.005 + 0.01 s + 0.3 cavitation) g, where phi, psi_o
//     and psi_i integrate the shaft frequency, BPFO and BPFI.
//   - Faults (faults.h): wear grows at growth * s per second while the
//     bearing turns; cavitation acts in proportion to s.
// Not thread-safe.
#pragma once

#include <cstdint>
#include <string_view>

#include "common/random.h"
#include "edge/plant/motor_params.h"

namespace keel::edge::plant {

enum class MachineState { kOff, kRampingUp, kRunning, kRampingDown };
std::string_view MachineStateName(MachineState state);

struct ProcessState {
  MachineState machine = MachineState::kOff;
  double speed_fraction = 0;  // 0..1
  double current_a = 0;
  double winding_c = 0;
  double bearing_c = 0;
  double pressure_bar = 0;  // without cavitation noise
  double flow_m3h = 0;
  double wear = 0;  // 0..1
  double imbalance = 1;
  double cavitation = 0;  // effective severity, 0..1
};

class MotorModel {
 public:
  explicit MotorModel(MotorParams params);

  // Steps the process to t_ms (ms after start); a t_ms <= now_ms() does nothing.
  void AdvanceTo(int64_t t_ms);
  int64_t now_ms() const { return now_ms_; }
  const ProcessState& state() const { return state_; }
  const MotorParams& params() const { return params_; }

  double shaft_hz() const { return params_.rpm / 60.0 * state_.speed_fraction; }
  double rated_shaft_hz() const { return params_.rpm / 60.0; }
  const DefectOrders& defect_orders() const { return orders_; }
  double speed_rpm() const { return params_.rpm * state_.speed_fraction; }

  // Instantaneous measured-quantity values at now_ms(); the random draws are
  // the process's own noise (broadband vibration, cavitation pressure).
  double Vibration(Random& random) const;
  double Pressure(Random& random) const;

 private:
  void Step();
  void ApplySchedule();
  void ApplyFaults();
  void UpdateHydraulicsAndCurrent();
  void UpdateThermal();

  MotorParams params_;
  DefectOrders orders_;
  ProcessState state_;
  int64_t now_ms_ = 0;
  size_t next_event_ = 0;
  double overheat_rise_ = 0;
  double phi_ = 0;
  double psi_outer_ = 0;
  double psi_inner_ = 0;
};

}  // namespace keel::edge::plant
