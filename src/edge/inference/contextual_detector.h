// "contextual": an online detector for univariate streams that scores how
// surprising the current value is given the values just before it — in the
// spirit of the Contextual Anomaly Detector (CAD OSE) of NAB's scoreboard,
// re-designed here with plain variable-order contexts. A multivariate stream
// gets one independent model per dimension; its raw score is the largest.
//
// Quantisation: the value range [lo, hi] is learned from the Fit() rows and
// widened by "margin" = m times its span on both sides (a zero span counts
// as 1e-9 * max(1, |value|)). A value maps to one of B = 2^"bits" equal bins
// of that range (its symbol).
//
// Contexts: for every order k = 0..K ("max_order"), the context of row t is
// the symbols of the k rows before it (k = 0: the empty context); the memory
// holds, per context seen, the set of symbols that followed it. For row t
// with symbol s, over the orders whose k previous symbols exist:
//   selected  = orders whose context was seen before,
//   confirmed = those of them that were followed by s before,
//   new       = orders whose (context, s) pair was never seen,
//   raw       = ((1 - confirmed / selected) + new / orders) / 2
// (the first term is 1 when nothing was selected). Then every (context, s)
// pair joins the memory.
//
// Restart: a value outside [lo, hi] scores raw = 1; the range is extended to
// include it (again widened by m times the new span), the context memory is
// cleared and re-learned from the last "memory" values (symbols under the
// new range), the current value included.
//
// Rest ("rest" = r rows, default 0 = off): if any raw score of the previous
// r rows reached "rest_level" (default 0.75), the score is 0, else it is
// raw — one burst of alarms per novelty instead of a run (CAD OSE's rest
// period). Scores lie in [0, 1].
//
// Fit() (at least 1 row) resets the detector, learns the range
// and replays the rows into the memory (nothing is scored); Score() needs it
// first (FailedPrecondition) and is causal and deterministic.
//
// Params: "bits" whole number in [1, 5] (default 3), "max_order" whole
// number in [0, 8] (default 5), "margin" in [0, 10] (default 0.1), "memory"
// whole number in [1, 1e6] (default 4000), "rest" whole number in [0, 1e6]
// (default 0), "rest_level" in (0, 1] (default 0.75), "threshold" in (0, 1]
// (default 0.5). Not thread-safe.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "edge/inference/detector.h"

namespace keel::edge::inference {

inline constexpr std::string_view kContextualKind = "contextual";

class ContextualDetector final : public Detector {
 public:
  struct Options {
    int64_t bits = 3;
    int64_t max_order = 5;
    double margin = 0.1;
    int64_t memory = 4000;
    int64_t rest = 0;
    double rest_level = 0.75;
    double threshold = 0.5;
  };

  // InvalidArgument for unknown or out-of-range params.
  static Result<std::unique_ptr<Detector>> Create(const std::map<std::string, double>& params);

  explicit ContextualDetector(Options options) : options_(options) {}

  std::string_view kind() const override { return kContextualKind; }
  Status Fit(const std::vector<std::vector<double>>& normal) override;
  Result<double> Score(std::span<const double> x) override;
  double threshold() const override { return options_.threshold; }

 private:
  // The model of one dimension.
  struct Channel {
    double lo = 0;
    double hi = 0;
    std::deque<double> values;                         // last `memory` values
    std::deque<uint32_t> recent;                       // last max_order symbols, oldest first
    std::unordered_map<uint64_t, uint64_t> followers;  // context key -> symbol bitmask
  };

  void SetRange(Channel& c, double lo, double hi) const;
  uint32_t SymbolOf(const Channel& c, double v) const;
  // Scores symbol s against the memory (raw score above) and learns it.
  double Observe(Channel& c, uint32_t s, bool score) const;
  void Relearn(Channel& c) const;
  // Raw score of v in channel c (which learns it).
  double Step(Channel& c, double v) const;

  Options options_;
  std::vector<Channel> channels_;  // empty before Fit()
  std::deque<double> recent_raw_;  // last `rest` raw scores
};

}  // namespace keel::edge::inference
