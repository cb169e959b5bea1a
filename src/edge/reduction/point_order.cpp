#include "edge/reduction/point_order.h"

#include <cmath>
#include <string>

namespace keel::edge::reduction {

Status CheckNextPoint(std::string_view who, const std::optional<wire::Point>& previous,
                      const wire::Point& next) {
  if (!std::isfinite(next.value)) {
    return Status::InvalidArgument(std::string(who) + ": point t_ms=" + std::to_string(next.t_ms) +
                                   " has a non-finite value");
  }
  if (previous && next.t_ms <= previous->t_ms) {
    return Status::InvalidArgument(
        std::string(who) + ": point t_ms=" + std::to_string(next.t_ms) +
        " is not after the previous point t_ms=" + std::to_string(previous->t_ms));
  }
  return Status::Ok();
}

}  // namespace keel::edge::reduction
