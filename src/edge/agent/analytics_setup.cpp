#include "edge/agent/analytics_setup.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "common/files.h"
#include "common/thread_priority.h"
#include "edge/model/model_bundle.h"
#include "edge/rules/gpio_action.h"
#include "edge/rules/modbus_action.h"
#include "edge/rules/rule_parser.h"

namespace keel::edge {
namespace {

Result<analytics::ActionSinks> MakeActionSinks(const rules::RuleSet& set,
                                               rules::GpioLineFactory* gpio,
                                               int64_t realtime_priority) {
  rules::ActionQueueOptions options;
  if (realtime_priority > 0) {
    options.on_thread_start = [realtime_priority] {
      ApplyRealtimePriority(realtime_priority, "action worker");
    };
  }
  analytics::ActionSinks sinks;
  auto add = [&](std::string reference, std::unique_ptr<rules::ActionSink> sink) {
    sinks.by_reference.emplace(std::move(reference), sink.get());
    sinks.owned.push_back(std::move(sink));
  };
  for (const auto& command : set.commands) {
    add("command:" + command.name, std::make_unique<rules::CommandAction>(command, options));
  }
  for (const auto& write : set.modbus_writes) {
    add("modbus:" + write.name, std::make_unique<rules::ModbusWriteAction>(write, options));
  }
  std::unique_ptr<rules::GpioLineFactory> libgpiod;
  if (!set.gpios.empty() && gpio == nullptr) {
    libgpiod = rules::NewLibgpiodLineFactory();
    gpio = libgpiod.get();
  }
  for (const auto& spec : set.gpios) {
    KEEL_ASSIGN_OR_RETURN(auto action, rules::GpioAction::Create(spec, *gpio, options));
    add("gpio:" + spec.name, std::move(action));
  }
  return sinks;
}

std::string JoinNames(const std::vector<std::string>& names) {
  return fmt::format("{}", fmt::join(names, ", "));
}

}  // namespace

Result<std::unique_ptr<analytics::EdgeAnalytics>> BuildAnalytics(
    const analytics::AnalyticsConfig& config, const std::vector<ChannelSpec>& channels,
    rules::GpioLineFactory* gpio) {
  analytics::AnalyticsConfig resolved = config;
  KEEL_RETURN_IF_ERROR(analytics::ResolveChannelRates(channels, &resolved));
  rules::RuleSet rule_set;
  if (!config.rules_file.empty()) {
    KEEL_ASSIGN_OR_RETURN(std::string text, ReadFile(config.rules_file));
    KEEL_ASSIGN_OR_RETURN(rule_set, rules::ParseRuleSet(text, config.rules_file.string()));
  }
  std::string model_name = "builtin:" + config.pipeline.detector.kind;
  if (!config.model_dir.empty()) {
    KEEL_ASSIGN_OR_RETURN(model::LoadedModel loaded, model::LoadModelBundle(config.model_dir));
    KEEL_ASSIGN_OR_RETURN(std::vector<std::string> features,
                          fusion::FeatureNames(resolved.pipeline.features));
    if (loaded.manifest.inputs != features) {
      return Status::InvalidArgument(fmt::format(
          "model {}: its inputs [{}] are not the configured features [{}]",
          config.model_dir.string(), JoinNames(loaded.manifest.inputs), JoinNames(features)));
    }
    model_name = loaded.manifest.name + "@" + loaded.manifest.version;
    if (!loaded.manifest.modes.empty()) {
      resolved.pipeline.learn_modes.clear();
      for (const auto& name : loaded.manifest.modes) {
        const auto mode = context::OperatingModeFromName(name);
        if (!mode) {
          return Status::InvalidArgument(fmt::format(
              "model {}: unknown operating mode \"{}\" (known: off, idle, ramping, running)",
              config.model_dir.string(), name));
        }
        resolved.pipeline.learn_modes.push_back(*mode);
      }
    }
    auto shared = std::make_shared<model::LoadedModel>(std::move(loaded));
    resolved.pipeline.detector_factory = [shared] { return model::NewDetector(*shared); };
  }
  KEEL_ASSIGN_OR_RETURN(analytics::ActionSinks sinks,
                        MakeActionSinks(rule_set, gpio, config.realtime_priority));
  return analytics::EdgeAnalytics::Create(std::move(resolved), channels, std::move(rule_set),
                                          std::move(sinks), std::move(model_name));
}

bool ApplyRealtimePriority(int64_t priority, std::string_view thread) {
  if (priority <= 0) return false;
  Status status = SetCurrentThreadRealtime(static_cast<int>(priority));
  if (!status.ok()) {
    spdlog::warn("{} thread runs at normal priority: {}", thread, status.ToString());
    return false;
  }
  spdlog::debug("{} thread runs under SCHED_FIFO at priority {}", thread, priority);
  return true;
}

}  // namespace keel::edge
