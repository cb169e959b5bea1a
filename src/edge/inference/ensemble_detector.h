// "ensemble": several detectors watch the same stream and the ensemble alarms
// when any of them does — detectors that fail differently cover each other's
// misses (on NAB, the shape novelty of "resonance" and the sequence surprise
// of "contextual" miss different anomaly windows; docs/benchmarks.md).
//
// Score: each member scores the input; its score divided by its own
// threshold puts every member's alarm boundary at 1; the ensemble's score is
// the largest of those ratios (so the member that is most sure speaks), and
// its alarm threshold is "threshold" (default 1). Fit() fits every member on
// the same rows; the first member error is returned, naming the member.
//
// Kind "ensemble" has the members "resonance" and "contextual". Parameters
// "<member>.<name>" go to that member (e.g. "contextual.margin"); defaults
// differing from the members' own: contextual.margin = 0.2 and
// contextual.threshold = 0.82 (a raw contextual score of 0.82 is about as
// rare on normal data as a new resonance category). Any other parameter name
// is InvalidArgument. Not thread-safe.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "edge/inference/detector.h"

namespace keel::edge::inference {

inline constexpr std::string_view kEnsembleKind = "ensemble";

class EnsembleDetector final : public Detector {
 public:
  struct Member {
    std::string name;
    std::unique_ptr<Detector> detector;
  };

  // The "ensemble" kind above. InvalidArgument for unknown parameters or
  // what a member rejects (with the member's name as context).
  static Result<std::unique_ptr<Detector>> Create(const std::map<std::string, double>& params);

  // `members` must not be empty and each member's threshold must be > 0.
  EnsembleDetector(std::vector<Member> members, double threshold);

  std::string_view kind() const override { return kEnsembleKind; }
  Status Fit(const std::vector<std::vector<double>>& normal) override;
  Result<double> Score(std::span<const double> x) override;
  double threshold() const override { return threshold_; }

 private:
  std::vector<Member> members_;
  double threshold_;
};

}  // namespace keel::edge::inference
