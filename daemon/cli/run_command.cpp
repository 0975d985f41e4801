#include "daemon/cli/run_command.hpp"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <ctime>

#include <signal.h>

#include "daemon/cli/exit_codes.hpp"
#include "daemon/daemon.hpp"
#include "daemon/logging.hpp"

namespace vsrd::daemon {

namespace {

/// The signals vsrd run handles, taken synchronously by the main thread (sigtimedwait): they
/// are blocked before any thread starts, so no other thread ever receives them.
sigset_t HandledSignals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGHUP);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  return set;
}

/// Waits up to `timeout` for a handled signal; 0 when none arrived.
int WaitForSignal(const sigset_t& set, std::chrono::milliseconds timeout) {
  const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(timeout);
  timespec wait{};
  wait.tv_sec = static_cast<time_t>(seconds.count());
  wait.tv_nsec = static_cast<long>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(timeout - seconds).count());
  siginfo_t info{};
  const int signal = ::sigtimedwait(&set, &info, &wait);
  return signal > 0 ? signal : 0;
}

const char* SignalName(int signal) {
  switch (signal) {
    case SIGHUP:
      return "SIGHUP";
    case SIGTERM:
      return "SIGTERM";
    case SIGINT:
      return "SIGINT";
    default:
      return "signal";
  }
}

}  // namespace

int RunDaemon(const RunOptions& options, std::ostream& err) {
  const std::string path = ResolveConfigPath(options.config);
  auto loaded = LoadConfig(path);
  bool failed = !loaded.config.has_value();
  for (const auto& diagnostic : loaded.diagnostics) {
    err << manifests::FormatDiagnostic(diagnostic) << '\n';
    failed = failed || diagnostic.severity == manifests::Diagnostic::Severity::kError;
  }
  if (failed) {
    err << "vsrd run: the config " << path << " has errors\n";
    return kExitError;
  }

  const sigset_t signals = HandledSignals();
  ::pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  ::signal(SIGPIPE, SIG_IGN);  // a peer closing a socket is an error code, not a death

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
      daemon.ReloadConfig();
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
