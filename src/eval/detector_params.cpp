#include "eval/detector_params.h"

#include <cmath>
#include <cstdlib>

namespace keel::eval {

Result<std::map<std::string, double>> ParseDetectorParams(const std::vector<std::string>& items) {
  std::map<std::string, double> params;
  for (const std::string& item : items) {
    const size_t eq = item.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == item.size()) {
      return Status::InvalidArgument("--param \"" + item + "\": expected name=value");
    }
    const std::string value = item.substr(eq + 1);
    char* end = nullptr;
    const double v = std::strtod(value.c_str(), &end);
    if (*end != '\0' || !std::isfinite(v)) {
      return Status::InvalidArgument("--param \"" + item + "\": value is not a finite number");
    }
    if (!params.emplace(item.substr(0, eq), v).second) {
      return Status::InvalidArgument("--param \"" + item + "\": repeated name");
    }
  }
  return params;
}

}  // namespace keel::eval
