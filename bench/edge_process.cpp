// MeasureEdgeProcess (edge_load.h): keel-hub and keel-edge as separate
// processes on free loopback ports in a temporary directory; the agent's CPU
// and memory are read from /proc/<pid>/stat and /proc/<pid>/status.
#include <fmt/format.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "cli/api_client.h"
#include "common/files.h"
#include "edge_load.h"
#include "test_util/net.h"
#include "test_util/process.h"
#include "test_util/temp_dir.h"

namespace keel::bench {
namespace {

using SteadyClock = std::chrono::steady_clock;
constexpr const char* kDeviceId = "edge-bench";

// utime + stime, seconds; throws when the process is gone.
double ProcessCpuSeconds(int pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  // Fields after the command name, which is in parentheses and may hold spaces.
  const auto close = text.rfind(')');
  if (close == std::string::npos) throw std::runtime_error("keel-edge: /proc stat unreadable");
  std::istringstream rest(text.substr(close + 2));
  std::vector<std::string> fields;
  std::string field;
  while (rest >> field) fields.push_back(field);
  if (fields.size() < 13) throw std::runtime_error("keel-edge: /proc stat too short");
  // fields[0] is field 3 (state); utime and stime are fields 14 and 15.
  return (std::stod(fields[11]) + std::stod(fields[12])) /
         static_cast<double>(sysconf(_SC_CLK_TCK));
}

// A "VmRSS"/"VmHWM"-style line of /proc/<pid>/status, in MB.
double StatusMb(int pid, const std::string& key) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(key + ":", 0) == 0) return std::stod(line.substr(key.size() + 1)) / 1024.0;
  }
  throw std::runtime_error("keel-edge: no " + key + " in /proc status");
}

// A counter of the hub's /metrics text (0 when absent).
double Metric(const cli::ApiClient& api, const std::string& name) {
  auto text = api.GetText("/metrics");
  if (!text.ok()) throw std::runtime_error("keel-hub /metrics: " + text.status().ToString());
  std::istringstream in(*text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(name + " ", 0) == 0) return std::stod(line.substr(name.size() + 1));
  }
  return 0;
}

std::string Tail(const std::string& text) {
  return text.size() > 2000 ? text.substr(text.size() - 2000) : text;
}

}  // namespace

