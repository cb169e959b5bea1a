// Per-channel summaries of a fusion window, as the sensor-health checks take
// them.
#pragma once

#include "edge/context/sensor_fault.h"
#include "edge/fusion/window_aligner.h"

namespace keel::edge::pipeline {

// One SignalWindow (count, mean, min, max, population stddev) per channel
// that has at least one sample in the window; channels without samples are
// left out (the health checks treat them as missing).
context::WindowSet SummarizeWindow(const fusion::Window& window);

}  // namespace keel::edge::pipeline
