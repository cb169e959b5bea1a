#include "edge/pipeline/analytics_pipeline.h"

#include <algorithm>
#include <cmath>
#include <optional>

#include "edge/context/alarm_classifier.h"
#include "edge/context/sensor_baseline.h"
#include "edge/context/sensor_health_monitor.h"
#include "edge/inference/mode_conditioned_detector.h"
#include "edge/pipeline/window_summary.h"

namespace keel::edge::pipeline {
namespace {

using context::OperatingMode;

// Robust location and scale of each feature over the learned windows, used to
// name the features (and so the channels) that drive an anomaly.
struct FeatureBaseline {
  std::vector<double> median, scale;
};

FeatureBaseline LearnBaseline(const std::vector<std::vector<double>>& rows) {
  FeatureBaseline b;
  const size_t dims = rows.empty() ? 0 : rows.front().size();
  for (size_t d = 0; d < dims; ++d) {
    std::vector<double> column;
    column.reserve(rows.size());
    for (const auto& row : rows) column.push_back(row[d]);
    const double median = context::Median(column);
    std::vector<double> deviations;
    deviations.reserve(column.size());
    for (double v : column) deviations.push_back(std::abs(v - median));
    const double mad = 1.4826 * context::Median(deviations);
    b.median.push_back(median);
    b.scale.push_back(std::max(mad, 1e-9 * std::max(1.0, std::abs(median))));
  }
  return b;
}

class PipelineImpl : public AnalyticsPipeline {
 public:
  PipelineImpl(PipelineConfig config, fusion::WindowAligner aligner, context::ModeDetector mode,
               std::optional<context::SensorHealthMonitor> health,
               std::unique_ptr<inference::ModeConditionedDetector> detector,
               std::vector<std::string> feature_channels, size_t load_index)
      : config_(std::move(config)),
        aligner_(std::move(aligner)),
        mode_detector_(std::move(mode)),
        health_(std::move(health)),
        detector_(std::move(detector)),
        feature_channels_(std::move(feature_channels)),
        load_index_(load_index) {}

  Status Add(const wire::Series& series) override { return aligner_.Add(series); }

  Result<std::vector<PipelineEvent>> Poll(int64_t now_ms,
                                          std::vector<WindowReport>* windows) override {
    std::vector<PipelineEvent> events;
    for (const fusion::Window& window : aligner_.Poll(now_ms)) {
      WindowReport report;
      KEEL_RETURN_IF_ERROR(ProcessWindow(window, &events, &report));
      if (windows != nullptr) windows->push_back(std::move(report));
    }
    return events;
  }

  OperatingMode mode() const override { return mode_; }
  bool anomaly_active() const override { return anomaly_active_; }
  const PipelineStats& stats() const override { return stats_; }

 private:
  struct ModeLearning {
    std::vector<std::vector<double>> rows;
    std::vector<context::WindowSet> health_sets;
    bool learned = false;
    FeatureBaseline baseline;
  };

  Status ProcessWindow(const fusion::Window& window, std::vector<PipelineEvent>* events,
                       WindowReport* report);
  Status Learn(OperatingMode mode, ModeLearning& learning, const fusion::FeatureSet& features,
               const context::WindowSet& summary, std::vector<PipelineEvent>* events);
  void Detect(const ModeLearning& learning, const fusion::FeatureSet& features, double score,
              std::vector<PipelineEvent>* events);
  PipelineEvent Event(PipelineEvent::Kind kind, const fusion::FeatureSet& features) const {
    PipelineEvent e{kind, features.window_end_ms, std::string(OperatingModeName(mode_)), 0, {},
                    {},   features.values};
    return e;
  }

  PipelineConfig config_;
  fusion::WindowAligner aligner_;
  context::ModeDetector mode_detector_;
  std::optional<context::SensorHealthMonitor> health_;
  std::unique_ptr<inference::ModeConditionedDetector> detector_;
  std::vector<std::string> feature_channels_;  // channel of each feature
  size_t load_index_;

