#include "reconcilers/appliance_install/reconciler.hpp"

#include <chrono>
#include <string>
#include <utility>
#include <variant>

#include "reconcilers/api_outcomes.hpp"
#include "reconcilers/appliance_install/plan.hpp"
#include "reconcilers/appliance_install/reasons.hpp"
#include "reconcilers/mutation.hpp"

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

  ObjectRecord record = context.Record();
  MutationProtocol protocol(context, record);
  if (protocol.Unresolved()) {
    // A cancel whose outcome is unknown: the deployment decides (an install still running after
    // policy.outcome_settle was not cancelled), never a blind second cancel.
    const Evidence evidence =
        step.kind == Step::Kind::kCancel
            ? Evidence::Absent("the install still runs")
            : Evidence::Done("the deployment shows no install running past its limit");
    if (auto end = protocol.Resolve(evidence)) return WithDetails(std::move(*end), step);
  }
  if (step.kind != Step::Kind::kCancel) return Judged(std::move(step));

  context.ObserveDrift();
  MutationSpec mutation;
  mutation.operation = std::string(kCancelOperation);
  mutation.description = "the cancel of the install";
  mutation.calls = {kCancelCall};
  mutation.reason = step.reason;
  mutation.busy_retry = kBusyRetry;
  if (auto refused = protocol.Gate(mutation, step.message + "; the cancel is due")) {
    return WithDetails(std::move(*refused), step);
  }

  // The one mutating call. It has no task: 204 means the cancel was accepted.
  const WallTime requested_at = context.Now();
  const auto submitted =
      protocol.Submit(mutation, [&] { return SubmittedTask(port->CancelInstall()); });
  if (submitted.outcome) return WithDetails(*submitted.outcome, step);
  switch (submitted.result) {
    case MutationProtocol::Result::kUnknown:
      return WithDetails(protocol.Unknown(mutation, *submitted.error), step);
    case MutationProtocol::Result::kRejected: {
      const ports::ApiError& error = *submitted.error;
      if (error.Is("NOT_ALLOWED_IN_CURRENT_STATE")) {
        // 400 "not in CONFIG_IN_PROGRESS state" (docs/vsphere-api.md "Deployment"): the install
        // most likely ended between the read and the cancel. Re-read to tell that apart from a
        // refusal.
        auto again = port->GetDeployment();
        if (!again) return ReadFailure(again.Error());
        Step now = Plan(*spec, *again, context.Now(), context.Policy());
        if (now.kind == Step::Kind::kCancel) {
          Outcome failed = protocol.Failed(reasons::kCancelFailed, error.Summary());
          failed.message += "; the deployment still shows the install running";
          return WithDetails(std::move(failed), now);
        }
        if (!protocol.Succeeded()) return WithDetails(JournalFailure(), now);
        now.message = "the install ended before the cancel reached it: " + now.message;
        return Judged(std::move(now));
      }
      if (!IsAlreadyDone(error)) {
        return WithDetails(protocol.Failed(reasons::kCancelFailed, error.Summary()), step);
      }
      break;
    }
    case MutationProtocol::Result::kAccepted:
    case MutationProtocol::Result::kNotSubmitted:
      break;
  }
  // Accepted (or already done): nothing stays in flight.
  if (!protocol.Succeeded()) return WithDetails(JournalFailure(), step);
  Outcome outcome = Outcome::Done(Phase::kReady, step.reason, step.message + "; cancelled it");
  outcome.details = std::move(step.details);
  outcome.details["cancel_requested_at"] = FormatWallTime(requested_at);
  return outcome;
}

}  // namespace vsrd::reconcilers::appliance_install
