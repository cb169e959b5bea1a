#include "eval/benchmark_run.h"

#include <cmath>
#include <nlohmann/json.hpp>
#include <system_error>

#include "common/files.h"

namespace keel::eval {

std::optional<std::filesystem::path> FindUpwards(const std::filesystem::path& dir,
                                                 const std::filesystem::path& relative) {
  std::error_code ec;
  std::filesystem::path current = std::filesystem::absolute(dir, ec);
  if (ec) return std::nullopt;
  current = current.lexically_normal();
  while (true) {
    std::filesystem::path candidate = current / relative;
    if (std::filesystem::is_regular_file(candidate, ec)) return candidate;
    if (!current.has_relative_path()) return std::nullopt;
    std::filesystem::path parent = current.parent_path();
    if (parent == current) return std::nullopt;
    current = parent;
  }
}

Status WriteBenchmarkOutput(const std::filesystem::path& out_dir,
                            const std::filesystem::path& relative, std::string_view content) {
  const std::filesystem::path target = out_dir / relative;
  KEEL_RETURN_IF_ERROR(EnsureDirectory(target.parent_path()));
  return WriteFileAtomic(target, content);
}

std::string SkabReportJson(const SkabRunReport& report) {
  nlohmann::json j;
  j["benchmark"] = "skab";
  j["files"] = report.files;
  j["scored_files"] = report.scored_files;
  if (report.score) {
    j["f1"] = report.score->f1;
    j["far"] = report.score->far;
    j["mar"] = report.score->mar;
    j["tp"] = report.score->counts.tp;
    j["fp"] = report.score->counts.fp;
    j["fn"] = report.score->counts.fn;
    j["tn"] = report.score->counts.tn;
  }
  return j.dump();
}

std::string NabReportJson(const NabRunReport& report) {
  nlohmann::json j;
  j["benchmark"] = "nab";
  j["files"] = report.files;
  j["scored_files"] = report.scored_files;
  nlohmann::json thresholds = nlohmann::json::object();
  for (const auto& [profile, result] : report.by_profile) {
    std::string key = profile;
    if (key == "reward_low_FP_rate") key = "reward_low_fp";
    if (key == "reward_low_FN_rate") key = "reward_low_fn";
    j[key] = result.normalized;
    thresholds[key] =
        std::isfinite(result.threshold) ? nlohmann::json(result.threshold) : nlohmann::json("none");
  }
  if (!report.by_profile.empty()) j["thresholds"] = thresholds;
  return j.dump();
}

}  // namespace keel::eval
