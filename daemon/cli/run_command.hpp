#pragma once

#include <optional>
#include <ostream>
#include <string>
#include <string_view>

// `vsrd run`: the daemon as a process. Signals: SIGHUP reloads the config and the manifests;
// SIGTERM or SIGINT stops (passes in flight get 10 s, the journal is flushed, exit 0); a second
// SIGTERM/SIGINT during that stop exits at once (status 1).

namespace vsrd::daemon {

struct RunOptions {
  std::optional<std::string> config;
};

inline constexpr std::string_view kRunHelp = R"(Usage: vsrd run [--config FILE]

Run the reconciler daemon: watch the manifests directory (a git checkout, possibly a symlink
swapped by git-sync), reconcile every object until live equals desired, and serve
/metrics, /healthz, /readyz, /status and POST /reconcile on the config's `listen` address.

Signals: SIGHUP reloads the config and the manifests (a config with errors is logged and the
running one kept); SIGTERM/SIGINT stop: no new work, passes in flight get 10 s, the journal is
flushed, exit 0; a second signal exits at once.
Under systemd (Type=notify) it sends READY=1, STATUS=, WATCHDOG=1 and STOPPING=1.

It holds state_dir/vsrd.lock while it runs: a second `vsrd run` or a `vsrd apply` on the same
state_dir exits 1 at once, naming this one's pid. It refuses to start when the journal cannot
be read or was written by a newer vsrd; after a corrupt journal it starts but submits no
mutation until `vsrd journal accept-recovery` (see vsrd journal --help).

Options:
  --config FILE   daemon config (default: $VSRD_CONFIG, else /etc/vsrd/vsrd.yaml)
  -h, --help      print this help

Exit status: 0 after a clean stop, 1 when it cannot start (bad config, state_dir locked by
another vsrd, journal unreadable or newer, listener not bound).
)";

int RunDaemon(const RunOptions& options, std::ostream& err);

}  // namespace vsrd::daemon
