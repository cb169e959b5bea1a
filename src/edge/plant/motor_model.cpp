#include "edge/plant/motor_model.h"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <utility>

namespace keel::edge::plant {
namespace {

constexpr double kDt = 0.001;
constexpr double kTwoPi = 2 * std::numbers::pi;

double Wrap(double phase) { return phase >= kTwoPi ? phase - kTwoPi : phase; }

}  // namespace

std::string_view MachineStateName(MachineState state) {
  switch (state) {
    case MachineState::kOff:
      return "off";
    case MachineState::kRampingUp:
      return "ramping_up";
    case MachineState::kRunning:
      return "running";
    case MachineState::kRampingDown:
      return "ramping_down";
  }
  return "?";
}

MotorModel::MotorModel(MotorParams params)
    : params_(std::move(params)), orders_(BearingDefectOrders(params_.bearing)) {
  state_.winding_c = params_.ambient_c;
  state_.bearing_c = params_.ambient_c;
  ApplySchedule();
  ApplyFaults();
  UpdateHydraulicsAndCurrent();
}

void MotorModel::AdvanceTo(int64_t t_ms) {
  while (now_ms_ < t_ms) Step();
}

void MotorModel::Step() {
  ++now_ms_;
  ApplySchedule();
  const double ramp_step = kDt / params_.ramp_s;
  double& s = state_.speed_fraction;
  if (state_.machine == MachineState::kRampingUp) {
    s = std::min(1.0, s + ramp_step);
    if (s >= 1.0) state_.machine = MachineState::kRunning;
  } else if (state_.machine == MachineState::kRampingDown) {
    s = std::max(0.0, s - ramp_step);
    if (s <= 0.0) state_.machine = MachineState::kOff;
  }
  const double f = shaft_hz();
  phi_ = Wrap(phi_ + kTwoPi * f * kDt);
  psi_outer_ = Wrap(psi_outer_ + kTwoPi * orders_.bpfo * f * kDt);
  psi_inner_ = Wrap(psi_inner_ + kTwoPi * orders_.bpfi * f * kDt);
  ApplyFaults();
  UpdateHydraulicsAndCurrent();
  UpdateThermal();
}

void MotorModel::ApplySchedule() {
  while (next_event_ < params_.schedule.size() && params_.schedule[next_event_].at_ms <= now_ms_) {
    const bool on = params_.schedule[next_event_++].on;
    MachineState& m = state_.machine;
    if (on && (m == MachineState::kOff || m == MachineState::kRampingDown)) {
      m = MachineState::kRampingUp;
    } else if (!on && (m == MachineState::kRunning || m == MachineState::kRampingUp)) {
      m = MachineState::kRampingDown;
    }
  }
}

void MotorModel::ApplyFaults() {
  const double s = state_.speed_fraction;
  state_.imbalance = 1;
  state_.cavitation = 0;
  overheat_rise_ = 0;
  for (const Fault& fault : params_.faults) {
    if (!fault.ActiveAt(now_ms_)) continue;
    switch (fault.kind) {
      case FaultKind::kBearingWear:
        if (now_ms_ > fault.start_ms) {
          state_.wear = std::min(1.0, state_.wear + fault.magnitude * s * kDt);
        }
        break;
      case FaultKind::kImbalance:
        state_.imbalance = std::max(state_.imbalance, fault.magnitude);
        break;
      case FaultKind::kOverheat:
        overheat_rise_ += fault.magnitude;
        break;
      case FaultKind::kCavitation:
        state_.cavitation = std::max(state_.cavitation, fault.magnitude * s);
        break;
      case FaultKind::kStuck:
      case FaultKind::kDrift:
      case FaultKind::kNoisy:
        break;
    }
  }
}

void MotorModel::UpdateHydraulicsAndCurrent() {
  const double s = state_.speed_fraction;
  const double rated_p = params_.rated_pressure_bar;
  const double rated_q = params_.rated_flow_m3h;
  const double p0 = rated_p * 4.0 / 3.0;
  const double p_static = rated_p / 3.0;
  const double head = p0 * s * s;
  double flow = 0;
  double pressure = head;
  if (head > p_static) {
    flow = rated_q * std::sqrt((head - p_static) / (p0 - p_static));
    pressure = p_static + (rated_p - p_static) * (flow / rated_q) * (flow / rated_q);
  }
  flow *= 1 - 0.3 * state_.cavitation;
  pressure *= 1 - 0.2 * state_.cavitation;
  state_.flow_m3h = flow;
  state_.pressure_bar = pressure;
  const double load = pressure * flow / (rated_p * rated_q);
  double current = params_.rated_current_a * (0.3 * s + 0.7 * load);
  if (state_.machine == MachineState::kRampingUp) {
    current += params_.inrush_factor * params_.rated_current_a * (1 - s);
  }
  state_.current_a = current;
}

void MotorModel::UpdateThermal() {
  const double ambient = params_.ambient_c;
  const double i_ratio = state_.current_a / params_.rated_current_a;
  const double winding_target = ambient + 40 * std::min(i_ratio * i_ratio, 4.0) + overheat_rise_;
  state_.winding_c += (winding_target - state_.winding_c) * kDt / params_.winding_tau_s;
  const double bearing_target = ambient + 15 * state_.speed_fraction * (1 + 3 * state_.wear) +
                                0.25 * (state_.winding_c - ambient);
  state_.bearing_c += (bearing_target - state_.bearing_c) * kDt / params_.bearing_tau_s;
}

double MotorModel::Vibration(Random& random) const {
  const double s = state_.speed_fraction;
  const double w = state_.wear;
  const double shaft = 0.05 * state_.imbalance * std::sin(phi_) + 0.02 * std::sin(2 * phi_ + 0.7) +
                       0.01 * std::sin(3 * phi_ + 1.9);
  const double outer = (0.002 + 0.1 * w) * (std::sin(psi_outer_) + 0.5 * std::sin(2 * psi_outer_));
  const double inner = (0.001 + 0.05 * w) * (1 + 0.5 * std::cos(phi_)) * std::sin(psi_inner_);
  const double noise = (0.005 + 0.01 * s + 0.3 * state_.cavitation) * random.Gaussian();
  return s * s * shaft + s * (outer + inner) + noise;
}

double MotorModel::Pressure(Random& random) const {
  const double noise = random.Gaussian();
  return state_.pressure_bar + 0.15 * params_.rated_pressure_bar * state_.cavitation * noise;
}

}  // namespace keel::edge::plant
