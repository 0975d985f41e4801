#pragma once

#include "reconcilers/context.hpp"
#include "reconcilers/outcome.hpp"

// ApplianceUpdate: the appliance behind spec.target runs exactly spec.version (docs/manifests.md
// "ApplianceUpdate", docs/reconcilers.md "Reconcile rules"; docs/manifests.md "ApplianceUpdate").
// Both target flavors:   vcenter         GET /api/appliance/system/version + GET
// /api/appliance/update every pass;                   GET .../update/pending (+ GET .../pending/{V}
// after a failed install); then                   POST .../pending/{V}?action=precheck,
// ?action=stage, ?action=install                   (docs/vsphere-api.md "Appliance updates"). Stage
// and install have no task: they                   are journaled with task "" and followed through
// GET /api/appliance/update.   update-manager  GET /appliance every pass; POST
// .../actions/retrieve-updates (a task), then                   POST
// .../updates/{V}/actions/install (a task), polled with GET /tasks/{id}
//                   (docs/vsphere-api.md "The update-manager appliance API"). The appliance
//                   restarts at the end of the install and forgets its tasks (404): GET /appliance
//                   decides.
//
// Reasons (closed set): reason | phase | meaning -> what the operator does
//   UpToDate            | Ready       | the appliance runs spec.version -> nothing
//   UpdateStaging       | Progressing | vcenter: the update is being staged -> wait
//   UpdateInstalling    | Progressing | the install runs or was just started -> wait (it restarts
//                       |             | the appliance)
//   RetrievingUpdates   | Progressing | update-manager: retrieve-updates runs -> wait
//   ApplianceRestarting | Progressing | during the install the appliance is unreachable (refused,
//                       |             | 503), or its task is gone (404) or done while the old
//                       |             | version still shows -> wait; at policy.timeout after the
//                       |             | install started the version read decides
//   OperationOverdue    | Progressing | a stage/install/retrieve the appliance reports as running
//                       |             | has run longer than policy.timeout -> look at the
//                       |             | appliance; vsrd keeps following it
//   ApplianceBusy       | Waiting     | vcenter: a stage, install or rollback this object did not
//                       |             | start runs for another version -> wait, or end it
//   OutsideWindow       | Waiting     | a step is due but policy.window is closed -> wait
//   TargetBusy          | Waiting     | the target's mutation slots are taken -> wait
//   DowngradeRefused    | Stalled     | spec.version is older than the running version -> fix
//                       |             | spec.version (vsrd never downgrades)
//   UpdateNotAvailable  | Stalled     | spec.version is not in the pending list / the retrieved
//                       |             | updates; the message names what is -> fix the version or
//                       |             | the update source (source_type, url, repository)
//   PrecheckIssues      | Stalled     | vcenter: the precheck reports errors -> fix them, then
//                       |             | `vsrd reconcile --reset`
//   UnansweredQuestions | Stalled     | vcenter: the precheck asks questions without a default
//                       |             | answer, which vsrd cannot answer -> update by hand
//   UnsupportedTarget   | Stalled     | the target has neither an appliance nor an update-manager
//                       |             | port -> fix the target's `api` in the config
//   KindMismatch        | Stalled     | the engine passed another kind's object (a bug) -> report
//   PrecheckFailed      | Progressing | vcenter: the precheck call failed -> see the message
//   StageFailed         | Progressing | the stage call failed, or staging ended unstaged -> see
//                       |             | the message
//   InstallFailed       | Progressing | the install call failed, or the appliance reports the
//                       |             | install failed -> see the message
//   RetrieveFailed      | Progressing | update-manager: retrieve-updates failed -> check the
//                       |             | appliance's update repository
//   UpdateFailed        | Progressing | the install ended but the appliance runs another version
//                       |             | -> see the message
//   UpdateTimedOut      | Progressing | the appliance is still unreachable policy.timeout after
//                       |             | the install started -> check the appliance
//   TargetUnreachable, LoginFailed, CredentialsUnavailable, ReadFailed, JournalUnavailable: the
//   shared read and journal failures of api_outcomes.hpp (Progressing, retried with backoff).
// PrecheckFailed .. UpdateTimedOut are failed mutations (retried with backoff). Every stage,
// install and retrieve is counted in record.attempts by the mutation protocol: at
// policy.max_failures submissions of a generation that did not succeed the object is Stalled
// MaxFailuresReached, also across daemon restarts (reconcilers/mutation.hpp).

namespace vsrd::reconcilers::appliance_update {

/// The ApplianceUpdate reconciler. Stateless: everything lives in the journal and the appliance.
class ApplianceUpdateReconciler final : public Reconciler {
 public:
  /// One pass: reads the version (and update state), follows an in-flight operation, or starts
  /// the next step (precheck+stage, precheck+install, retrieve-updates, install) — at most one
  /// mutating call. Blocking (HTTPS through the ports); never throws. In dry run no
  /// precheck/stage/install/retrieve-updates call is made and Outcome::plan lists them.
  Outcome Reconcile(Context& context) override;
};

}  // namespace vsrd::reconcilers::appliance_update
