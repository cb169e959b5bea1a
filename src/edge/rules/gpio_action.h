// GpioAction: drives a GPIO output line when a rule raises and clears
// (a lamp, a buzzer, a relay), locally and without the hub.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "edge/rules/action_worker.h"
#include "edge/rules/actions.h"
#include "edge/rules/gpio_line.h"

namespace keel::edge::rules {

struct GpioSpec {
  std::string name;  // what rules reference as "gpio:<name>"
  std::string chip;  // e.g. "gpiochip0" (see GpioLineRequest)
  int line = 0;      // offset on the chip, >= 0
  bool active_low = false;
  int on_raise = 1;  // logical value set on kRaised, 0 or 1
  int on_clear = 0;  // logical value set on kCleared, 0 or 1; also the initial value
};

// InvalidArgument "gpio \"<name>\": <problem>" for an empty chip, a negative
// line or values other than 0 and 1.
Status ValidateGpioSpec(const GpioSpec& spec);

// Holds the line from Create until destruction (initially at `on_clear`: no
// rule is raised yet). Setting a line is fast, but Submit still only queues:
// a worker thread sets it (see ActionWorker). A failed Set is counted and
// reported in the results; the next event tries again. Thread-safe.
class GpioAction : public ActionSink {
 public:
  // Validates `spec` and requests the line through `lines` (which need not
  // outlive the action). Errors: ValidateGpioSpec's, or the factory's (e.g.
  // NotFound naming the chip), with context "gpio \"<name>\"".
  static Result<std::unique_ptr<GpioAction>> Create(GpioSpec spec, GpioLineFactory& lines,
                                                    ActionQueueOptions options = {});
  ~GpioAction() override;
  GpioAction(const GpioAction&) = delete;
  GpioAction& operator=(const GpioAction&) = delete;

  void Submit(const RuleEvent& event) override;
  // Blocks until nothing is queued or running, or `timeout_ms` (real time)
  // passes; returns whether it became idle.
  bool WaitIdle(int64_t timeout_ms);
  std::vector<ActionResult> TakeResults();
  ActionStats stats() const;
  const GpioSpec& spec() const { return spec_; }

 private:
  GpioAction(GpioSpec spec, std::unique_ptr<GpioLine> line, ActionQueueOptions options);
  ActionResult Set(const RuleEvent& event);

  const GpioSpec spec_;
  const std::unique_ptr<GpioLine> line_;            // used by the worker only
  ActionWorker<ActionResult, ActionStats> worker_;  // last: stopped first
};

}  // namespace keel::edge::rules
