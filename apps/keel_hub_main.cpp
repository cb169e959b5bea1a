// keel-hub: the hub service. See README.md and docs/operations.md.
#include <CLI/CLI.hpp>
#include <iostream>

#include "common/endpoint.h"
#include "common/logging.h"
#include "common/random.h"
#include "common/sigpipe_guard.h"
#include "common/termination_signals.h"
#include "hub/server/hub_server.h"

namespace {

// Splits "ADDR:PORT" (the port may be 0 for "any free port").
bool SplitAddress(const std::string& text, std::string* address, int* port) {
  const auto colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0) return false;
  try {
    size_t used = 0;
    *port = std::stoi(text.substr(colon + 1), &used);
    if (used != text.size() - colon - 1 || *port < 0 || *port > 65535) return false;
  } catch (const std::exception&) {
    return false;
  }
  *address = text.substr(0, colon);
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  keel::IgnoreSigpipeInThisProcess();
  CLI::App app{"keel-hub: enrolls devices, ingests their telemetry, serves the API"};
  keel::hub::HubOptions options;
  std::string http = "127.0.0.1:8443", mqtt = "127.0.0.1:8883", log_level = "info";
  std::string data_dir = "keel-data", broker_ca, plugin;
  int cert_days = 30;
  int cert_seconds = 0;
  int token_hours = 24;
  app.add_option("--data-dir", data_dir, "State directory (PKI, database, broker files)");
  app.add_option("--http", http, "API listen address ADDR:PORT (HTTPS)");
  app.add_option("--mqtt", mqtt, "Embedded broker listen address ADDR:PORT (MQTT over TLS)");
  app.add_option("--broker", options.external_broker,
                 "Use an external MQTT 5 broker mqtts://HOST:PORT instead of the embedded one");
  app.add_option("--broker-ca", broker_ca, "CA file for the external broker (default pki/ca.crt)");
  app.add_option("--server-name", options.server_names,
                 "Extra subjectAltName for the hub's TLS certificate (DNS:x or IP:y), repeatable");
  app.add_option("--broker-plugin", plugin, "Path of libkeel_mosquitto_plugin.so");
  app.add_option("--cert-days", cert_days, "Lifetime of device certificates in days")
      ->check(CLI::Range(1, 825));
  app.add_option("--cert-seconds", cert_seconds,
                 "Device certificate lifetime in seconds; overrides --cert-days (for tests and "
                 "very short-lived deployments)")
      ->check(CLI::Range(30, 86400 * 825));
  app.add_option("--token-hours", token_hours, "Lifetime of enrollment tokens in hours")
      ->check(CLI::Range(1, 24 * 30));
  double update_poll_seconds = 30;
  app.add_option("--update-poll-seconds", update_poll_seconds,
                 "How often devices poll for update directives (default 30)")
      ->check(CLI::Range(0.1, 86400.0));
  std::string alert_policy;
  app.add_option("--alert-policy", alert_policy,
                 "JSON file: how alerts become incidents (docs/alerts.md; default built in)");
  std::string notify_routes;
  app.add_option("--notify-routes", notify_routes,
                 "JSON file: where incidents are notified (webhook, Alertmanager, SMTP; "
                 "docs/alerts.md)");
  std::string rules;
  app.add_option("--rules", rules,
                 "JSON file: the hub rules, read-only through the API (docs/hub-rules.md; default: "
                 "managed through the API, kept in <data-dir>/rules.json)");
  app.add_option("--log-level", log_level, "trace|debug|info|warn|error");
  CLI11_PARSE(app, argc, argv);

  keel::ConfigureLogging(log_level, "keel-hub");
  if (!SplitAddress(http, &options.http_address, &options.http_port)) {
    std::cerr << "keel-hub: --http must be ADDR:PORT, got \"" << http << "\"\n";
    return 2;
  }
  if (!SplitAddress(mqtt, &options.mqtt_address, &options.mqtt_port)) {
    std::cerr << "keel-hub: --mqtt must be ADDR:PORT, got \"" << mqtt << "\"\n";
    return 2;
  }
  options.data_dir = data_dir;
  options.alert_policy = alert_policy;
  options.notify_routes = notify_routes;
  options.rules = rules;
  options.external_broker_ca = broker_ca;
  options.broker_plugin = plugin;
  options.update_poll_interval_ms = static_cast<int64_t>(update_poll_seconds * 1000);
  options.enrollment.certificate_lifetime =
      cert_seconds > 0 ? std::chrono::seconds(cert_seconds) : std::chrono::hours(24 * cert_days);
  options.enrollment.token_ttl = std::chrono::hours(token_hours);

  keel::TerminationSignals signals;  // before any thread starts

  keel::SeededRandom random(std::random_device{}());
  auto hub = keel::hub::NewHubServer(options, keel::SystemClock(), random);
  keel::Status started = hub->Start();
  if (!started.ok()) {
    std::cerr << "keel-hub: " << started.ToString() << "\n";
    hub->Stop();
    return 1;
  }
  const auto endpoints = hub->endpoints();
  std::cout << "keel-hub ready\n"
            << "  api:         " << endpoints.api_url << "\n"
            << "  mqtt:        " << endpoints.mqtt_url << "\n"
            << "  ca:          " << endpoints.ca_cert.string() << "\n"
            << "  admin token: " << endpoints.admin_token.string() << "\n"
            << std::flush;
  const int sig = signals.Wait();
  spdlog::info("signal {}: shutting down", sig);
  hub->Stop();
  return 0;
}
