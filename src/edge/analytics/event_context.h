// The device events EdgeAnalytics sends upstream, with their context. Types
// (wire::Event::type) and data keys, also in docs/protocol.md:
//
//   anomaly.raised / anomaly.cleared
//     {mode, score, threshold, model, signals: [driving channels], detail,
//      window: {from, to}, features: {name: value}, snippet?}
//   sensor_fault.raised / sensor_fault.cleared
//     {mode, signal, fault ("stuck: ..."), model, window, features, snippet?}
//   rule.raised / rule.cleared
//     {rule, severity, value, mode, score?, model, window, features, snippet?}
//   mode.changed   {mode, window, features}
//   model.learned  {mode, model, detail, window}
//
// snippet = {from, to, channels}: raw samples of those channels with
// from <= t <= to follow as ordinary telemetry series (in this or a later
// batch; a range an earlier snippet already carried is not sent again).
// Non-finite numbers (e.g. a feature of a window with missing data) are
// sent as null.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "edge/pipeline/analytics_pipeline.h"
#include "edge/rules/rule.h"
#include "wire/messages.h"

namespace keel::edge::analytics {

struct SnippetRange {
  int64_t from_ms = 0;
  int64_t to_ms = 0;  // inclusive
  std::vector<std::string> channels;
};

// `report` is the window the event came from, when known.
wire::Event PipelineEventToWire(const pipeline::PipelineEvent& event,
                                const pipeline::WindowReport* report, const std::string& model,
                                const std::optional<SnippetRange>& snippet);

wire::Event RuleEventToWire(const rules::RuleEvent& event, const pipeline::WindowReport* report,
                            const std::string& model, const std::optional<SnippetRange>& snippet);

// Whether an event of this type starts something worth a raw snippet.
bool WantsSnippet(const pipeline::PipelineEvent& event);

}  // namespace keel::edge::analytics
