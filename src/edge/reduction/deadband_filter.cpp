#include "edge/reduction/deadband_filter.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "edge/reduction/point_order.h"

namespace keel::edge::reduction {

Status ValidateDeadbandConfig(const DeadbandConfig& config) {
  if (!std::isfinite(config.deadband) || config.deadband < 0) {
    return Status::InvalidArgument("deadband: deadband must be finite and >= 0, got " +
                                   std::to_string(config.deadband));
  }
  if (!std::isfinite(config.deadband_percent) || config.deadband_percent < 0) {
    return Status::InvalidArgument("deadband: deadband_percent must be finite and >= 0, got " +
                                   std::to_string(config.deadband_percent));
  }
  if (config.max_interval_ms < 0) {
    return Status::InvalidArgument("deadband: max_interval_ms must be >= 0, got " +
                                   std::to_string(config.max_interval_ms));
  }
  return Status::Ok();
}

Result<DeadbandFilter> DeadbandFilter::Create(const DeadbandConfig& config) {
  KEEL_RETURN_IF_ERROR(ValidateDeadbandConfig(config));
  return DeadbandFilter(config);
}

bool DeadbandFilter::IsChange(double value) const {
  const double reference = last_kept_->value;
  const double threshold =
      std::max(config_.deadband, config_.deadband_percent / 100.0 * std::abs(reference));
  return std::abs(value - reference) > threshold;
}

void DeadbandFilter::Emit(const wire::Point& p, std::vector<wire::Point>* kept) {
  kept->push_back(p);
  last_kept_ = p;
}

Status DeadbandFilter::Add(const wire::Point& p, std::vector<wire::Point>* kept) {
  if (Status s = CheckNextPoint("deadband", last_seen_, p); !s.ok()) {
    ++rejected_points_;
    return s;
  }
  ++accepted_points_;
  const std::optional<wire::Point> previous = last_seen_;
  const bool previous_emitted = last_seen_emitted_;
  last_seen_ = p;
  last_seen_emitted_ = false;
  if (!last_kept_) {
    Emit(p, kept);
    last_seen_emitted_ = true;
    return Status::Ok();
  }
  const bool heartbeat =
      config_.max_interval_ms > 0 && p.t_ms - last_kept_->t_ms >= config_.max_interval_ms;
  const bool change = IsChange(p.value);
  if (!heartbeat && !change) return Status::Ok();
  if (change && config_.keep_previous && previous && !previous_emitted) Emit(*previous, kept);
  Emit(p, kept);
  last_seen_emitted_ = true;
  return Status::Ok();
}

void DeadbandFilter::Flush(std::vector<wire::Point>* kept) {
  if (!last_seen_ || last_seen_emitted_) return;
  Emit(*last_seen_, kept);
  last_seen_emitted_ = true;
}

}  // namespace keel::edge::reduction
