// Process and socket primitives used by BrokerSupervisor. Internal to
// hub/broker; exposed in a header so they can be tested on their own.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "common/status.h"
#include "hub/broker/broker_config.h"

namespace keel::hub::broker_internal {

// Spawns `<mosquitto_binary> -c <config path>` in its own process group with
// default signal dispositions, stdin from /dev/null and stdout/stderr
// appended to the broker log. Returns the child's pid (the caller reaps it).
Result<pid_t> SpawnMosquitto(const BrokerConfig& config);

// FailedPrecondition when something already listens on (or holds) the
// configured address and port; InvalidArgument if the address is unusable.
Status CheckPortFree(const std::string& address, int port);

// True if a TCP connection to the address (wildcards mean loopback) and port
// succeeds right now.
bool PortAccepting(const std::string& address, int port);

// If `pid` (a child of this process) has exited, a description such as
// "exited with status 3" or "killed by signal 9"; the child is NOT reaped.
std::optional<std::string> ExitedWithoutReaping(pid_t pid);

// True if the file's bytes after `offset` contain `needle`.
bool LogContainsSince(const std::filesystem::path& path, uint64_t offset, std::string_view needle);

// The last `max_lines` lines of the file (empty when unreadable).
std::string FileTail(const std::filesystem::path& path, int max_lines);

}  // namespace keel::hub::broker_internal
