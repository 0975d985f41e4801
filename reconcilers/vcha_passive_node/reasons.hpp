#pragma once

#include <string_view>

#include "reconcilers/reasons.hpp"

// The reasons only VchaPassiveNode gives (phase: meaning); what an operator does about each is at
// the top of reconciler.hpp. The shared ones are in reconcilers/reasons.hpp.

namespace vsrd::reconcilers::vcha_passive_node::reasons {

// The shared reasons are reachable here too, so a kind writes reasons::kX for both.
using namespace vsrd::reconcilers::reasons;  // NOLINT(google-build-using-namespace)

/// Ready: CONFIGURED, HEALTHY, passive node UP.
inline constexpr std::string_view kPassiveNodeHealthy = "PassiveNodeHealthy";
/// Ready: healthy, but the passive VM is not spec.placement.name.
inline constexpr std::string_view kPassiveNodeElsewhere = "PassiveNodeElsewhere";
/// Degraded: DEGRADED with the passive node UP.
inline constexpr std::string_view kClusterDegraded = "ClusterDegraded";
/// Degraded: ISOLATED: the nodes cannot reach each other.
inline constexpr std::string_view kClusterIsolated = "ClusterIsolated";
/// Degraded: not DEGRADED, yet the passive node is DOWN or missing.
inline constexpr std::string_view kPassiveNodeNotUp = "PassiveNodeNotUp";
/// Degraded: DEGRADED, but no node reports the PASSIVE role or its state.
inline constexpr std::string_view kPassiveNodeUnknown = "PassiveNodeUnknown";
/// Degraded: CONFIGURED without health_state.
inline constexpr std::string_view kHealthUnknown = "HealthUnknown";
/// Waiting: PREPARED: a VCHA configuration is under way.
inline constexpr std::string_view kClusterPrepared = "ClusterPrepared";
/// Progressing (plan only): apply would check and redeploy now.
inline constexpr std::string_view kRedeployNeeded = "RedeployNeeded";
/// Progressing: the redeploy task runs.
inline constexpr std::string_view kRedeployRunning = "RedeployRunning";
/// Progressing: the redeploy answered ALREADY_*: success, re-read soon.
inline constexpr std::string_view kAlreadyDone = "AlreadyDone";
/// Progressing (counts towards max_failures): the check call failed.
inline constexpr std::string_view kCheckFailed = "CheckFailed";
/// Progressing (counts): the redeploy call or its task failed.
inline constexpr std::string_view kRedeployFailed = "RedeployFailed";
/// Progressing (counts): the journaled task is unknown to vCenter (404).
inline constexpr std::string_view kRedeployTaskLost = "RedeployTaskLost";
/// Progressing (counts): the task succeeded but the passive node is still not UP.
inline constexpr std::string_view kRedeployIneffective = "RedeployIneffective";
/// Progressing (retried, not counted): Cluster.Info without config_state.
inline constexpr std::string_view kClusterStateUnknown = "ClusterStateUnknown";
/// Stalled: NOTCONFIGURED or INVALID: vsrd does not create a VCHA cluster.
inline constexpr std::string_view kClusterNotConfigured = "ClusterNotConfigured";
/// Stalled: the CheckResult has errors.
inline constexpr std::string_view kCheckRejected = "CheckRejected";
/// Stalled: UNVERIFIED_PEER from the management vCenter.
inline constexpr std::string_view kManagementVcenterUnverified = "ManagementVcenterUnverified";
/// Stalled: spec.management_vcenter names no config target.
inline constexpr std::string_view kManagementVcenterUnknown = "ManagementVcenterUnknown";

}  // namespace vsrd::reconcilers::vcha_passive_node::reasons
