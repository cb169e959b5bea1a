#include "hub/attest/attestation_service.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <nlohmann/json.hpp>

#include "crypto/signature.h"
#include "edge/attest/measurement_log.h"
#include "hub/rollout/deployment.h"

namespace keel::hub::attest {
namespace {

using edge::attest::MeasuredEvent;
using nlohmann::json;

struct Version {
  std::string name, version;
  std::string Label() const { return name + "@" + version; }
};

// What the device's deployment rows of one kind say it should run.
struct Expected {
  std::optional<Version> committed;  // its last committed row
  std::vector<Version> in_flight;    // newer rows whose outcome is unknown
};

// Rows whose install (or revert) the device may have carried out without
// the hub knowing yet.
bool OutcomeUnknown(const rollout::DeviceRollout& row) {
  return row.state == "assigned" || row.state == "installing" || row.state == "reverting" ||
         row.state == "timed_out" || (row.state == "cancelled" && row.assigned_ms > 0);
}

Result<Expected> ExpectedFor(RolloutStore& store, const std::string& device,
                             std::string_view kind) {
  KEEL_ASSIGN_OR_RETURN(const auto deployments, store.ListDeployments());  // by id
  Expected out;
  for (const auto& stored : deployments) {
    auto d = rollout::DeploymentFromJson(json::parse(stored.body, nullptr, false));
    if (!d.ok()) return Status::Internal("attest: " + d.status().message());
    if (ArtifactKindName(d->spec.kind) != kind) continue;
    KEEL_ASSIGN_OR_RETURN(const auto rows, store.ListDeploymentRows(stored.id));
    for (const auto& [id, body] : rows) {
      if (id != device) continue;
      auto row = rollout::DeviceRolloutFromJson(json::parse(body, nullptr, false));
      if (!row.ok()) return Status::Internal("attest: " + row.status().message());
      const Version v{d->spec.artifact, d->spec.version};
      if (row->state == "committed") {
        out.committed = v;
        out.in_flight.clear();  // older unknown outcomes are settled by this commit
      } else if (OutcomeUnknown(*row)) {
        out.in_flight.push_back(v);
      }
    }
  }
  return out;
}

std::string Short(std::string_view sha256) { return std::string(sha256.substr(0, 12)); }

}  // namespace

AttestationService::AttestationService(AttestationStore& store, RolloutStore& rollouts,
                                       ArtifactStore& artifacts, const Clock& clock,
                                       MetricsRegistry& metrics, NonceOptions nonces,
                                       bus::EventBus* bus)
    : store_(store),
      rollouts_(rollouts),
      artifacts_(artifacts),
      clock_(clock),
      metrics_(metrics),
      bus_(bus),
      nonces_(clock, nonces) {}

Result<std::unique_ptr<AttestationService>> AttestationService::Open(
    AttestationStore& store, RolloutStore& rollouts, ArtifactStore& artifacts, const Clock& clock,
    MetricsRegistry& metrics, NonceOptions nonces, bus::EventBus* bus) {
  std::unique_ptr<AttestationService> service(
      new AttestationService(store, rollouts, artifacts, clock, metrics, nonces, bus));
  KEEL_ASSIGN_OR_RETURN(service->quarantined_, store.ListQuarantines());
  for (const char* verdict : {"trusted", "quarantined", "refused"}) {
    metrics.GetCounter("keel_attestations_total", "Attestation quotes by outcome",
                       {{"verdict", verdict}});
  }
  metrics.GetGauge("keel_quarantined_devices", "Devices quarantined by attestation")
      .Set(static_cast<double>(service->quarantined_.size()));
  return service;
}

std::optional<QuarantineRecord> AttestationService::Quarantine(const std::string& device) const {
  std::lock_guard lock(mu_);
  auto it = quarantined_.find(device);
  if (it == quarantined_.end()) return std::nullopt;
  return it->second;
}

bool AttestationService::Remediates(const std::string& device,
                                    const wire::Directive& directive) const {
  const auto q = Quarantine(device);
  if (!q) return true;
  if (directive.action != "install") return false;
  const json remediation = json::parse(q->remediation_json, nullptr, false);
  if (!remediation.is_array()) return false;
  for (const auto& r : remediation) {
    if (!r.is_object() || r.value("kind", "") != directive.kind) continue;
    const std::string version = r.value("version", "");
    if (version.empty() ||
        (r.value("name", "") == directive.name && version == directive.version)) {
      return true;
    }
  }
  return false;
}

Result<AttestationService::Finding> AttestationService::CheckKind(
    const std::string& device, const std::string& kind, const std::vector<MeasuredEvent>& events) {
  KEEL_ASSIGN_OR_RETURN(const Expected expected, ExpectedFor(rollouts_, device, kind));
  Finding finding{kind, "", "", ""};
  if (expected.committed) {
    finding.remediation_name = expected.committed->name;
    finding.remediation_version = expected.committed->version;
  }
  // The registry's digest of name@version; nullopt when not published.
  auto registry_digest = [&](const std::string& name,
                             const std::string& version) -> Result<std::optional<std::string>> {
    auto artifact = artifacts_.GetArtifact(name, version);
    if (artifact.status().code() == StatusCode::kNotFound) return std::optional<std::string>();
    if (!artifact.ok()) return artifact.status();
    if (ArtifactKindName(artifact->kind) != kind) return std::optional<std::string>();
    std::map<std::string, edge::attest::MeasuredFile> files;
    for (const auto& [file, ref] : artifact->files) files[file] = {ref.sha256, ref.length};
    return std::optional<std::string>(edge::attest::FilesDigest(files));
  };
  if (events.empty()) {
    if (expected.committed) {
      finding.reason =
          fmt::format("{}: not measured (it should run {})", kind, expected.committed->Label());
    }
    return finding;
  }
  KEEL_ASSIGN_OR_RETURN(const auto baselines, store_.GetBaselines(device));
  const auto baseline = baselines.find(kind);
  auto is_baseline = [&](const MeasuredEvent& e) {
    return baseline != baselines.end() && baseline->second.name == e.name &&
           baseline->second.version == e.version && baseline->second.sha256 == e.sha256;
  };

  const MeasuredEvent& now = events.back();
  const std::string measured = fmt::format("{} {}@{}", kind, now.name, now.version);
  std::vector<Version> acceptable = expected.in_flight;
  if (expected.committed) acceptable.insert(acceptable.begin(), *expected.committed);
  bool ok = false;
  bool named = false;  // name@version is acceptable, whatever its files
  std::string differs;
  for (const auto& v : acceptable) {
    if (ok || v.name != now.name || v.version != now.version) continue;
    named = true;
    KEEL_ASSIGN_OR_RETURN(const auto digest, registry_digest(v.name, v.version));
    ok = digest && *digest == now.sha256;
    if (!ok) {
      differs =
          fmt::format("{}: its files differ from the published ones (measured {}, registry {})",
                      measured, Short(now.sha256), digest ? Short(*digest) : "none");
    }
  }
  if (!ok && (expected.committed || named)) {
    std::string labels;
    for (const auto& v : acceptable) labels += (labels.empty() ? "" : " or ") + v.Label();
    finding.reason =
        !differs.empty() ? differs : fmt::format("{}: it should run {}", measured, labels);
    return finding;
  }
  if (!ok && baseline == baselines.end()) {
    // Nothing of this kind ever committed here: trust on first use.
    KEEL_RETURN_IF_ERROR(
        store_.RecordBaseline(device, kind, {now.name, now.version, now.sha256, clock_.NowMs()})
            .status());
    spdlog::info(
        "attest: {} runs {} ({}); no {} deployment ever committed on it: recorded as its "
        "baseline (trust on first use)",
        device, measured, Short(now.sha256), kind);
  } else if (!ok && !is_baseline(now)) {
    const auto& b = baseline->second;
    finding.reason = fmt::format("{} ({}): differs from its first-use baseline {}@{} ({})",
                                 measured, Short(now.sha256), b.name, b.version, Short(b.sha256));
    return finding;
  }
  // Events before a hot swap: each must have been genuine when loaded.
  for (size_t i = 0; i + 1 < events.size(); ++i) {
    const MeasuredEvent& e = events[i];
    if (is_baseline(e)) continue;
    KEEL_ASSIGN_OR_RETURN(const auto digest, registry_digest(e.name, e.version));
    if (!digest || *digest != e.sha256) {
      finding.reason = fmt::format("{} {}@{} loaded earlier ({}): not a published version", kind,
                                   e.name, e.version, Short(e.sha256));
      return finding;
    }
  }
  return finding;
}

void AttestationService::PublishChange(const std::string& device, std::string type, int64_t now,
                                       json data) {
  if (bus_ == nullptr) return;
  bus_->Publish({bus::EventKind::kAttestation, device, 0, now, std::move(type), std::move(data)});
}

Result<edge::attest::Verdict> AttestationService::Decide(const std::string& device, int64_t now,
                                                         const std::vector<Finding>& mismatches) {
  const auto current = Quarantine(device);
  if (mismatches.empty()) {
    if (current) {
      const json data = {{"lifted", current->reason}, {"since", current->since_ms}};
      KEEL_RETURN_IF_ERROR(
          store_.SetQuarantine(device, std::nullopt, {"attestation.restored", now, data.dump()}));
      {
        std::lock_guard lock(mu_);
        quarantined_.erase(device);
        metrics_.GetGauge("keel_quarantined_devices", "Devices quarantined by attestation")
            .Set(static_cast<double>(quarantined_.size()));
      }
      PublishChange(device, "attestation.restored", now,
                    {{"reason", current->reason}, {"since_ms", current->since_ms}});
      spdlog::info("attest: {} matches what it should run again: quarantine lifted", device);
      return edge::attest::Verdict{true, "quarantine lifted"};
    }
    return edge::attest::Verdict{true, ""};
  }
  std::string reason;
  json remediation = json::array();
  for (const auto& m : mismatches) {
    reason += (reason.empty() ? "" : "; ") + m.reason;
    if (!m.kind.empty()) {
      remediation.push_back(
          {{"kind", m.kind}, {"name", m.remediation_name}, {"version", m.remediation_version}});
    }
  }
  QuarantineRecord record{current ? current->since_ms : now, reason, remediation.dump()};
  if (!current || *current != record) {
    const json data = {{"reason", reason}, {"remediation", remediation}};
    KEEL_RETURN_IF_ERROR(
        store_.SetQuarantine(device, record, {"attestation.quarantined", now, data.dump()}));
    {
      std::lock_guard lock(mu_);
      quarantined_[device] = record;
      metrics_.GetGauge("keel_quarantined_devices", "Devices quarantined by attestation")
          .Set(static_cast<double>(quarantined_.size()));
    }
    PublishChange(
        device, "attestation.quarantined", now,
        {{"reason", reason}, {"since_ms", record.since_ms}, {"remediation", remediation}});
  }
  spdlog::warn("attest: {} quarantined: {}", device, reason);
  return edge::attest::Verdict{false, reason};
}

Result<edge::attest::Verdict> AttestationService::Attest(const std::string& device,
                                                         const crypto::Certificate& certificate,
                                                         std::string_view body) {
  auto outcome = [&]() -> Result<edge::attest::Verdict> {
    KEEL_ASSIGN_OR_RETURN(const auto quote, edge::attest::DecodeSignedQuote(body));
    const auto& q = quote.quote;
    if (q.device != device) {
      return Status::PermissionDenied(fmt::format(
          "attest: the quote names \"{}\" but the certificate \"{}\"", q.device, device));
    }
    KEEL_RETURN_IF_ERROR(nonces_.Consume(device, q.nonce));
    Status signature =
        crypto::Verify(certificate, edge::attest::QuoteSignedBytes(q), quote.signature);
    if (!signature.ok()) return signature.WithContext("attest");
    std::lock_guard lock(attest_mu_);
    const int64_t now = clock_.NowMs();
    std::vector<Finding> mismatches;
    const std::string replayed = edge::attest::ReplayPcr(q.events);
    if (replayed != q.pcr) {
      mismatches.push_back({"",
                            fmt::format("pcr: the events replay to {}, the quote says {}",
                                        Short(replayed), Short(q.pcr)),
                            "", ""});
      return Decide(device, now, mismatches);
    }
    for (std::string_view kind : edge::attest::kEventKinds) {
      std::vector<MeasuredEvent> events;
      for (const auto& e : q.events) {
        if (e.kind == kind) events.push_back(e);
      }
      KEEL_ASSIGN_OR_RETURN(Finding f, CheckKind(device, std::string(kind), events));
      if (!f.reason.empty()) mismatches.push_back(std::move(f));
    }
    return Decide(device, now, mismatches);
  }();
  const char* verdict = !outcome.ok() ? "refused" : outcome->trusted ? "trusted" : "quarantined";
  metrics_
      .GetCounter("keel_attestations_total", "Attestation quotes by outcome",
                  {{"verdict", verdict}})
      .Increment();
  if (!outcome.ok()) {
    spdlog::warn("attest: quote of {} refused: {}", device, outcome.status().ToString());
  }
  return outcome;
}

}  // namespace keel::hub::attest
