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
#include "daemon/targets.hpp"

// What `vsrd plan` and `vsrd apply` set up before they reconcile: the config, the manifests,
// the targets' clients, the journal and a logger on stderr.

namespace vsrd::daemon {

struct CommandRuntime {
  Config config;
  DesiredState desired;
  SystemClock clock;
  std::shared_ptr<spdlog::logger> logger;
  std::unique_ptr<Targets> targets;
  std::unique_ptr<Journal> journal;
};

/// Loads the config (--config, $VSRD_CONFIG or the default) and the manifests, prints every
/// problem to `err` as FILE:LINE:COL: error: MESSAGE, and builds the clients and the journal.
/// nullptr when anything failed (the caller exits with kExitError). `read_only`: the journal
/// is never written, not even to move a corrupt one aside.
std::unique_ptr<CommandRuntime> PrepareRuntime(const std::optional<std::string>& config_flag,
                                               std::string_view command, bool read_only,
                                               std::ostream& err);

}  // namespace vsrd::daemon
