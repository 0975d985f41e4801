#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "reconcilers/appliance_install/plan.hpp"

// ApplianceInstall's pure plan: every deployment state, an install below, at and past
// max_duration, max_duration 0s, a missing or future start_time, and the requeue that lands
// exactly on the limit (or on policy.interval when that comes first).

namespace vsrd::reconcilers::appliance_install {
namespace {

using ports::ApplianceState;
using std::chrono::hours;
using std::chrono::milliseconds;
using std::chrono::minutes;
using std::chrono::seconds;
using Kind = Step::Kind;

// 2026-01-01T00:00:00Z, the lab scenario's clock start.
const WallTime kNow = WallTime{} + seconds(1767225600);

ports::DeploymentInfo Deployment(ApplianceState state, std::optional<WallTime> start = std::nullopt,
                                 ports::TaskStatus status = ports::TaskStatus::kRunning) {
  ports::DeploymentInfo info;
  info.state = state;
  info.status = status;
  info.start_time = start;
  info.cancelable = state == ApplianceState::kConfigInProgress;
  info.progress = ports::TaskProgress{100, 62, "62% done"};
  return info;
}

ports::DeploymentInfo Running(Duration running_for) {
  return Deployment(ApplianceState::kConfigInProgress, kNow - running_for);
}

manifests::ApplianceInstallSpec Limit(Duration max_duration) {
  return manifests::ApplianceInstallSpec{max_duration};
}

EffectivePolicy Interval(Duration interval) {
  EffectivePolicy policy;
  policy.interval = interval;
  return policy;
}

TEST(ApplianceInstallPlan, DecidesEveryDeploymentSituation) {
  struct Case {
    std::string name;
    manifests::ApplianceInstallSpec spec;
    ports::DeploymentInfo deployment;
    EffectivePolicy policy;
    Kind kind;
    std::string reason;
    Duration requeue_after;  ///< kWithinLimit only
    std::optional<Duration> running_for;
  };
  const std::vector<Case> cases{
      {"a configured appliance has no install to cancel", Limit(hours(4)),
       Deployment(ApplianceState::kConfigured, kNow - hours(9), ports::TaskStatus::kSucceeded),
       Interval(minutes(5)), Kind::kNoInstall, "NoInstallRunning", Duration{0}, std::nullopt},
      {"an initialized appliance has no install running", Limit(hours(4)),
       Deployment(ApplianceState::kInitialized, std::nullopt, ports::TaskStatus::kPending),
       Interval(minutes(5)), Kind::kNoInstall, "NoInstallRunning", Duration{0}, std::nullopt},
      {"a not initialized appliance has no install running", Limit(Duration{0}),
       Deployment(ApplianceState::kNotInitialized, std::nullopt, ports::TaskStatus::kPending),
       Interval(minutes(5)), Kind::kNoInstall, "NoInstallRunning", Duration{0}, std::nullopt},
      {"a failed install is not running even with max_duration 0s", Limit(Duration{0}),
       Deployment(ApplianceState::kFailed, kNow - hours(1), ports::TaskStatus::kFailed),
       Interval(minutes(5)), Kind::kNoInstall, "NoInstallRunning", Duration{0}, std::nullopt},
      {"an install waiting for an answer is not CONFIG_IN_PROGRESS and is left alone",
       Limit(Duration{0}),
       Deployment(ApplianceState::kQuestionRaised, kNow - hours(6), ports::TaskStatus::kBlocked),
       Interval(minutes(5)), Kind::kNoInstall, "NoInstallRunning", Duration{0}, std::nullopt},
      {"an install under the limit requeues for exactly the time left", Limit(hours(4)),
       Running(hours(3) + minutes(58)), Interval(minutes(5)), Kind::kWithinLimit,
       "InstallWithinLimit", minutes(2), hours(3) + minutes(58)},
      {"an install far under the limit requeues after policy.interval to keep status fresh",
       Limit(hours(8)), Running(hours(5)), Interval(minutes(5)), Kind::kWithinLimit,
       "InstallWithinLimit", minutes(5), hours(5)},
      {"a zero policy.interval does not make the requeue zero", Limit(hours(8)), Running(hours(5)),
       Interval(Duration{0}), Kind::kWithinLimit, "InstallWithinLimit", hours(3), hours(5)},
      {"an install one millisecond under the limit requeues for that millisecond", Limit(hours(4)),
       Running(hours(4) - milliseconds(1)), Interval(minutes(5)), Kind::kWithinLimit,
       "InstallWithinLimit", milliseconds(1), hours(4) - milliseconds(1)},
      {"an install exactly at the limit is cancelled, so a requeue on the limit acts",
       Limit(hours(4)), Running(hours(4)), Interval(minutes(5)), Kind::kCancel, "InstallCancelled",
       Duration{0}, hours(4)},
      {"the lab's five hour install is past a four hour limit", Limit(hours(4)), Running(hours(5)),
       Interval(minutes(5)), Kind::kCancel, "InstallCancelled", Duration{0}, hours(5)},
      {"max_duration 0s cancels an install that has just started", Limit(Duration{0}),
       Running(Duration{0}), Interval(minutes(5)), Kind::kCancel, "InstallCancelled", Duration{0},
       Duration{0}},
      {"a start_time in the future counts as just started", Limit(hours(4)),
       Deployment(ApplianceState::kConfigInProgress, kNow + minutes(10)), Interval(hours(8)),
       Kind::kWithinLimit, "InstallWithinLimit", hours(4), Duration{0}},
      {"a future start_time with max_duration 0s is still cancelled", Limit(Duration{0}),
       Deployment(ApplianceState::kConfigInProgress, kNow + minutes(10)), Interval(minutes(5)),
       Kind::kCancel, "InstallCancelled", Duration{0}, Duration{0}},
      {"a running install without start_time is cancelled when max_duration is 0s",
       Limit(Duration{0}), Deployment(ApplianceState::kConfigInProgress), Interval(minutes(5)),
       Kind::kCancel, "InstallCancelled", Duration{0}, std::nullopt},
      {"a running install without start_time cannot be judged against a positive limit",
       Limit(hours(4)), Deployment(ApplianceState::kConfigInProgress), Interval(minutes(5)),
       Kind::kStartUnknown, "InstallStartUnknown", Duration{0}, std::nullopt},
      {"a CONFIG_IN_PROGRESS deployment whose status is not RUNNING still counts as installing",
       Limit(hours(1)),
       Deployment(ApplianceState::kConfigInProgress, kNow - hours(2), ports::TaskStatus::kBlocked),
       Interval(minutes(5)), Kind::kCancel, "InstallCancelled", Duration{0}, hours(2)},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    const Step step = Plan(c.spec, c.deployment, kNow, c.policy);
    EXPECT_EQ(step.kind, c.kind);
    EXPECT_EQ(step.reason, c.reason);
    EXPECT_EQ(step.requeue_after, c.requeue_after);
    EXPECT_EQ(step.running_for, c.running_for);
    EXPECT_FALSE(step.message.empty());
    EXPECT_EQ(step.details.at("deployment_state"),
              ports::kApplianceStateNames.at(static_cast<std::size_t>(c.deployment.state)));
    EXPECT_EQ(step.details.count("started_at"), c.deployment.start_time ? 1U : 0U);
    EXPECT_EQ(step.details.count("running_for"), c.running_for ? 1U : 0U);
  }
}

// The running time is measured on the appliance's own clock (the Date of its answer), never
// across vsrd's and the appliance's clocks: a skew between them must neither cancel a fresh
// install (appliance behind) nor spare an old one (appliance ahead) (issue 14).
TEST(ApplianceInstallPlan, MeasuresTheRunningTimeOnTheAppliancesClock) {
  struct Case {
    std::string name;
    Duration limit;
    std::optional<WallTime> appliance_now;  ///< the answer's Date; vsrd's clock is kNow
    WallTime start;
    Kind kind;
    std::optional<Duration> running_for;
    std::string clock;  ///< details["clock"]
  };
  const std::vector<Case> cases{
      {"appliance clock 5h behind: an install of 1h is within a 4h limit, not cancelled", hours(4),
       kNow - hours(5), kNow - hours(6), Kind::kWithinLimit, hours(1), "appliance"},
      {"appliance clock 5h ahead: an install of 5h is past a 4h limit and cancelled", hours(4),
       kNow + hours(5), kNow, Kind::kCancel, hours(5), "appliance"},
      {"clocks equal: the same running time either way", hours(4), kNow, kNow - hours(5),
       Kind::kCancel, hours(5), "appliance"},
      {"clocks equal, an install under the limit", hours(4), kNow, kNow - hours(1),
       Kind::kWithinLimit, hours(1), "appliance"},
      {"a start_time a few seconds after the Date (whole seconds) counts as just started", hours(4),
       kNow, kNow + milliseconds(900), Kind::kWithinLimit, Duration{0}, "appliance"},
      {"a start_time hours after the appliance's own clock is not judged, never cancelled",
       hours(4), kNow - hours(5), kNow, Kind::kStartUnknown, std::nullopt, "appliance"},
      {"a start_time far in the future of the appliance is not judged", hours(4), kNow,
       kNow + hours(24 * 365), Kind::kStartUnknown, std::nullopt, "appliance"},
      {"max_duration 0s needs no clock: a future start is still cancelled", Duration{0}, kNow,
       kNow + hours(24), Kind::kCancel, Duration{0}, "appliance"},
      {"without a Date vsrd's clock is the fallback", hours(4), std::nullopt, kNow - hours(5),
       Kind::kCancel, hours(5), "vsrd"},
      {"without a Date a start far after vsrd's clock is not judged", hours(4), std::nullopt,
       kNow + hours(1), Kind::kStartUnknown, std::nullopt, "vsrd"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    ports::DeploymentInfo deployment = Deployment(ApplianceState::kConfigInProgress, c.start);
    deployment.reported_now = c.appliance_now;
    const Step step = Plan(Limit(c.limit), deployment, kNow, Interval(minutes(5)));
    EXPECT_EQ(step.kind, c.kind);
    EXPECT_EQ(step.running_for, c.running_for);
    EXPECT_EQ(step.details.at("clock"), c.clock);
    EXPECT_FALSE(step.message.empty());
    if (c.kind == Kind::kStartUnknown) {
      EXPECT_EQ(step.reason, "InstallStartUnknown");
      EXPECT_NE(step.message.find("vsrd does not cancel it"), std::string::npos) << step.message;
    }
  }
}

TEST(ApplianceInstallPlan, ReportsTheDeploymentFactsForStatus) {
  const Step step = Plan(Limit(hours(4)), Running(hours(5)), kNow, Interval(minutes(5)));
  EXPECT_EQ(step.details.at("deployment_state"), "CONFIG_IN_PROGRESS");
  EXPECT_EQ(step.details.at("status"), "RUNNING");
  EXPECT_EQ(step.details.at("started_at"), "2025-12-31T19:00:00Z");
  EXPECT_EQ(step.details.at("progress"), "62");
  EXPECT_EQ(step.details.at("running_for"), "5h");
  EXPECT_NE(step.message.find("5h"), std::string::npos) << step.message;
  EXPECT_NE(step.message.find("max_duration is 4h"), std::string::npos) << step.message;
}

TEST(ApplianceInstallPlan, MessagesSayWhichStateAndHowMuchTimeIsLeft) {
  const Step configured =
      Plan(Limit(hours(4)), Deployment(ApplianceState::kConfigured), kNow, Interval(minutes(5)));
  EXPECT_NE(configured.message.find("CONFIGURED"), std::string::npos) << configured.message;

  const Step within = Plan(Limit(hours(8)), Running(hours(5)), kNow, Interval(minutes(5)));
  EXPECT_NE(within.message.find("3h left"), std::string::npos) << within.message;
  EXPECT_NE(within.message.find("since 2025-12-31T19:00:00Z"), std::string::npos) << within.message;
}

TEST(ApplianceInstallPlan, LeavesProgressOutWhenTheTotalIsNotPositive) {
  auto deployment = Running(hours(1));
  deployment.progress = ports::TaskProgress{0, 0, ""};
  EXPECT_EQ(Plan(Limit(hours(4)), deployment, kNow, Interval(minutes(5))).details.count("progress"),
            0U);
  deployment.progress.reset();
  EXPECT_EQ(Plan(Limit(hours(4)), deployment, kNow, Interval(minutes(5))).details.count("progress"),
            0U);
}

TEST(ApplianceInstallPlan, FormatsWallTimesAsRfc3339Utc) {
  struct Case {
    std::string name;
    WallTime time;
    std::string text;
  };
  const std::vector<Case> cases{
      {"the epoch", WallTime{}, "1970-01-01T00:00:00Z"},
      {"the lab clock start", kNow, "2026-01-01T00:00:00Z"},
      {"sub-second parts are dropped", kNow + milliseconds(999), "2026-01-01T00:00:00Z"},
      {"a leap day afternoon", WallTime{} + seconds(1709225999), "2024-02-29T16:59:59Z"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    EXPECT_EQ(FormatWallTime(c.time), c.text);
  }
}

TEST(ApplianceInstallPlan, ComputesProgressPercent) {
  EXPECT_EQ(ProgressPercent({100, 62, ""}), 62);
  EXPECT_EQ(ProgressPercent({200, 50, ""}), 25);
  EXPECT_EQ(ProgressPercent({100, 150, ""}), 100);
  EXPECT_EQ(ProgressPercent({0, 5, ""}), std::nullopt);
}

}  // namespace
}  // namespace vsrd::reconcilers::appliance_install
