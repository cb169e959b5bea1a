#include "edge/context/sensor_fault.h"

namespace keel::edge::context {

std::string_view FaultKindName(FaultKind kind) {
  switch (kind) {
    case FaultKind::kOutOfRange:
      return "out_of_range";
    case FaultKind::kStuck:
      return "stuck";
    case FaultKind::kNoisy:
      return "noisy";
    case FaultKind::kDrift:
      return "drift";
    case FaultKind::kDisagreement:
      return "disagreement";
  }
  return "unknown";
}

}  // namespace keel::edge::context
