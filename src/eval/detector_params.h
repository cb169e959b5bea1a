// Command-line detector parameters ("k=v") for keel-eval.
// Pure functions; thread-safe.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "common/status.h"

namespace keel::eval {

// Each item is "name=value" with a non-empty name and a finite number.
// InvalidArgument naming the item otherwise, or for a repeated name.
Result<std::map<std::string, double>> ParseDetectorParams(const std::vector<std::string>& items);

}  // namespace keel::eval
