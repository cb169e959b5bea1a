// How the agent cuts what it has to send into telemetry batches.
#pragma once

#include <cstddef>
#include <vector>

#include "edge/analytics/edge_analytics.h"
#include "wire/telemetry.h"

namespace keel::edge {

// Splits `output` into batches of at most `max_samples` samples (>= 1),
// keeping each series' points in order; the events all go into the first
// batch (a batch may hold events only). Seqs are left 0 for the outbox to
// assign. Empty output gives no batch.
std::vector<wire::TelemetryBatch> SplitIntoBatches(analytics::AnalyticsOutput output,
                                                   size_t max_samples);

}  // namespace keel::edge
