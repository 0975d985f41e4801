#include "daemon/cli/apply_command.hpp"

#include <atomic>
#include <cstdlib>
#include <map>
#include <thread>

#include "daemon/cli/command_runtime.hpp"
#include "daemon/cli/exit_codes.hpp"
#include "daemon/cli/signals.hpp"
#include "daemon/engine/controller.hpp"
#include "manifests/escape.hpp"
#include "reconcilers/registry.hpp"

namespace vsrd::daemon {

namespace {

namespace rec = reconcilers;
using rec::Phase;

/// True when the object will not change any more without an operator or a new manifest.
bool Settled(const ObjectStatus& status, const std::map<manifests::ObjectKey, ObjectStatus>& all) {
  switch (status.phase) {
    case Phase::kReady:
    case Phase::kStalled:
    case Phase::kDegraded:
    case Phase::kSuspended:
      return status.observed_generation == status.generation;
    case Phase::kWaiting: {
      if (!status.waiting) return false;             // e.g. a busy target: it will move on
      if (!status.waiting->dependency) return true;  // policy.window
      // Settled when the dependency it waits for is not Ready and has settled itself.
      const auto dependency = all.find(*status.waiting->dependency);
      return dependency != all.end() && dependency->second.phase != Phase::kReady &&
             Settled(dependency->second, all);
    }
    case Phase::kProgressing:
      return false;
  }
  return false;
}

}  // namespace

int RunApply(const ApplyOptions& options, std::ostream& out, std::ostream& err) {
  // Before any thread starts (the targets' clients start theirs), as `vsrd run` does.
  const sigset_t signals = BlockHandledSignals();
  auto runtime = PrepareRuntime(options.config, "apply", /*read_only=*/false, err);
  if (!runtime) return kExitError;
  ControllerOptions controller_options;
  controller_options.workers = static_cast<int>(runtime->config.workers);
  controller_options.seed =
      static_cast<std::uint64_t>(runtime->clock.SteadyNow().time_since_epoch().count());
  Controller controller(runtime->config, runtime->targets->Ports(), *runtime->journal,
                        runtime->clock, rec::MakeReconcilers(), controller_options,
                        runtime->logger);
  controller.SetObjects(runtime->desired.objects, "");
  out << "vsrd apply: " << runtime->desired.objects.size() << " objects, timeout "
      << manifests::FormatDuration(options.timeout) << '\n'
      << std::flush;
  controller.Start();

  const auto started = runtime->clock.SteadyNow();
  std::map<manifests::ObjectKey, std::pair<Phase, std::string>> shown;
  bool all_settled = false;
  int interrupted = 0;
  while (true) {
    const auto snapshot = controller.Status().Snapshot();
    std::map<manifests::ObjectKey, ObjectStatus> by_key;
    for (const auto& status : snapshot) by_key.emplace(status.key, status);
    all_settled = !snapshot.empty();
    for (const auto& status : snapshot) {
      const auto now_shown = std::make_pair(status.phase, status.reason);
      if (status.observed_generation == status.generation && shown[status.key] != now_shown) {
        shown[status.key] = now_shown;
        const auto elapsed =
            std::chrono::duration_cast<std::chrono::seconds>(runtime->clock.SteadyNow() - started);
        out << "[" << manifests::FormatDuration(elapsed) << "] " << status.key.ToString() << ": "
            << rec::PhaseName(status.phase) << ' ' << status.reason;
        if (!status.message.empty()) out << ": " << manifests::EscapeControls(status.message);
        out << '\n' << std::flush;
      }
      all_settled = all_settled && Settled(status, by_key);
    }
    if (all_settled || runtime->clock.SteadyNow() - started >= options.timeout) break;
    const int signal = WaitForSignal(signals, options.poll);
    if (signal == SIGINT || signal == SIGTERM) {
      interrupted = signal;
      break;
    }
  }
  if (interrupted != 0) {
    err << "vsrd apply: " << SignalName(interrupted)
        << ": stopping; no mutation starts, passes in flight finish (a second signal exits at "
           "once; operations in flight are journaled and resumed by the next apply or run)\n"
        << std::flush;
  }
  // Stop on a thread of its own so that a second signal is still noticed while passes finish.
  std::atomic<bool> stopped{false};
  std::thread stopper([&] {
    controller.Stop();
    stopped = true;
  });
  while (!stopped) {
    const int signal = WaitForSignal(signals, std::chrono::milliseconds(50));
    if (signal == SIGINT || signal == SIGTERM) {
      // Every submission's intent is already durable: the next start resolves what was cut.
      runtime->journal->Seal();
      err << "vsrd apply: second " << SignalName(signal) << ": exiting at once\n" << std::flush;
      std::_Exit(kExitError);
    }
  }
  stopper.join();
  runtime->targets->LogoutAll();

  int ready = 0;
  const auto final_statuses = controller.Status().Snapshot();
  for (const auto& status : final_statuses) ready += status.phase == Phase::kReady ? 1 : 0;
  out << "\nApply: " << ready << " of " << final_statuses.size() << " objects Ready"
      << (all_settled ? "" : " (timed out; operations in flight continue and are journaled)")
      << ".\n";
  for (const auto& status : final_statuses) {
    if (status.phase == Phase::kReady) continue;
    out << "  " << status.key.ToString() << ": " << rec::PhaseName(status.phase) << ' '
        << status.reason;
    if (!status.message.empty()) out << ": " << manifests::EscapeControls(status.message);
    out << '\n';
  }
  if (interrupted != 0) return kExitError;
  return ready == static_cast<int>(final_statuses.size()) ? kExitSuccess : kExitNotReady;
}

}  // namespace vsrd::daemon
