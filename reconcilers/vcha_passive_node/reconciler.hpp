#pragma once

#include "reconcilers/context.hpp"
#include "reconcilers/outcome.hpp"

// VchaPassiveNode: the VCHA cluster of spec.target has a healthy passive node. When vCenter
// reports it lost (DEGRADED, passive node DOWN or missing), vsrd checks the declared placement
// (`passive?action=check`), redeploys the node (`passive?action=redeploy&vmw-task=true`) and
// follows the cis task. The decisions are in plan.hpp.
//
// Reasons of the Ready condition (a closed set):
//
// Reason                       Phase        Meaning -> what the operator does
// PassiveNodeHealthy           Ready        CONFIGURED, HEALTHY, passive node UP. -> Nothing.
// PassiveNodeElsewhere         Ready        Healthy, but the passive VM is not spec.placement.name.
//                                           -> Nothing, or align the manifest: vsrd never breaks a
//                                           healthy cluster; the placement applies at the next
//                                           redeploy.
// ClusterDegraded              Degraded     DEGRADED with the passive node UP (witness lost,
//                                           replication failing). -> Repair the witness or the HA
//                                           network; a redeploy cannot help.
// ClusterIsolated              Degraded     ISOLATED: the nodes cannot reach each other. -> Repair
//                                           the HA network; re-read every interval.
// PassiveNodeNotUp             Degraded     Not DEGRADED, yet the passive node is DOWN or missing.
//                                           -> Usually transient: vCenter accepts a redeploy only
//                                           when DEGRADED.
// PassiveNodeUnknown           Degraded     DEGRADED, but no node reports the PASSIVE role or its
//                                           state. -> Inspect the cluster in vCenter.
// HealthUnknown                Degraded     CONFIGURED without health_state (health_exception). ->
//                                           Inspect the cluster in vCenter.
// ClusterPrepared              Waiting      PREPARED: a VCHA configuration is under way. -> Finish
//                                           (or undo) the configuration.
// OutsideWindow                Waiting      A redeploy is due, but policy.window is closed. -> Wait
//                                           for the window.
// TargetBusy                   Waiting      Every mutation slot of the target is taken; in line
//                                           for the next one (at once when it frees, or in 15s).
//                                           -> Nothing.
// RedeployNeeded               Progressing  `vsrd plan` only: apply would check and redeploy now.
//                                           -> Run apply.
// RedeployRunning              Progressing  The redeploy task runs (polled on its own clock:
//                                           reconcilers/poll_delay.hpp). -> Wait.
// OperationOverdue             Progressing  The task has run longer than policy.timeout; still
//                                           polled. -> Look at the task in vCenter.
// AlreadyDone                  Progressing  The redeploy answered ALREADY_*: success, re-read
//                                           soon (reconcilers/poll_delay.hpp). -> Nothing.
// CheckFailed                  Progressing  The check call failed (transient, counts towards
//                                           max_failures). -> See the message; Stalled after
//                                           max_failures.
// RedeployFailed               Progressing  The redeploy call or its task failed (transient,
//                                           counts). -> See the message; Stalled after
//                                           max_failures.
// RedeployTaskLost             Progressing  The journaled task is unknown to vCenter (404) and the
//                                           cluster is still not whole (counts). -> Nothing: a
//                                           later pass redeploys.
// RedeployIneffective          Progressing  The task succeeded but the passive node is still not UP
//                                           (counts). -> Look at the cluster in vCenter.
// ClusterStateUnknown          Progressing  Cluster.Info without config_state (retried, not
//                                           counted). -> Nothing, unless it persists.
// ClusterNotConfigured         Stalled      NOTCONFIGURED or INVALID: vsrd does not create a VCHA
//                                           cluster. -> Configure VCHA, then `vsrd reconcile
//                                           --reset`.
// CheckRejected                Stalled      The CheckResult has errors (listed in the message). ->
//                                           Fix spec.placement: the new generation retries.
// ManagementVcenterUnverified  Stalled      UNVERIFIED_PEER from the management vCenter (its
//                                           thumbprint in the message). -> Fix that target's
//                                           ssl_thumbprint, then reset.
// ManagementVcenterUnknown     Stalled      spec.management_vcenter names no config target. -> Fix
//                                           the config or the manifest.
// UnsupportedTarget            Stalled      spec.target has no VCHA API (api: update-manager). ->
//                                           Point spec.target at a vCenter.
// KindMismatch                 Stalled      The engine passed another kind's object (a bug). ->
//                                           Report it.
//
// Shared ones (api_outcomes.hpp), retried with backoff and never counted as failures:
// TargetUnreachable, CredentialsUnavailable, LoginFailed, ReadFailed, JournalUnavailable.
// "Counts" above: a failed mutation; after policy.max_failures in a row the object is Stalled.

namespace vsrd::reconcilers::vcha_passive_node {

class VchaPassiveNodeReconciler final : public Reconciler {
 public:
  /// One pass: poll the journaled redeploy task (if any), read the cluster
  /// (`cluster?action=get`, partial unless management_vcenter gives a vc_spec; `cluster/mode`
  /// only when the answer lacks the mode), report its health (Context::ObserveVchaHealth) and,
  /// when a redeploy is due, check then redeploy: at most one mutating call. Blocking (port
  /// calls); never throws. In dry run no action endpoint is called and Outcome::plan lists both
  /// calls apply would make.
  Outcome Reconcile(Context& context) override;
};

}  // namespace vsrd::reconcilers::vcha_passive_node
