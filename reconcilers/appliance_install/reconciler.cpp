#include "reconcilers/appliance_install/reconciler.hpp"

#include <chrono>
#include <string>
#include <utility>
#include <variant>

#include "reconcilers/api_outcomes.hpp"
#include "reconcilers/appliance_install/plan.hpp"
#include "reconcilers/appliance_install/reasons.hpp"

namespace vsrd::reconcilers::appliance_install {
namespace {

/// How soon to try again when the target's mutation slots are all taken.
constexpr Duration kBusyRetry = std::chrono::seconds(15);

/// The outcome of a step that makes no call (kCancel only after the call succeeded).
Outcome Judged(Step step) {
  Outcome outcome;
  switch (step.kind) {
    case Step::Kind::kWithinLimit:
      // Ready now, but looked at again exactly when the limit is reached.
      outcome = Outcome::RequeueAfter(step.requeue_after, step.reason, std::move(step.message));
      outcome.phase = Phase::kReady;
      break;
    case Step::Kind::kStartUnknown:
      outcome = Outcome::Done(Phase::kDegraded, step.reason, std::move(step.message));
      break;
    case Step::Kind::kNoInstall:
    case Step::Kind::kCancel:
      outcome = Outcome::Done(Phase::kReady, step.reason, std::move(step.message));
      break;
  }
  outcome.details = std::move(step.details);
  return outcome;
}

/// `outcome` with the step's status facts (deployment_state, status, started_at, ...).
Outcome WithDetails(Outcome outcome, const Step& step) {
  outcome.details = step.details;
  return outcome;
}

}  // namespace

Outcome ApplianceInstallReconciler::Reconcile(Context& context) {
  const auto* spec = std::get_if<manifests::ApplianceInstallSpec>(&context.Object().spec);
  ports::DeploymentPort* port = context.Target().deployment;
  if (spec == nullptr) return KindMismatch(context.Object(), manifests::Kind::kApplianceInstall);
  if (port == nullptr) {
    return Outcome::Stalled(
        reasons::kUnsupportedTarget,
        "target " + context.Target().name +
            " has no appliance deployment API (ApplianceInstall needs a vcenter target)");
  }

  auto deployment = port->GetDeployment();
  if (!deployment) return ReadFailure(deployment.Error());
  Step step = Plan(*spec, *deployment, context.Now(), context.Policy());
  if (step.kind != Step::Kind::kCancel) return Judged(std::move(step));

  context.ObserveDrift();
  if (context.DryRun()) {
    // `vsrd plan`: the read only; what apply would reach, with the call it would make.
    Outcome outcome =
        context.InWindow()
            ? Outcome::Done(Phase::kReady, step.reason, step.message + "; apply cancels it")
            : Outcome::OutsideWindow(step.message + "; the cancel waits for policy.window");
    outcome.plan = {kCancelCall};
    return WithDetails(std::move(outcome), step);
  }
  if (!context.InWindow()) {
    return WithDetails(
        Outcome::OutsideWindow(step.message + "; the cancel waits for policy.window"), step);
  }
  if (!context.TryBeginMutation()) {
    Outcome outcome = Outcome::RequeueAfter(
        kBusyRetry, reasons::kTargetBusy,
        step.message + "; the cancel waits for a free mutation slot on the target");
    outcome.phase = Phase::kWaiting;
    return WithDetails(std::move(outcome), step);
  }

  // The one mutating call. It has no task: 204 means the cancel was accepted.
  const WallTime requested_at = context.Now();
  auto cancelled = port->CancelInstall();
  if (!cancelled && cancelled.Error().Is("NOT_ALLOWED_IN_CURRENT_STATE")) {
    // 400 "not in CONFIG_IN_PROGRESS state" (docs/vsphere-api.md "Deployment"): the install most
    // likely ended between the read and the cancel. Re-read to tell that apart from a refusal.
    auto again = port->GetDeployment();
    if (!again) return ReadFailure(again.Error());
    Step now = Plan(*spec, *again, context.Now(), context.Policy());
    if (now.kind == Step::Kind::kCancel) {
      Outcome failed = MutationFailure(reasons::kCancelFailed, cancelled.Error());
      failed.message += "; the deployment still shows the install running";
      return WithDetails(std::move(failed), now);
    }
    now.message = "the install ended before the cancel reached it: " + now.message;
    return Judged(std::move(now));
  }
  if (!cancelled && !IsAlreadyDone(cancelled.Error())) {
    return WithDetails(MutationFailure(reasons::kCancelFailed, cancelled.Error()), step);
  }

  Outcome outcome = Outcome::Done(Phase::kReady, step.reason, step.message + "; cancelled it");
  outcome.details = std::move(step.details);
  outcome.details["cancel_requested_at"] = FormatWallTime(requested_at);
  return outcome;
}

}  // namespace vsrd::reconcilers::appliance_install
