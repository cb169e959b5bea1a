#include "wire/ota_messages.h"

#include <algorithm>
#include <cmath>

#include "wire/strict_object.h"

namespace keel::wire {
namespace {

using internal::Guarded;
using internal::IsPrintableAscii;
using internal::Json;
using internal::StrictObject;

bool Contains(const auto& list, std::string_view value) {
  return std::find(std::begin(list), std::end(list), value) != std::end(list);
}

// Names and versions as the registry allows: 1..64 of [A-Za-z0-9._+-].
bool IsName(std::string_view s) {
  if (s.empty() || s.size() > 64) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_' || c == '-' || c == '+';
  });
}

// Reads "kind", "name", "version" of `o` into the three strings.
Status ReadArtifactFields(const StrictObject& o, std::string* kind, std::string* name,
                          std::string* version) {
  KEEL_ASSIGN_OR_RETURN(*kind, o.String("kind"));
  if (!Contains(kOtaKinds, *kind)) return o.Error("kind", "must be model, config or agent");
  KEEL_ASSIGN_OR_RETURN(*name, o.String("name"));
  if (!IsName(*name)) return o.Error("name", "must be 1..64 characters of [A-Za-z0-9._+-]");
  KEEL_ASSIGN_OR_RETURN(*version, o.String("version"));
  if (!IsName(*version)) return o.Error("version", "must be 1..64 characters of [A-Za-z0-9._+-]");
  return Status::Ok();
}

Result<const Json*> ArrayAt(const StrictObject& o, const Json& root, std::string_view key,
                            size_t max) {
  const Json& v = root.at(key);
  if (!v.is_array()) return o.Error(key, "expected an array");
  if (v.size() > max) return o.Error(key, "more than " + std::to_string(max) + " entries");
  return &v;
}

Result<PollRequest> DecodePollRequestImpl(std::string_view payload) {
  KEEL_ASSIGN_OR_RETURN(Json root, StrictObject::Parse("poll", payload));
  StrictObject o("poll", root);
  KEEL_RETURN_IF_ERROR(o.CheckKeys({"installed", "kpis", "reports"}));
  PollRequest r;
  KEEL_ASSIGN_OR_RETURN(const Json* installed, ArrayAt(o, root, "installed", std::size(kOtaKinds)));
  for (size_t i = 0; i < installed->size(); ++i) {
    const std::string where = "poll: installed[" + std::to_string(i) + "]";
    const Json& item = (*installed)[i];
    if (!item.is_object()) return Status::InvalidArgument(where + ": expected an object");
    StrictObject io(where, item);
    KEEL_RETURN_IF_ERROR(io.CheckKeys({"kind", "name", "version"}));
    InstalledArtifact a;
    KEEL_RETURN_IF_ERROR(ReadArtifactFields(io, &a.kind, &a.name, &a.version));
    for (const auto& other : r.installed) {
      if (other.kind == a.kind) return io.Error("kind", "listed twice");
    }
    r.installed.push_back(std::move(a));
  }
  const Json& kpis = root.at("kpis");
  if (!kpis.is_object()) return o.Error("kpis", "expected an object");
  StrictObject ko("poll: kpis", kpis);
  KEEL_RETURN_IF_ERROR(
      ko.CheckKeys({"windows", "anomalies", "inference_errors", "latency_p99_us"}));
  KEEL_ASSIGN_OR_RETURN(r.kpis.windows, ko.Signed("windows"));
  KEEL_ASSIGN_OR_RETURN(r.kpis.anomalies, ko.Signed("anomalies"));
  KEEL_ASSIGN_OR_RETURN(r.kpis.inference_errors, ko.Signed("inference_errors"));
  KEEL_ASSIGN_OR_RETURN(r.kpis.latency_p99_us, ko.Number("latency_p99_us"));
  if (r.kpis.windows < 0 || r.kpis.anomalies < 0 || r.kpis.inference_errors < 0) {
    return ko.Error("windows", "counts must be >= 0");
  }
  if (r.kpis.anomalies > r.kpis.windows || r.kpis.inference_errors > r.kpis.windows) {
    return ko.Error("anomalies", "anomalies and inference_errors cannot exceed windows");
  }
  if (!std::isfinite(r.kpis.latency_p99_us) || r.kpis.latency_p99_us < 0) {
    return ko.Error("latency_p99_us", "must be a finite number >= 0");
  }
  KEEL_ASSIGN_OR_RETURN(const Json* reports, ArrayAt(o, root, "reports", kMaxReports));
  for (size_t i = 0; i < reports->size(); ++i) {
    const std::string where = "poll: reports[" + std::to_string(i) + "]";
    const Json& item = (*reports)[i];
    if (!item.is_object()) return Status::InvalidArgument(where + ": expected an object");
    StrictObject ro(where, item);
    KEEL_RETURN_IF_ERROR(
        ro.CheckKeys({"seq", "deployment", "kind", "name", "version", "state", "reason", "t"}));
    OtaReport rep;
    KEEL_ASSIGN_OR_RETURN(rep.seq, ro.Signed("seq"));
    if (rep.seq < 1) return ro.Error("seq", "must be >= 1");
    if (!r.reports.empty() && rep.seq <= r.reports.back().seq) {
      return ro.Error("seq", "must increase");
    }
    KEEL_ASSIGN_OR_RETURN(rep.deployment, ro.Signed("deployment"));
    if (rep.deployment < 1) return ro.Error("deployment", "must be >= 1");
    KEEL_RETURN_IF_ERROR(ReadArtifactFields(ro, &rep.kind, &rep.name, &rep.version));
    KEEL_ASSIGN_OR_RETURN(rep.state, ro.String("state"));
    if (!Contains(kOtaStates, rep.state)) {
      return ro.Error("state", "must be installing, committed, rolled_back, failed or reverted");
    }
    KEEL_ASSIGN_OR_RETURN(rep.reason, ro.String("reason"));
    if (rep.reason.size() > 512 || !IsPrintableAscii(rep.reason)) {
      return ro.Error("reason", "must be at most 512 printable ASCII characters");
    }
    KEEL_ASSIGN_OR_RETURN(rep.t_ms, ro.Signed("t"));
    r.reports.push_back(std::move(rep));
  }
  return r;
}

