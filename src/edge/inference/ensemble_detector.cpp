#include "edge/inference/ensemble_detector.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cassert>
#include <string_view>
#include <utility>

#include "edge/inference/contextual_detector.h"
#include "edge/inference/detector_support.h"
#include "edge/inference/resonance_detector.h"

namespace keel::edge::inference {
namespace {

struct MemberSpec {
  std::string_view kind;
  std::map<std::string, double> defaults;
};

const std::vector<MemberSpec>& MemberSpecs() {
  static const auto* specs = new std::vector<MemberSpec>{
      {kResonanceKind, {}},
      {kContextualKind, {{"margin", 0.2}, {"threshold", 0.82}}},
  };
  return *specs;
}

}  // namespace

Result<std::unique_ptr<Detector>> EnsembleDetector::Create(
    const std::map<std::string, double>& params) {
  const auto& specs = MemberSpecs();
  std::vector<std::map<std::string, double>> member_params;
  for (const MemberSpec& spec : specs) member_params.push_back(spec.defaults);
  std::map<std::string, double> own;
  for (const auto& [name, value] : params) {
    bool routed = false;
    for (size_t m = 0; m < specs.size() && !routed; ++m) {
      const std::string prefix = fmt::format("{}.", specs[m].kind);
      if (name.starts_with(prefix)) {
        member_params[m][name.substr(prefix.size())] = value;
        routed = true;
      }
    }
    if (!routed) own.emplace(name, value);
  }
  static constexpr std::array<internal::ParamSpec, 1> kSpecs{{
      {.name = "threshold",
       .default_value = 1.0,
       .min = 0.0,
       .max = internal::kNoUpperBound,
       .min_exclusive = true},
  }};
  KEEL_ASSIGN_OR_RETURN(auto values, internal::ResolveParams(kEnsembleKind, own, kSpecs));
  std::vector<Member> members;
  for (size_t m = 0; m < specs.size(); ++m) {
    auto detector = CreateDetector({std::string(specs[m].kind), member_params[m]});
    if (!detector.ok()) return detector.status().WithContext(std::string(kEnsembleKind));
    members.push_back({std::string(specs[m].kind), std::move(*detector)});
  }
  return std::unique_ptr<Detector>(
      std::make_unique<EnsembleDetector>(std::move(members), values.at("threshold")));
}

EnsembleDetector::EnsembleDetector(std::vector<Member> members, double threshold)
    : members_(std::move(members)), threshold_(threshold) {
  assert(!members_.empty());
}

Status EnsembleDetector::Fit(const std::vector<std::vector<double>>& normal) {
  for (Member& member : members_) {
    KEEL_RETURN_IF_ERROR(member.detector->Fit(normal).WithContext(
        fmt::format("{}: member {}", kEnsembleKind, member.name)));
  }
  return Status::Ok();
}

Result<double> EnsembleDetector::Score(std::span<const double> x) {
  double score = 0.0;
  for (Member& member : members_) {
    auto s = member.detector->Score(x);
    if (!s.ok()) {
      return s.status().WithContext(fmt::format("{}: member {}", kEnsembleKind, member.name));
    }
    score = std::max(score, *s / member.detector->threshold());
  }
  return score;
}

}  // namespace keel::edge::inference
