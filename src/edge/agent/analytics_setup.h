// Builds the agent's EdgeAnalytics from its [analytics] configuration: reads
// and checks the rules file, creates the action sinks its rules name
// (commands, Modbus writes, GPIO lines through libgpiod), and loads the
// model bundle when one is configured: its inputs must be the configured
// features in order, its `modes` (when given) replace learn_modes, and each
// operating mode gets its own instance, fitted on that mode's normal windows.
// With realtime_priority, every action worker thread asks for SCHED_FIFO at
// that priority when it starts.
#pragma once

#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "edge/analytics/edge_analytics.h"
#include "edge/rules/gpio_line.h"
#include "edge/sensors/sensor_driver.h"

namespace keel::edge {

// `channels`: every channel of the configured sensors. `gpio` requests GPIO
// lines (null: libgpiod). Errors name the rules file, the model bundle or
// the action at fault; a GPIO chip that cannot be opened fails the start
// (an actuator the rules rely on is missing).
Result<std::unique_ptr<analytics::EdgeAnalytics>> BuildAnalytics(
    const analytics::AnalyticsConfig& config, const std::vector<ChannelSpec>& channels,
    rules::GpioLineFactory* gpio = nullptr);

// Gives the calling thread SCHED_FIFO at `priority` (1..99; 0: leaves it
// alone and returns false). Returns whether it applied; when the process may
// not, logs a warning naming `thread` and what to grant, and the thread runs
// on at normal priority (a missing privilege must not stop a device).
bool ApplyRealtimePriority(int64_t priority, std::string_view thread);

}  // namespace keel::edge
