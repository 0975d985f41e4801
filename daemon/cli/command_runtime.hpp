#pragma once

#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>

#include <spdlog/logger.h>

#include "daemon/cli/desired_state.hpp"
#include "daemon/config.hpp"
#include "daemon/engine/clock.hpp"
#include "daemon/engine/journal.hpp"
#include "daemon/engine/state_lock.hpp"
#include "daemon/targets.hpp"

// What `vsrd plan` and `vsrd apply` set up before they reconcile: the config, the manifests,
// the targets' clients, the state_dir's lock (apply), the journal and a logger on stderr.

namespace vsrd::daemon {

struct CommandRuntime {
  Config config;
  DesiredState desired;
  SystemClock clock;
  std::shared_ptr<spdlog::logger> logger;
  std::unique_ptr<Targets> targets;
  /// apply: held until the runtime is destroyed, after the journal (declared before it).
  std::unique_ptr<StateLock> lock;
  std::unique_ptr<Journal> journal;
};

/// Loads the config (--config, $VSRD_CONFIG or the default) and the manifests, prints every
/// problem to `err` as FILE:LINE:COL: error: MESSAGE, and builds the clients and the journal.
/// nullptr when anything failed (the caller exits with kExitError). Unless `read_only`, takes
/// the state_dir's StateLock first (another `vsrd run` or `vsrd apply` holding it is an error
/// naming its pid) and loads the journal as its owner. `read_only` (plan): no lock, and
/// nothing in state_dir is written, not even to move a corrupt journal aside. A journal that
/// cannot be read, or has a newer format, is an error either way. When mutations are blocked
/// (a corrupt journal's recovery marker), says so on `err` and goes on.
std::unique_ptr<CommandRuntime> PrepareRuntime(const std::optional<std::string>& config_flag,
                                               std::string_view command, bool read_only,
                                               std::ostream& err);

}  // namespace vsrd::daemon
