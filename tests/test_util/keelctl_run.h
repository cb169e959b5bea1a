// Runs keelctl in-process against a hub's API, as an operator, for tests
// that check a command end to end (the test links keel_cli).
#pragma once

#include <filesystem>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "cli/keelctl.h"

namespace keel {

// {exit code, stdout + stderr} of `keelctl --hub HUB --token-file TOKEN
// --cacert CA ARGS...`.
inline std::pair<int, std::string> RunKeelctlAgainst(const std::string& hub_url,
                                                     const std::filesystem::path& token_file,
                                                     const std::filesystem::path& ca_cert,
                                                     const std::vector<std::string>& args) {
  std::vector<std::string> all = {"keelctl",           "--hub",    hub_url,         "--token-file",
                                  token_file.string(), "--cacert", ca_cert.string()};
  all.insert(all.end(), args.begin(), args.end());
  std::vector<const char*> argv;
  for (const auto& a : all) argv.push_back(a.c_str());
  std::ostringstream out, err;
  const int rc = cli::RunKeelctl(static_cast<int>(argv.size()), argv.data(), out, err);
  return {rc, out.str() + err.str()};
}

}  // namespace keel
