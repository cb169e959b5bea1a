// ModeConditionedDetector: one detector per operating mode (e.g. idle, run,
// clean-in-place), so each mode is judged against its own normal behaviour.
// Modes are plain ints chosen by the caller.
//
// Every per-mode detector, and the mode-agnostic "global" one, is built by
// the same factory (from one DetectorConfig, or e.g. a model bundle); each
// sets its own threshold when fitted (ThresholdInMode). The global detector is
// trained by Fit() and used by Score(); FitForMode() trains (or retrains) the
// detector of one mode, used by ScoreInMode().
//
// ScoreInMode() for a mode without a fitted detector follows the policy:
//  - kScoreZero: returns 0 (never an anomaly) and counts it;
//  - kUseGlobal: scores with the global detector (FailedPrecondition if Fit()
//    has not succeeded) and counts it;
//  - kReject: FailedPrecondition naming the mode.
// unknown_mode_count() reports how many vectors met an unknown mode.
// Not thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <vector>

#include "edge/inference/detector.h"

namespace keel::edge::inference {

inline constexpr std::string_view kModeConditionedKind = "mode_conditioned";

enum class UnknownModePolicy { kScoreZero, kUseGlobal, kReject };

// Makes a fresh, unfitted detector; called once for the global detector and
// once per FitForMode.
using DetectorFactory = std::function<Result<std::unique_ptr<Detector>>()>;

class ModeConditionedDetector final : public Detector {
 public:
  // Whatever CreateDetector(config) returns on error.
  static Result<std::unique_ptr<ModeConditionedDetector>> Create(DetectorConfig config,
                                                                 UnknownModePolicy policy);
  // Whatever the factory returns on error.
  static Result<std::unique_ptr<ModeConditionedDetector>> CreateWith(DetectorFactory factory,
                                                                     UnknownModePolicy policy);

  std::string_view kind() const override { return kModeConditionedKind; }
  // Trains the global detector.
  Status Fit(const std::vector<std::vector<double>>& normal) override;
  // Scores with the global detector (its errors, e.g. FailedPrecondition
  // before Fit()).
  Result<double> Score(std::span<const double> x) override;
  double threshold() const override { return global_->threshold(); }

  // Builds a fresh detector for `mode` and fits it; on error the mode keeps
  // its previous detector (or stays unknown).
  Status FitForMode(int mode, const std::vector<std::vector<double>>& normal);
  // Scores x with the detector of `mode`, or per the unknown-mode policy.
  Result<double> ScoreInMode(int mode, std::span<const double> x);
  // The threshold of the detector that scores `mode` (the global one's for a
  // mode without its own detector).
  double ThresholdInMode(int mode) const;
  bool IsAnomalyInMode(int mode, double score) const { return score > ThresholdInMode(mode); }

  // Modes with a fitted detector, ascending.
  std::vector<int> modes() const;
  int64_t unknown_mode_count() const { return unknown_mode_count_; }

 private:
  ModeConditionedDetector(DetectorFactory factory, UnknownModePolicy policy,
                          std::unique_ptr<Detector> global)
      : factory_(std::move(factory)), policy_(policy), global_(std::move(global)) {}

  DetectorFactory factory_;
  UnknownModePolicy policy_;
  std::unique_ptr<Detector> global_;
  bool global_fitted_ = false;
  std::map<int, std::unique_ptr<Detector>> per_mode_;
  int64_t unknown_mode_count_ = 0;
};

}  // namespace keel::edge::inference
