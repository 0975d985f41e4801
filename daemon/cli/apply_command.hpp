#pragma once

#include <chrono>
#include <optional>
#include <ostream>
#include <string>

// `vsrd apply`: the engine, run until every object has settled, then exit.

namespace vsrd::daemon {

struct ApplyOptions {
  std::optional<std::string> config;
  std::chrono::milliseconds timeout = std::chrono::hours(1);
  /// How often progress is checked (tests shorten it).
  std::chrono::milliseconds poll = std::chrono::milliseconds(250);
};

/// Reconciles every object with the daemon's engine (workers, journal, mutation slots) and
/// prints a line whenever an object changes phase or reason. Ends when every object is
/// settled (Ready, Stalled, Degraded, Suspended, or Waiting for something that will not change
/// by itself: a window, or a dependency that settled without being Ready) or at the timeout,
/// then prints a summary. Returns kExitSuccess when all are Ready, kExitNotReady otherwise,
/// kExitError on bad input. Tasks still running at the timeout are left running and recorded
/// in the journal: the next apply or the daemon resumes them.
int RunApply(const ApplyOptions& options, std::ostream& out, std::ostream& err);

}  // namespace vsrd::daemon
