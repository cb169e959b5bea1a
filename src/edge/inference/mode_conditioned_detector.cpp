#include "edge/inference/mode_conditioned_detector.h"

#include <fmt/format.h>

namespace keel::edge::inference {

Result<std::unique_ptr<ModeConditionedDetector>> ModeConditionedDetector::Create(
    DetectorConfig config, UnknownModePolicy policy) {
  return CreateWith([config = std::move(config)] { return CreateDetector(config); }, policy);
}

Result<std::unique_ptr<ModeConditionedDetector>> ModeConditionedDetector::CreateWith(
    DetectorFactory factory, UnknownModePolicy policy) {
  KEEL_ASSIGN_OR_RETURN(auto global, factory());
  return std::unique_ptr<ModeConditionedDetector>(
      new ModeConditionedDetector(std::move(factory), policy, std::move(global)));
}

double ModeConditionedDetector::ThresholdInMode(int mode) const {
  auto it = per_mode_.find(mode);
  return it != per_mode_.end() ? it->second->threshold() : global_->threshold();
}

Status ModeConditionedDetector::Fit(const std::vector<std::vector<double>>& normal) {
  KEEL_RETURN_IF_ERROR(global_->Fit(normal));
  global_fitted_ = true;
  return Status::Ok();
}

Result<double> ModeConditionedDetector::Score(std::span<const double> x) {
  return global_->Score(x);
}

Status ModeConditionedDetector::FitForMode(int mode,
                                           const std::vector<std::vector<double>>& normal) {
  KEEL_ASSIGN_OR_RETURN(auto detector, factory_());
  Status status = detector->Fit(normal);
  if (!status.ok()) return status.WithContext(fmt::format("mode {}", mode));
  per_mode_.insert_or_assign(mode, std::move(detector));
  return Status::Ok();
}

Result<double> ModeConditionedDetector::ScoreInMode(int mode, std::span<const double> x) {
  auto it = per_mode_.find(mode);
  if (it != per_mode_.end()) {
    Result<double> score = it->second->Score(x);
    if (!score.ok()) return score.status().WithContext(fmt::format("mode {}", mode));
    return score;
  }
  switch (policy_) {
    case UnknownModePolicy::kReject:
      return Status::FailedPrecondition(
          fmt::format("mode_conditioned: mode {} has no fitted detector", mode));
    case UnknownModePolicy::kUseGlobal:
      if (!global_fitted_) {
        return Status::FailedPrecondition(fmt::format(
            "mode_conditioned: mode {} has no fitted detector and Fit() has not succeeded", mode));
      }
      ++unknown_mode_count_;
      return global_->Score(x);
    case UnknownModePolicy::kScoreZero:
      break;
  }
  ++unknown_mode_count_;
  return 0.0;
}

std::vector<int> ModeConditionedDetector::modes() const {
  std::vector<int> modes;
  for (const auto& [mode, detector] : per_mode_) modes.push_back(mode);
  return modes;
}

}  // namespace keel::edge::inference