Result<PollReply> DecodePollReplyImpl(std::string_view payload) {
  KEEL_ASSIGN_OR_RETURN(Json root, StrictObject::Parse("poll reply", payload));
  StrictObject o("poll reply", root);
  KEEL_RETURN_IF_ERROR(o.CheckKeys({"acked", "directives", "poll_after_ms"}));
  PollReply r;
  KEEL_ASSIGN_OR_RETURN(r.acked, o.Signed("acked"));
  if (r.acked < 0) return o.Error("acked", "must be >= 0");
  KEEL_ASSIGN_OR_RETURN(r.poll_after_ms, o.Signed("poll_after_ms"));
  if (r.poll_after_ms < 100 || r.poll_after_ms > 86'400'000) {
    return o.Error("poll_after_ms", "must be 100..86400000");
  }
  KEEL_ASSIGN_OR_RETURN(const Json* directives, ArrayAt(o, root, "directives", kMaxDirectives));
  for (size_t i = 0; i < directives->size(); ++i) {
    const std::string where = "poll reply: directives[" + std::to_string(i) + "]";
    const Json& item = (*directives)[i];
    if (!item.is_object()) return Status::InvalidArgument(where + ": expected an object");
    StrictObject d(where, item);
    KEEL_RETURN_IF_ERROR(d.CheckKeys({"deployment", "kind", "name", "version", "action"}));
    Directive dir;
    KEEL_ASSIGN_OR_RETURN(dir.deployment, d.Signed("deployment"));
    if (dir.deployment < 1) return d.Error("deployment", "must be >= 1");
    KEEL_RETURN_IF_ERROR(ReadArtifactFields(d, &dir.kind, &dir.name, &dir.version));
    KEEL_ASSIGN_OR_RETURN(dir.action, d.String("action"));
    if (dir.action != "install" && dir.action != "revert") {
      return d.Error("action", "must be install or revert");
    }
    r.directives.push_back(std::move(dir));
  }
  return r;
}

}  // namespace

bool IsFinalOtaState(std::string_view state) { return state != "installing"; }

std::string EncodePollRequest(const PollRequest& r) {
  Json installed = Json::array();
  for (const auto& a : r.installed) {
    installed.push_back({{"kind", a.kind}, {"name", a.name}, {"version", a.version}});
  }
  Json reports = Json::array();
  for (const auto& rep : r.reports) {
    reports.push_back({{"seq", rep.seq},
                       {"deployment", rep.deployment},
                       {"kind", rep.kind},
                       {"name", rep.name},
                       {"version", rep.version},
                       {"state", rep.state},
                       {"reason", rep.reason},
                       {"t", rep.t_ms}});
  }
  return Json{{"installed", installed},
              {"kpis",
               {{"windows", r.kpis.windows},
                {"anomalies", r.kpis.anomalies},
                {"inference_errors", r.kpis.inference_errors},
                {"latency_p99_us", r.kpis.latency_p99_us}}},
              {"reports", reports}}
      .dump();
}

Result<PollRequest> DecodePollRequest(std::string_view payload) {
  return Guarded<PollRequest>("poll", &DecodePollRequestImpl, payload);
}

std::string EncodePollReply(const PollReply& r) {
  Json directives = Json::array();
  for (const auto& d : r.directives) {
    directives.push_back({{"deployment", d.deployment},
                          {"kind", d.kind},
                          {"name", d.name},
                          {"version", d.version},
                          {"action", d.action}});
  }
  return Json{{"acked", r.acked}, {"directives", directives}, {"poll_after_ms", r.poll_after_ms}}
      .dump();
}

Result<PollReply> DecodePollReply(std::string_view payload) {
  return Guarded<PollReply>("poll reply", &DecodePollReplyImpl, payload);
}

}  // namespace keel::wire
