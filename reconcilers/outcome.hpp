#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "manifests/common.hpp"
#include "manifests/duration.hpp"
#include "manifests/object_key.hpp"
#include "reconcilers/reasons.hpp"

// The reconcile contract's result (docs/reconcilers.md "The contract"): what one pass concluded
// about an object, and how it wants to be queued again. DecideRequeue (decide_requeue.hpp) is the
// one place that turns an Outcome into a queue action.

namespace vsrd::reconcilers {

using manifests::Duration;

/// The object's phase in status (docs/operations.md "Status fields").
enum class Phase { kReady, kProgressing, kWaiting, kDegraded, kStalled, kSuspended };
inline constexpr std::array<std::string_view, 6> kPhaseNames{
    "Ready", "Progressing", "Waiting", "Degraded", "Stalled", "Suspended"};

inline std::string_view PhaseName(Phase phase) {
  return kPhaseNames.at(static_cast<std::size_t>(phase));
}

/// An operation in flight, as status shows it.
struct OperationStatus {
  std::string name;  ///< the fixed operation name, e.g. "vcha.passive.redeploy"
  std::string task;
  std::chrono::system_clock::time_point started_at;
  std::optional<std::int64_t> progress;  ///< percent, when the API reports it
};

/// What a Waiting object waits for: set where the wait is decided (the reconcilers' window
/// check, the engine's depends_on), so that callers such as `vsrd apply` never read it from the
/// reason or the message.
struct WaitingFor {
  /// The depends_on object that is not Ready; nullopt: policy.window is closed.
  std::optional<manifests::ObjectKey> dependency;

  /// Waiting for policy.window to open.
  static WaitingFor Window() { return WaitingFor{}; }
  /// Waiting for `key` to be Ready.
  static WaitingFor Dependency(manifests::ObjectKey key) { return WaitingFor{std::move(key)}; }

  friend bool operator==(const WaitingFor&, const WaitingFor&) = default;
};

struct Outcome {
  enum class Kind {
    /// The pass finished: nothing to do until the next drift check (phase Ready, Degraded,
    /// Waiting or Suspended).
    kDone,
    /// Work is under way (a task runs, the appliance restarts): look again after `after`.
    kRequeueAfter,
    /// Something failed that may work later; retried with backoff. Failed mutations count
    /// towards max_failures; failed reads (e.g. an unreachable target) do not.
    kTransient,
    /// Retrying cannot help until the manifest changes or an operator resets the object.
    kStalled,
  };

  Kind kind = Kind::kDone;
  Duration after{0};  ///< kRequeueAfter only
  Phase phase = Phase::kReady;
  std::string reason;   ///< CamelCase, a closed set: reasons.hpp, reconcilers/<kind>/reasons.hpp
  std::string message;  ///< for people; never a secret
  bool mutation_failed = false;  ///< kTransient only: a mutating call failed
  /// The operation in flight, for status: {task, started_at, progress}.
  std::optional<OperationStatus> operation;
  /// `vsrd plan` (Context::DryRun): each API call apply would make now, as
  /// "POST /api/...?action=... {field: value, password: (sensitive)}". Empty: nothing to do.
  std::vector<std::string> plan;
  /// Kind-specific facts for status, e.g. {"deployment_state": "CONFIG_IN_PROGRESS"}.
  std::map<std::string, std::string> details;
  /// Phase Waiting for a window or a dependency (OutsideWindow, DependencyNotReady): which.
  std::optional<WaitingFor> waiting;

  static Outcome Done(Phase phase, std::string_view reason, std::string message = {}) {
    return Make(Kind::kDone, phase, reason, std::move(message));
  }
  static Outcome RequeueAfter(Duration after, std::string_view reason, std::string message = {}) {
    Outcome outcome = Make(Kind::kRequeueAfter, Phase::kProgressing, reason, std::move(message));
    outcome.after = after;
    return outcome;
  }
  /// A change is due but policy.window is closed: Done, Waiting, OutsideWindow, waiting set.
  static Outcome OutsideWindow(std::string message) {
    Outcome outcome = Done(Phase::kWaiting, reasons::kOutsideWindow, std::move(message));
    outcome.waiting = WaitingFor::Window();
    return outcome;
  }
  /// `dependency` (a depends_on object) is not Ready: Done, Waiting, DependencyNotReady.
  static Outcome DependencyNotReady(manifests::ObjectKey dependency, std::string message) {
    Outcome outcome = Done(Phase::kWaiting, reasons::kDependencyNotReady, std::move(message));
    outcome.waiting = WaitingFor::Dependency(std::move(dependency));
    return outcome;
  }
  /// A failed read: backoff, never Stalled by itself.
  static Outcome ReadFailed(std::string_view reason, std::string message) {
    return Make(Kind::kTransient, Phase::kProgressing, reason, std::move(message));
  }
  /// A failed mutation: backoff, Stalled after max_failures in a row.
  static Outcome MutationFailed(std::string_view reason, std::string message) {
    Outcome outcome = Make(Kind::kTransient, Phase::kProgressing, reason, std::move(message));
    outcome.mutation_failed = true;
    return outcome;
  }
  static Outcome Stalled(std::string_view reason, std::string message) {
    return Make(Kind::kStalled, Phase::kStalled, reason, std::move(message));
  }

 private:
  static Outcome Make(Kind kind, Phase phase, std::string_view reason, std::string message) {
    Outcome outcome;
    outcome.kind = kind;
    outcome.phase = phase;
    outcome.reason = std::string(reason);
    outcome.message = std::move(message);
    return outcome;
  }
};

}  // namespace vsrd::reconcilers
