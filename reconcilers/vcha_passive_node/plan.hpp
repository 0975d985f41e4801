#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "manifests/kinds/vcha_passive_node.hpp"
#include "reconcilers/context.hpp"
#include "reconcilers/outcome.hpp"
#include "reconcilers/ports/api_error.hpp"
#include "reconcilers/ports/operations.hpp"
#include "reconcilers/ports/tasks_port.hpp"
#include "reconcilers/ports/vcha_port.hpp"
#include "reconcilers/record.hpp"

// VchaPassiveNode's decisions, as pure functions: no I/O, no clock. The reconciler
// (reconciler.hpp) reads the cluster and the in-flight task through the ports, asks Plan what to
// do, and makes the one call Plan names. The reason table is in reconciler.hpp.

namespace vsrd::reconcilers::vcha_passive_node {

/// The fixed operation name of the redeploy, as journaled (reconcilers/ports/operations.hpp).
inline constexpr std::string_view kRedeployOperation = ports::operations::kVchaPassiveRedeploy;
/// The cis task list's service and operation of a redeploy task (docs/vsphere-api.md "Tasks"):
/// where a submission whose outcome is unknown is looked for.
inline ports::TaskFilter RedeployTaskFilter() {
  return {{"com.vmware.vcenter.vcha.cluster.passive"}, {"redeploy"}};
}
/// How long to wait when every mutation slot of the target is taken.
inline constexpr Duration kBusyRetryAfter = std::chrono::seconds(15);

/// What polling the journaled redeploy task (GET /api/cis/tasks/{task}) found.
struct TaskPoll {
  enum class Kind {
    kFound,  ///< `task` is the task's current state
    kLost,   ///< 404: vCenter no longer knows the task (e.g. lost in a vCenter restart)
  };
  Kind kind = Kind::kFound;
  ports::TaskInfo task;
};

/// Everything Plan decides from.
struct PlanInput {
  manifests::VchaPassiveNodeSpec spec;
  /// The cluster as `POST /api/vcenter/vcha/cluster?action=get` answered it in this pass, after
  /// the in-flight task (if any) was polled.
  ports::VchaClusterInfo cluster;
  ObjectRecord record;
  /// Set exactly when record.in_flight is: the result of polling its task in this pass.
  std::optional<TaskPoll> poll;
  WallTime now;
  EffectivePolicy policy;
};

/// One decision.
struct Step {
  enum class Kind {
    kReady,     ///< live equals desired: Done, phase Ready
    kDegraded,  ///< not desired, but nothing vsrd may do about it now: Done, phase Degraded
    kWaiting,   ///< wait for someone else to finish (a PREPARED cluster): Done, phase Waiting
    kStalled,   ///< retrying cannot help until the manifest or vSphere is fixed
    kRetry,     ///< an answer vsrd cannot judge: retried with backoff, not counted as a failure
    kFailed,    ///< the redeploy failed (or its result is unknown): counts towards max_failures
    kPoll,      ///< the redeploy task still runs: poll it again (when: the reconciler's NextPoll,
                ///< reconcilers/poll_delay.hpp)
    kRedeploy,  ///< the one mutation: check the placement, then redeploy the passive node
  };
  Kind kind = Kind::kReady;
  std::string reason;
  std::string message;
  /// The journaled task ended (or was lost): the record is saved without in_flight before
  /// anything else happens in this pass.
  bool clear_in_flight = false;
  /// kPoll: the task's progress in percent, when vCenter reports it.
  std::optional<std::int64_t> progress;

  friend bool operator==(const Step&, const Step&) = default;
};

/// Decides from the cluster's state, the journal and the in-flight task. Rules (reasons in
/// reconciler.hpp):
///  - an in-flight redeploy is polled to its end, whatever the generation: still running →
///    kPoll (OperationOverdue past policy.timeout); FAILED → kFailed; 404 → kFailed
///    (RedeployTaskLost) unless the cluster is already whole; SUCCEEDED → judged from the
///    cluster, but a cluster that still wants a redeploy is kFailed (RedeployIneffective), never
///    a second redeploy in the same pass;
///  - CONFIGURED, HEALTHY, passive node UP → kReady (also when its VM name differs from
///    spec.placement.name: vsrd only replaces a lost passive node, it never breaks a healthy
///    cluster to move one);
///  - CONFIGURED, DEGRADED, passive node DOWN or missing → kRedeploy;
///  - DEGRADED with the passive node UP (witness lost, replication failing), ISOLATED, or no
///    health reported → kDegraded (vCenter refuses a redeploy then; re-read every interval);
///  - PREPARED → kWaiting (someone is configuring VCHA); NOTCONFIGURED / INVALID → kStalled
///    (vsrd does not create a VCHA cluster).
Step Plan(const PlanInput& input);

/// After a successful `passive?action=check`: kRedeploy when the result has no errors (its
/// warnings go into the message), kStalled (CheckRejected) with the errors as message otherwise.
Step JudgeCheck(const ports::PassiveCheckResult& result);

/// A failed `passive?action=check` call: UNVERIFIED_PEER → kStalled
/// (ManagementVcenterUnverified); unreachable → kRetry (TargetUnreachable); anything else →
/// kFailed (CheckFailed).
Step JudgeCheckError(const ports::ApiError& error);

/// A failed `passive?action=redeploy` call: ALREADY_* → kPoll (AlreadyDone: the next pass judges
/// the cluster); UNVERIFIED_PEER → kStalled; anything else, a reset included (a POST that met a
/// closed connection is never repeated by the client) → kFailed (RedeployFailed).
Step JudgeRedeployError(const ports::ApiError& error);

/// The message for UNVERIFIED_PEER from the management vCenter, naming the thumbprint the
/// server presented (Vcha.CertificateInfo.ssl_thumbprint in the error's data) when there is one.
std::string UnverifiedPeerMessage(const ports::ApiError& error);

/// The CheckSpec and RedeploySpec of `spec` with `vc_spec` (unset without management_vcenter).
ports::PassiveCheckSpec MakeCheckSpec(const manifests::VchaPassiveNodeSpec& spec,
                                      const std::optional<ports::VchaCredentialsSpec>& vc_spec);
ports::RedeploySpec MakeRedeploySpec(const manifests::VchaPassiveNodeSpec& spec,
                                     const std::optional<ports::VchaCredentialsSpec>& vc_spec);

/// Vcha.CredentialsSpec for a management vCenter, with its password already read.
ports::VchaCredentialsSpec MakeVcSpec(const ManagementVcenter& management, ports::Secret password);

/// `vsrd plan` text of the two calls a redeploy makes, check first. Passwords are "(sensitive)".
std::vector<std::string> DescribeRedeploy(const manifests::VchaPassiveNodeSpec& spec,
                                          const std::optional<ManagementVcenter>& management);

/// Status details of a cluster read: config_state, mode, health_state, passive_state,
/// passive_vm (those known).
std::map<std::string, std::string> Details(const ports::VchaClusterInfo& cluster);

/// The percentage a task reports (completed / total), if any.
std::optional<std::int64_t> ProgressPercent(const ports::TaskInfo& task);

}  // namespace vsrd::reconcilers::vcha_passive_node
