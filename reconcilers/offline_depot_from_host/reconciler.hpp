#pragma once

#include "reconcilers/context.hpp"
#include "reconcilers/outcome.hpp"

// OfflineDepotFromHost: an offline depot holding the software specification extracted from one
// ESXi host exists in vLCM. vsrd extracts it with `depots/offline?action=createFromHost&
// vmw-task=true`, follows the cis task, journals the depot the task names (plan.hpp says what
// the journal keeps and why) and afterwards checks that depot with
// `GET /api/esx/settings/depots/offline/{depot}`. The decisions are in plan.hpp.
//
// Reasons of the Ready condition (a closed set):
//
// Reason                       Phase        Meaning -> what the operator does
// DepotPresent                 Ready        The depot recorded for this generation exists (or was
//                                           just extracted). -> Nothing.
// ContentAlreadyPresent        Ready        The extraction named no depot: the host's software spec
//                                           was already in vLCM. Not re-extracted every interval,
//                                           and not checkable for out-of-band deletion. -> Nothing;
//                                           change the spec to extract again.
// OutsideWindow                Waiting      An extraction is due, but policy.window is closed. ->
//                                           Wait for the window.
// TargetBusy                   Waiting      Every mutation slot of the target is taken; in line
//                                           for the next one (at once when it frees, or in 15s).
//                                           -> Nothing.
// NotExtracted                 Progressing  `vsrd plan` only: nothing extracted for this object
//                                           yet. -> Run apply.
// SpecChanged                  Progressing  `vsrd plan` only: the spec changed since the last
//                                           extraction. -> Run apply.
// DepotDeleted                 Progressing  `vsrd plan` only: the recorded depot was deleted out of
//                                           band (drift; apply also counts
//                                           vsrd_drift_detected_total). -> Run apply.
// ExtractRunning               Progressing  The createFromHost task runs (polled on its own
//                                           clock: reconcilers/poll_delay.hpp); the message
//                                           says why it started. -> Wait.
// OperationOverdue             Progressing  The task has run longer than policy.timeout; still
//                                           polled. -> Look at the task in vCenter.
// ExtractFailed                Progressing  createFromHost (5xx, unreachable, reset) or its task
//                                           failed (transient, counts towards max_failures). -> See
//                                           the message; Stalled after max_failures.
// ExtractTaskLost              Progressing  The journaled task is unknown to vCenter (404): its
//                                           result is unknown (counts). -> Nothing: the next pass
//                                           extracts again.
// ExtractResultMissing         Progressing  The task succeeded without a DepotExtractInfo (counts).
//                                           -> Nothing, unless it persists.
// HostCertificateUnverified    Stalled      UNVERIFIED_PEER: the host's certificate does not match
//                                           ssl_thumb_print / ssl_certificate, or none was given;
//                                           the message names the thumbprint the host presented. ->
//                                           Verify it out of band, set
//                                           spec.host_credential.ssl_thumb_print.
// HostCredentialsRejected      Stalled      INVALID_ARGUMENT: wrong user name or password, unknown
//                                           host or port, or both thumbprint and certificate set.
//                                           -> Fix the manifest or the password.
// HostNotFound                 Stalled      NOT_FOUND: spec.host is not in vCenter's inventory. ->
//                                           Fix spec.host.
// UnsupportedTarget            Stalled      spec.target has no depot API (api: update-manager). ->
//                                           Point spec.target at a vCenter.
// KindMismatch                 Stalled      The engine passed another kind's object (a bug). ->
//                                           Report it.
//
// Shared ones (api_outcomes.hpp), retried with backoff and never counted as failures:
// TargetUnreachable, CredentialsUnavailable (the host password cannot be read), LoginFailed,
// ReadFailed, JournalUnavailable. "Counts" above: a failed mutation; after policy.max_failures in
// a row the object is Stalled. A Stalled object is retried when its manifest changes.

namespace vsrd::reconcilers::offline_depot_from_host {

class OfflineDepotFromHostReconciler final : public Reconciler {
 public:
  /// One pass: poll the journaled createFromHost task (if any) or read the recorded depot, then,
  /// when an extraction is due, start it: at most one mutating call. A recorded depot that is
  /// gone (404) is extracted again, and reported as drift (Context::ObserveDrift, once, when
  /// that extraction is submitted). Blocking (port
  /// calls); never throws. In dry run nothing is written and Outcome::plan lists the call.
  Outcome Reconcile(Context& context) override;
};

}  // namespace vsrd::reconcilers::offline_depot_from_host
