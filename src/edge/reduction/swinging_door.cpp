#include "edge/reduction/swinging_door.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include "edge/reduction/point_order.h"

namespace keel::edge::reduction {

Status ValidateSwingingDoorConfig(const SwingingDoorConfig& config) {
  if (!std::isfinite(config.deviation) || config.deviation < 0) {
    return Status::InvalidArgument("swinging door: deviation must be finite and >= 0, got " +
                                   std::to_string(config.deviation));
  }
  if (config.max_interval_ms < 0) {
    return Status::InvalidArgument("swinging door: max_interval_ms must be >= 0, got " +
                                   std::to_string(config.max_interval_ms));
  }
  if (config.min_interval_ms < 0) {
    return Status::InvalidArgument("swinging door: min_interval_ms must be >= 0, got " +
                                   std::to_string(config.min_interval_ms));
  }
  if (config.max_interval_ms > 0 && config.min_interval_ms >= config.max_interval_ms) {
    return Status::InvalidArgument(
        "swinging door: min_interval_ms (" + std::to_string(config.min_interval_ms) +
        ") must be below max_interval_ms (" + std::to_string(config.max_interval_ms) + ")");
  }
  return Status::Ok();
}

Result<SwingingDoorCompressor> SwingingDoorCompressor::Create(const SwingingDoorConfig& config) {
  KEEL_RETURN_IF_ERROR(ValidateSwingingDoorConfig(config));
  return SwingingDoorCompressor(config);
}

bool SwingingDoorCompressor::InsideDoors(const wire::Point& p) const {
  const double dt = static_cast<double>(p.t_ms - archived_->t_ms);
  const double slope = (p.value - archived_->value) / dt;
  return slope >= slope_low_ && slope <= slope_high_;
}

void SwingingDoorCompressor::NarrowDoors(const wire::Point& p) {
  const double dt = static_cast<double>(p.t_ms - archived_->t_ms);
  const double rise = p.value - archived_->value;
  slope_low_ = std::max(slope_low_, (rise - config_.deviation) / dt);
  slope_high_ = std::min(slope_high_, (rise + config_.deviation) / dt);
}

void SwingingDoorCompressor::Archive(wire::Point p, std::vector<wire::Point>* archived) {
  archived->push_back(p);
  ++archived_points_;
  archived_ = p;
  pending_.reset();
  slope_low_ = -std::numeric_limits<double>::infinity();
  slope_high_ = std::numeric_limits<double>::infinity();
}

Status SwingingDoorCompressor::Add(const wire::Point& p, std::vector<wire::Point>* archived) {
  if (Status s = CheckNextPoint("swinging door", last_accepted_, p); !s.ok()) {
    ++rejected_points_;
    return s;
  }
  ++accepted_points_;
  last_accepted_ = p;
  if (!archived_) {
    Archive(p, archived);
    return Status::Ok();
  }
  if (pending_) {
    const bool heartbeat =
        config_.max_interval_ms > 0 && p.t_ms - archived_->t_ms > config_.max_interval_ms;
    if (heartbeat || !InsideDoors(p)) Archive(*pending_, archived);
  }
  if (config_.min_interval_ms > 0 && p.t_ms - archived_->t_ms < config_.min_interval_ms) {
    ++skipped_points_;
    return Status::Ok();
  }
  NarrowDoors(p);
  pending_ = p;
  return Status::Ok();
}

void SwingingDoorCompressor::Flush(std::vector<wire::Point>* archived) {
  if (pending_) Archive(*pending_, archived);
}

}  // namespace keel::edge::reduction
