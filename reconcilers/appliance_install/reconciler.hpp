#pragma once

#include "reconcilers/context.hpp"
#include "reconcilers/outcome.hpp"

// ApplianceInstall: no appliance install is left running past `max_duration` (docs/manifests.md
// "ApplianceInstall"). Live state: GET /api/vcenter/deployment. Mutation: POST
// /api/vcenter/deployment/install?action=cancel (docs/vsphere-api.md "Deployment"), synchronous
// (204, no task), so nothing is journaled: every pass decides from the deployment state alone.
//
// Reasons (closed set): reason -> phase: meaning. Operator: what to do.
//
//   NoInstallRunning       -> Ready: the deployment is not CONFIG_IN_PROGRESS (details say which
//                             state); also after a cancel answered 400 NOT_ALLOWED_IN_CURRENT_STATE
//                             because the install ended meanwhile. Operator: nothing.
//   InstallWithinLimit     -> Ready: an install runs, under max_duration; requeued for the moment
//                             the limit is reached (or policy.interval, if sooner). Operator:
//                             nothing.
//   InstallCancelled       -> Ready: an install had run for max_duration or longer and vsrd
//                             cancelled it (`vsrd plan`: would cancel it); the next pass re-reads
//                             the deployment. Operator: find out why the install hung.
//   InstallStartUnknown    -> Degraded: CONFIG_IN_PROGRESS without start_time, or with one later
//                             than the appliance's clock (its Date) by more than 15m, and
//                             max_duration > 0s, so the running time cannot be judged and vsrd
//                             does not cancel. Operator: check the appliance (and its clock), or
//                             set max_duration: 0s.
//   OutsideWindow          -> Waiting: a cancel is due but policy.window is closed. Operator: wait
//                             or widen the window.
//   TargetBusy             -> Waiting (in line for a slot: at once when one frees, or in 15s):
//                             a cancel is due but the target's mutation slots are taken.
//                             Operator: nothing.
//   CancelFailed           -> Progressing (transient; Stalled after max_failures): the cancel call
//                             failed, or answered 400 while the re-read still shows the install
//                             running past its limit. Operator: read the message, fix, reset.
//   TargetUnreachable, ReadFailed, LoginFailed, CredentialsUnavailable
//                          -> Progressing (transient, never Stalled by itself): reading the
//                             deployment failed (api_outcomes.hpp). Operator: check the target.
//   UnsupportedTarget      -> Stalled: the target has no deployment port (not a vCenter).
//                             Operator: fix spec.target.
//   KindMismatch           -> Stalled: the engine passed another kind's object (a bug).
//                             Operator: report it.
//
// Outcome::details: deployment_state, status, started_at, progress, running_for (each when
// known), and cancel_requested_at after a cancel.

namespace vsrd::reconcilers::appliance_install {

/// The ApplianceInstall reconciler. Stateless; Reconcile blocks on the target's API calls.
class ApplianceInstallReconciler final : public Reconciler {
 public:
  /// One pass: reads the deployment, cancels an install past max_duration (at most one call),
  /// never throws. In dry run (`vsrd plan`) only the read is made and outcome.plan names the
  /// cancel when one is due.
  Outcome Reconcile(Context& context) override;
};

}  // namespace vsrd::reconcilers::appliance_install
