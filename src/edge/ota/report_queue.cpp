#include "edge/ota/report_queue.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <nlohmann/json.hpp>

namespace keel::edge::ota {
namespace {

constexpr int kFormat = 1;
constexpr size_t kMaxReasonBytes = 512;

using nlohmann::json;

std::string WireSafeReason(const std::string& reason) {
  std::string out = reason.substr(0, std::min(reason.size(), kMaxReasonBytes));
  for (char& c : out) {
    if (c < 0x20 || c > 0x7e) c = '?';
  }
  return out;
}

json ReportJson(const wire::OtaReport& r) {
  return {
      {"seq", r.seq},         {"deployment", r.deployment}, {"kind", r.kind},     {"name", r.name},
      {"version", r.version}, {"state", r.state},           {"reason", r.reason}, {"t", r.t_ms}};
}

struct Parsed {
  int64_t next_seq = 1;
  std::vector<wire::OtaReport> reports;
  std::map<DirectiveKey, DirectiveProgress> progress;
};

// Throws nlohmann::json::exception on a malformed document.
Parsed Parse(const std::string& text) {
  const json j = json::parse(text);
  if (j.at("format").get<int>() != kFormat) {
    throw json::other_error::create(0, "unknown format", nullptr);
  }
  Parsed p;
  p.next_seq = j.at("next_seq").get<int64_t>();
  for (const auto& r : j.at("reports")) {
    wire::OtaReport report;
    report.seq = r.at("seq").get<int64_t>();
    report.deployment = r.at("deployment").get<int64_t>();
    report.kind = r.at("kind").get<std::string>();
    report.name = r.at("name").get<std::string>();
    report.version = r.at("version").get<std::string>();
    report.state = r.at("state").get<std::string>();
    report.reason = r.at("reason").get<std::string>();
    report.t_ms = r.at("t").get<int64_t>();
    if (report.seq >= p.next_seq || (!p.reports.empty() && report.seq <= p.reports.back().seq)) {
      throw json::other_error::create(0, "report seqs out of order", nullptr);
    }
    p.reports.push_back(std::move(report));
  }
  for (const auto& e : j.at("progress")) {
    p.progress[{e.at("deployment").get<int64_t>(), e.at("action").get<std::string>()}] = {
        e.at("kind").get<std::string>(), e.at("name").get<std::string>(),
        e.at("version").get<std::string>(), e.at("state").get<std::string>(),
        e.at("seq").get<int64_t>()};
  }
  return p;
}

}  // namespace

Result<std::unique_ptr<ReportQueue>> ReportQueue::Open(FileSystem& fs,
                                                       const std::filesystem::path& dir,
                                                       int64_t first_seq) {
  KEEL_RETURN_IF_ERROR(fs.MakeDirs(dir));
  std::unique_ptr<ReportQueue> queue(new ReportQueue(fs, dir / "reports.json"));
  queue->next_seq_ = std::max<int64_t>(first_seq, 1);
  auto text = fs.Read(queue->path_);
  if (!text.ok()) {
    if (text.status().code() != StatusCode::kNotFound) return text.status();
    return queue;
  }
  try {
    Parsed p = Parse(*text);
    queue->next_seq_ = p.next_seq;
    queue->reports_ = std::move(p.reports);
    queue->progress_ = std::move(p.progress);
    return queue;
  } catch (const json::exception& e) {
    spdlog::error(
        "ota: {} cannot be read ({}); kept as reports.json.corrupt, reports start over "
        "at seq {}",
        queue->path_.string(), e.what(), queue->next_seq_);
  }
  KEEL_RETURN_IF_ERROR(WriteDurably(fs, dir / "reports.json.corrupt", *text));
  KEEL_RETURN_IF_ERROR(queue->Save(queue->next_seq_, {}, {}));
  return queue;
}

Status ReportQueue::Save(int64_t next_seq, const std::vector<wire::OtaReport>& reports,
                         const std::map<DirectiveKey, DirectiveProgress>& progress) {
  json r = json::array();
  for (const auto& report : reports) r.push_back(ReportJson(report));
  json p = json::array();
  for (const auto& [key, value] : progress) {
    p.push_back({{"deployment", key.first},
                 {"action", key.second},
                 {"kind", value.kind},
                 {"name", value.name},
                 {"version", value.version},
                 {"state", value.state},
                 {"seq", value.seq}});
  }
  const json doc = {{"format", kFormat}, {"next_seq", next_seq}, {"reports", r}, {"progress", p}};
  KEEL_RETURN_IF_ERROR(WriteDurably(*fs_, path_, doc.dump()));
  next_seq_ = next_seq;
  reports_ = reports;
  progress_ = progress;
  return Status::Ok();
}

Result<int64_t> ReportQueue::Add(wire::OtaReport report, const std::string& action) {
  const int64_t seq = next_seq_;
  // The seq is consumed even if the write fails: a write that failed may
  // still have reached the disk, and its seq must not name another report.
  ++next_seq_;
  report.seq = seq;
  report.reason = WireSafeReason(report.reason);
  std::vector<wire::OtaReport> reports = reports_;
  auto progress = progress_;
  progress[{report.deployment, action}] = {report.kind, report.name, report.version, report.state,
                                           seq};
  reports.push_back(std::move(report));
  KEEL_RETURN_IF_ERROR(
      Save(next_seq_, reports, progress).WithContext(fmt::format("ota: report {}", seq)));
  return seq;
}

std::vector<wire::OtaReport> ReportQueue::Pending() const {
  const size_t n = std::min(reports_.size(), wire::kMaxReports);
  return {reports_.begin(), reports_.begin() + static_cast<std::ptrdiff_t>(n)};
}

Status ReportQueue::Ack(int64_t seq) {
  std::vector<wire::OtaReport> kept;
  for (const auto& r : reports_) {
    if (r.seq > seq) kept.push_back(r);
  }
  const int64_t next = std::max(next_seq_, seq + 1);
  if (kept.size() == reports_.size() && next == next_seq_) return Status::Ok();
  return Save(next, kept, progress_);
}

std::optional<DirectiveProgress> ReportQueue::Progress(const DirectiveKey& key) const {
  auto it = progress_.find(key);
  if (it == progress_.end()) return std::nullopt;
  return it->second;
}

std::vector<std::pair<DirectiveKey, DirectiveProgress>> ReportQueue::AllProgress() const {
  return {progress_.begin(), progress_.end()};
}

Status ReportQueue::Prune(int64_t acked, const std::set<DirectiveKey>& still_directed) {
  auto progress = progress_;
  std::erase_if(progress, [&](const auto& entry) {
    return wire::IsFinalOtaState(entry.second.state) && entry.second.seq <= acked &&
           !still_directed.contains(entry.first);
  });
  if (progress.size() == progress_.size()) return Status::Ok();
  return Save(next_seq_, reports_, progress);
}

}  // namespace keel::edge::ota
