#include "edge/analytics/event_context.h"

#include <cmath>

namespace keel::edge::analytics {
namespace {

using Kind = pipeline::PipelineEvent::Kind;

nlohmann::json Number(double v) {
  return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr);
}

nlohmann::json Features(const std::vector<std::pair<std::string, double>>& features) {
  nlohmann::json out = nlohmann::json::object();
  for (const auto& [name, value] : features) out[name] = Number(value);
  return out;
}

void AddWindow(const pipeline::WindowReport* report, nlohmann::json* data) {
  if (report == nullptr) return;
  (*data)["window"] = {{"from", report->start_ms}, {"to", report->end_ms}};
}

void AddSnippet(const std::optional<SnippetRange>& snippet, nlohmann::json* data) {
  if (!snippet) return;
  (*data)["snippet"] = {
      {"from", snippet->from_ms}, {"to", snippet->to_ms}, {"channels", snippet->channels}};
}

}  // namespace

bool WantsSnippet(const pipeline::PipelineEvent& event) {
  return event.kind == Kind::kAnomalyRaised || event.kind == Kind::kSensorFaultRaised;
}

wire::Event PipelineEventToWire(const pipeline::PipelineEvent& event,
                                const pipeline::WindowReport* report, const std::string& model,
                                const std::optional<SnippetRange>& snippet) {
  wire::Event out;
  out.type = std::string(pipeline::PipelineEventKindName(event.kind));
  out.t_ms = event.at_ms;
  nlohmann::json& data = out.data;
  data["mode"] = event.mode;
  switch (event.kind) {
    case Kind::kAnomalyRaised:
    case Kind::kAnomalyCleared:
      data["score"] = Number(event.score);
      if (report != nullptr && report->scored) data["threshold"] = Number(report->threshold);
      data["model"] = model;
      data["signals"] = event.signals;
      data["detail"] = event.detail;
      data["features"] = Features(event.features);
      break;
    case Kind::kSensorFaultRaised:
    case Kind::kSensorFaultCleared:
      data["signal"] = event.signals.empty() ? std::string() : event.signals.front();
      data["fault"] = event.detail;
      data["model"] = model;
      data["features"] = Features(event.features);
      break;
    case Kind::kModeChanged:
      data["features"] = Features(event.features);
      break;
    case Kind::kLearned:
      data["model"] = model;
      data["detail"] = event.detail;
      break;
  }
  AddWindow(report, &data);
  AddSnippet(snippet, &data);
  return out;
}

wire::Event RuleEventToWire(const rules::RuleEvent& event, const pipeline::WindowReport* report,
                            const std::string& model, const std::optional<SnippetRange>& snippet) {
  wire::Event out;
  out.type =
      event.transition == rules::RuleEvent::Transition::kRaised ? "rule.raised" : "rule.cleared";
  out.t_ms = event.at_ms;
  nlohmann::json& data = out.data;
  data["rule"] = event.rule;
  data["severity"] = std::string(rules::SeverityName(event.severity));
  data["value"] = Number(event.value);
  data["mode"] = event.mode;
  data["model"] = model;
  if (report != nullptr) {
    if (report->scored) data["score"] = Number(report->score);
    data["features"] = Features(report->features);
  }
  AddWindow(report, &data);
  AddSnippet(snippet, &data);
  return out;
}

}  // namespace keel::edge::analytics
