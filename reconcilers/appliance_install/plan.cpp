#include "reconcilers/appliance_install/plan.hpp"

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <string_view>

#include "manifests/duration.hpp"
#include "reconcilers/appliance_install/reasons.hpp"

namespace vsrd::reconcilers::appliance_install {
namespace {

/// Whole seconds, as people read a running time ("5h", "3h59m30s").
std::string Human(Duration duration) {
  return manifests::FormatDuration(std::chrono::floor<std::chrono::seconds>(duration));
}

std::string StateName(ports::ApplianceState state) {
  return std::string(ports::kApplianceStateNames.at(static_cast<std::size_t>(state)));
}

std::map<std::string, std::string> Details(const ports::DeploymentInfo& deployment) {
  std::map<std::string, std::string> details{
      {"deployment_state", StateName(deployment.state)},
      {"status",
       std::string(ports::kTaskStatusNames.at(static_cast<std::size_t>(deployment.status)))}};
  if (deployment.start_time) details["started_at"] = FormatWallTime(*deployment.start_time);
  if (deployment.progress) {
    if (const auto percent = ProgressPercent(*deployment.progress)) {
      details["progress"] = std::to_string(*percent);
    }
  }
  return details;
}

}  // namespace

std::optional<std::int64_t> ProgressPercent(const ports::TaskProgress& progress) {
  if (progress.total <= 0) return std::nullopt;
  return std::clamp<std::int64_t>(progress.completed * 100 / progress.total, 0, 100);
}

Step Plan(const manifests::ApplianceInstallSpec& spec, const ports::DeploymentInfo& deployment,
          WallTime now, const EffectivePolicy& policy) {
  Step step;
  step.details = Details(deployment);
  const std::string limit = Human(spec.max_duration);

  if (deployment.state != ports::ApplianceState::kConfigInProgress) {
    step.kind = Step::Kind::kNoInstall;
    step.reason = reasons::kNoInstallRunning;
    step.message =
        "no appliance install is running (deployment state " + StateName(deployment.state) + ")";
    return step;
  }

  if (!deployment.start_time) {
    // Without a start time the running time is unknown. max_duration 0s means "no install may
    // run at all", which needs no clock; any other limit cannot be judged, and cancelling an
    // install that may have just started would be worse than reporting it.
    if (spec.max_duration <= Duration{0}) {
      step.kind = Step::Kind::kCancel;
      step.reason = reasons::kInstallCancelled;
      step.message =
          "an appliance install is running (start time not reported) and "
          "max_duration is 0s: cancel it";
      return step;
    }
    step.kind = Step::Kind::kStartUnknown;
    step.reason = reasons::kInstallStartUnknown;
    step.message =
        "an appliance install is running but the deployment reports no start_time, "
        "so its running time cannot be compared with max_duration " +
        limit + "; vsrd does not cancel it";
    return step;
  }

  // The running time is measured on one clock: the appliance's own (the Date of the answer that
  // carried start_time) when it sent one, so a skew between vsrd and the appliance cannot make
  // a fresh install look old (a wrong cancel) or an old one look fresh. Only an answer without
  // a Date falls back to vsrd's clock.
  const bool appliance_clock = deployment.reported_now.has_value();
  const WallTime clock_now = deployment.reported_now.value_or(now);
  const std::string clock_name = appliance_clock ? "the appliance's clock" : "vsrd's clock";
  step.details["clock"] = appliance_clock ? "appliance" : "vsrd";
  if (*deployment.start_time > clock_now + kFutureTolerance && spec.max_duration > Duration{0}) {
    // A start later than the clock it is measured on is not a time vsrd can judge: never a
    // reason to cancel (max_duration 0s needs no clock, so it still cancels below).
    step.kind = Step::Kind::kStartUnknown;
    step.reason = reasons::kInstallStartUnknown;
    step.message = "an appliance install is running but its start_time " +
                   FormatWallTime(*deployment.start_time) + " is later than " + clock_name + " (" +
                   FormatWallTime(clock_now) +
                   "), so its running time cannot be compared with max_duration " + limit +
                   "; vsrd does not cancel it";
    return step;
  }
  // A start slightly in the future (within kFutureTolerance) counts as just started.
  const Duration running_for = std::max(
      Duration{0}, std::chrono::duration_cast<Duration>(clock_now - *deployment.start_time));
  step.running_for = running_for;
  step.details["running_for"] = Human(running_for);
  const std::string since =
      "since " + FormatWallTime(*deployment.start_time) + ", by " + clock_name;

  if (running_for >= spec.max_duration) {
    step.kind = Step::Kind::kCancel;
    step.reason = reasons::kInstallCancelled;
    step.message = "the appliance install has run for " + Human(running_for) + " (" + since +
                   "), max_duration is " + limit + ": cancel it";
    return step;
  }

  const Duration remaining = spec.max_duration - running_for;
  step.kind = Step::Kind::kWithinLimit;
  step.reason = reasons::kInstallWithinLimit;
  // The exact time left, so the cancel is never late by a drift interval; but no later than
  // policy.interval, so the status (progress, running time) stays as fresh as other objects'.
  step.requeue_after =
      policy.interval > Duration{0} ? std::min(remaining, policy.interval) : remaining;
  step.message = "an appliance install has run for " + Human(running_for) + " (" + since +
                 "), within max_duration " + limit + "; " + Human(remaining) + " left";
  return step;
}

}  // namespace vsrd::reconcilers::appliance_install
