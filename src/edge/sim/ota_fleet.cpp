#include "edge/sim/ota_fleet.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <cmath>
#include <optional>
#include <random>
#include <thread>

#include "common/filesystem.h"
#include "crypto/tokens.h"
#include "edge/agent/identity.h"
#include "edge/ota/https_update_source.h"
#include "edge/ota/ota_manager.h"
#include "edge/ota/poll_transport.h"

namespace keel::edge {
namespace {

// Loses replies after the hub handled the request, as a dropped connection
// would: the device must resend, the hub must not apply anything twice.
class LossyPollTransport final : public ota::PollTransport {
 public:
  LossyPollTransport(std::unique_ptr<ota::PollTransport> inner, double probability, uint64_t seed,
                     std::atomic<int64_t>* lost)
      : inner_(std::move(inner)), probability_(probability), rng_(seed), lost_(lost) {}

  Result<wire::PollReply> Poll(const wire::PollRequest& request) override {
    auto reply = inner_->Poll(request);
    if (reply.ok() && probability_ > 0 &&
        std::uniform_real_distribution<double>(0, 1)(rng_) < probability_) {
      ++*lost_;
      return Status::Unavailable("poll reply lost (injected)");
    }
    return reply;
  }

 private:
  std::unique_ptr<ota::PollTransport> inner_;
  double probability_;
  std::mt19937_64 rng_;
  std::atomic<int64_t>* lost_;
};

}  // namespace

double DeviceFraction(const std::string& device) {
  const std::string hex = crypto::Sha256Hex(device).substr(0, 8);
  return static_cast<double>(std::stoull(hex, nullptr, 16)) / 4294967296.0;
}

struct OtaFleet::Device {
  std::string id;
  // The device's connection to the hub, shared by its updater and its poll
  // and closed after every Step, as the agent does.
  std::shared_ptr<ota::HubConnection> hub;
  std::unique_ptr<ota::HttpsUpdateSource> source;
  std::unique_ptr<ota::PollTransport> transport;
  std::unique_ptr<ota::OtaManager> manager;
  mutable std::mutex mu;  // one Step at a time; guards the fields below
  std::string running;    // the model version the simulated agent runs
  wire::DeviceKpis totals;
  std::optional<std::chrono::steady_clock::time_point> failed_at;  // this Step's health failure
};

OtaFleet::OtaFleet(OtaFleetOptions options, const Clock& clock)
    : options_(std::move(options)), clock_(clock) {}

OtaFleet::~OtaFleet() = default;

std::vector<std::string> OtaFleet::device_ids() const {
  std::vector<std::string> ids;
  for (int i = 1; i <= options_.devices; ++i) {
    ids.push_back(fmt::format("{}-{:04d}", options_.id_prefix, i));
  }
  return ids;
}

Result<std::unique_ptr<OtaFleet>> OtaFleet::Create(OtaFleetOptions options, const Clock& clock) {
  std::unique_ptr<OtaFleet> fleet(new OtaFleet(std::move(options), clock));
  const OtaFleetOptions& o = fleet->options_;
  KEEL_ASSIGN_OR_RETURN(const Endpoint hub, ParseEndpoint(o.hub.hub_url, "https"));
  uint64_t n = 0;
  for (const std::string& id : fleet->device_ids()) {
    const auto dir = o.dir / id;
    const IdentityPaths identity(dir / "identity");
    KEEL_RETURN_IF_ERROR(EnsureEnrolled(o.hub, id, identity.dir));
    KEEL_ASSIGN_OR_RETURN(auto root, LoadUpdateRoot(identity.dir));
    if (!root) {
      return Status::FailedPrecondition(
          "ota fleet: the hub sent no update root at enrollment (signed updates not set up)");
    }
    auto device = std::make_unique<Device>();
    device->id = id;
    const ota::HubHttpsOptions https{hub, identity.ca, identity.cert, identity.key, 30};
    device->hub = std::make_shared<ota::HubConnection>(https, clock);
    device->source = std::make_unique<ota::HttpsUpdateSource>(device->hub);
    device->transport = std::make_unique<LossyPollTransport>(
        std::make_unique<ota::HttpsPollTransport>(device->hub), o.lost_reply_probability,
        o.seed * 1'000'003 + n++, &fleet->lost_replies_);
    Device* d = device.get();
    OtaFleet* self = fleet.get();
    auto kpis = [d] { return d->totals; };
    auto model_changed = [d, self](const ota::Slot* slot) -> Status {
      if (slot == nullptr) {  // nothing installed any more
        d->running.clear();
        return Status::Ok();
      }
      const std::string& version = slot->manifest.version;
      if (self->options_.fails_health && self->options_.fails_health(d->id, version)) {
        ++self->health_failures_;
        d->failed_at = std::chrono::steady_clock::now();
        return Status::FailedPrecondition(
            fmt::format("golden sample out of tolerance on {} (simulated)", d->id));
      }
      d->running = version;
      return Status::Ok();
    };
    ota::OtaManagerOptions manager_options;
    manager_options.dir = dir / "ota";
    manager_options.pinned_root = *root;
    // No broker and no model running: committed at the health check, so a
    // fleet rollout is not slowed down by a soak no device could fail.
    manager_options.model_soak_ms = 0;
    KEEL_ASSIGN_OR_RETURN(
        device->manager,
        ota::OtaManager::Open(PosixFileSystem(), clock, *device->source, *device->transport,
                              manager_options, kpis, model_changed));
    auto current = device->manager->model_slots().Current();
    if (current.ok()) device->running = current->manifest.version;
    fleet->devices_.push_back(std::move(device));
  }
  return fleet;
}

void OtaFleet::StepAll() {
  std::atomic<size_t> next{0};
  auto work = [&] {
    for (size_t i = next++; i < devices_.size(); i = next++) {
      Device& d = *devices_[i];
      std::lock_guard lock(d.mu);
      const double rate = options_.anomaly_rate ? options_.anomaly_rate(d.id, d.running) : 0.0;
      d.totals.windows += options_.windows_per_step;
      d.totals.anomalies += std::lround(rate * static_cast<double>(options_.windows_per_step));
      d.failed_at.reset();
      Status stepped = d.manager->Step();
      d.hub->Close();
      ++steps_;
      if (d.failed_at) {
        const double ms = std::chrono::duration<double, std::milli>(
                              std::chrono::steady_clock::now() - *d.failed_at)
                              .count();
        std::lock_guard rollback_lock(rollback_mu_);
        rollback_ms_.push_back(ms);
      }
      if (!stepped.ok()) {
        ++step_errors_;
        spdlog::debug("ota fleet: {}: {}", d.id, stepped.ToString());
      }
    }
  };
  std::vector<std::thread> threads;
  for (int t = 0; t < std::max(1, options_.threads); ++t) threads.emplace_back(work);
  for (auto& t : threads) t.join();
}

std::map<std::string, std::string> OtaFleet::ModelVersions() const {
  std::map<std::string, std::string> out;
  for (const auto& d : devices_) {
    std::lock_guard lock(d->mu);
    auto current = d->manager->model_slots().Current();
    out[d->id] = current.ok() ? current->manifest.version : "";
  }
  return out;
}

std::map<std::string, size_t> OtaFleet::PendingReports() const {
  std::map<std::string, size_t> out;
  for (const auto& d : devices_) {
    std::lock_guard lock(d->mu);
    out[d->id] = d->manager->reports().size();
  }
  return out;
}

OtaFleetStats OtaFleet::stats() const {
  OtaFleetStats stats;
  stats.steps = steps_.load();
  stats.step_errors = step_errors_.load();
  stats.lost_replies = lost_replies_.load();
  stats.health_failures = health_failures_.load();
  {
    std::lock_guard lock(rollback_mu_);
    stats.rollback_ms = rollback_ms_;
  }
  for (const auto& d : devices_) {
    const ota::HubConnection::Stats hub = d->hub->stats();
    stats.hub_requests += hub.requests;
    stats.hub_connections += hub.connections;
  }
  return stats;
}

}  // namespace keel::edge
