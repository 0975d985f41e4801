#include <chrono>
#include <functional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "reconcilers/appliance_update/reconciler.hpp"
#include "tests/integration/reconcilers/reconciler_fixture.hpp"

// ApplianceUpdate against vsrd-sim's lab scenario (examples/sim/lab.yaml) over HTTPS, pass by
// pass as the engine would run it: vc01 (vcenter flavor, 8.0.1.00000 -> 8.0.2.00100: stage 5m,
// install 30m, restart 5m refusing connections) and vr01 (update-manager flavor, 9.0.1.0 ->
// 9.0.2.0-24522545: retrieve 1s+10s, install 5s+2m, restart 3m refusing, tasks gone after).

namespace vsrd::integration {
namespace {

using nlohmann::json;
using rec::Outcome;
using rec::Phase;
using reconcilers::appliance_update::ApplianceUpdateReconciler;

constexpr const char* kVcTo = "8.0.2.00100";
constexpr const char* kUmTo = "9.0.2.0-24522545";

// The simulator's operation names (docs/simulator.md, "The request log").
constexpr const char* kPrecheck = "appliance.update.pending.precheck";
constexpr const char* kStage = "appliance.update.pending.stage";
constexpr const char* kInstall = "appliance.update.pending.install";
constexpr const char* kRetrieve = "update-manager.retrieve-updates";
constexpr const char* kUmInstall = "update-manager.updates.install";

std::string VcManifest(const std::string& version = kVcTo) {
  return "apiVersion: vsrd/v1\n"
         "kind: ApplianceUpdate\n"
         "metadata: {name: vc01-update}\n"
         "spec:\n"
         "  target: vc01\n"
         "  version: \"" +
         version +
         "\"\n"
         "  source_type: LOCAL_AND_ONLINE\n";
}

std::string UmManifest(const std::string& version = kUmTo) {
  return "apiVersion: vsrd/v1\n"
         "kind: ApplianceUpdate\n"
         "metadata: {name: vr01-update}\n"
         "spec:\n"
         "  target: vr01\n"
         "  version: \"" +
         version + "\"\n";
}

simulator::FaultRule Fault(const std::string& persona, const std::string& method,
                           const std::string& path, const std::string& action, int times) {
  simulator::FaultRule rule;
  rule.persona = persona;
  rule.method = method;
  rule.path = path;
  rule.action = action;
  rule.times = times;
  return rule;
}

class ApplianceUpdateTest : public ReconcilerTest {
 protected:
  /// One pass, with the slot the engine gives back after every pass that keeps no operation.
  Outcome Pass(TestContext& context) {
    context.free_slots = 1;
    ApplianceUpdateReconciler reconciler;
    return reconciler.Reconcile(context);
  }

  /// Runs passes as the engine would until the object is Done or Stalled, `stop` holds, or
  /// `max_passes` ran (a bound against a runaway loop, not a count of polls: an operation is
  /// looked at on its own clock, reconcilers/poll_delay.hpp, 43 times in its first minute):
  /// RequeueAfter advances the simulated clock by `after`, a transient
  /// failure by 30s (the first backoff). While the appliance restarts, a short real sleep lets
  /// vsrd-sim reopen the persona's port once the simulated restart is over.
  std::vector<Outcome> Drive(TestContext& context, int max_passes,
                             const std::function<bool(const Outcome&)>& stop = {}) {
    std::vector<Outcome> outcomes;
    for (int i = 0; i < max_passes; ++i) {
      outcomes.push_back(Pass(context));
      const Outcome& outcome = outcomes.back();
      if (outcome.kind == Outcome::Kind::kDone || outcome.kind == Outcome::Kind::kStalled) break;
      if (stop && stop(outcome)) break;
      const auto by = outcome.kind == Outcome::Kind::kRequeueAfter
                          ? std::chrono::duration_cast<std::chrono::seconds>(outcome.after)
                          : std::chrono::seconds(30);
      Advance(by);
      if (outcome.reason == "ApplianceRestarting" || outcome.reason == "TargetUnreachable") {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
      }
    }
    return outcomes;
  }

  static bool Saw(const std::vector<Outcome>& outcomes, const std::string& reason) {
    for (const auto& outcome : outcomes) {
      if (outcome.reason == reason) return true;
    }
    return false;
  }

