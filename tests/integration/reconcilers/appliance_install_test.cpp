#include <chrono>
#include <future>
#include <set>
#include <string>
#include <thread>

#include <gtest/gtest.h>

#include "reconcilers/appliance_install/plan.hpp"
#include "reconcilers/appliance_install/reconciler.hpp"
#include "tests/integration/reconcilers/reconciler_fixture.hpp"

// ApplianceInstallReconciler against vsrd-sim over HTTPS. The lab's vc02 has an install that
// started 5 hours before the clock start and lasts 8 hours (CONFIG_IN_PROGRESS until +3h); vc01
// is CONFIGURED. Every test drives passes the way the engine does: Reconcile, advance the
// simulated clock by outcome.after, repeat.

namespace vsrd::integration {
namespace {

using reconcilers::Outcome;
using reconcilers::Phase;
using reconcilers::appliance_install::ApplianceInstallReconciler;
using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;

constexpr const char* kCancelOperation = "deployment.install.cancel";
constexpr const char* kReadOperation = "deployment.get";

std::string Guard(const std::string& target, const std::string& max_duration) {
  return "apiVersion: vsrd/v1\nkind: ApplianceInstall\nmetadata: {name: " + target +
         "-install-guard}\nspec: {target: " + target + ", max_duration: " + max_duration + "}\n";
}

class ApplianceInstallTest : public ReconcilerTest {
 protected:
  Outcome Pass(TestContext& context) { return reconciler_.Reconcile(context); }

  /// Seconds to advance for `outcome.after`, rounded up so a requeue never lands early.
  static seconds After(const Outcome& outcome) { return std::chrono::ceil<seconds>(outcome.after); }

  /// The deployment state vc02's simulator reports now (read through a fresh client).
  std::string LiveState() {
    auto ports = Ports("vc02");
    auto deployment = ports.deployment->GetDeployment();
    EXPECT_TRUE(deployment) << deployment.Error().Summary();
    if (!deployment) return "";
    return std::string(
        reconcilers::ports::kApplianceStateNames.at(static_cast<std::size_t>(deployment->state)));
  }

  static simulator::FaultRule Fault(const std::string& method, const std::string& path,
                                    const std::string& action, int status,
                                    const std::string& error_type) {
    simulator::FaultRule rule;
    rule.persona = "vc02";
    rule.method = method;
    rule.path = path;
    rule.action = action;
    rule.status = status;
    rule.error_type = error_type;
    return rule;
  }

  /// Removes every fault rule (the admin API's DELETE /sim/faults, in-process).
  void ClearFaults() {
    const auto reply =
        sim_.Sim().Handle("vc02", simulator::Request::FromTarget("DELETE", "/sim/faults"));
    ASSERT_LT(reply.response.status, 300) << reply.response.body;
  }

