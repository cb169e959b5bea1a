// GpioLine: one GPIO output line held by the agent, and the factory that
// requests it. The libgpiod (v1.6, character device) backend is the real
// one; FakeGpioLineFactory (fake_gpio.h) is for tests.
#pragma once

#include <memory>
#include <string>

#include "common/status.h"

namespace keel::edge::rules {

// An output line requested for consumer "keel-edge"; released when destroyed.
// Not thread-safe: one owner (an action's worker) sets it.
class GpioLine {
 public:
  virtual ~GpioLine() = default;
  // Sets the logical value (0 or 1; with active_low, 1 drives the pin low).
  // Unavailable (naming the chip and line) when the kernel refuses.
  virtual Status Set(int value) = 0;
};

struct GpioLineRequest {
  std::string chip;  // "gpiochip0", "/dev/gpiochip0", a chip label or a number
  int offset = 0;    // line offset on the chip, >= 0
  bool active_low = false;
  int initial_value = 0;  // logical value driven from the request on
};

// Thread-safe.
class GpioLineFactory {
 public:
  virtual ~GpioLineFactory() = default;
  // Requests the line as an output. Errors name the chip (and line):
  // NotFound when the chip or the line does not exist, PermissionDenied
  // without access to the chip, Unavailable when the line is in use or the
  // request fails otherwise, InvalidArgument for a negative offset.
  virtual Result<std::unique_ptr<GpioLine>> RequestOutput(const GpioLineRequest& request) = 0;
};

// The libgpiod v1.6 backend (gpiod_chip_open_lookup, gpiod_chip_get_line,
// gpiod_line_request_output_flags, gpiod_line_set_value).
std::unique_ptr<GpioLineFactory> NewLibgpiodLineFactory();

}  // namespace keel::edge::rules
