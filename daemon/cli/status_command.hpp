#pragma once

// `vsrd status`: asks the running daemon (GET /status at the config's `listen` address) for the
// status of every object and prints a table or the daemon's JSON.

#include <chrono>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "daemon/engine/clock.hpp"
#include "daemon/engine/status_store.hpp"

namespace vsrd::daemon {

inline constexpr std::string_view kStatusHelp =
    R"(Usage: vsrd status [--config FILE] [--output text|json]

Ask the running daemon (vsrd run, at the config's `listen` address) for the status of every
object and print a table with the columns KIND NAME PHASE REASON AGE REVISION, sorted by kind
and name. AGE is the time since the object last changed phase; REVISION is the first 12
characters of the manifests' git commit ("-" when unknown). Below the table: why mutations
are blocked, when they are (see vsrd journal --help), and the manifests' errors.

Options:
  --config FILE          daemon config, read only for `listen`
                         (default: $VSRD_CONFIG, else /etc/vsrd/vsrd.yaml)
  --output text|json     the table (default), or the daemon's JSON (GET /status) pretty-printed
  -h, --help             print this help

Exit status: 0 success, 1 error (bad config, daemon not reachable or failing).
)";

struct StatusOptions {
  std::optional<std::string> config;
  bool json = false;  ///< --output json
};

/// Reads the config (only for `listen`), fetches GET /status and prints it to `out`. Errors go
/// to `err`: a config with errors (its diagnostics), a daemon that cannot be reached ("vsrd
/// status: cannot reach the daemon at 127.0.0.1:9464: connection refused (is vsrd run
/// running?)"), an answer that is not a status. Returns kExitSuccess, or kExitError on any of
/// those. Blocks for at most kDaemonTimeout (daemon_client.hpp).
int RunStatus(const StatusOptions& options, std::ostream& out, std::ostream& err);

/// kubectl's short age: "45s", "12m", "3h", "2d", "3y" (whole units, rounded down); a negative
/// age (clock skew) is "0s".
std::string FormatAge(std::chrono::seconds age);

/// The status table: a header line and one line per object, sorted by "Kind/name", columns
/// aligned and separated by three spaces. AGE is `now` minus last_transition ("-" when
/// unknown); an empty reason or revision prints "-". No objects: "no objects\n".
std::string FormatStatusTable(std::vector<ObjectStatus> statuses, WallTime now);

}  // namespace vsrd::daemon
