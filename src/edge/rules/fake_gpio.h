// FakeGpioLineFactory: in-memory GPIO chips for tests. Records every value
// set on every requested line; can be told which chips exist and to fail.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "edge/rules/gpio_line.h"

namespace keel::edge::rules {

// Thread-safe. Lines handed out share the factory's state (they may outlive it).
class FakeGpioLineFactory : public GpioLineFactory {
 public:
  struct LineState {
    bool requested = false;  // currently held by a GpioLine
    bool active_low = false;
    std::vector<int> values;  // logical values: the initial one, then every Set

    // The electrical level of the last value (active_low inverts it); -1 if none.
    int physical() const {
      if (values.empty()) return -1;
      return (values.back() != 0) != active_low ? 1 : 0;
    }
  };

  // Chips that exist, each with `lines` lines.
  explicit FakeGpioLineFactory(std::map<std::string, int> chips);

  Result<std::unique_ptr<GpioLine>> RequestOutput(const GpioLineRequest& request) override;

  // The state of chip/offset (default when it was never requested).
  LineState line(const std::string& chip, int offset) const;
  // Makes the next `count` Set calls on any line fail with Unavailable.
  void FailNextSets(int count);

 private:
  struct Shared {
    std::mutex mu;
    std::map<std::pair<std::string, int>, LineState> lines;
    int fail_sets = 0;
  };
  class Line;

  const std::map<std::string, int> chips_;
  std::shared_ptr<Shared> shared_ = std::make_shared<Shared>();
};

}  // namespace keel::edge::rules
