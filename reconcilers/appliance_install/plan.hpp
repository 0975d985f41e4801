#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>

#include "manifests/kinds/appliance_install.hpp"
#include "reconcilers/context.hpp"
#include "reconcilers/ports/deployment_port.hpp"
#include "reconcilers/ports/operations.hpp"
#include "reconcilers/wall_time.hpp"

// ApplianceInstall's decision, as a pure function: from the spec (max_duration), the deployment
// read from GET /api/vcenter/deployment, the clock and the policy, what one pass should do.
// No I/O and no clock reads here: the reconciler (reconciler.hpp) reads and acts.
//
// The journal record is not an input: a cancel is a single synchronous call with no task
// (docs/vsphere-api.md "Deployment": 204, no body). Only its intent is journaled (the mutation
// protocol, reconcilers/mutation.hpp); once its outcome is known nothing stays in flight, and the
// deployment state read on every pass is the whole truth.

namespace vsrd::reconcilers::appliance_install {

/// The one API call the cancel step makes, as `vsrd plan` prints it (no body, no secret).
inline constexpr const char* kCancelCall = "POST /api/vcenter/deployment/install?action=cancel";
/// The operation name the cancel's intent is journaled with.
inline constexpr std::string_view kCancelOperation = ports::operations::kDeploymentInstallCancel;

/// What one pass should do.
struct Step {
  enum class Kind {
    /// No install is running (the deployment is not CONFIG_IN_PROGRESS): Ready.
    kNoInstall,
    /// An install runs but has not reached max_duration: Ready, look again after `requeue_after`
    /// (the time left, or policy.interval when that comes first).
    kWithinLimit,
    /// An install runs and its start time is unknown, or later than the clock it is measured
    /// on by more than kFutureTolerance, while max_duration > 0s: Degraded (vsrd cannot tell
    /// how long it has run, and does not cancel what it cannot judge).
    kStartUnknown,
    /// An install has run for max_duration or longer: cancel it (the one mutation).
    kCancel,
  };

  Kind kind = Kind::kNoInstall;
  std::string reason;   ///< the outcome's reason (see the table in reconciler.hpp)
  std::string message;  ///< for people; names the state, the running time and the limit
  /// kWithinLimit only: when to look again (> 0).
  Duration requeue_after{0};
  /// How long the install has run (reported_now, else now, - start_time, never negative); unset
  /// without an install or without a start time it can judge.
  std::optional<Duration> running_for;
  /// Status facts: deployment_state, status, started_at, progress, running_for (when known),
  /// clock ("appliance" or "vsrd": which clock start_time was measured on).
  std::map<std::string, std::string> details;
};

/// How far start_time may lie after the clock it is measured on and still count as "just
/// started": the Date header has whole seconds while start_time has milliseconds, and a
/// fallback to vsrd's clock meets an appliance clock a little ahead.
inline constexpr Duration kFutureTolerance = std::chrono::minutes(15);

/// Decides one pass. The running time is reported_now - start_time, both read from the
/// appliance (`now`, vsrd's clock, only when the answer carried no Date). An install counts as
/// past its limit when running_for >= max_duration, so max_duration 0s cancels any running
/// install and a pass requeued for exactly the time left cancels on arrival. A start_time up
/// to kFutureTolerance after that clock counts as just started; later, the install is not
/// judged (kStartUnknown) and never cancelled unless max_duration is 0s.
/// Pure and total: every input gives a Step.
Step Plan(const manifests::ApplianceInstallSpec& spec, const ports::DeploymentInfo& deployment,
          WallTime now, const EffectivePolicy& policy);

/// The progress percent of a Cis.Task.Progress (completed * 100 / total); unset when total <= 0.
std::optional<std::int64_t> ProgressPercent(const ports::TaskProgress& progress);

}  // namespace vsrd::reconcilers::appliance_install
