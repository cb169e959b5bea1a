#include "hub/rules/rule_service.h"

#include <spdlog/spdlog.h>

#include "common/files.h"

namespace keel::hub::rules {
namespace {

using nlohmann::json;

json StatesJson(const std::vector<RuleState>& states) {
  json out = json::array();
  for (const auto& s : states) {
    out.push_back({{"rule", s.rule},
                   {"device", s.device},
                   {"key", s.key},
                   {"raised", s.raised},
                   {"since_ms", s.since_ms}});
  }
  return out;
}

}  // namespace

RuleService::RuleService(RuleServiceOptions options, ContextProvider context, Publisher publish,
                         const Clock& clock, MetricsRegistry& metrics)
    : options_(std::move(options)),
      context_(std::move(context)),
      publish_(std::move(publish)),
      clock_(clock),
      evaluations_(metrics.GetCounter("keel_rules_evaluations_total",
                                      "Hub rule evaluations (a rule on one device's new data)")),
      raised_(metrics.GetCounter("keel_rules_raised_total", "Hub rules raised")),
      cleared_(metrics.GetCounter("keel_rules_cleared_total", "Hub rules cleared")),
      late_samples_(metrics.GetCounter(
          "keel_rules_late_samples_total",
          "Samples the hub rules ignored: older than the newest one of their series")),
      rules_(metrics.GetGauge("keel_rules", "Hub rules loaded")) {}

Result<std::unique_ptr<RuleService>> RuleService::Open(RuleServiceOptions options,
                                                       ContextProvider context, Publisher publish,
                                                       const Clock& clock,
                                                       MetricsRegistry& metrics) {
  std::unique_ptr<RuleService> service(
      new RuleService(std::move(options), std::move(context), std::move(publish), clock, metrics));
  const auto& path =
      service->options_.file.empty() ? service->options_.state_path : service->options_.file;
  RuleSet rules;
  if (!service->options_.file.empty() || std::filesystem::exists(path)) {
    KEEL_ASSIGN_OR_RETURN(std::string text, ReadFile(path));
    KEEL_ASSIGN_OR_RETURN(rules, ParseRuleSet(text, path.string()));
  }
  std::lock_guard lock(service->mu_);
  service->engine_.Replace(std::move(rules), clock.NowMs());
  service->UpdateWatched();
  service->UpdateMetrics();
  return service;
}

void RuleService::OnEvent(const bus::Event& event) {
  if (event.device.empty()) return;
  alerts::Labels context = context_ ? context_(event.device) : alerts::Labels{};
  std::lock_guard lock(mu_);
  Emit(engine_.OnEvent(event, context, clock_.NowMs()));
  UpdateMetrics();
}

void RuleService::Tick() {
  std::lock_guard lock(mu_);
  Emit(engine_.Tick(clock_.NowMs()));
  UpdateMetrics();
}

void RuleService::Track(const std::string& device) {
  alerts::Labels context = context_ ? context_(device) : alerts::Labels{};
  std::lock_guard lock(mu_);
  engine_.Track(device, context, clock_.NowMs());
}

bool RuleService::Watches(const std::string& series) const {
  std::lock_guard lock(watched_mu_);
  return watched_.count(series) != 0;
}

json RuleService::Describe() {
  std::lock_guard lock(mu_);
  const bool by_file = !options_.file.empty();
  return {{"managed_by", by_file ? "file" : "api"},
          {"path", (by_file ? options_.file : options_.state_path).string()},
          {"rules", engine_.rules().document["rules"]},
          {"states", StatesJson(engine_.States())}};
}

Result<json> RuleService::Replace(std::string_view body) {
  if (!options_.file.empty()) {
    return Status::FailedPrecondition(
        fmt::format("the rules are managed by the file {} (keel-hub --rules): change that file "
                    "and restart the hub",
                    options_.file.string()));
  }
  KEEL_ASSIGN_OR_RETURN(RuleSet rules, ParseRuleSet(body, "request body"));
  std::lock_guard lock(mu_);
  // Kept before they apply: rules that would vanish at the next restart
  // must not be in force now.
  KEEL_RETURN_IF_ERROR(WriteFileAtomic(options_.state_path, rules.document.dump(2) + "\n",
                                       std::filesystem::perms(0600)));
  const size_t count = rules.rules.size();
  Emit(engine_.Replace(std::move(rules), clock_.NowMs()));
  UpdateWatched();
  UpdateMetrics();
  spdlog::info("rules: {} rule(s) in force", count);
  return json{{"rules", engine_.rules().document["rules"]},
              {"states", StatesJson(engine_.States())}};
}

void RuleService::Emit(std::vector<bus::Event> events) {
  for (auto& e : events) {
    spdlog::info("rules: {} {} on {}", e.data.value("rule", ""), e.type, e.device);
    if (publish_) publish_(std::move(e));
  }
}

void RuleService::UpdateWatched() {
  std::set<std::string, std::less<>> watched;
  for (const auto& [name, window] : engine_.watched()) watched.insert(name);
  active_.store(!engine_.rules().rules.empty(), std::memory_order_relaxed);
  std::lock_guard lock(watched_mu_);
  watched_ = std::move(watched);
}

void RuleService::UpdateMetrics() {
  const RuleEngineStats& now = engine_.stats();
  evaluations_.Increment(now.evaluations - reported_.evaluations);
  raised_.Increment(now.raised - reported_.raised);
  cleared_.Increment(now.cleared - reported_.cleared);
  late_samples_.Increment(now.late_samples - reported_.late_samples);
  reported_ = now;
  rules_.Set(static_cast<double>(engine_.rules().rules.size()));
}

}  // namespace keel::hub::rules