nlohmann::json MeasureEdgeProcess(const std::filesystem::path& bin, int seconds,
                                  int measure_seconds) {
  if (measure_seconds <= 0 || measure_seconds >= seconds) {
    throw std::runtime_error("--measure-seconds must be between 1 and --seconds - 1");
  }
  TempDir tmp;
  const auto& root = tmp.path();
  const int http = FreeLoopbackPort();
  const int mqtt = FreeLoopbackPort();
  const auto hub_dir = root / "hub";
  ChildProcess hub({(bin / "keel-hub").string(), "--data-dir", hub_dir.string(), "--http",
                    fmt::format("127.0.0.1:{}", http), "--mqtt", fmt::format("127.0.0.1:{}", mqtt),
                    "--log-level", "warn"},
                   root / "hub.out", root / "hub.err");
  if (!hub.WaitForOutput("keel-hub ready", std::chrono::seconds(60))) {
    throw std::runtime_error("keel-hub did not start: " + Tail(hub.Stderr()));
  }
  const std::string api_url = fmt::format("https://127.0.0.1:{}", http);
  auto api = cli::ApiClient::Create({api_url, hub_dir / "admin.token", hub_dir / "pki/ca.crt"});
  if (!api.ok()) throw std::runtime_error("keel-hub API: " + api.status().ToString());
  auto added = api->Post("/api/v1/devices", {{"id", kDeviceId}});
  if (!added.ok()) throw std::runtime_error("device add: " + added.status().ToString());

  const auto identity = root / "identity";
  auto [enroll_rc, enroll_out] =
      RunCommand({(bin / "keel-edge").string(), "enroll", "--hub", api_url, "--id", kDeviceId,
                  "--token", (*added)["token"].get<std::string>(), "--dir", identity.string(),
                  "--cacert", (hub_dir / "pki/ca.crt").string()},
                 root);
  if (enroll_rc != 0) {
    throw std::runtime_error(fmt::format("keel-edge enroll exited {}: {}", enroll_rc, enroll_out));
  }

  const std::string config = fmt::format(
      "[device]\nid = \"{}\"\ndir = \"{}\"\n\n[hub]\nmqtt = \"mqtts://127.0.0.1:{}\"\n"
      "api = \"{}\"\n\n[[sensor]]\nkind = \"motor\"\nname = \"pump\"\nschedule = \"{}\"\n\n{}",
      kDeviceId, identity.string(), mqtt, api_url, PumpSchedule(seconds),
      PumpAnalyticsToml("rules.toml"));
  for (const auto& [name, text] :
       {std::pair{"edge.toml", config}, std::pair{"rules.toml", PumpRulesToml(false)}}) {
    if (Status s = WriteFileAtomic(root / name, text); !s.ok()) {
      throw std::runtime_error(s.ToString());
    }
  }

  ChildProcess agent({(bin / "keel-edge").string(), "--log-level", "warn", "run", "--config",
                      (root / "edge.toml").string()},
                     root / "edge.out", root / "edge.err");
  const auto start = SteadyClock::now();
  auto failed = [&](const std::string& what) {
    return std::runtime_error(what + "; keel-edge stderr: " + Tail(agent.Stderr()));
  };
  // Started means: its first batch is stored by the hub.
  while (Metric(*api, "keel_ingest_messages_total") < 1) {
    if (const int rc = agent.WaitExit(std::chrono::milliseconds(100)); rc != -1) {
      throw failed(fmt::format("keel-edge exited {} at start", rc));
    }
    if (SteadyClock::now() - start > std::chrono::seconds(30)) {
      throw failed("keel-edge delivered no batch to keel-hub within 30 s");
    }
  }
  const double first_batch_s = std::chrono::duration<double>(SteadyClock::now() - start).count();

  const int pid = agent.pid();
  const auto measure_from = start + std::chrono::seconds(seconds - measure_seconds);
  const auto end = start + std::chrono::seconds(seconds);
  double cpu_at_measure_start = -1, max_rss_mb = 0;
  double messages_at_measure_start = 0, samples_at_measure_start = 0;
  while (SteadyClock::now() < end) {
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    if (const int rc = agent.WaitExit(std::chrono::milliseconds(1)); rc != -1) {
      throw failed(fmt::format("keel-edge exited {} while measured", rc));
    }
    max_rss_mb = std::max(max_rss_mb, StatusMb(pid, "VmRSS"));
    if (cpu_at_measure_start < 0 && SteadyClock::now() >= measure_from) {
      cpu_at_measure_start = ProcessCpuSeconds(pid);
      messages_at_measure_start = Metric(*api, "keel_ingest_messages_total");
      samples_at_measure_start = Metric(*api, "keel_ingest_samples_total");
    }
  }
  const auto measured_until = SteadyClock::now();
  const double cpu_end = ProcessCpuSeconds(pid);
  const double hwm_mb = StatusMb(pid, "VmHWM");
  const double rss_end_mb = StatusMb(pid, "VmRSS");
  const double rss_anon_mb = StatusMb(pid, "RssAnon");  // heap, stacks: the agent's own
  const double rss_file_mb = StatusMb(pid, "RssFile");  // mapped binaries and libraries
  const double measured_s = std::chrono::duration<double>(measured_until - measure_from).count();
  const double messages = Metric(*api, "keel_ingest_messages_total");
  const double samples = Metric(*api, "keel_ingest_samples_total");
  const double hub_events = Metric(*api, "keel_ingest_events_total");
  auto series = api->Get(std::string("/api/v1/devices/") + kDeviceId + "/series");
  if (!series.ok()) throw std::runtime_error("series list: " + series.status().ToString());

  const int stop_rc = agent.KillAndWait(SIGTERM);
  if (!WIFEXITED(stop_rc) || WEXITSTATUS(stop_rc) != 0) {
    throw failed(fmt::format("keel-edge did not stop cleanly (wait status {})", stop_rc));
  }
  return {{"benchmark", "edge_agent_process"},
          {"seconds", seconds},
          {"measured_s", measured_s},
          {"first_batch_stored_after_s", first_batch_s},
          {"cpu_percent_of_one_core_steady", 100.0 * (cpu_end - cpu_at_measure_start) / measured_s},
          {"cpu_percent_of_one_core_whole_run",
           100.0 * cpu_end / std::chrono::duration<double>(measured_until - start).count()},
          {"rss_peak_mb_vmhwm", hwm_mb},
          {"rss_max_sampled_mb", max_rss_mb},
          {"rss_end_mb", rss_end_mb},
          {"rss_end_anon_mb", rss_anon_mb},
          {"rss_end_file_mb", rss_file_mb},
          {"hub_messages_per_s_steady", (messages - messages_at_measure_start) / measured_s},
          {"hub_samples_per_s_steady", (samples - samples_at_measure_start) / measured_s},
          {"hub_messages", messages},
          {"hub_samples", samples},
          {"hub_events", hub_events},
          {"loadavg_1m_at_end", LoadAverage1m()},
          {"series_at_hub", (*series)["series"]}};
}

}  // namespace keel::bench
