#include "edge/attest/measurement_log.h"

#include <fmt/format.h>

#include <algorithm>
#include <cassert>
#include <fstream>
#include <nlohmann/json.hpp>

#include "crypto/hex.h"
#include "crypto/sha256.h"
#include "crypto/tokens.h"

namespace keel::edge::attest {
namespace {

bool IsName(std::string_view s) {
  return !s.empty() && s.size() <= 64 && std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_' || c == '-' || c == '+';
  });
}

bool IsSha256Hex(std::string_view s) {
  return s.size() == 64 && std::all_of(s.begin(), s.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

std::string RawDigest(std::string_view hex) {
  auto raw = crypto::HexDecode(hex);
  assert(raw.ok() && raw->size() == 32);
  return std::move(raw).value();
}

}  // namespace

Status ValidateEvent(const MeasuredEvent& e) {
  if (std::find(std::begin(kEventKinds), std::end(kEventKinds), e.kind) == std::end(kEventKinds)) {
    return Status::InvalidArgument("measurement: \"kind\": must be agent, config or model");
  }
  if (!IsName(e.name)) {
    return Status::InvalidArgument(
        "measurement: \"name\": must be 1..64 characters of [A-Za-z0-9._+-]");
  }
  if (!IsName(e.version)) {
    return Status::InvalidArgument(
        "measurement: \"version\": must be 1..64 characters of [A-Za-z0-9._+-]");
  }
  if (!IsSha256Hex(e.sha256)) {
    return Status::InvalidArgument("measurement: \"sha256\": must be 64 lower-case hex digits");
  }
  return Status::Ok();
}

std::string CanonicalEvent(const MeasuredEvent& e) {
  // nlohmann::json keeps object keys sorted; dump() without indent has no
  // whitespace.
  return nlohmann::json{
      {"kind", e.kind}, {"name", e.name}, {"sha256", e.sha256}, {"version", e.version}}
      .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string ExtendPcr(std::string_view pcr, const MeasuredEvent& event) {
  const std::string event_digest = RawDigest(crypto::Sha256Hex(CanonicalEvent(event)));
  return crypto::Sha256Hex(RawDigest(pcr) + event_digest);
}

std::string ReplayPcr(const std::vector<MeasuredEvent>& events) {
  std::string pcr(kInitialPcr);
  for (const auto& e : events) pcr = ExtendPcr(pcr, e);
  return pcr;
}

std::string FilesDigest(const std::map<std::string, MeasuredFile>& files) {
  nlohmann::json canonical = nlohmann::json::object();
  for (const auto& [file, f] : files) {
    canonical[file] = {{"length", f.length}, {"sha256", f.sha256}};
  }
  return crypto::Sha256Hex(
      canonical.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

Result<MeasuredFile> MeasureFile(const std::filesystem::path& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) {
    return Status::NotFound(fmt::format("measure {}: not a regular file", path.string()));
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::IoError(fmt::format("measure {}: cannot open", path.string()));
  crypto::Sha256Stream sha;
  std::string buffer(64 * 1024, '\0');
  int64_t length = 0;
  while (in) {
    in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
    const auto got = static_cast<size_t>(in.gcount());
    sha.Update(std::string_view(buffer.data(), got));
    length += static_cast<int64_t>(got);
  }
  if (in.bad()) return Status::IoError(fmt::format("measure {}: read failed", path.string()));
  return MeasuredFile{sha.FinishHex(), length};
}

Result<std::string> MeasureFiles(const std::map<std::string, std::filesystem::path>& files) {
  std::map<std::string, MeasuredFile> measured;
  for (const auto& [name, path] : files) {
    KEEL_ASSIGN_OR_RETURN(measured[name], MeasureFile(path));
  }
  return FilesDigest(measured);
}

Result<std::map<std::string, std::filesystem::path>> BundleFiles(const std::filesystem::path& dir) {
  std::map<std::string, std::filesystem::path> files;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    const std::string name = entry.path().filename().string();
    if (name == "slot.json" || name.starts_with('.') || !entry.is_regular_file(ec)) continue;
    files[name] = entry.path();
  }
  if (ec) return Status::IoError(fmt::format("measure {}: {}", dir.string(), ec.message()));
  if (files.empty()) {
    return Status::InvalidArgument(fmt::format("measure {}: no files to measure", dir.string()));
  }
  return files;
}

Result<std::string> MeasureBundleDir(const std::filesystem::path& dir) {
  KEEL_ASSIGN_OR_RETURN(const auto files, BundleFiles(dir));
  return MeasureFiles(files);
}

Status MeasurementLog::Extend(MeasuredEvent event) {
  KEEL_RETURN_IF_ERROR(ValidateEvent(event));
  std::lock_guard lock(mu_);
  if (events_.size() >= kMaxEvents) {
    return Status::ResourceExhausted(
        fmt::format("measurement log: already {} events (restart the agent)", kMaxEvents));
  }
  pcr_ = ExtendPcr(pcr_, event);
  events_.push_back(std::move(event));
  return Status::Ok();
}

MeasurementLog::Snapshot MeasurementLog::Take() const {
  std::lock_guard lock(mu_);
  return Snapshot{events_, pcr_};
}

}  // namespace keel::edge::attest