  ApplianceInstallReconciler reconciler_;
};

TEST_F(ApplianceInstallTest, CancelsTheLabInstallPastItsLimitOnceAndConvergesToReady) {
  auto context = Context(Guard("vc02", "4h"));
  const Outcome first = Pass(*context);
  EXPECT_EQ(first.kind, Outcome::Kind::kDone);
  EXPECT_EQ(first.phase, Phase::kReady);
  EXPECT_EQ(first.reason, "InstallCancelled") << first.message;
  EXPECT_NE(first.message.find("5h"), std::string::npos) << first.message;
  EXPECT_EQ(first.details.at("deployment_state"), "CONFIG_IN_PROGRESS");
  EXPECT_EQ(first.details.at("status"), "RUNNING");
  EXPECT_EQ(first.details.at("started_at"), "2025-12-31T19:00:00Z");
  EXPECT_EQ(first.details.at("progress"), "62");  // 5h of 8h
  EXPECT_EQ(first.details.at("cancel_requested_at"), "2026-01-01T00:00:00Z");
  EXPECT_TRUE(first.plan.empty());
  EXPECT_EQ(Count("vc02", kCancelOperation), 1);
  EXPECT_EQ(context->mutations_begun, 1);
  EXPECT_EQ(context->drift, 1);
  // A cancel starts no task: only its intent is journaled (before the call), then its outcome,
  // and once accepted nothing stays in flight (reconcilers/mutation.hpp).
  EXPECT_EQ(context->saves, 3);  // intent, accepted, succeeded
  EXPECT_EQ(context->record, reconcilers::ObjectRecord{});

  // Later passes re-read the deployment and find no install running; never a second cancel.
  Outcome outcome = first;
  for (int pass = 0; pass < 3; ++pass) {
    Advance(minutes(5));
    outcome = Pass(*context);
    EXPECT_EQ(outcome.kind, Outcome::Kind::kDone);
    EXPECT_EQ(outcome.phase, Phase::kReady);
    EXPECT_EQ(outcome.reason, "NoInstallRunning") << outcome.message;
    EXPECT_EQ(outcome.details.at("deployment_state"), "FAILED");
  }
  EXPECT_EQ(Count("vc02", kCancelOperation), 1);
  EXPECT_EQ(LiveState(), "FAILED");
}

TEST_F(ApplianceInstallTest, RequeuesForTheLimitAndCancelsExactlyWhenItIsReached) {
  auto context = Context(Guard("vc02", "6h"));
  context->policy.interval = hours(24);  // the limit comes first
  const auto start = sim_.Sim().Now();

  const Outcome first = Pass(*context);
  EXPECT_EQ(first.kind, Outcome::Kind::kRequeueAfter);
  EXPECT_EQ(first.phase, Phase::kReady);
  EXPECT_EQ(first.reason, "InstallWithinLimit") << first.message;
  EXPECT_EQ(first.after, hours(1));
  EXPECT_EQ(first.details.at("running_for"), "5h");
  EXPECT_EQ(Count("vc02", kCancelOperation), 0);
  EXPECT_EQ(context->mutations_begun, 0);

  Advance(After(first));
  const Outcome second = Pass(*context);
  EXPECT_EQ(second.reason, "InstallCancelled") << second.message;
  EXPECT_EQ(second.phase, Phase::kReady);
  EXPECT_EQ(sim_.Sim().Now() - start, hours(1));
  EXPECT_EQ(Count("vc02", kCancelOperation), 1);
  EXPECT_EQ(LiveState(), "FAILED");
}

TEST_F(ApplianceInstallTest, AConvergenceLoopWithTheDefaultIntervalCancelsOnTheMinute) {
  auto context = Context(Guard("vc02", "5h30m"));
  const auto start = sim_.Sim().Now();
  Outcome outcome;
  int passes = 0;
  for (; passes < 20; ++passes) {
    outcome = Pass(*context);
    if (outcome.kind != Outcome::Kind::kRequeueAfter) break;
    EXPECT_EQ(outcome.reason, "InstallWithinLimit");
    EXPECT_EQ(outcome.phase, Phase::kReady);
    EXPECT_LE(outcome.after, context->policy.interval);
    Advance(After(outcome));
  }
  EXPECT_EQ(outcome.reason, "InstallCancelled") << outcome.message;
  // 30 minutes in 5-minute polls: six requeues, then the cancel at exactly 5h30m.
  EXPECT_EQ(passes, 6);
  EXPECT_EQ(sim_.Sim().Now() - start, minutes(30));
  EXPECT_EQ(Count("vc02", kCancelOperation), 1);
}

TEST_F(ApplianceInstallTest, AnInstallThatEndsWithinItsLimitIsNeverCancelled) {
  auto context = Context(Guard("vc02", "9h"));
  context->policy.interval = hours(24);
  const Outcome first = Pass(*context);
  EXPECT_EQ(first.reason, "InstallWithinLimit");
  EXPECT_EQ(first.after, hours(4));
  // The install (8h) ends 3h from now, before the requeue.
  Advance(After(first));
  const Outcome second = Pass(*context);
  EXPECT_EQ(second.kind, Outcome::Kind::kDone);
  EXPECT_EQ(second.phase, Phase::kReady);
  EXPECT_EQ(second.reason, "NoInstallRunning");
  EXPECT_EQ(second.details.at("deployment_state"), "CONFIGURED");
  EXPECT_EQ(Count("vc02", kCancelOperation), 0);
}

TEST_F(ApplianceInstallTest, AConfiguredApplianceIsReadyWithoutAnyCall) {
  auto context = Context(Guard("vc01", "0s"));
  const Outcome outcome = Pass(*context);
  EXPECT_EQ(outcome.kind, Outcome::Kind::kDone);
  EXPECT_EQ(outcome.phase, Phase::kReady);
  EXPECT_EQ(outcome.reason, "NoInstallRunning");
  EXPECT_EQ(outcome.details.at("deployment_state"), "CONFIGURED");
  EXPECT_EQ(Count("vc01", kCancelOperation), 0);
  EXPECT_EQ(context->mutations_begun, 0);
  EXPECT_EQ(context->drift, 0);
}

// Issue 14: vsrd's clock and the appliance's differ. vc02's install has run 5h by the
// appliance's clock (the Date of its answers); vsrd must judge that, whichever way its own
// clock is off: 10h ahead (the appliance behind) must not cancel a 5h install under a 6h limit,
// 10h behind must not spare it under a 4h limit.
TEST_F(ApplianceInstallTest, MeasuresTheInstallOnTheAppliancesClockNotVsrds) {
  {
    auto context = Context(Guard("vc02", "6h"));
    context->vsrd_clock_skew = hours(10);
    const Outcome outcome = Pass(*context);
    EXPECT_EQ(outcome.reason, "InstallWithinLimit") << outcome.message;
    EXPECT_EQ(outcome.details.at("running_for"), "5h");
    EXPECT_EQ(outcome.details.at("clock"), "appliance");
    EXPECT_EQ(Count("vc02", kCancelOperation), 0);
  }
  {
    auto context = Context(Guard("vc02", "4h"));
    context->vsrd_clock_skew = -hours(10);
    const Outcome outcome = Pass(*context);
    EXPECT_EQ(outcome.reason, "InstallCancelled") << outcome.message;
    EXPECT_EQ(outcome.details.at("running_for"), "5h");
    EXPECT_EQ(Count("vc02", kCancelOperation), 1);
  }
}

TEST_F(ApplianceInstallTest, MaxDurationZeroCancelsAnInstallThatHasJustStarted) {
  sim_.Sim().PatchState("vc02", {{"deployment", {{"install", {{"start", "+0s"}}}}}});
  auto context = Context(Guard("vc02", "0s"));
  const Outcome outcome = Pass(*context);
  EXPECT_EQ(outcome.reason, "InstallCancelled") << outcome.message;
  EXPECT_EQ(outcome.details.at("running_for"), "0s");
  EXPECT_EQ(Count("vc02", kCancelOperation), 1);
}

TEST_F(ApplianceInstallTest, DryRunReadsOnlyAndPlansTheCancel) {
  auto context = Context(Guard("vc02", "4h"));
  context->dry_run = true;
  const Outcome outcome = Pass(*context);
  // The same answer as every kind's planned mutation (the gate of reconcilers/mutation.hpp).
  EXPECT_EQ(outcome.kind, Outcome::Kind::kRequeueAfter);
  EXPECT_EQ(outcome.phase, Phase::kProgressing);
  EXPECT_EQ(outcome.reason, "InstallCancelled") << outcome.message;
  ASSERT_EQ(outcome.plan.size(), 1U);
  EXPECT_EQ(outcome.plan.front(), "POST /api/vcenter/deployment/install?action=cancel");
  EXPECT_EQ(outcome.plan.front().find("demo-only-password"), std::string::npos);
  EXPECT_EQ(context->mutations_begun, 0);
  std::set<std::string> operations;
  for (const auto& entry : sim_.Requests()) operations.insert(entry.operation);
  EXPECT_EQ(operations, (std::set<std::string>{"session.create", kReadOperation}));
  EXPECT_EQ(LiveState(), "CONFIG_IN_PROGRESS");
}

TEST_F(ApplianceInstallTest, DryRunOutsideTheWindowPlansTheCancelAndSaysItWaits) {
  auto context = Context(Guard("vc02", "4h"));
  context->dry_run = true;
  context->in_window = false;
  const Outcome outcome = Pass(*context);
  EXPECT_EQ(outcome.phase, Phase::kWaiting);
  EXPECT_EQ(outcome.reason, "OutsideWindow");
  EXPECT_EQ(outcome.waiting, reconcilers::WaitingFor::Window());
  ASSERT_EQ(outcome.plan.size(), 1U);
  EXPECT_EQ(Count("vc02", kCancelOperation), 0);
}

TEST_F(ApplianceInstallTest, DryRunWithNothingToDoHasAnEmptyPlan) {
  auto context = Context(Guard("vc02", "6h"));
  context->dry_run = true;
  const Outcome outcome = Pass(*context);
  EXPECT_EQ(outcome.reason, "InstallWithinLimit");
  EXPECT_TRUE(outcome.plan.empty());
  EXPECT_EQ(Count("vc02", kCancelOperation), 0);
}

TEST_F(ApplianceInstallTest, OutsideTheWindowTheCancelWaitsAndHappensOnceTheWindowOpens) {
  auto context = Context(Guard("vc02", "4h"));
  context->in_window = false;
  const Outcome waiting = Pass(*context);
  EXPECT_EQ(waiting.kind, Outcome::Kind::kDone);
  EXPECT_EQ(waiting.phase, Phase::kWaiting);
  EXPECT_EQ(waiting.reason, "OutsideWindow");
  EXPECT_EQ(waiting.waiting, reconcilers::WaitingFor::Window());
  EXPECT_EQ(waiting.details.at("deployment_state"), "CONFIG_IN_PROGRESS");
  EXPECT_EQ(Count("vc02", kCancelOperation), 0);
  EXPECT_EQ(context->mutations_begun, 0);

  Advance(minutes(5));
  context->in_window = true;
  const Outcome cancelled = Pass(*context);
  EXPECT_EQ(cancelled.reason, "InstallCancelled");
  EXPECT_EQ(Count("vc02", kCancelOperation), 1);
}

TEST_F(ApplianceInstallTest, ABusyTargetDefersTheCancelBy15Seconds) {
  auto context = Context(Guard("vc02", "4h"));
  context->free_slots = 0;
  const Outcome busy = Pass(*context);
  EXPECT_EQ(busy.kind, Outcome::Kind::kRequeueAfter);
  EXPECT_EQ(busy.after, seconds(15));
  EXPECT_EQ(busy.phase, Phase::kWaiting);
  EXPECT_EQ(busy.reason, "TargetBusy");
  EXPECT_EQ(Count("vc02", kCancelOperation), 0);

  context->free_slots = 1;
  Advance(After(busy));
  EXPECT_EQ(Pass(*context).reason, "InstallCancelled");
  EXPECT_EQ(Count("vc02", kCancelOperation), 1);
}

TEST_F(ApplianceInstallTest, NoIntentOnDiskNoCancel) {
  auto context = Context(Guard("vc02", "4h"));
  context->fail_saves = true;
  EXPECT_EQ(Pass(*context).reason, "JournalUnavailable");
  EXPECT_EQ(Count("vc02", kCancelOperation), 0);
}

TEST_F(ApplianceInstallTest, ARestartedDaemonReReadsAndNeverCancelsTwice) {
  {
    auto context = Context(Guard("vc02", "4h"));
    EXPECT_EQ(Pass(*context).reason, "InstallCancelled");
  }
  // A new reconciler and context, as after a restart (the record is empty: nothing was saved).
  ApplianceInstallReconciler restarted;
  auto context = Context(Guard("vc02", "4h"));
  Advance(seconds(30));
  const Outcome outcome = restarted.Reconcile(*context);
  EXPECT_EQ(outcome.reason, "NoInstallRunning");
  EXPECT_EQ(Count("vc02", kCancelOperation), 1);
}

TEST_F(ApplianceInstallTest, FailedReadsAreTransientAndNeverCancel) {
  struct Case {
    std::string name;
    simulator::Disposition disposition;
    int status;
    std::string error_type;
    std::string reason;
  };
  const std::vector<Case> cases{
      {"a 503 from the read", simulator::Disposition::kRespond, 503, "SERVICE_UNAVAILABLE",
       "TargetUnreachable"},
      {"a reset of the read", simulator::Disposition::kReset, 0, "", "TargetUnreachable"},
      {"a 404 state-unknown from the read", simulator::Disposition::kRespond, 404, "NOT_FOUND",
       "ReadFailed"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    ClearFaults();
    auto rule = Fault("GET", "/api/vcenter/deployment", "", c.status, c.error_type);
    rule.disposition = c.disposition;
    // Two calls: a GET reset on a kept-alive connection is sent once more on a new one.
    rule.times = 2;
    sim_.Sim().AddFault(rule);
    auto context = Context(Guard("vc02", "4h"));
    const Outcome failed = Pass(*context);
    EXPECT_EQ(failed.kind, Outcome::Kind::kTransient);
    EXPECT_FALSE(failed.mutation_failed);
    EXPECT_EQ(failed.reason, c.reason) << failed.message;
    EXPECT_NE(failed.message.find("deployment.get"), std::string::npos) << failed.message;
    EXPECT_EQ(Count("vc02", kCancelOperation), 0);
    EXPECT_EQ(context->mutations_begun, 0);
  }
  ClearFaults();
  auto context = Context(Guard("vc02", "4h"));
  EXPECT_EQ(Pass(*context).reason, "InstallCancelled");
  EXPECT_EQ(Count("vc02", kCancelOperation), 1);
}

TEST_F(ApplianceInstallTest, AFailedCancelIsAMutationFailureAndTheNextPassCancelsAgain) {
  struct Case {
    std::string name;
    simulator::Disposition disposition;
    int status;
    std::string error_type;
  };
  const std::vector<Case> cases{
      {"a 503 from the cancel", simulator::Disposition::kRespond, 503, "SERVICE_UNAVAILABLE"},
      {"a 500 from the cancel", simulator::Disposition::kRespond, 500, "ERROR"},
  };
  int attempts = 0;
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    ClearFaults();
    auto rule = Fault("POST", "/api/vcenter/deployment/install", "cancel", c.status, c.error_type);
    rule.disposition = c.disposition;
    sim_.Sim().AddFault(rule);
    auto context = Context(Guard("vc02", "4h"));
    const Outcome failed = Pass(*context);
    ++attempts;
    EXPECT_EQ(failed.kind, Outcome::Kind::kTransient);
    EXPECT_TRUE(failed.mutation_failed);
    EXPECT_EQ(failed.reason, "CancelFailed") << failed.message;
    EXPECT_NE(failed.message.find(kCancelOperation), std::string::npos) << failed.message;
    EXPECT_EQ(failed.details.at("deployment_state"), "CONFIG_IN_PROGRESS");
    EXPECT_EQ(Count("vc02", kCancelOperation), attempts);
    EXPECT_EQ(LiveState(), "CONFIG_IN_PROGRESS");
    Advance(seconds(30));
  }
  ClearFaults();
  auto context = Context(Guard("vc02", "4h"));
  EXPECT_EQ(Pass(*context).reason, "InstallCancelled");
  EXPECT_EQ(Count("vc02", kCancelOperation), attempts + 1);
  EXPECT_EQ(LiveState(), "FAILED");
}

TEST_F(ApplianceInstallTest, AResetCancelIsUnknownAndCancelledAgainOnlyAfterTheSettleTime) {
  // The connection is reset after the request was written: the cancel may have run. It is
  // resolved from the deployment, never by a blind second cancel (reconcilers/mutation.hpp).
  auto rule = Fault("POST", "/api/vcenter/deployment/install", "cancel", 0, "");
  rule.disposition = simulator::Disposition::kReset;
  sim_.Sim().AddFault(rule);
  auto context = Context(Guard("vc02", "4h"));
  context->free_slots = 100;  // the engine gives the slot back after each pass
  const Outcome unknown = Pass(*context);
  EXPECT_EQ(unknown.reason, "ResolvingOutcome") << unknown.message;
  ASSERT_TRUE(context->record.in_flight);
  EXPECT_EQ(context->record.in_flight->state, reconcilers::Submission::kUnknown);
  ClearFaults();
  Advance(seconds(30));
  EXPECT_EQ(Pass(*context).reason, "ResolvingOutcome");
  EXPECT_EQ(Count("vc02", kCancelOperation), 1) << "nothing resubmitted before the settle time";
  Advance(seconds(31));
  EXPECT_EQ(Pass(*context).reason, "InstallCancelled");
  EXPECT_EQ(Count("vc02", kCancelOperation), 2) << "the install still ran: cancelled again";
  EXPECT_EQ(LiveState(), "FAILED");
  EXPECT_EQ(context->record, reconcilers::ObjectRecord{});
}

TEST_F(ApplianceInstallTest, ACancelRefusedWhileTheInstallStillRunsIsAMutationFailure) {
  sim_.Sim().AddFault(Fault("POST", "/api/vcenter/deployment/install", "cancel", 400,
                            "NOT_ALLOWED_IN_CURRENT_STATE"));
  auto context = Context(Guard("vc02", "4h"));
  const Outcome outcome = Pass(*context);
  EXPECT_EQ(outcome.kind, Outcome::Kind::kTransient);
  EXPECT_TRUE(outcome.mutation_failed);
  EXPECT_EQ(outcome.reason, "CancelFailed");
  EXPECT_NE(outcome.message.find("still shows the install running"), std::string::npos)
      << outcome.message;
  // The 400 was followed by a re-read.
  EXPECT_EQ(Count("vc02", kReadOperation), 2);
}

TEST_F(ApplianceInstallTest, AnInstallThatEndsBetweenTheReadAndTheCancelCountsAsSuccess) {
  // The read's answer is held back for a second (its handler has already run), and meanwhile
  // the clock passes the install's end: the cancel then meets a CONFIGURED appliance and gets
  // 400 NOT_ALLOWED_IN_CURRENT_STATE from the simulator itself. The install is made to end 10
  // minutes from now, so the step stays shorter than the session's idle timeout (30m).
  sim_.Sim().PatchState("vc02", {{"deployment", {{"install", {{"duration", "5h10m"}}}}}});
  simulator::FaultRule slow = Fault("GET", "/api/vcenter/deployment", "", 0, "");
  slow.delay = std::chrono::milliseconds(1000);
  sim_.Sim().AddFault(slow);
  auto context = Context(Guard("vc02", "4h"));
  auto pass = std::async(std::launch::async, [&] { return Pass(*context); });
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (Count("vc02", kReadOperation) == 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  ASSERT_EQ(Count("vc02", kReadOperation), 1);
  Advance(minutes(15));
  const Outcome outcome = pass.get();
  EXPECT_EQ(outcome.kind, Outcome::Kind::kDone);
  EXPECT_FALSE(outcome.mutation_failed);
  EXPECT_EQ(outcome.phase, Phase::kReady);
  EXPECT_EQ(outcome.reason, "NoInstallRunning") << outcome.message;
  EXPECT_NE(outcome.message.find("ended before the cancel"), std::string::npos) << outcome.message;
  EXPECT_EQ(outcome.details.at("deployment_state"), "CONFIGURED");
  EXPECT_EQ(Count("vc02", kCancelOperation), 1);
  EXPECT_EQ(Count("vc02", kReadOperation), 2);
}

TEST_F(ApplianceInstallTest, AnUpdateManagerTargetIsStalledAsUnsupported) {
  // (The simulator always reports start_time for a running install, so the InstallStartUnknown
  // rule is exercised by the plan's unit tests only.)
  auto context = Context(Guard("vr01", "4h"));
  const Outcome outcome = Pass(*context);
  EXPECT_EQ(outcome.kind, Outcome::Kind::kStalled);
  EXPECT_EQ(outcome.reason, "UnsupportedTarget");
  EXPECT_EQ(context->mutations_begun, 0);
}

}  // namespace
}  // namespace vsrd::integration
