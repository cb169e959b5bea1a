// The agent's part in measured-load attestation ([attest], docs/security.md
// "Attestation"): what it measures when it loads something, and the worker
// that quotes it to the hub. Declared in agent.h.
#include <spdlog/spdlog.h>

#include "edge/agent/agent.h"
#include "edge/agent/agent_measurements.h"
#include "edge/agent/identity.h"

namespace keel::edge {
namespace {

// A retry never waits longer than this, however long the interval.
constexpr int64_t kRetryMaxMs = 60'000;
// Connect and read timeouts of one call to the hub: Agent::Stop waits for
// an attestation in progress.
constexpr int kAttestTimeoutS = 10;

}  // namespace

void Agent::StartAttestation() {
  if (!config_.attest.enabled) {
    spdlog::info("{}: attestation: off ([attest] enabled = false)", device_id());
    return;
  }
  // The agent slots `keel-edge supervise --state-dir <device.dir>` runs from.
  Status s = RecordAgentBinary(measured_, "/proc/self/exe", config_.device.dir / "ota" / "agent",
                               kAgentRelease, clock_);
  if (!s.ok()) spdlog::error("{}: attestation: measuring the agent: {}", device_id(), s.ToString());
  s = RecordAgentConfig(measured_, config_, config_overlay_);
  if (!s.ok()) {
    spdlog::error("{}: attestation: measuring the configuration: {}", device_id(), s.ToString());
  }
  const IdentityPaths identity(config_.device.dir);
  attest_transport_ = std::make_unique<attest::HttpsAttestTransport>(ota::HubHttpsOptions{
      config_.hub.api, identity.ca, identity.cert, identity.key, kAttestTimeoutS});
  attestor_ = std::make_unique<attest::Attestor>(
      config_.device.dir, [this] { return measured_.QuoteSnapshot(); }, *attest_transport_, clock_);
  AttestationWorkerOptions options;
  options.interval_ms = config_.attest.interval_s * 1000;
  options.retry_max_ms = kRetryMaxMs;
  attestation_ = std::make_unique<AttestationWorker>([this] { return attestor_->Attest(); }, clock_,
                                                     random_, options, device_id());
  attestation_->Start();
  spdlog::info("{}: attestation: on connect, after installs and every {} s", device_id(),
               config_.attest.interval_s);
}

void Agent::RecordModelLoad(const std::filesystem::path& dir, std::string_view why) {
  if (!config_.attest.enabled) return;
  if (Status s = RecordModelBundle(measured_, dir); !s.ok()) {
    spdlog::error("{}: attestation: measuring the model in {}: {}", device_id(), dir.string(),
                  s.ToString());
  }
  if (attestation_ && !why.empty()) attestation_->Request(why);
}

}  // namespace keel::edge