  OperatingMode mode_ = OperatingMode::kOff;
  std::map<OperatingMode, ModeLearning> learning_;
  int anomalous_run_ = 0;
  int normal_run_ = 0;
  bool anomaly_active_ = false;
  PipelineStats stats_;
};

Status PipelineImpl::ProcessWindow(const fusion::Window& window, std::vector<PipelineEvent>* events,
                                   WindowReport* report) {
  KEEL_ASSIGN_OR_RETURN(fusion::FeatureSet features,
                        fusion::ComputeFeatures(window, config_.features));
  ++stats_.windows;
  if (!features.complete) ++stats_.incomplete_windows;

  const OperatingMode previous = mode_;
  mode_ = mode_detector_.Update(features.window_end_ms, features.values[load_index_].second);
  if (mode_ != previous) events->push_back(Event(PipelineEvent::Kind::kModeChanged, features));
  // Filled in as the window goes through the stages; complete on every return.
  struct ReportFiller {
    ~ReportFiller() {
      report->anomaly_active = self->anomaly_active_;
      if (self->health_) {
        for (const auto& fault : self->health_->ActiveFaults()) {
          if (std::find(report->faulty_signals.begin(), report->faulty_signals.end(),
                        fault.signal) == report->faulty_signals.end()) {
            report->faulty_signals.push_back(fault.signal);
          }
        }
      }
    }
    const PipelineImpl* self;
    WindowReport* report;
  } filler{this, report};
  report->start_ms = window.start_ms;
  report->end_ms = window.end_ms;
  report->mode = mode_;
  report->features = features.values;
  report->complete = features.complete;

  const context::WindowSet summary = SummarizeWindow(window);
  if (health_) {
    for (const auto& change : health_->Evaluate(mode_, summary)) {
      PipelineEvent e = Event(change.type == context::SensorFaultEvent::Type::kRaised
                                  ? PipelineEvent::Kind::kSensorFaultRaised
                                  : PipelineEvent::Kind::kSensorFaultCleared,
                              features);
      e.at_ms = change.at_ms;
      e.signals = {change.fault.signal};
      e.detail =
          std::string(context::FaultKindName(change.fault.kind)) + ": " + change.fault.detail;
      events->push_back(std::move(e));
    }
  }

  const bool learnable = std::find(config_.learn_modes.begin(), config_.learn_modes.end(), mode_) !=
                         config_.learn_modes.end();
  if (!learnable || !features.complete || mode_detector_.in_transition()) {
    anomalous_run_ = 0;  // "consecutive" means consecutive judged windows of one mode
    return Status::Ok();
  }
  ModeLearning& learning = learning_[mode_];
  if (!learning.learned) return Learn(mode_, learning, features, summary, events);

  std::vector<double> x;
  x.reserve(features.values.size());
  for (const auto& [name, value] : features.values) x.push_back(value);
  KEEL_ASSIGN_OR_RETURN(const double score, detector_->ScoreInMode(static_cast<int>(mode_), x));
  ++stats_.scored_windows;
  report->scored = true;
  report->score = score;
  report->threshold = detector_->ThresholdInMode(static_cast<int>(mode_));
  Detect(learning, features, score, events);
  return Status::Ok();
}

Status PipelineImpl::Learn(OperatingMode mode, ModeLearning& learning,
                           const fusion::FeatureSet& features, const context::WindowSet& summary,
                           std::vector<PipelineEvent>* events) {
  std::vector<double> x;
  for (const auto& [name, value] : features.values) x.push_back(value);
  learning.rows.push_back(std::move(x));
  learning.health_sets.push_back(summary);
  if (learning.rows.size() < static_cast<size_t>(config_.learn_windows)) return Status::Ok();
  KEEL_RETURN_IF_ERROR(
      detector_->FitForMode(static_cast<int>(mode), learning.rows)
          .WithContext(std::string("learning mode ") + std::string(OperatingModeName(mode))));
  if (health_) KEEL_RETURN_IF_ERROR(health_->Learn(learning.health_sets, mode));
  learning.baseline = LearnBaseline(learning.rows);
  learning.learned = true;
  learning.rows.clear();
  learning.health_sets.clear();
  PipelineEvent e = Event(PipelineEvent::Kind::kLearned, features);
  e.detail = "model and sensor baselines learned from " + std::to_string(config_.learn_windows) +
             " windows";
  events->push_back(std::move(e));
  return Status::Ok();
}

void PipelineImpl::Detect(const ModeLearning& learning, const fusion::FeatureSet& features,
                          double score, std::vector<PipelineEvent>* events) {
  const bool anomalous = detector_->IsAnomalyInMode(static_cast<int>(mode_), score);
  if (anomalous) {
    ++stats_.anomalous_windows;
    ++anomalous_run_;
    normal_run_ = 0;
  } else {
    ++normal_run_;
    anomalous_run_ = 0;
  }
  if (anomaly_active_ && normal_run_ >= config_.clear_windows) {
    anomaly_active_ = false;
    PipelineEvent e = Event(PipelineEvent::Kind::kAnomalyCleared, features);
    e.score = score;
    events->push_back(std::move(e));
    return;
  }
  if (anomaly_active_ || anomalous_run_ < config_.raise_windows) return;

  context::AnomalyInput input{true, score, {}};
  for (size_t i = 0; i < features.values.size(); ++i) {
    const double z = std::abs(features.values[i].second - learning.baseline.median[i]) /
                     learning.baseline.scale[i];
    const std::string& channel = feature_channels_[i];
    if (z > config_.driver_z &&
        std::find(input.driving_signals.begin(), input.driving_signals.end(), channel) ==
            input.driving_signals.end()) {
      input.driving_signals.push_back(channel);
    }
  }
  const std::vector<context::SensorFault> faults =
      health_ ? health_->ActiveFaults() : std::vector<context::SensorFault>{};
  const context::AlarmDecision decision = context::Classify(faults, input);
  if (decision.alarm == context::AlarmClass::kSensorFault) {
    ++stats_.suppressed_as_sensor_fault;  // the sensor-fault event already went out
    return;
  }
  anomaly_active_ = true;
  PipelineEvent e = Event(PipelineEvent::Kind::kAnomalyRaised, features);
  e.score = score;
  e.signals = input.driving_signals;
  e.detail = decision.reason;
  events->push_back(std::move(e));
}

}  // namespace

std::string_view PipelineEventKindName(PipelineEvent::Kind kind) {
  switch (kind) {
    case PipelineEvent::Kind::kModeChanged:
      return "mode.changed";
    case PipelineEvent::Kind::kLearned:
      return "model.learned";
    case PipelineEvent::Kind::kAnomalyRaised:
      return "anomaly.raised";
    case PipelineEvent::Kind::kAnomalyCleared:
      return "anomaly.cleared";
    case PipelineEvent::Kind::kSensorFaultRaised:
      return "sensor_fault.raised";
    case PipelineEvent::Kind::kSensorFaultCleared:
      return "sensor_fault.cleared";
  }
  return "unknown";
}

Result<std::unique_ptr<AnalyticsPipeline>> AnalyticsPipeline::Create(PipelineConfig config) {
  if (config.learn_windows < 2 || config.raise_windows < 1 || config.clear_windows < 1) {
    return Status::InvalidArgument(
        "pipeline: learn_windows must be >= 2, raise_windows and clear_windows >= 1");
  }
  KEEL_ASSIGN_OR_RETURN(auto aligner, fusion::WindowAligner::Create(config.aligner));
  KEEL_ASSIGN_OR_RETURN(std::vector<std::string> names, fusion::FeatureNames(config.features));
  const auto load = std::find(names.begin(), names.end(), config.mode.load_signal);
  if (load == names.end()) {
    return Status::InvalidArgument("pipeline: mode load signal \"" + config.mode.load_signal +
                                   "\" is not one of the features");
  }
  std::vector<std::string> feature_channels;
  for (const auto& name : names) {
    std::string owner;
    for (const auto& channel : config.features.channels) {
      if (name.rfind(channel.channel + ".", 0) == 0 && channel.channel.size() > owner.size()) {
        owner = channel.channel;
      }
    }
    feature_channels.push_back(owner);
  }
  KEEL_ASSIGN_OR_RETURN(auto mode, context::ModeDetector::Create(config.mode));
  std::optional<context::SensorHealthMonitor> health;
  if (!config.health.signals.empty() || !config.health.groups.empty()) {
    KEEL_ASSIGN_OR_RETURN(auto monitor, context::SensorHealthMonitor::Create(config.health));
    health.emplace(std::move(monitor));
  }
  constexpr auto kPolicy = inference::UnknownModePolicy::kScoreZero;
  KEEL_ASSIGN_OR_RETURN(
      auto detector,
      config.detector_factory
          ? inference::ModeConditionedDetector::CreateWith(config.detector_factory, kPolicy)
          : inference::ModeConditionedDetector::Create(config.detector, kPolicy));
  const size_t load_index = static_cast<size_t>(load - names.begin());
  return std::unique_ptr<AnalyticsPipeline>(
      new PipelineImpl(std::move(config), std::move(aligner), std::move(mode), std::move(health),
                       std::move(detector), std::move(feature_channels), load_index));
}

}  // namespace keel::edge::pipeline
