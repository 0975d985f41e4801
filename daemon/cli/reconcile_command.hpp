#pragma once

// `vsrd reconcile [--reset] KIND/NAME`: asks the running daemon (POST /reconcile/KIND/NAME at
// the config's `listen` address) to reconcile one object now.

#include <optional>
#include <ostream>
#include <string>
#include <string_view>

namespace vsrd::daemon {

inline constexpr std::string_view kReconcileHelp =
    R"(Usage: vsrd reconcile [--config FILE] [--reset] KIND/NAME

Ask the running daemon (vsrd run, at the config's `listen` address) to reconcile one object
now instead of at its next drift check, e.g. `vsrd reconcile VchaPassiveNode/vc01-passive`.
The command returns once the daemon has queued the request; follow it with `vsrd status`.

Options:
  --reset         clear Stalled and the failure count first (after fixing the cause outside
                  the manifest; a changed manifest clears them by itself)
  --config FILE   daemon config, read only for `listen`
                  (default: $VSRD_CONFIG, else /etc/vsrd/vsrd.yaml)
  -h, --help      print this help

Exit status: 0 requested, 1 error (bad KIND/NAME, no such object, daemon not reachable).
)";

struct ReconcileOptions {
  std::optional<std::string> config;
  bool reset = false;  ///< --reset
  std::string key;     ///< "Kind/name"
};

/// Why `key` is not a KIND/NAME (a kind of docs/manifests.md and a DNS-1123 name), or
/// nullopt when it is one.
std::optional<std::string> CheckObjectKey(std::string_view key);

/// Checks the key (a usage error on `err` and kExitError before any config or network access),
/// reads the config (only for `listen`), sends POST /reconcile/KIND/NAME[?reset=true] and
/// prints "reconcile requested for KIND/NAME" (+ " (reset)") to `out`. kExitError with a
/// message on `err` when the daemon cannot be reached, has no such object, or refuses.
int RunReconcile(const ReconcileOptions& options, std::ostream& out, std::ostream& err);

}  // namespace vsrd::daemon