  /// The distinct operations `persona` received, in the simulator's names.
  std::set<std::string> Operations(const std::string& persona) const {
    std::set<std::string> seen;
    for (const auto& entry : sim_.Requests()) {
      if (entry.persona == persona) seen.insert(entry.operation);
    }
    return seen;
  }

  /// Shortens vc01's update so that a loop of passes stays small.
  void QuickVcUpdate(const json& more = json::object()) {
    json update = {{"stage_duration", "1m"}, {"install_duration", "2m"}};
    update.merge_patch(more);
    sim_.Sim().PatchState("vc01", {{"appliance",
                                    {{"updates", {{kVcTo, update}}},
                                     {"restart", {{"duration", "1m"}, {"answer", "refuse"}}}}}});
  }
};

// ---------------------------------------------------------------------------------------------
// vcenter flavor

TEST_F(ApplianceUpdateTest, VcenterStagesInstallsAndConvergesThroughTheRestart) {
  auto context = Context(VcManifest());

  // Pass 1: pending list, precheck, stage; the stage is journaled before the pass returns.
  const Outcome first = Pass(*context);
  EXPECT_EQ(first.kind, Outcome::Kind::kRequeueAfter) << first.reason << ": " << first.message;
  EXPECT_EQ(first.reason, "UpdateStaging") << first.message;
  // The first look a second after submission, then on the task's own clock
  // (reconcilers/poll_delay.hpp).
  EXPECT_EQ(first.after, std::chrono::seconds(1));
  ASSERT_TRUE(context->record.in_flight.has_value());
  EXPECT_EQ(context->record.in_flight->operation, "appliance.update.pending.stage");
  EXPECT_EQ(context->record.in_flight->task, "");
  EXPECT_EQ(context->record.in_flight->detail, kVcTo);
  EXPECT_EQ(context->record.in_flight->generation, context->Object().generation);
  EXPECT_EQ(context->record.in_flight->started_at, sim_.Sim().Now());
  ASSERT_TRUE(first.operation.has_value());
  EXPECT_EQ(first.operation->name, "appliance.update.pending.stage");
  EXPECT_EQ(context->appliance_version, "8.0.1.00000");
  EXPECT_EQ(first.details.at("current_version"), "8.0.1.00000");
  EXPECT_EQ(Count("vc01", "appliance.update.pending.list"), 1);
  EXPECT_EQ(Count("vc01", kPrecheck), 1);
  EXPECT_EQ(Count("vc01", kStage), 1);
  EXPECT_EQ(context->mutations_begun, 1);

  Advance(std::chrono::seconds(10));
  const auto outcomes = Drive(*context, 400);
  ASSERT_FALSE(outcomes.empty());
  const Outcome& last = outcomes.back();
  EXPECT_EQ(last.kind, Outcome::Kind::kDone) << last.reason << ": " << last.message;
  EXPECT_EQ(last.phase, Phase::kReady);
  EXPECT_EQ(last.reason, "UpToDate");
  EXPECT_TRUE(Saw(outcomes, "UpdateStaging"));
  EXPECT_TRUE(Saw(outcomes, "UpdateInstalling"));
  EXPECT_TRUE(Saw(outcomes, "ApplianceRestarting"));
  // The staging progress comes from GET /api/appliance/update's task.
  bool progress = false;
  for (const auto& outcome : outcomes) {
    if (outcome.operation && outcome.operation->progress && *outcome.operation->progress > 0) {
      progress = true;
    }
  }
  EXPECT_TRUE(progress);

  // Exactly one stage and one install; a precheck before each.
  EXPECT_EQ(Count("vc01", kStage), 1);
  EXPECT_EQ(Count("vc01", kInstall), 1);
  EXPECT_EQ(Count("vc01", kPrecheck), 2);
  EXPECT_FALSE(context->record.in_flight.has_value());
  // The install ended well: the attempts start again (reconcilers/mutation.hpp).
  EXPECT_EQ(context->record.attempts, 0);
  EXPECT_EQ(context->appliance_version, kVcTo);

  // The next drift check stays Ready without touching the appliance.
  const Outcome again = Pass(*context);
  EXPECT_EQ(again.reason, "UpToDate");
  EXPECT_EQ(Count("vc01", kInstall), 1);
}

TEST_F(ApplianceUpdateTest, VcenterResumesFromTheJournalAfterADaemonRestart) {
  QuickVcUpdate();
  auto context = Context(VcManifest());
  ASSERT_EQ(Pass(*context).reason, "UpdateStaging");
  Advance(std::chrono::seconds(30));

  // A new reconciler and context (the daemon restarted) with the journaled record: it follows
  // the stage instead of staging again.
  auto resumed = Context(VcManifest());
  resumed->record = context->record;
  const Outcome polled = Pass(*resumed);
  EXPECT_EQ(polled.reason, "UpdateStaging") << polled.message;
  EXPECT_EQ(Count("vc01", kStage), 1);

  // Into the install, then restart again in the middle of the appliance's own restart.
  const auto installing = Drive(
      *resumed, 200, [](const Outcome& outcome) { return outcome.reason == "UpdateInstalling"; });
  ASSERT_EQ(installing.back().reason, "UpdateInstalling");
  Advance(std::chrono::minutes(2) + std::chrono::seconds(10));
  auto again = Context(VcManifest());
  again->record = resumed->record;
  const Outcome restarting = Pass(*again);
  EXPECT_EQ(restarting.reason, "ApplianceRestarting") << restarting.message;
  EXPECT_EQ(restarting.phase, Phase::kProgressing);

  const auto outcomes = Drive(*again, 300);
  EXPECT_EQ(outcomes.back().reason, "UpToDate") << outcomes.back().message;
  EXPECT_EQ(Count("vc01", kStage), 1);
  EXPECT_EQ(Count("vc01", kInstall), 1);
  EXPECT_EQ(again->record.attempts, 0) << "ended well: the count starts again";
}

TEST_F(ApplianceUpdateTest, VcenterDryRunOnlyReadsAndPlansEveryCall) {
  auto context = Context(VcManifest());
  context->dry_run = true;
  const Outcome outcome = Pass(*context);
  EXPECT_EQ(outcome.reason, "UpdateStaging") << outcome.message;
  EXPECT_EQ(
      outcome.plan,
      (std::vector<std::string>{
          "POST /api/appliance/update/pending/8.0.2.00100?action=precheck",
          "POST /api/appliance/update/pending/8.0.2.00100?action=stage",
          "POST /api/appliance/update/pending/8.0.2.00100?action=install {\"user_data\": {}}"}));
  for (const auto& line : outcome.plan) {
    EXPECT_EQ(line.find("demo-only-password"), std::string::npos) << line;
  }
  EXPECT_EQ(Operations("vc01"),
            (std::set<std::string>{"session.create", "appliance.system.version.get",
                                   "appliance.update.get", "appliance.update.pending.list"}));
  EXPECT_EQ(context->saves, 0);
  EXPECT_EQ(context->mutations_begun, 0);
  EXPECT_FALSE(context->record.in_flight.has_value());

  // Outside the window the plan is the same and the phase says why it waits.
  context->in_window = false;
  const Outcome waiting = Pass(*context);
  EXPECT_EQ(waiting.phase, Phase::kWaiting);
  EXPECT_EQ(waiting.reason, "OutsideWindow");
  EXPECT_EQ(waiting.waiting, reconcilers::WaitingFor::Window());
  EXPECT_EQ(waiting.plan.size(), 3U);

  // With nothing to change the plan is empty.
  auto ready = Context(VcManifest("8.0.1.00000"));
  ready->dry_run = true;
  const Outcome in_sync = Pass(*ready);
  EXPECT_EQ(in_sync.reason, "UpToDate");
  EXPECT_TRUE(in_sync.plan.empty());
}

TEST_F(ApplianceUpdateTest, VcenterWaitsOutsideTheWindowAndForAFreeSlot) {
  auto context = Context(VcManifest());
  context->in_window = false;
  const Outcome outside = Pass(*context);
  EXPECT_EQ(outside.kind, Outcome::Kind::kDone);
  EXPECT_EQ(outside.phase, Phase::kWaiting);
  EXPECT_EQ(outside.reason, "OutsideWindow");
  EXPECT_EQ(outside.waiting, reconcilers::WaitingFor::Window());
  EXPECT_TRUE(outside.plan.empty());

  context->in_window = true;
  context->free_slots = 0;
  ApplianceUpdateReconciler reconciler;
  const Outcome busy = reconciler.Reconcile(*context);
  EXPECT_EQ(busy.kind, Outcome::Kind::kRequeueAfter);
  EXPECT_EQ(busy.after, std::chrono::seconds(15));
  EXPECT_EQ(busy.phase, Phase::kWaiting);
  EXPECT_EQ(busy.reason, "TargetBusy");

  EXPECT_EQ(Count("vc01", kPrecheck), 0);
  EXPECT_EQ(Count("vc01", kStage), 0);
  EXPECT_EQ(context->saves, 0);
}

TEST_F(ApplianceUpdateTest, VcenterNoIntentOnDiskNoStage) {
  QuickVcUpdate();
  auto context = Context(VcManifest());
  context->fail_saves = true;
  const Outcome lost = Pass(*context);
  EXPECT_EQ(lost.reason, "JournalUnavailable") << lost.message;
  EXPECT_EQ(lost.kind, Outcome::Kind::kTransient);
  EXPECT_FALSE(lost.mutation_failed);
  EXPECT_EQ(Count("vc01", kStage), 0) << "the intent could not be written: nothing submitted";

  // The journal works again: the stage is submitted once, with its intent.
  context->fail_saves = false;
  Advance(std::chrono::seconds(30));
  const Outcome staging = Pass(*context);
  EXPECT_EQ(staging.reason, "UpdateStaging") << staging.message;
  ASSERT_TRUE(context->record.in_flight.has_value());
  EXPECT_EQ(context->record.in_flight->operation, "appliance.update.pending.stage");

  const auto outcomes = Drive(*context, 300);
  EXPECT_EQ(outcomes.back().reason, "UpToDate") << outcomes.back().message;
  EXPECT_EQ(Count("vc01", kStage), 1);
  EXPECT_EQ(Count("vc01", kInstall), 1);
}

TEST_F(ApplianceUpdateTest, VcenterAdoptsAStageThatRunsWithoutAJournalEntry) {
  // A stage started by an operator (or by a vsrd whose journal was lost): followed from live
  // state, never started a second time.
  QuickVcUpdate();
  {
    auto other = Context(VcManifest());
    ASSERT_EQ(Pass(*other).reason, "UpdateStaging");
  }
  auto context = Context(VcManifest());  // an empty record
  Advance(std::chrono::seconds(30));
  const Outcome adopted = Pass(*context);
  EXPECT_EQ(adopted.reason, "UpdateStaging") << adopted.message;
  ASSERT_TRUE(context->record.in_flight.has_value());
  EXPECT_EQ(context->record.in_flight->operation, "appliance.update.pending.stage");
  const auto outcomes = Drive(*context, 300);
  EXPECT_EQ(outcomes.back().reason, "UpToDate") << outcomes.back().message;
  EXPECT_EQ(Count("vc01", kStage), 1);
}

TEST_F(ApplianceUpdateTest, VcenterRetriesAFailedInstallAndCountsTheAttempts) {
  QuickVcUpdate({{"install_failures", 1}});
  auto context = Context(VcManifest());
  const auto outcomes = Drive(*context, 200);
  EXPECT_EQ(outcomes.back().reason, "UpToDate") << outcomes.back().message;
  bool failed = false;
  for (const auto& outcome : outcomes) {
    if (outcome.reason == "InstallFailed") {
      failed = true;
      EXPECT_TRUE(outcome.mutation_failed);
      EXPECT_NE(outcome.message.find("failed"), std::string::npos) << outcome.message;
    }
  }
  EXPECT_TRUE(failed);
  EXPECT_EQ(Count("vc01", kStage), 1);
  EXPECT_EQ(Count("vc01", kInstall), 2);
  EXPECT_EQ(context->record.attempts, 0) << "the second install ended well";
}

TEST_F(ApplianceUpdateTest, VcenterStallsWhenTheAttemptsOfAGenerationAreUsedUp) {
  QuickVcUpdate({{"install_failures", 5}});
  auto context = Context(VcManifest());
  context->policy.max_failures = 2;
  const auto outcomes = Drive(*context, 200);
  const Outcome& last = outcomes.back();
  EXPECT_EQ(last.kind, Outcome::Kind::kStalled);
  EXPECT_EQ(last.reason, "MaxFailuresReached") << last.message;
  EXPECT_EQ(Count("vc01", kInstall), 2);
  EXPECT_EQ(context->record.attempts, 2);

  // The count is in the journal: a restarted daemon does not try a third time.
  auto resumed = Context(VcManifest());
  resumed->policy.max_failures = 2;
  resumed->record = context->record;
  EXPECT_EQ(Pass(*resumed).reason, "MaxFailuresReached");
  EXPECT_EQ(Count("vc01", kInstall), 2);
}

TEST_F(ApplianceUpdateTest, VcenterStallsOnWhatRetryingCannotFix) {
  // A version the appliance does not offer: the message names what it does offer.
  auto missing = Context(VcManifest("8.0.3.00000"));
  const Outcome unavailable = Pass(*missing);
  EXPECT_EQ(unavailable.kind, Outcome::Kind::kStalled);
  EXPECT_EQ(unavailable.reason, "UpdateNotAvailable");
  EXPECT_NE(unavailable.message.find(kVcTo), std::string::npos) << unavailable.message;

  // Never a downgrade.
  auto older = Context(VcManifest("8.0.0.00000"));
  const Outcome downgrade = Pass(*older);
  EXPECT_EQ(downgrade.kind, Outcome::Kind::kStalled);
  EXPECT_EQ(downgrade.reason, "DowngradeRefused");

  // Precheck errors, then questions vsrd cannot answer.
  sim_.Sim().PatchState(
      "vc01", {{"appliance",
                {{"updates",
                  {{kVcTo,
                    {{"precheck",
                      {{"errors",
                        json::array({{{"id", "disk"}, {"message", "Not enough space"}}})}}}}}}}}}});
  auto checked = Context(VcManifest());
  const Outcome issues = Pass(*checked);
  EXPECT_EQ(issues.reason, "PrecheckIssues");
  EXPECT_NE(issues.message.find("Not enough space"), std::string::npos) << issues.message;

  const json question = {
      {"data_item", "vmdir.password"},
      {"text", {{"id", "q"}, {"default_message", "SSO password"}, {"args", json::array()}}},
      {"description", {{"id", "d"}, {"default_message", ""}, {"args", json::array()}}},
      {"type", "PASSWORD"}};
  sim_.Sim().PatchState(
      "vc01", {{"appliance",
                {{"updates",
                  {{kVcTo,
                    {{"precheck",
                      {{"errors", json::array()}, {"questions", json::array({question})}}}}}}}}}});
  const Outcome asked = Pass(*checked);
  EXPECT_EQ(asked.reason, "UnansweredQuestions");
  EXPECT_NE(asked.message.find("vmdir.password"), std::string::npos) << asked.message;

  EXPECT_EQ(Count("vc01", kStage), 0);
  EXPECT_EQ(Count("vc01", kInstall), 0);
  EXPECT_EQ(checked->saves, 0);
}

TEST_F(ApplianceUpdateTest, VcenterReadFaultsAreTransientAndMutationFaultsAreFailures) {
  auto context = Context(VcManifest());
  // 503 on the version read.
  auto unavailable = Fault("vc01", "GET", "/api/appliance/system/version", "", 1);
  unavailable.status = 503;
  unavailable.error_type = "SERVICE_UNAVAILABLE";
  sim_.Sim().AddFault(unavailable);
  const Outcome first = Pass(*context);
  EXPECT_EQ(first.kind, Outcome::Kind::kTransient);
  EXPECT_EQ(first.reason, "TargetUnreachable") << first.message;
  EXPECT_FALSE(first.mutation_failed);

  // Resets on the update state read (twice: the client repeats a GET once on a new connection).
  auto reset = Fault("vc01", "GET", "/api/appliance/update", "", 2);
  reset.disposition = simulator::Disposition::kReset;
  sim_.Sim().AddFault(reset);
  const Outcome second = Pass(*context);
  EXPECT_EQ(second.kind, Outcome::Kind::kTransient);
  EXPECT_EQ(second.reason, "TargetUnreachable") << second.message;
  EXPECT_FALSE(second.mutation_failed);

  // A 500 on the stage: a failed mutation, nothing journaled.
  auto broken = Fault("vc01", "POST", "/api/appliance/update/pending/{version}", "stage", 1);
  broken.status = 500;
  broken.error_type = "ERROR";
  sim_.Sim().AddFault(broken);
  const Outcome third = Pass(*context);
  EXPECT_EQ(third.kind, Outcome::Kind::kTransient);
  EXPECT_EQ(third.reason, "StageFailed") << third.message;
  EXPECT_TRUE(third.mutation_failed);
  EXPECT_FALSE(context->record.in_flight.has_value());

  // A reset after the stage was sent: its outcome is unknown. Never repeated by the client,
  // resolved from live state: the update state shows no stage, and once the settle time has
  // passed it is concluded not run (reconcilers/mutation.hpp).
  auto cut = Fault("vc01", "POST", "/api/appliance/update/pending/{version}", "stage", 1);
  cut.disposition = simulator::Disposition::kReset;
  sim_.Sim().AddFault(cut);
  const Outcome fourth = Pass(*context);
  EXPECT_EQ(fourth.reason, "ResolvingOutcome") << fourth.message;
  EXPECT_FALSE(fourth.mutation_failed);
  EXPECT_EQ(Pass(*context).reason, "ResolvingOutcome");
  EXPECT_EQ(Count("vc01", kStage), 2);

  // Past the settle time: not run, and the next pass stages.
  Advance(std::chrono::duration_cast<std::chrono::seconds>(context->policy.outcome_settle) +
          std::chrono::seconds(1));
  EXPECT_EQ(Pass(*context).reason, "UpdateStaging");
  EXPECT_EQ(Count("vc01", kStage), 3);
}

TEST_F(ApplianceUpdateTest, VcenterTimesOutWhenTheApplianceStaysDown) {
  QuickVcUpdate();
  sim_.Sim().PatchState("vc01", {{"appliance", {{"restart", {{"duration", "3h"}}}}}});
  auto context = Context(VcManifest());
  context->policy.timeout = std::chrono::minutes(20);
  const auto outcomes = Drive(*context, 300, [](const Outcome& outcome) {
    return outcome.kind == Outcome::Kind::kTransient;
  });
  const Outcome& last = outcomes.back();
  EXPECT_EQ(last.reason, "UpdateTimedOut") << last.message;
  EXPECT_TRUE(last.mutation_failed);
  EXPECT_TRUE(Saw(outcomes, "ApplianceRestarting"));
  EXPECT_FALSE(context->record.in_flight.has_value());
}

// ---------------------------------------------------------------------------------------------
// update-manager flavor

TEST_F(ApplianceUpdateTest, UpdateManagerRetrievesInstallsAndConvergesThroughTheRestart) {
  auto context = Context(UmManifest());
  const Outcome first = Pass(*context);
  EXPECT_EQ(first.reason, "RetrievingUpdates") << first.message;
  ASSERT_TRUE(context->record.in_flight.has_value());
  EXPECT_EQ(context->record.in_flight->operation, "update-manager.retrieve-updates");
  EXPECT_FALSE(context->record.in_flight->task.empty());
  EXPECT_EQ(context->record.in_flight->detail, kUmTo);
  ASSERT_TRUE(first.operation.has_value());
  EXPECT_EQ(first.operation->task, context->record.in_flight->task);
  EXPECT_EQ(context->appliance_version, "9.0.1.0");

  Advance(std::chrono::seconds(10));
  const auto outcomes = Drive(*context, 300);
  const Outcome& last = outcomes.back();
  EXPECT_EQ(last.phase, Phase::kReady);
  EXPECT_EQ(last.reason, "UpToDate") << last.message;
  EXPECT_TRUE(Saw(outcomes, "UpdateInstalling"));
  EXPECT_TRUE(Saw(outcomes, "ApplianceRestarting"));
  EXPECT_EQ(Count("vr01", kRetrieve), 1);
  EXPECT_EQ(Count("vr01", kUmInstall), 1);
  EXPECT_FALSE(context->record.in_flight.has_value());
  EXPECT_EQ(context->record.attempts, 0) << "ended well: the count starts again";
  EXPECT_EQ(context->appliance_version, kUmTo);
}

TEST_F(ApplianceUpdateTest, UpdateManagerResumesTheInstallTaskAfterADaemonRestart) {
  auto context = Context(UmManifest());
  const auto started = Drive(
      *context, 60, [](const Outcome& outcome) { return outcome.reason == "UpdateInstalling"; });
  ASSERT_EQ(started.back().reason, "UpdateInstalling") << started.back().message;
  ASSERT_TRUE(context->record.in_flight.has_value());
  EXPECT_EQ(context->record.in_flight->operation, "update-manager.updates.install");
  const std::string task = context->record.in_flight->task;
  Advance(std::chrono::seconds(30));

  auto resumed = Context(UmManifest());
  resumed->record = context->record;
  const int polls = Count("vr01", "tasks.get");
  const Outcome polled = Pass(*resumed);
  EXPECT_EQ(polled.reason, "UpdateInstalling") << polled.message;
  ASSERT_TRUE(polled.operation.has_value());
  EXPECT_EQ(polled.operation->task, task);
  EXPECT_EQ(Count("vr01", "tasks.get"), polls + 1);

  const auto outcomes = Drive(*resumed, 300);
  EXPECT_EQ(outcomes.back().reason, "UpToDate") << outcomes.back().message;
  EXPECT_EQ(Count("vr01", kUmInstall), 1);
  EXPECT_EQ(Count("vr01", kRetrieve), 1);
}

TEST_F(ApplianceUpdateTest, UpdateManagerDryRunOnlyReadsAndPlansEveryCall) {
  auto context = Context(UmManifest());
  context->dry_run = true;
  const Outcome outcome = Pass(*context);
  EXPECT_EQ(outcome.reason, "RetrievingUpdates");
  EXPECT_EQ(outcome.plan,
            (std::vector<std::string>{
                "POST /appliance/update-manager/actions/retrieve-updates",
                "POST /appliance/update-manager/updates/9.0.2.0-24522545/actions/install"}));
  for (const auto& line : outcome.plan) {
    EXPECT_EQ(line.find("vr-demo-password"), std::string::npos) << line;
  }
  EXPECT_EQ(Operations("vr01"), (std::set<std::string>{"session.create", "appliance.get"}));
  EXPECT_EQ(context->saves, 0);
}

TEST_F(ApplianceUpdateTest, UpdateManagerStallsWhenTheVersionIsNotRetrieved) {
  auto context = Context(UmManifest("9.0.3.0-25000000"));
  const auto outcomes = Drive(*context, 20);
  const Outcome& last = outcomes.back();
  EXPECT_EQ(last.kind, Outcome::Kind::kStalled);
  EXPECT_EQ(last.reason, "UpdateNotAvailable");
  EXPECT_NE(last.message.find(kUmTo), std::string::npos) << last.message;
  EXPECT_EQ(Count("vr01", kRetrieve), 1);
  EXPECT_EQ(Count("vr01", kUmInstall), 0);
  EXPECT_FALSE(context->record.in_flight.has_value());
}

TEST_F(ApplianceUpdateTest, UpdateManagerJudgesAFailedInstallByTheVersionAtTheTimeout) {
  // The install fails; the appliance restarts anyway and forgets the task (404), so only the
  // version read at policy.timeout can tell.
  sim_.Sim().PatchState("vr01", {{"install", {{"fail", true}}}});
  auto context = Context(UmManifest());
  context->policy.timeout = std::chrono::minutes(10);
  const auto outcomes = Drive(*context, 200, [](const Outcome& outcome) {
    return outcome.kind == Outcome::Kind::kTransient;
  });
  const Outcome& last = outcomes.back();
  EXPECT_EQ(last.reason, "UpdateFailed") << last.message;
  EXPECT_TRUE(last.mutation_failed);
  EXPECT_NE(last.message.find("9.0.1.0"), std::string::npos) << last.message;
  EXPECT_TRUE(Saw(outcomes, "ApplianceRestarting"));
  EXPECT_FALSE(context->record.in_flight.has_value());
  EXPECT_EQ(context->record.attempts, 1);
  EXPECT_EQ(Count("vr01", kUmInstall), 1);
}

TEST_F(ApplianceUpdateTest, UpdateManagerMutationFaultsAreFailures) {
  auto context = Context(UmManifest());
  auto broken = Fault("vr01", "POST", "/appliance/update-manager/actions/retrieve-updates", "", 1);
  broken.status = 500;
  sim_.Sim().AddFault(broken);
  const Outcome failed = Pass(*context);
  EXPECT_EQ(failed.reason, "RetrieveFailed") << failed.message;
  EXPECT_TRUE(failed.mutation_failed);
  EXPECT_FALSE(context->record.in_flight.has_value());

  auto unavailable = Fault("vr01", "GET", "/appliance", "", 1);
  unavailable.status = 503;
  sim_.Sim().AddFault(unavailable);
  const Outcome read = Pass(*context);
  EXPECT_EQ(read.reason, "TargetUnreachable") << read.message;
  EXPECT_FALSE(read.mutation_failed);
}

}  // namespace
}  // namespace vsrd::integration
