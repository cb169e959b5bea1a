// AnalyticsPipeline: the edge's decision path for one machine, per window:
//
//   wire::Series -> WindowAligner -> features (fusion)
//                                 -> operating mode (context::ModeDetector)
//                                 -> sensor health (context::SensorHealthMonitor)
//                                 -> anomaly score (inference, one model per mode)
//                                 -> alarm classification: process anomaly or
//                                    sensor fault (context::Classify)
//
// Learning: the first `learn_windows` complete windows seen in each mode of
// `learn_modes` are taken as normal; then that mode's detector is fitted and
// sensor-health baselines are learned. Until a mode is learned its windows
// are not scored, and modes that are never learned (e.g. off, ramping) are
// never scored: a machine that stops does not alarm.
//
// Windows are neither learned nor scored while the mode detector sees the
// load classify as another mode that its dwell has not confirmed yet (a stop
// or start in progress): such windows belong to no mode's normal behaviour.
//
// Alarms are debounced: an anomaly is raised after `raise_windows`
// consecutive anomalous windows (an unjudged window breaks the run) and
// cleared after `clear_windows` normal ones. An anomaly whose driving signals all have active
// sensor faults is reported as a sensor fault, not as a process anomaly.
//
// Not thread-safe: one pipeline per machine, driven by the agent's sampler.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/status.h"
#include "edge/context/operating_mode.h"
#include "edge/context/sensor_health_config.h"
#include "edge/fusion/window_aligner.h"
#include "edge/fusion/window_features.h"
#include "edge/inference/detector.h"
#include "edge/inference/mode_conditioned_detector.h"
#include "wire/telemetry.h"

namespace keel::edge::pipeline {

struct PipelineConfig {
  fusion::AlignerConfig aligner;
  fusion::FeatureSpec features;  // the detector's input vector
  // The mode's load signal is a feature name from `features` (e.g.
  // "motor.current.mean").
  context::ModeDetectorConfig mode;
  context::SensorHealthConfig health;  // signal names are channel names
  inference::DetectorConfig detector;
  // When set, makes the per-mode detectors instead of `detector` (e.g. from a
  // model bundle, whose input schema must equal the feature names).
  inference::DetectorFactory detector_factory;
  std::vector<context::OperatingMode> learn_modes = {context::OperatingMode::kRunning};
  int learn_windows = 60;
  int raise_windows = 2;
  int clear_windows = 3;
  // A feature drives an anomaly when its robust z-score against the learned
  // windows exceeds this.
  double driver_z = 4.0;
};

struct PipelineEvent {
  enum class Kind {
    kModeChanged,
    kLearned,  // a mode's model is ready
    kAnomalyRaised,
    kAnomalyCleared,
    kSensorFaultRaised,
    kSensorFaultCleared,
  };
  Kind kind;
  int64_t at_ms = 0;
  std::string mode;
  double score = 0;
  std::vector<std::string> signals;  // drivers of an anomaly, or the faulty sensor
  std::string detail;
  std::vector<std::pair<std::string, double>> features;  // context of the window
};

std::string_view PipelineEventKindName(PipelineEvent::Kind kind);

// What the pipeline concluded about one window, for rules, data reduction
// and dashboards.
struct WindowReport {
  int64_t start_ms = 0;
  int64_t end_ms = 0;  // exclusive
  context::OperatingMode mode = context::OperatingMode::kOff;
  std::vector<std::pair<std::string, double>> features;  // NaN where data was missing
  bool complete = false;                                 // no feature is NaN
  bool scored = false;                      // the mode's model is learned and the window was scored
  double score = 0;                         // meaningful when scored
  double threshold = 0;                     // the detector's threshold in this mode, when scored
  bool anomaly_active = false;              // after this window (debounced)
  std::vector<std::string> faulty_signals;  // signals with an active sensor fault
};

struct PipelineStats {
  uint64_t windows = 0;
  uint64_t incomplete_windows = 0;
  uint64_t scored_windows = 0;
  uint64_t anomalous_windows = 0;
  uint64_t suppressed_as_sensor_fault = 0;
};

class AnalyticsPipeline {
 public:
  // InvalidArgument when a part of the config is invalid (named), or when the
  // mode's load signal is not one of the features.
  static Result<std::unique_ptr<AnalyticsPipeline>> Create(PipelineConfig config);
  virtual ~AnalyticsPipeline() = default;

  // Samples of one channel, in any order (see fusion::WindowAligner).
  virtual Status Add(const wire::Series& series) = 0;
  // Processes every window that is complete at `now_ms`; returns the events
  // they caused, in time order, and appends one report per processed window
  // to *windows when it is not null.
  virtual Result<std::vector<PipelineEvent>> Poll(int64_t now_ms,
                                                  std::vector<WindowReport>* windows) = 0;
  Result<std::vector<PipelineEvent>> Poll(int64_t now_ms) { return Poll(now_ms, nullptr); }

  virtual context::OperatingMode mode() const = 0;
  virtual bool anomaly_active() const = 0;
  virtual const PipelineStats& stats() const = 0;
};

}  // namespace keel::edge::pipeline
