#pragma once

// The client side of the daemon's HTTP API (docs/daemon.md "HTTP endpoints"), for the commands
// that talk to a running `vsrd run`: `vsrd status` and `vsrd reconcile`. It finds the daemon
// through the config's `listen` and makes one request; the commands decide what the answer
// means.

#include <chrono>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>

#include "daemon/http/client.hpp"

namespace vsrd::daemon {

/// How long `vsrd status` and `vsrd reconcile` wait for the daemon.
inline constexpr std::chrono::milliseconds kDaemonTimeout{10000};

/// The `listen` value of the config named by `config_flag` (see ResolveConfigPath). On a
/// config with errors, prints its diagnostics and "vsrd COMMAND: the config PATH has errors"
/// to `err` and returns nullopt.
std::optional<std::string> ReadDaemonAddress(const std::optional<std::string>& config_flag,
                                             std::string_view command, std::ostream& err);

/// Sends `method target` to the daemon at `address` (a `listen` value) and returns its answer,
/// whatever the status code. When the daemon cannot be reached in kDaemonTimeout, prints
/// "vsrd COMMAND: cannot reach the daemon at ADDRESS: WHY (is vsrd run running?)" to `err` and
/// returns nullopt. Blocks for at most kDaemonTimeout.
std::optional<http::ClientResponse> CallDaemon(const std::string& address,
                                               const std::string& method, const std::string& target,
                                               std::string_view command, std::ostream& err);

}  // namespace vsrd::daemon
