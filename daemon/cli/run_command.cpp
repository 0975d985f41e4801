#include "daemon/cli/run_command.hpp"

#include <algorithm>
#include <chrono>
#include <cstdlib>

#include "daemon/cli/exit_codes.hpp"
#include "daemon/cli/signals.hpp"
#include "daemon/daemon.hpp"
#include "daemon/logging.hpp"
#include "manifests/escape.hpp"

namespace vsrd::daemon {

int RunDaemon(const RunOptions& options, std::ostream& err) {
  const std::string path = ResolveConfigPath(options.config);
  auto loaded = LoadConfig(path);
  bool failed = !loaded.config.has_value();
  for (const auto& diagnostic : loaded.diagnostics) {
    err << manifests::FormatDiagnostic(diagnostic) << '\n';
    failed = failed || diagnostic.severity == manifests::Diagnostic::Severity::kError;
  }
  if (failed) {
    err << "vsrd run: the config " << manifests::EscapeControls(path) << " has errors\n";
    return kExitError;
  }

  const sigset_t signals = BlockHandledSignals();

  const bool journald = StderrIsJournal();
  auto logger = MakeDaemonLogger(loaded.config->log, journald);
  const SystemdNotifier notifier;
  const SystemClock clock;
  Daemon daemon(std::move(*loaded.config), logger, journald, notifier, clock);
  try {
    daemon.Start();
  } catch (const std::exception& error) {
    logger->error("cannot start: {}", error.what());
    daemon.Stop();
    logger->flush();
    return kExitError;
  }

  // The main loop: signals, and once a second the STATUS= line and the watchdog.
  std::chrono::milliseconds tick{1000};
  if (const auto watchdog = notifier.WatchdogInterval()) {
    tick = std::clamp(std::chrono::duration_cast<std::chrono::milliseconds>(*watchdog / 4),
                      std::chrono::milliseconds(10), tick);
  }
  while (true) {
    const int signal = WaitForSignal(signals, tick);
    if (signal == SIGHUP) {
      logger->info("SIGHUP: reloading the config and the manifests");
      daemon.RequestReload();  // on the reload thread: this loop keeps ticking
    } else if (signal == SIGTERM || signal == SIGINT) {
      logger->info("{}: stopping", SignalName(signal));
      break;
    }
    daemon.Tick();
  }

  // Stop on a thread of its own so that a second signal is still noticed while it waits.
  std::atomic<bool> done{false};
  StopResult result = StopResult::kClean;
  std::thread stopper([&] {
    result = daemon.Stop();
    done = true;
  });
  while (!done) {
    const int signal = WaitForSignal(signals, std::chrono::milliseconds(50));
    if (signal == SIGTERM || signal == SIGINT) {
      daemon.SealJournal();
      logger->warn("second {}: exiting at once", SignalName(signal));
      logger->flush();
      std::_Exit(kExitError);
    }
  }
  stopper.join();
  if (result == StopResult::kTimedOut) std::_Exit(kExitSuccess);
  return kExitSuccess;
}

}  // namespace vsrd::daemon
