// keelctl: the operator's command line over the hub API.
//
//   keelctl [--hub URL] [--token-file F] [--cacert F] [--json] <command>
//     device add <id>        prints the one-time enrollment token alone
//     device token <id>      a fresh token for a registered device
//     device list | show <id> | revoke <id>
//     series list <device>
//     series get <device> <name> [--from MS] [--to MS] [--limit N]
//     events [--device D] [--type PREFIX] [--since 10m|2h|...] [--limit N]
//                            table (time UTC, device, type, data summary)
//     metrics | health
//     keys init | next-root  offline key ceremony, no hub (cli/keys_command.h)
// Global flags fall back to KEEL_HUB, KEEL_TOKEN_FILE and KEEL_CACERT.
#pragma once

#include <ostream>

namespace keel::cli {

// Returns the process exit code: 0 ok, 1 the hub refused or failed, 2 usage.
int RunKeelctl(int argc, const char* const* argv, std::ostream& out, std::ostream& err);

}  // namespace keel::cli
