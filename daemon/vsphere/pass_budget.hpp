#pragma once

#include <chrono>
#include <optional>

#include "reconcilers/decide_requeue.hpp"

// The time budget and the priority of one reconcile pass, for the API calls made on the pass's
// thread.
//
// Contract (docs/daemon.md "Health and the watchdog"): the controller opens a PassBudget around
// every pass (Controller::Process). An API call starts only while at least its own request
// timeout is left of that budget (ApiSession::Exchange asks AllowsCall); otherwise it fails at
// once, not sent, and the pass ends with a transient error that requeues the object. A call is
// never cut short by the budget: a mutating POST always gets its full deadline, so the budget
// adds no unknown outcome. Hence a pass ends within its budget plus local work (journal fsyncs,
// decoding), and /healthz and the watchdog call a pass stale only a margin after its budget
// (Daemon::HealthChecks): they and the budget agree by construction.
//
// The budget is thread-local because a pass runs on one worker thread from start to end and
// reaches the network through ports that are shared by every pass (reconcilers/ports/): the
// scope is the pass, not the port. Calls outside any PassBudget (logins of the login loop,
// `vsrd plan`, logout) have only their request timeout. Time is the real steady clock, as for
// every network deadline (daemon/vsphere/https_transport.cpp).
//
// The priority is the work-queue class the pass was handed out in (reconcilers/decide_requeue.hpp
// Priority): the per-target rate limit serves waiting calls by it (HttpsTransport), so a drift
// check's calls never delay those of a manifest change or an operation in flight. Calls outside
// any pass (logins, `vsrd plan`) count as kChange: someone waits for them.
//
// A pass also notes whether its target answered any call (NoteAnswered, from ApiSession): the
// engine wakes the objects that failed with TargetUnreachable on that target when a pass finds
// it answering again (Controller::SettleUnreachable), rather than after their backoff.

namespace vsrd::daemon::vsphere {

class PassBudget {
 public:
  using Clock = std::chrono::steady_clock;

  /// Opens the budget of the pass running on this thread, `budget` from now, at `priority`.
  /// Budgets do not nest: an inner one replaces the outer one until it closes.
  explicit PassBudget(std::chrono::milliseconds budget,
                      reconcilers::Priority priority = reconcilers::Priority::kChange);
  ~PassBudget();
  PassBudget(const PassBudget&) = delete;
  PassBudget& operator=(const PassBudget&) = delete;

  /// The end of this thread's pass budget; nullopt outside a pass.
  static std::optional<Clock::time_point> Deadline();

  /// Whether a call with this request timeout may start now: true outside a pass, or when at
  /// least `request_timeout` is left of the pass's budget.
  static bool AllowsCall(std::chrono::milliseconds request_timeout);

  /// The priority of this thread's pass; kChange outside a pass.
  static reconcilers::Priority CurrentPriority();

  /// The target answered a call of this thread's pass: any HTTP response but a 503 (a 503 is
  /// "unreachable" as ports::ApiError::IsUnreachable has it). No effect outside a pass.
  static void NoteAnswered();
  /// Whether the target answered a call of this pass since it opened. Meaningful while this is
  /// the thread's innermost budget.
  bool Answered() const;

 private:
  std::optional<Clock::time_point> previous_;
  reconcilers::Priority previous_priority_;
  bool previous_answered_;
};

}  // namespace vsrd::daemon::vsphere
