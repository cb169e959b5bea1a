// keel-edge: the device agent. `enroll` obtains the device identity once;
// `run` streams telemetry; `supervise` runs the agent under the update
// supervisor (docs/ota.md). See README.md and examples/edge.toml.
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <filesystem>
#include <iostream>
#include <random>

#include "common/logging.h"
#include "common/random.h"
#include "common/sigpipe_guard.h"
#include "common/termination_signals.h"
#include "edge/agent/agent.h"
#include "edge/agent/identity.h"
#include "edge/config/agent_config.h"
#include "edge/ota/config_install.h"
#include "edge/plant/motor_sensor.h"
#include "edge/supervisor/health_notifier.h"
#include "edge/supervisor/supervise_command.h"

int main(int argc, char** argv) {
  keel::IgnoreSigpipeInThisProcess();
  CLI::App app{"keel-edge: the Keel device agent"};
  app.require_subcommand(1);
  std::string log_level = "info";
  app.add_option("--log-level", log_level, "trace|debug|info|warn|error");

  keel::edge::EnrollRequest enroll;
  std::string dir, ca;
  auto* enroll_cmd = app.add_subcommand("enroll", "Create this device's key and certificate");
  enroll_cmd->add_option("--hub", enroll.hub_url, "Hub API URL https://HOST:PORT")->required();
  enroll_cmd->add_option("--id", enroll.device_id, "Device id")->required();
  enroll_cmd->add_option("--token", enroll.token, "One-time enrollment token")->required();
  enroll_cmd->add_option("--dir", dir, "Identity directory to create")->required();
  enroll_cmd->add_option("--cacert", ca, "The hub's CA certificate (pki/ca.crt)")->required();

  std::string config_path;
  auto* run_cmd = app.add_subcommand("run", "Run the agent");
  run_cmd->add_option("--config", config_path, "Agent configuration (TOML)")->required();

  keel::edge::supervisor::SuperviseCommand supervise;
  auto* supervise_cmd = app.add_subcommand(
      "supervise",
      "Run the agent (the arguments after --) from its update slots, reverting a "
      "new agent version that does not report healthy in time or crashes 3 times");
  supervise_cmd->add_option("--state-dir", supervise.state_dir, "The agent's device.dir")
      ->required();
  supervise_cmd
      ->add_option("--healthy-timeout", supervise.healthy_timeout_s,
                   "Seconds a new agent version has to reach the hub")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  supervise_cmd
      ->add_option("--soak", supervise.soak_s,
                   "Seconds a new agent version must keep running after it reached the hub, "
                   "before it is committed (a crash meanwhile counts against it)")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  supervise_cmd
      ->add_option("--fallback", supervise.fallback,
                   "Agent binary run when none is installed (default: this executable)")
      ->capture_default_str();
  supervise_cmd->add_option("agent-args", supervise.agent_args, "Agent arguments, after --")
      ->required();
  CLI11_PARSE(app, argc, argv);
  keel::ConfigureLogging(log_level, "keel-edge");

  if (*supervise_cmd) return keel::edge::supervisor::RunSupervise(supervise);

  if (*enroll_cmd) {
    enroll.dir = dir;
    enroll.ca_file = ca;
    keel::Status s = keel::edge::Enroll(enroll);
    if (!s.ok()) {
      std::cerr << "keel-edge enroll: " << s.ToString() << "\n";
      return 1;
    }
    std::cout << "enrolled \"" << enroll.device_id << "\"; identity in " << dir << "\n";
    return 0;
  }

  // Sensor kinds beyond the built-in ones must be registered before the
  // configuration (which names them) is loaded.
  if (keel::Status s = keel::edge::plant::RegisterPlantSensors(); !s.ok()) {
    std::cerr << "keel-edge: " << s.ToString() << "\n";
    return 1;
  }
  // The local file with the configuration overlay a rollout installed, if
  // any; a start with an overlay on trial is counted here (docs/ota.md,
  // "Configuration artifacts").
  auto effective = keel::edge::ota::LoadEffectiveAgentConfig(keel::PosixFileSystem(), config_path);
  if (!effective.ok()) {
    std::cerr << "keel-edge: " << effective.status().message() << "\n";
    return 2;
  }
  if (!effective->note.empty()) spdlog::error("{}", effective->note);
  keel::TerminationSignals signals;  // before any thread starts

  keel::SeededRandom random(std::random_device{}());
  const std::filesystem::path config_slots =
      keel::edge::ota::ConfigSlotsDir(effective->config.ota.dir);
  keel::edge::Agent agent(std::move(effective->config), keel::SystemClock(), random);
  if (effective->overlay) {
    spdlog::info("configuration {} {}{} applied over {}", effective->overlay->name,
                 effective->overlay->version, effective->on_trial ? " (on trial)" : "",
                 config_path);
    agent.SetConfigOverlay(
        {effective->overlay->name, effective->overlay->version, effective->overlay_file});
    if (effective->on_trial) agent.CommitConfigTrialWhenHealthy(config_slots, *effective->overlay);
  }
  keel::Status started = agent.Start();
  if (!started.ok()) {
    std::cerr << "keel-edge: " << started.ToString() << "\n";
    return 1;
  }
  // Until SIGINT/SIGTERM, or until a rollout installed (or reverted) an agent
  // binary or a configuration: then exit 75 so that `keel-edge supervise`
  // starts the agent again with it.
  while (signals.WaitFor(std::chrono::milliseconds(200)) == 0 && !agent.restart_requested()) {
  }
  agent.Stop();
  return agent.restart_requested() ? keel::edge::supervisor::kRestartRequested : 0;
}
