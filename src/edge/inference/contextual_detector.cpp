#include "edge/inference/contextual_detector.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>

#include "edge/inference/detector_support.h"

namespace keel::edge::inference {
namespace {

constexpr int kSymbolBits = 6;  // bits <= 5, so a symbol fits in 6 bits

uint64_t ContextKey(const std::deque<uint32_t>& recent, size_t order) {
  uint64_t key = static_cast<uint64_t>(order) << 56;
  for (size_t k = 0; k < order; ++k) {
    key |= static_cast<uint64_t>(recent[recent.size() - 1 - k]) << (kSymbolBits * k);
  }
  return key;
}

}  // namespace

Result<std::unique_ptr<Detector>> ContextualDetector::Create(
    const std::map<std::string, double>& params) {
  constexpr double kMax = 1e6;
  static constexpr std::array<internal::ParamSpec, 7> kSpecs{{
      {.name = "bits", .default_value = 3, .min = 1, .max = 5, .integer = true},
      {.name = "margin", .default_value = 0.1, .min = 0, .max = 10},
      {.name = "max_order", .default_value = 5, .min = 0, .max = 8, .integer = true},
      {.name = "memory", .default_value = 4000, .min = 1, .max = kMax, .integer = true},
      {.name = "rest", .default_value = 0, .min = 0, .max = kMax, .integer = true},
      {.name = "rest_level", .default_value = 0.75, .min = 0, .max = 1, .min_exclusive = true},
      {.name = "threshold", .default_value = 0.5, .min = 0, .max = 1, .min_exclusive = true},
  }};
  KEEL_ASSIGN_OR_RETURN(auto values, internal::ResolveParams(kContextualKind, params, kSpecs));
  return std::unique_ptr<Detector>(std::make_unique<ContextualDetector>(
      Options{.bits = static_cast<int64_t>(values.at("bits")),
              .max_order = static_cast<int64_t>(values.at("max_order")),
              .margin = values.at("margin"),
              .memory = static_cast<int64_t>(values.at("memory")),
              .rest = static_cast<int64_t>(values.at("rest")),
              .rest_level = values.at("rest_level"),
              .threshold = values.at("threshold")}));
}

void ContextualDetector::SetRange(Channel& c, double lo, double hi) const {
  const double span = std::max(hi - lo, internal::ScaleFloor(std::max(std::abs(lo), std::abs(hi))));
  c.lo = lo - options_.margin * span;
  c.hi = hi + options_.margin * span;
  if (c.hi - c.lo < span) c.hi = c.lo + span;  // margin 0 with a zero span
}

uint32_t ContextualDetector::SymbolOf(const Channel& c, double v) const {
  const auto bins = static_cast<int64_t>(1) << options_.bits;
  const auto bin =
      static_cast<int64_t>(std::floor((v - c.lo) / (c.hi - c.lo) * static_cast<double>(bins)));
  return static_cast<uint32_t>(std::clamp<int64_t>(bin, 0, bins - 1));
}

double ContextualDetector::Observe(Channel& c, uint32_t s, bool score) const {
  const size_t orders = std::min(c.recent.size(), static_cast<size_t>(options_.max_order)) + 1;
  size_t selected = 0;
  size_t confirmed = 0;
  size_t fresh = 0;
  const uint64_t bit = uint64_t{1} << s;
  for (size_t k = 0; k < orders; ++k) {
    uint64_t& mask = c.followers[ContextKey(c.recent, k)];
    if (score) {
      if (mask != 0) ++selected;
      if ((mask & bit) != 0) {
        ++confirmed;
      } else {
        ++fresh;
      }
    }
    mask |= bit;
  }
  c.recent.push_back(s);
  if (c.recent.size() > static_cast<size_t>(options_.max_order)) c.recent.pop_front();
  if (!score) return 0.0;
  const double unconfirmed =
      selected == 0 ? 1.0 : 1.0 - static_cast<double>(confirmed) / static_cast<double>(selected);
  return (unconfirmed + static_cast<double>(fresh) / static_cast<double>(orders)) / 2.0;
}

void ContextualDetector::Relearn(Channel& c) const {
  c.followers.clear();
  c.recent.clear();
  for (double v : c.values) Observe(c, SymbolOf(c, v), false);
}

double ContextualDetector::Step(Channel& c, double v) const {
  c.values.push_back(v);
  if (c.values.size() > static_cast<size_t>(options_.memory)) c.values.pop_front();
  if (v >= c.lo && v <= c.hi) return Observe(c, SymbolOf(c, v), true);
  const double span = c.hi - c.lo;
  // Undo the old margin so repeated restarts do not compound it.
  const double lo = c.lo + options_.margin * span / (1 + 2 * options_.margin);
  const double hi = c.hi - options_.margin * span / (1 + 2 * options_.margin);
  SetRange(c, std::min(lo, v), std::max(hi, v));
  Relearn(c);
  return 1.0;
}

Status ContextualDetector::Fit(const std::vector<std::vector<double>>& normal) {
  KEEL_ASSIGN_OR_RETURN(const size_t dims, internal::CheckRows(kContextualKind, normal, 1));
  channels_.assign(dims, Channel{});
  for (size_t i = 0; i < dims; ++i) {
    Channel& c = channels_[i];
    double lo = normal.front()[i];
    double hi = lo;
    for (const auto& row : normal) {
      lo = std::min(lo, row[i]);
      hi = std::max(hi, row[i]);
      c.values.push_back(row[i]);
      if (c.values.size() > static_cast<size_t>(options_.memory)) c.values.pop_front();
    }
    SetRange(c, lo, hi);
    Relearn(c);
  }
  recent_raw_.clear();
  return Status::Ok();
}

Result<double> ContextualDetector::Score(std::span<const double> x) {
  if (channels_.empty()) {
    return Status::FailedPrecondition(
        fmt::format("{}: score: Fit() has not succeeded yet", kContextualKind));
  }
  KEEL_RETURN_IF_ERROR(internal::CheckVector(kContextualKind, x, channels_.size()));
  double raw = 0.0;
  for (size_t i = 0; i < channels_.size(); ++i) raw = std::max(raw, Step(channels_[i], x[i]));
  if (options_.rest == 0) return raw;
  const bool resting = std::any_of(recent_raw_.begin(), recent_raw_.end(),
                                   [this](double r) { return r >= options_.rest_level; });
  recent_raw_.push_back(raw);
  if (recent_raw_.size() > static_cast<size_t>(options_.rest)) recent_raw_.pop_front();
  return resting ? 0.0 : raw;
}

}  // namespace keel::edge::inference
