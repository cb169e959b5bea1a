#include <fmt/format.h>
#include <fmt/ranges.h>

#include <exception>
#include <functional>

#include "edge/inference/contextual_detector.h"
#include "edge/inference/detector.h"
#include "edge/inference/discord_detector.h"
#include "edge/inference/ensemble_detector.h"
#include "edge/inference/ewma_detector.h"
#include "edge/inference/likelihood_detector.h"
#include "edge/inference/mahalanobis_detector.h"
#include "edge/inference/pca_detector.h"
#include "edge/inference/relative_entropy_detector.h"
#include "edge/inference/resonance_detector.h"
#include "edge/inference/smoothed_detector.h"
#include "edge/inference/windowed_gaussian_detector.h"
#include "edge/inference/zscore_detector.h"

namespace keel::edge::inference {
namespace {

using Factory = Result<std::unique_ptr<Detector>> (*)(const std::map<std::string, double>&);

template <const std::string_view& kInner>
Result<std::unique_ptr<Detector>> CreateSmoothed(const std::map<std::string, double>& params) {
  return SmoothedDetector::CreateOver(kInner, params);
}

template <const std::string_view& kInner>
Result<std::unique_ptr<Detector>> CreateLikelihood(const std::map<std::string, double>& params) {
  return LikelihoodDetector::CreateOver(kInner, params);
}

const std::map<std::string, Factory, std::less<>>& Factories() {
  static const auto* factories = new std::map<std::string, Factory, std::less<>>{
      {std::string(kEwmaKind), &EwmaDetector::Create},
      {std::string(kMahalanobisKind), &MahalanobisDetector::Create},
      {std::string(kPcaKind), &PcaDetector::Create},
      {std::string(kZScoreKind), &ZScoreDetector::Create},
      {std::string(kWindowedGaussianKind), &WindowedGaussianDetector::Create},
      {std::string(kRelativeEntropyKind), &RelativeEntropyDetector::Create},
      {std::string(kContextualKind), &ContextualDetector::Create},
      {std::string(kResonanceKind), &ResonanceDetector::Create},
      {std::string(kDiscordKind), &DiscordDetector::Create},
      {std::string(kEnsembleKind), &EnsembleDetector::Create},
      {fmt::format("{}{}", kLikelihoodPrefix, kContextualKind), &CreateLikelihood<kContextualKind>},
      {fmt::format("{}{}", kLikelihoodPrefix, kEwmaKind), &CreateLikelihood<kEwmaKind>},
      {fmt::format("{}{}", kLikelihoodPrefix, kWindowedGaussianKind),
       &CreateLikelihood<kWindowedGaussianKind>},
      {fmt::format("{}{}", kLikelihoodPrefix, kZScoreKind), &CreateLikelihood<kZScoreKind>},
      {fmt::format("{}{}", kSmoothedPrefix, kEwmaKind), &CreateSmoothed<kEwmaKind>},
      {fmt::format("{}{}", kSmoothedPrefix, kMahalanobisKind), &CreateSmoothed<kMahalanobisKind>},
      {fmt::format("{}{}", kSmoothedPrefix, kRelativeEntropyKind),
       &CreateSmoothed<kRelativeEntropyKind>},
      {fmt::format("{}{}", kSmoothedPrefix, kWindowedGaussianKind),
       &CreateSmoothed<kWindowedGaussianKind>},
      {fmt::format("{}{}", kSmoothedPrefix, kPcaKind), &CreateSmoothed<kPcaKind>},
      {fmt::format("{}{}", kSmoothedPrefix, kZScoreKind), &CreateSmoothed<kZScoreKind>},
  };
  return *factories;
}

}  // namespace

Result<std::unique_ptr<Detector>> CreateDetector(const DetectorConfig& config) {
  const auto& factories = Factories();
  auto it = factories.find(config.kind);
  if (it == factories.end()) {
    return Status::InvalidArgument(fmt::format("detector: unknown kind \"{}\" (known: {})",
                                               config.kind, fmt::join(DetectorKinds(), ", ")));
  }
  try {
    return it->second(config.params);
  } catch (const std::exception& e) {
    return Status::Internal(
        fmt::format("detector \"{}\": creation threw: {}", config.kind, e.what()));
  }
}

std::vector<std::string> DetectorKinds() {
  std::vector<std::string> kinds;
  for (const auto& [kind, factory] : Factories()) kinds.push_back(kind);
  return kinds;
}

}  // namespace keel::edge::inference
