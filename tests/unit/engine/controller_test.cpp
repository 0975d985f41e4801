#include "daemon/engine/controller.hpp"

#include <filesystem>
#include <fstream>
#include <functional>
#include <future>
#include <mutex>
#include <optional>
#include <regex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <unistd.h>

#include "daemon/vsphere/pass_budget.hpp"
#include "manifests/decode.hpp"
#include "tests/unit/engine/manual_clock.hpp"

// The engine around the reconcilers, with a scripted reconciler (it talks to no vSphere: what
// is tested here is suspend, depends_on, max_failures, mutation slots, the journal and status).

namespace vsrd::daemon {
namespace {

namespace rec = reconcilers;
using rec::Outcome;
using rec::Phase;
using std::chrono::seconds;

using testing::ManualClock;

/// Runs `script(context)` for every pass; counts passes per object name.
class ScriptedReconciler final : public rec::Reconciler {
 public:
  std::function<Outcome(rec::Context&)> script;
  std::map<std::string, int> passes;  ///< read only while no worker runs
  std::vector<std::string> order;     ///< object names, one per pass
  bool may_mutate = true;
  Outcome Reconcile(rec::Context& context) override {
    {
      const std::lock_guard lock(mutex);
      ++passes[context.Object().metadata.name];
      order.push_back(context.Object().metadata.name);
    }
    return script(context);
  }
  bool MayMutate() const override { return may_mutate; }
  std::mutex mutex;
};

std::vector<manifests::Object> Objects(const std::string& yaml) {
  auto file = manifests::DecodeManifests(yaml, "test.yaml");
  std::string problems;
  for (const auto& d : file.diagnostics) problems += manifests::FormatDiagnostic(d) + "\n";
  EXPECT_TRUE(file.diagnostics.empty()) << problems;
  return file.objects;
}

std::string Check(const std::string& name, const std::string& policy = "{}",
                  const std::string& vms = "[vm-1]") {
  return "apiVersion: vsrd/v1\nkind: GuestCustomizationCheck\nmetadata: {name: " + name +
         "}\nspec: {target: vc01, vms: " + vms + ", policy: " + policy + "}\n---\n";
}

manifests::ObjectKey CheckKey(const std::string& name) {
  return {manifests::Kind::kGuestCustomizationCheck, name};
}

/// A scripted mutation: "Mutated" when the target's mutation slot is free, else Waiting
/// TargetBusy (requeued after 15 s), as the reconcilers do.
Outcome MutateUnlessBusy(rec::Context& context) {
  if (!context.TryBeginMutation()) {
    Outcome busy = Outcome::RequeueAfter(std::chrono::seconds(15), "TargetBusy");
    busy.phase = Phase::kWaiting;
    return busy;
  }
  return Outcome::Done(Phase::kReady, "Mutated");
}

/// A pass that fails TargetUnreachable while `down`, else is answered by the target and Ready.
std::function<Outcome(rec::Context&)> UnreachableWhile(const bool& down) {
  return [&down](rec::Context&) {
    if (down) return Outcome::ReadFailed("TargetUnreachable", "refused");
    vsphere::PassBudget::NoteAnswered();
    return Outcome::Done(Phase::kReady, "InSync");
  };
}

class ControllerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("vsrd-controller-test-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    config_.targets["vc01"].name = "vc01";
    config_.targets["vc01"].max_concurrent_mutations = 1;
    // Unlimited (0, which a config file cannot say): these tests drive a clock that stands
    // still, and drift checks are paced at the rate (Controller::PaceDriftCheck, tested below).
    config_.targets["vc01"].requests_per_second = 0;
    journal_ = std::make_unique<Journal>(dir_);
    reconciler_ = std::make_shared<ScriptedReconciler>();
    reconciler_->script = [](rec::Context&) { return Outcome::Done(Phase::kReady, "InSync"); };
  }
  void TearDown() override {
    controller_.reset();
    std::filesystem::remove_all(dir_);
  }
  Controller& Make(Metrics* metrics = nullptr) {
    ControllerOptions options;
    options.workers = 2;
    options.seed = 1;
    options.metrics = metrics;
    std::map<std::string, rec::TargetPorts> ports{{"vc01", rec::TargetPorts{"vc01"}}};
    controller_ = std::make_unique<Controller>(
        config_, ports, *journal_, clock_,
        ReconcilerSet{{manifests::Kind::kGuestCustomizationCheck, reconciler_}}, options, nullptr);
    return *controller_;
  }
  Phase PhaseOf(const std::string& name) {
    return controller_->Status().Get(CheckKey(name))->phase;
  }
  std::string ReasonOf(const std::string& name) {
    return controller_->Status().Get(CheckKey(name))->reason;
  }

  std::filesystem::path dir_;
  Config config_;
  ManualClock clock_;
  std::unique_ptr<Journal> journal_;
  std::shared_ptr<ScriptedReconciler> reconciler_;
  std::unique_ptr<Controller> controller_;
};

TEST_F(ControllerTest, ANewObjectIsReconciledAndRecheckedAtItsInterval) {
  auto& controller = Make();
  controller.SetObjects(Objects(Check("a")), "rev1");
  EXPECT_EQ(controller.Status().Get(CheckKey("a"))->reason, "Pending");
  EXPECT_EQ(controller.RunDue(), 1U);
  EXPECT_EQ(PhaseOf("a"), Phase::kReady);
  const auto status = controller.Status().Get(CheckKey("a"));
  EXPECT_EQ(status->observed_generation, status->generation);
  EXPECT_EQ(status->revision, "rev1");
  ASSERT_EQ(status->history.size(), 1U);
  EXPECT_EQ(status->history.back().result, "success");
  clock_.Advance(seconds(200));
  EXPECT_EQ(controller.RunDue(), 0U) << "the drift check is 5m ± 10%";
  clock_.Advance(seconds(200));
  EXPECT_EQ(controller.RunDue(), 1U);
}

// Issue 15: passes in a row with the same outcome share one history entry (count, since, at),
// so an in-sync object's history is one entry however long it stays in sync.
TEST_F(ControllerTest, PassesWithTheSameOutcomeShareOneHistoryEntry) {
  bool fail = false;
  reconciler_->script = [&fail](rec::Context&) {
    return fail ? Outcome::ReadFailed("TargetUnreachable", "refused")
                : Outcome::Done(Phase::kReady, "InSync");
  };
  auto& controller = Make();
  controller.SetObjects(Objects(Check("a")), "rev1");
  const WallTime first = clock_.Now();
  controller.RunDue();
  for (int i = 0; i < 6; ++i) {
    clock_.Advance(std::chrono::minutes(6));
    controller.RunDue();
  }
  auto status = controller.Status().Get(CheckKey("a"));
  ASSERT_EQ(status->history.size(), 1U);
  EXPECT_EQ(status->history.back().count, 7);
  EXPECT_EQ(status->history.back().since, first);
  EXPECT_EQ(status->history.back().at, clock_.Now());
  fail = true;
  clock_.Advance(std::chrono::minutes(6));
  controller.RunDue();
  fail = false;
  clock_.Advance(std::chrono::minutes(11));
  controller.RunDue();
  status = controller.Status().Get(CheckKey("a"));
  ASSERT_EQ(status->history.size(), 3U) << "in sync, failed, in sync again";
  EXPECT_EQ(status->history[1].result, "error");
  EXPECT_EQ(status->history[1].count, 1);
  EXPECT_EQ(status->history[2].count, 1);
  for (int i = 0; i < 8; ++i) {
    fail = i % 2 == 0;
    clock_.Advance(std::chrono::minutes(11));
    controller.RunDue();
  }
  EXPECT_EQ(controller.Status().Get(CheckKey("a"))->history.size(), ObjectStatus::kHistory)
      << "the last five different outcomes";
}

TEST_F(ControllerTest, AnUnchangedReloadDoesNotRequeueAndAChangedSpecDoesAtOnce) {
  auto& controller = Make();
  controller.SetObjects(Objects(Check("a")), "rev1");
  controller.RunDue();
  controller.SetObjects(Objects(Check("a")), "rev2");
  EXPECT_EQ(controller.RunDue(), 0U);
  EXPECT_EQ(controller.Status().Get(CheckKey("a"))->revision, "rev2");
  controller.SetObjects(Objects(Check("a", "{}", "[vm-1, vm-2]")), "rev3");
  EXPECT_EQ(controller.RunDue(), 1U);
  EXPECT_EQ(reconciler_->passes["a"], 2);
}

TEST_F(ControllerTest, ARemovedObjectIsForgottenNotDeleted) {
  auto& controller = Make();
  controller.SetObjects(Objects(Check("a") + Check("b")), "rev1");
  controller.RunDue();
  controller.SetObjects(Objects(Check("b")), "rev2");
  EXPECT_FALSE(controller.Status().Get(CheckKey("a")).has_value());
  clock_.Advance(std::chrono::minutes(10));
  controller.RunDue();
  EXPECT_EQ(reconciler_->passes["a"], 1);
  EXPECT_FALSE(controller.ReconcileNow(CheckKey("a"), false));
}

TEST_F(ControllerTest, ASuspendedObjectIsNotReconciled) {
  auto& controller = Make();
  controller.SetObjects(Objects(Check("a", "{suspend: true}")), "rev1");
  controller.RunDue();
  EXPECT_EQ(PhaseOf("a"), Phase::kSuspended);
  EXPECT_EQ(reconciler_->passes["a"], 0);
}

TEST_F(ControllerTest, DependentsWaitUntilTheirDependencyIsReadyAndAreWokenByIt) {
  bool dependency_ready = false;
  reconciler_->script = [&](rec::Context& context) {
    if (context.Object().metadata.name == "base" && !dependency_ready) {
      return Outcome::RequeueAfter(seconds(10), "Working");
    }
    return Outcome::Done(Phase::kReady, "InSync");
  };
  auto& controller = Make();
  controller.SetObjects(
      Objects(Check("base") +
              Check("top", "{depends_on: [{kind: GuestCustomizationCheck, name: base}]}")),
      "rev1");
  controller.RunDue();
  EXPECT_EQ(PhaseOf("top"), Phase::kWaiting);
  EXPECT_EQ(ReasonOf("top"), "DependencyNotReady");
  EXPECT_EQ(controller.Status().Get(CheckKey("top"))->waiting,
            rec::WaitingFor::Dependency(CheckKey("base")));
  EXPECT_EQ(reconciler_->passes["top"], 0);
  dependency_ready = true;
  clock_.Advance(seconds(10));
  controller.RunDue();  // base turns Ready and wakes top at once
  EXPECT_EQ(PhaseOf("base"), Phase::kReady);
  EXPECT_EQ(PhaseOf("top"), Phase::kReady);
  EXPECT_EQ(controller.Status().Get(CheckKey("top"))->waiting, std::nullopt);
  EXPECT_EQ(reconciler_->passes["top"], 1);
}

TEST_F(ControllerTest, FailedMutationsStallAtMaxFailuresUntilANewGenerationOrAReset) {
  reconciler_->script = [](rec::Context&) {
    return Outcome::MutationFailed("CancelFailed", "500 ERROR");
  };
  auto& controller = Make();
  controller.SetObjects(Objects(Check("a")), "rev1");
  controller.RunDue();
  EXPECT_EQ(PhaseOf("a"), Phase::kProgressing);
  clock_.Advance(seconds(40));
  controller.RunDue();
  clock_.Advance(seconds(80));
  controller.RunDue();
  EXPECT_EQ(reconciler_->passes["a"], 3);
  EXPECT_EQ(PhaseOf("a"), Phase::kStalled);
  EXPECT_EQ(ReasonOf("a"), "MaxFailuresReached");
  clock_.Advance(std::chrono::hours(1));
  EXPECT_EQ(controller.RunDue(), 0U) << "a stalled object is not retried";

  ASSERT_TRUE(controller.ReconcileNow(CheckKey("a"), /*reset=*/true));
  controller.RunDue();
  EXPECT_EQ(reconciler_->passes["a"], 4);
  EXPECT_EQ(controller.Status().Get(CheckKey("a"))->failures, 1);

  controller.SetObjects(Objects(Check("a", "{max_failures: 1}")), "rev2");
  controller.RunDue();
  EXPECT_EQ(PhaseOf("a"), Phase::kStalled);
  EXPECT_EQ(reconciler_->passes["a"], 5);
}

TEST_F(ControllerTest, FailedReadsBackOffButNeverStall) {
  reconciler_->script = [](rec::Context&) {
    return Outcome::ReadFailed("TargetUnreachable", "refused");
  };
  auto& controller = Make();
  controller.SetObjects(Objects(Check("a")), "rev1");
  for (int i = 0; i < 8; ++i) {
    controller.RunDue();
    clock_.Advance(std::chrono::minutes(11));
  }
  EXPECT_EQ(PhaseOf("a"), Phase::kProgressing);
  EXPECT_EQ(reconciler_->passes["a"], 8);
  EXPECT_EQ(controller.Status().Get(CheckKey("a"))->last_error, "TargetUnreachable: refused");
}

// An object that found its target unreachable is retried as soon as a pass finds the target
// answering again (Controller::SettleUnreachable), not after its backoff: after an appliance
// restart every check is back within a pass, not 30 s or more later (bench/scale.sh cold start).
TEST_F(ControllerTest, ObjectsThatFoundTheTargetUnreachableRetryAsSoonAsItAnswersAgain) {
  bool down = true;
  reconciler_->script = UnreachableWhile(down);
  auto& controller = Make();
  controller.SetObjects(Objects(Check("a") + Check("b") + Check("c")), "rev1");
  EXPECT_EQ(controller.RunDue(), 3U);
  EXPECT_EQ(PhaseOf("a"), Phase::kProgressing);
  down = false;
  clock_.Advance(seconds(1));
  EXPECT_EQ(controller.RunDue(), 0U) << "their backoff is 30 s";
  ASSERT_TRUE(controller.ReconcileNow(CheckKey("b"), false));
  EXPECT_EQ(controller.RunDue(), 3U) << "b's pass found the target answering: a and c went too";
  EXPECT_EQ(PhaseOf("a"), Phase::kReady);
  EXPECT_EQ(PhaseOf("c"), Phase::kReady);
  EXPECT_EQ(controller.Status().Get(CheckKey("a"))->failures, 0);
}

// A poll of an operation in flight that found the target down is woken as in_flight, not as a
// retry: it does not fall behind every other woken object and their calls.
TEST_F(ControllerTest, AWokenOperationInFlightKeepsItsClass) {
  bool down = true;
  std::vector<std::pair<std::string, rec::Priority>> seen;
  reconciler_->script = [&down, &seen](rec::Context& context) {
    const std::string name = context.Object().metadata.name;
    seen.emplace_back(name, vsphere::PassBudget::CurrentPriority());
    if (down) {
      Outcome outcome = Outcome::ReadFailed("TargetUnreachable", "refused");
      if (name == "op") {
        outcome.operation = rec::OperationStatus{};
        outcome.operation->name = "vcha.passive.redeploy";
      }
      return outcome;
    }
    vsphere::PassBudget::NoteAnswered();
    return Outcome::Done(Phase::kReady, "InSync");
  };
  auto& controller = Make();
  controller.SetObjects(Objects(Check("a") + Check("op") + Check("z")), "rev1");
  EXPECT_EQ(controller.RunDue(), 3U);
  down = false;
  seen.clear();
  ASSERT_TRUE(controller.ReconcileNow(CheckKey("z"), false));
  EXPECT_EQ(controller.RunDue(), 3U);
  using P = rec::Priority;
  EXPECT_EQ(seen, (std::vector<std::pair<std::string, P>>{
                      {"z", P::kChange}, {"op", P::kInFlight}, {"a", P::kRetry}}));
}

// An object removed while it waits for its target leaves no trace: the target's answer wakes
// only objects that exist.
TEST_F(ControllerTest, ARemovedObjectNoLongerWaitsForItsTarget) {
  bool down = true;
  reconciler_->script = UnreachableWhile(down);
  auto& controller = Make();
  controller.SetObjects(Objects(Check("a") + Check("b")), "rev1");
  EXPECT_EQ(controller.RunDue(), 2U);
  controller.SetObjects(Objects(Check("b")), "rev2");
  down = false;
  ASSERT_TRUE(controller.ReconcileNow(CheckKey("b"), false));
  EXPECT_EQ(controller.RunDue(), 1U);
  EXPECT_EQ(reconciler_->passes["a"], 1);
  EXPECT_FALSE(controller.Status().Get(CheckKey("a")));
}

// The wake-up cannot make an object loop: one whose calls fail for another reason than its
// target (e.g. a management vCenter that is down) while the target answers others gets at most
// one early pass per backoff.
TEST_F(ControllerTest, AnObjectStillUnreachableAfterAWakeUpWaitsForItsBackoff) {
  reconciler_->script = [](rec::Context& context) {
    if (context.Object().metadata.name == "a") {
      return Outcome::ReadFailed("TargetUnreachable", "management vCenter refused");
    }
    vsphere::PassBudget::NoteAnswered();
    return Outcome::RequeueAfter(seconds(1), "Running");
  };
  auto& controller = Make();
  controller.SetObjects(Objects(Check("a") + Check("b")), "rev1");
  for (int i = 0; i < 130; ++i) {
    controller.RunDue();
    clock_.Advance(seconds(1));
  }
  EXPECT_GE(reconciler_->passes["b"], 130);
  // a: fails at 0 s (backoff 30 s), woken at once by b, fails (60 s), then by its backoff at
  // about 60 s, woken again, fails (240 s): four passes, where an unguarded wake-up would give
  // one per pass of b.
  EXPECT_GE(reconciler_->passes["a"], 3);
  EXPECT_LE(reconciler_->passes["a"], 5);
}

// A wake-up belongs to the first pass that starts after it. A pass already running when another
// object's pass found the target answering (it began before the target was back) neither uses
// the wake-up nor puts its object back among those waiting for the target: the woken pass does,
// and when it fails too, the object waits for its backoff. Before, the running pass used the
// wake-up, the woken pass then counted as a plain failure and waited for the target again, and
// every later answer woke it once more: two early passes per backoff, or more.
TEST_F(ControllerTest, AWakeUpIsForTheNextPassNotTheOneAlreadyRunning) {
  bool down = true;  // b's answers; a never reaches its target (another endpoint is down)
  bool b_runs_during_a = false;
  Controller* controller = nullptr;
  reconciler_->script = [&](rec::Context& context) {
    if (context.Object().metadata.name == "b") {
      if (down) return Outcome::ReadFailed("TargetUnreachable", "refused");
      vsphere::PassBudget::NoteAnswered();
      return Outcome::Done(Phase::kReady, "InSync");
    }
    if (b_runs_during_a) {
      b_runs_during_a = false;
      // A worker of its own, as in the daemon: b's pass ends while a's is running.
      std::thread([&] { controller->RunOnce(CheckKey("b")); }).join();
    }
    return Outcome::ReadFailed("TargetUnreachable", "management vCenter refused");
  };
  controller = &Make();
  controller->SetObjects(Objects(Check("a") + Check("b")), "rev1");
  EXPECT_EQ(controller->RunDue(), 2U) << "both wait for the target";
  down = false;
  b_runs_during_a = true;
  ASSERT_TRUE(controller->ReconcileNow(CheckKey("a"), false));
  EXPECT_EQ(controller->RunDue(), 2U) << "a's pass, then the pass b's answer woke";
  EXPECT_EQ(reconciler_->passes["a"], 3);
  ASSERT_TRUE(controller->ReconcileNow(CheckKey("b"), false));
  EXPECT_EQ(controller->RunDue(), 1U) << "a waits for its backoff: b's answer no longer wakes it";
  EXPECT_EQ(reconciler_->passes["a"], 3);
}

// Drift checks start at most at their target's requests_per_second (Controller::PaceDriftCheck):
// the objects of one target falling due together no longer hold every worker waiting for that
// target's rate limit while other targets have work. A check put back gets a start time of its
// own, one step after the one before; an operator's request is never paced.
TEST_F(ControllerTest, DriftChecksStartAtTheirTargetsRateWhileOtherTargetsGoOn) {
  config_.targets["vc01"].requests_per_second = 10;  // one drift check per 100 ms
  config_.targets["vc02"].name = "vc02";
  config_.targets["vc02"].requests_per_second = 10;
  reconciler_->script = [](rec::Context&) { return Outcome::Done(Phase::kReady, "InSync"); };
  std::map<std::string, rec::TargetPorts> ports{{"vc01", rec::TargetPorts{"vc01"}},
                                                {"vc02", rec::TargetPorts{"vc02"}}};
  ControllerOptions options;
  options.seed = 1;
  controller_ = std::make_unique<Controller>(
      config_, ports, *journal_, clock_,
      ReconcilerSet{{manifests::Kind::kGuestCustomizationCheck, reconciler_}}, options, nullptr);
  Controller& controller = *controller_;
  std::string b1 = Check("b1");
  b1.replace(b1.find("vc01"), 4, "vc02");
  // The first load queues its objects as drift checks (the initial list), vc01's first.
  controller.SetObjects(Objects(Check("a1") + Check("a2") + Check("a3") + Check("a4") + b1),
                        "rev1");
  EXPECT_EQ(controller.RunDue(), 2U) << "a1, then vc02's b1 while a2 to a4 wait for their turn";
  ASSERT_TRUE(controller.ReconcileNow(CheckKey("a4"), false));
  EXPECT_EQ(controller.RunDue(), 1U) << "an operator's request is not paced";
  clock_.Advance(std::chrono::milliseconds(99));
  EXPECT_EQ(controller.RunDue(), 0U);
  clock_.Advance(std::chrono::milliseconds(1));
  EXPECT_EQ(controller.RunDue(), 1U);
  clock_.Advance(std::chrono::milliseconds(100));
  EXPECT_EQ(controller.RunDue(), 1U);
  clock_.Advance(std::chrono::milliseconds(100));
  EXPECT_EQ(controller.RunDue(), 0U) << "a4's turn was taken by the operator's request";
  EXPECT_EQ(reconciler_->order, (std::vector<std::string>{"a1", "b1", "a4", "a2", "a3"}));
  for (const char* name : {"a1", "a2", "a3", "a4", "b1"}) EXPECT_EQ(PhaseOf(name), Phase::kReady);
}

// Many new objects at once: the kinds that may start an operation go first (their operations
// make the critical path), the checks after them, each in manifest order.
TEST_F(ControllerTest, NewObjectsOfKindsThatMayMutateAreQueuedBeforeChecks) {
  reconciler_->may_mutate = false;
  auto depots = std::make_shared<ScriptedReconciler>();
  depots->script = [this](rec::Context& context) {
    reconciler_->order.push_back(context.Object().metadata.name);
    return Outcome::Done(Phase::kReady, "InSync");
  };
  std::map<std::string, rec::TargetPorts> ports{{"vc01", rec::TargetPorts{"vc01"}}};
  controller_ = std::make_unique<Controller>(
      config_, ports, *journal_, clock_,
      ReconcilerSet{{manifests::Kind::kGuestCustomizationCheck, reconciler_},
                    {manifests::Kind::kOfflineDepotFromHost, depots}},
      ControllerOptions{}, nullptr);
  const std::string depot =
      "apiVersion: vsrd/v1\nkind: OfflineDepotFromHost\nmetadata: {name: NAME}\n"
      "spec: {target: vc01, host: host-1}\n---\n";
  const auto named = [&depot](const std::string& name) {
    return std::regex_replace(depot, std::regex("NAME"), name);
  };
  controller_->SetObjects(
      Objects(Check("c1") + Check("c2") + named("d1") + Check("c3") + named("d2")), "rev1");
  EXPECT_EQ(controller_->RunDue(), 5U);
  EXPECT_EQ(reconciler_->order, (std::vector<std::string>{"d1", "d2", "c1", "c2", "c3"}));
}

TEST_F(ControllerTest, TwoObjectsOnOneTargetNeverMutateAtTheSameTime) {
  reconciler_->script = [](rec::Context& context) {
    if (!context.Record().in_flight) {
      if (!context.TryBeginMutation()) {
        Outcome busy = Outcome::RequeueAfter(seconds(15), "TargetBusy");
        busy.phase = Phase::kWaiting;
        return busy;
      }
      rec::ObjectRecord record;
      record.in_flight = rec::InFlight::Accepted("op", "task-" + context.Object().metadata.name,
                                                 context.Object().generation, context.Now(), "");
      if (!context.SaveRecord(record)) return Outcome::ReadFailed("JournalUnavailable", "");
      return Outcome::RequeueAfter(seconds(10), "Running");
    }
    context.SaveRecord(rec::ObjectRecord{});  // the task finished
    return Outcome::Done(Phase::kReady, "InSync");
  };
  auto& controller = Make();
  controller.SetObjects(Objects(Check("a") + Check("b")), "rev1");
  controller.RunDue();
  EXPECT_EQ(ReasonOf("a"), "Running");
  EXPECT_EQ(ReasonOf("b"), "TargetBusy");
  EXPECT_EQ(journal_->Keys(), std::vector<manifests::ObjectKey>{CheckKey("a")});
  clock_.Advance(seconds(10));
  controller.RunDue();  // a finishes and gives the slot back
  EXPECT_EQ(PhaseOf("a"), Phase::kReady);
  clock_.Advance(seconds(5));
  controller.RunDue();
  EXPECT_EQ(ReasonOf("b"), "Running");
}

TEST_F(ControllerTest, AnInFlightOperationInTheJournalHoldsTheSlotAfterARestart) {
  rec::ObjectRecord record;
  record.in_flight = rec::InFlight::Accepted("op", "task-a", "g", clock_.Now(), "");
  ASSERT_TRUE(journal_->Save(CheckKey("a"), record));
  reconciler_->script = [](rec::Context& context) {
    if (context.Record().in_flight) return Outcome::RequeueAfter(seconds(10), "Running");
    if (!context.TryBeginMutation()) return Outcome::RequeueAfter(seconds(15), "TargetBusy");
    return Outcome::Done(Phase::kReady, "InSync");
  };
  auto& controller = Make();
  controller.SetObjects(Objects(Check("a") + Check("b")), "rev1");
  controller.RunDue();
  EXPECT_EQ(ReasonOf("a"), "Running");
  EXPECT_EQ(ReasonOf("b"), "TargetBusy");
}

// Issue 14: an operation a pass finds running on the target without a journal record (an
// operator's, or ours after a failed journal write) is adopted without TryBeginMutation (it is
// not a mutation: no window or slot gate). It must still hold the target's slot from then on,
// so no second mutation starts beside it before the next reload.
TEST_F(ControllerTest, AnOperationAdoptedFromLiveStateHoldsTheSlotUntilItEnds) {
  bool adopted_running = true;
  reconciler_->script = [&adopted_running](rec::Context& context) {
    if (context.Object().metadata.name == "a") {
      if (!context.Record().in_flight) {
        // Live state shows an install nobody journaled: adopt and follow it.
        rec::ObjectRecord record;
        record.in_flight =
            rec::InFlight::Accepted("op", "", context.Object().generation, context.Now(), "");
        if (!context.SaveRecord(record)) return Outcome::ReadFailed("JournalUnavailable", "");
        return Outcome::RequeueAfter(seconds(10), "Adopted");
      }
      if (adopted_running) return Outcome::RequeueAfter(seconds(10), "Running");
      context.SaveRecord(rec::ObjectRecord{});  // it ended
      return Outcome::Done(Phase::kReady, "InSync");
    }
    // b: waits a second (so a has adopted first), then wants to mutate.
    if (context.Now() == WallTime(std::chrono::hours(24 * 365 * 56))) {
      return Outcome::RequeueAfter(seconds(1), "NotYet");
    }
    return MutateUnlessBusy(context);
  };
  auto& controller = Make();
  controller.SetObjects(Objects(Check("a") + Check("b")), "rev1");
  controller.RunDue();
  EXPECT_EQ(ReasonOf("a"), "Adopted");
  EXPECT_EQ(ReasonOf("b"), "NotYet");
  clock_.Advance(seconds(1));
  controller.RunDue();
  EXPECT_EQ(ReasonOf("b"), "TargetBusy") << "a mutation started beside an adopted operation";
  clock_.Advance(seconds(9));
  controller.RunDue();  // a: still running, still holding the slot
  EXPECT_EQ(ReasonOf("a"), "Running");
  adopted_running = false;
  clock_.Advance(seconds(10));
  controller.RunDue();  // a's operation ended: the slot is given back
  EXPECT_EQ(PhaseOf("a"), Phase::kReady);
  clock_.Advance(seconds(15));  // b's next look, whichever ran first at 20s
  controller.RunDue();
  EXPECT_EQ(ReasonOf("b"), "Mutated");
}

/// Scripted operations whose end the test decides: an object without a finished operation asks
/// for a slot (TargetBusy when refused), journals its operation and polls it every 10 s until
/// the test puts its name in `ended`; then it is Ready ("Mutated") for good.
struct TimedOperations {
  std::set<std::string> ended;
  std::set<std::string> finished;
  std::vector<std::string> started;  ///< names, in the order their operations started
  std::mutex mutex;
  Outcome operator()(rec::Context& context) {
    const std::string name = context.Object().metadata.name;
    const std::lock_guard lock(mutex);
    if (finished.contains(name)) return Outcome::Done(Phase::kReady, "Mutated");
    if (!context.Record().in_flight) {
      if (!context.TryBeginMutation()) return MutateUnlessBusy(context);  // refused again
      rec::ObjectRecord record;
      record.in_flight = rec::InFlight::Accepted("op", "task-" + name, context.Object().generation,
                                                 context.Now(), "");
      if (!context.SaveRecord(record)) return Outcome::ReadFailed("JournalUnavailable", "");
      started.push_back(name);
      return Outcome::RequeueAfter(seconds(10), "Running");
    }
    if (!ended.contains(name)) return Outcome::RequeueAfter(seconds(10), "Running");
    context.SaveRecord(rec::ObjectRecord{});
    finished.insert(name);
    return Outcome::Done(Phase::kReady, "Mutated");
  }
};

// Issue 15: a freed slot starts the next waiting mutation at once (not after its 15 s TargetBusy
// retry), first come first served: the object refused first goes first, and a newcomer never
// overtakes an object already waiting.
TEST_F(ControllerTest, AFreedSlotStartsTheFirstWaitingMutationAtOnceAndNoNewcomerOvertakes) {
  auto operations = std::make_shared<TimedOperations>();
  reconciler_->script = [operations](rec::Context& context) { return (*operations)(context); };
  auto& controller = Make();
  controller.SetObjects(Objects(Check("a")), "rev1");
  controller.RunDue();
  EXPECT_EQ(ReasonOf("a"), "Running");
  controller.SetObjects(Objects(Check("a") + Check("b")), "rev2");
  controller.RunDue();
  controller.SetObjects(Objects(Check("a") + Check("b") + Check("c")), "rev3");
  controller.RunDue();
  EXPECT_EQ(ReasonOf("b"), "TargetBusy");
  EXPECT_EQ(ReasonOf("c"), "TargetBusy");

  // a ends at its next poll; b was refused before c, so b starts in the same instant.
  operations->ended.insert("a");
  clock_.Advance(seconds(10));
  controller.RunDue();
  EXPECT_EQ(ReasonOf("a"), "Mutated");
  EXPECT_EQ(ReasonOf("b"), "Running") << "the freed slot waited for b's 15 s retry";
  EXPECT_EQ(ReasonOf("c"), "TargetBusy");

  // b ends in a pass run on its own; d arrives (a manifest change: served first) before c's
  // wakeup is served. The slot is c's: d waits behind it.
  operations->ended.insert("b");
  ASSERT_TRUE(controller.RunOnce(CheckKey("b")).has_value());
  controller.SetObjects(Objects(Check("a") + Check("b") + Check("c") + Check("d")), "rev4");
  controller.RunDue();
  EXPECT_EQ(ReasonOf("d"), "TargetBusy") << "a newcomer overtook c";
  EXPECT_EQ(ReasonOf("c"), "Running");
  operations->ended.insert("c");
  clock_.Advance(seconds(10));
  controller.RunDue();
  EXPECT_EQ(ReasonOf("d"), "Running");
  EXPECT_EQ(operations->started, (std::vector<std::string>{"a", "b", "c", "d"}));
}

// A waiting object that stops waiting (suspended, stalled, removed, or no longer in need of a
// mutation) gives up its place: it never holds up the objects behind it.
TEST_F(ControllerTest, AnObjectThatStopsWaitingForASlotGivesUpItsPlaceInLine) {
  auto operations = std::make_shared<TimedOperations>();
  bool b_stalls = false;
  reconciler_->script = [operations, &b_stalls](rec::Context& context) {
    if (context.Object().metadata.name == "b" && b_stalls) {
      EXPECT_FALSE(context.TryBeginMutation());  // refused again, then it stalls
      return Outcome::Stalled("NotConfigured", "b cannot go on");
    }
    return (*operations)(context);
  };
  auto& controller = Make();
  const std::string rest = Check("c") + Check("d") + Check("e");
  controller.SetObjects(Objects(Check("a") + Check("b") + Check("s") + Check("r") + rest), "rev1");
  controller.RunDue();
  ASSERT_EQ(operations->started, std::vector<std::string>{"a"});
  // In line: b, s, r, c, d, e. s is suspended, r removed, b stalls at its next pass.
  controller.SetObjects(Objects(Check("a") + Check("b") + Check("s", "{suspend: true}") + rest),
                        "rev2");
  controller.RunDue();
  EXPECT_EQ(PhaseOf("s"), Phase::kSuspended);
  b_stalls = true;
  ASSERT_TRUE(controller.ReconcileNow(CheckKey("b"), false));
  controller.RunDue();
  EXPECT_EQ(PhaseOf("b"), Phase::kStalled);
  operations->ended.insert("a");
  clock_.Advance(seconds(10));
  controller.RunDue();
  EXPECT_EQ(ReasonOf("c"), "Running") << "a place left by a suspended, stalled or removed object";
  EXPECT_EQ(ReasonOf("d"), "TargetBusy");
  EXPECT_EQ(operations->started, (std::vector<std::string>{"a", "c"}));
}

// Issue 15: the work queue serves manifest changes before drift checks: a generation that
// changes while 19 drift checks are ready runs next, not after them.
TEST_F(ControllerTest, AChangedGenerationRunsBeforeTheDriftChecksReadyBeforeIt) {
  std::string yaml;
  std::string changed;
  for (int i = 0; i < 20; ++i) {
    const std::string name = "o" + std::to_string(i);
    yaml += Check(name);
    changed += i == 17 ? Check(name, "{}", "[vm-1, vm-2]") : Check(name);
  }
  std::vector<std::string> order;
  bool change_during_pass = false;
  reconciler_->script = [&](rec::Context& context) {
    order.push_back(context.Object().metadata.name);
    if (change_during_pass) {
      // The first drift check's pass: every other drift check is ready by now.
      change_during_pass = false;
      controller_->SetObjects(Objects(changed), "rev2");
    }
    return Outcome::Done(Phase::kReady, "InSync");
  };
  auto& controller = Make();
  controller.SetObjects(Objects(yaml), "rev1");
  controller.RunDue();
  clock_.Advance(std::chrono::minutes(6));  // every drift check is due
  order.clear();
  change_during_pass = true;
  controller.RunDue();
  ASSERT_GE(order.size(), 20U);
  // (Should the first drift check be o17's own, its change runs again right after it.)
  EXPECT_EQ(order[1], "o17") << "the change waited behind the drift checks";
}

// The rate limit serves a pass's API calls by the class the pass was queued in
// (daemon/vsphere/pass_budget.hpp): the pass's thread carries it.
TEST_F(ControllerTest, APassRunsAtTheClassItWasQueuedIn) {
  std::vector<std::pair<std::string, rec::Priority>> seen;
  reconciler_->script = [&seen](rec::Context& context) {
    seen.emplace_back(context.Object().metadata.name, vsphere::PassBudget::CurrentPriority());
    if (seen.size() == 3) return Outcome::RequeueAfter(seconds(10), "Running");
    return Outcome::Done(Phase::kReady, "InSync");
  };
  auto& controller = Make();
  controller.SetObjects(Objects(Check("a")), "rev1");
  controller.RunDue();  // the initial list: behind operations in flight, as drift checks
  controller.SetObjects(Objects(Check("a") + Check("b")), "rev2");
  controller.RunDue();  // b is new in a later load: a change
  clock_.Advance(std::chrono::minutes(6));
  controller.RunDue();  // a's drift check, which finds work under way; and b's
  clock_.Advance(seconds(10));
  controller.RunDue();  // following a's work
  using P = rec::Priority;
  EXPECT_EQ(seen, (std::vector<std::pair<std::string, P>>{{"a", P::kDrift},
                                                          {"b", P::kChange},
                                                          {"a", P::kDrift},
                                                          {"b", P::kDrift},
                                                          {"a", P::kInFlight}}));
  EXPECT_EQ(vsphere::PassBudget::CurrentPriority(), rec::Priority::kChange) << "outside a pass";
}

// The initial list of a restarted vsrd: an object whose journal records an operation in flight
// is followed first, before the objects with nothing under way.
TEST_F(ControllerTest, OnTheFirstLoadAnOperationInFlightIsFollowedBeforeTheOthers) {
  rec::ObjectRecord record;
  record.in_flight = rec::InFlight{};
  record.in_flight->operation = "redeploy";
  record.in_flight->task = "task-1";
  record.in_flight->state = rec::Submission::kAccepted;
  std::string error;
  ASSERT_TRUE(journal_->Save(CheckKey("z"), record, &error)) << error;
  auto& controller = Make();
  controller.SetObjects(Objects(Check("a") + Check("b") + Check("z")), "rev1");
  EXPECT_EQ(controller.RunDue(), 3U);
  EXPECT_EQ(reconciler_->order, (std::vector<std::string>{"z", "a", "b"}));
}

TEST_F(ControllerTest, PassesPhasesOperationsAndObservationsReachTheMetrics) {
  reconciler_->script = [](rec::Context& context) {
    if (!context.Record().in_flight && context.Record().facts.empty()) {
      context.TryBeginMutation();
      rec::ObjectRecord record;
      record.in_flight = rec::InFlight::Accepted("op", "task-1", "g", context.Now(), "");
      context.SaveRecord(record);
      context.ObserveDrift();
      return Outcome::RequeueAfter(seconds(10), "Running");
    }
    rec::ObjectRecord done;
    done.facts["result"] = "ok";
    context.SaveRecord(done);
    context.ObserveVmCustomizable("vm-1", false);
    return Outcome::Done(Phase::kReady, "InSync");
  };
  Metrics metrics("test");
  auto& controller = Make(&metrics);
  controller.SetObjects(Objects(Check("a")), "rev1");
  controller.RunDue();
  std::string text = metrics.Render();
  const std::string kind = "kind=\"GuestCustomizationCheck\"";
  EXPECT_NE(text.find("vsrd_operations_in_flight{" + kind + "} 1\n"), std::string::npos) << text;
  EXPECT_NE(text.find("vsrd_reconcile_total{" + kind + ",result=\"requeue\"} 1\n"),
            std::string::npos);
  EXPECT_NE(text.find("vsrd_drift_detected_total{" + kind + ",name=\"a\"} 1\n"), std::string::npos);
  EXPECT_NE(text.find("vsrd_last_applied_revision_info{revision=\"rev1\"} 1\n"), std::string::npos);

  clock_.Advance(seconds(10));
  controller.RunDue();
  text = metrics.Render();
  EXPECT_NE(text.find("vsrd_operations_in_flight{" + kind + "} 0\n"), std::string::npos) << text;
  EXPECT_NE(
      text.find("vsrd_operation_duration_seconds_count{" + kind + ",outcome=\"succeeded\"} 1\n"),
      std::string::npos)
      << text;
  EXPECT_NE(text.find("vsrd_reconcile_total{" + kind + ",result=\"success\"} 1\n"),
            std::string::npos);
  EXPECT_NE(text.find("vsrd_object_ready{" + kind + ",name=\"a\"} 1\n"), std::string::npos);
  EXPECT_NE(text.find("vsrd_vm_customizable{target=\"vc01\",vm=\"vm-1\"} 0\n"), std::string::npos);
}

TEST_F(ControllerTest, WorkerThreadsReconcileEveryObjectAndStopCleanly) {
  auto& controller = Make();
  std::string yaml;
  for (int i = 0; i < 20; ++i) yaml += Check("o" + std::to_string(i));
  controller.SetObjects(Objects(yaml), "rev1");
  controller.Start();
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  auto all_ready = [&] {
    for (const auto& status : controller.Status().Snapshot()) {
      if (status.phase != Phase::kReady) return false;
    }
    return true;
  };
  while (!all_ready() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  controller.Stop();
  EXPECT_TRUE(all_ready());
  EXPECT_EQ(controller.Status().Snapshot().size(), 20U);
}

TEST_F(ControllerTest, LivenessReportsRunningWorkersAndTheAgeOfAPassInProgress) {
  std::promise<void> entered;
  std::promise<void> release;
  auto released = release.get_future().share();
  reconciler_->script = [&entered, released](rec::Context&) {
    entered.set_value();
    released.wait();
    return Outcome::Done(Phase::kReady, "InSync");
  };
  auto& controller = Make();
  EXPECT_EQ(controller.Liveness().workers_started, 0);
  controller.SetObjects(Objects(Check("slow")), "");
  controller.Start();
  entered.get_future().wait();
  clock_.Advance(std::chrono::seconds(400));
  const auto busy = controller.Liveness();
  EXPECT_EQ(busy.workers_started, 2);
  EXPECT_EQ(busy.workers_running, 2);
  EXPECT_EQ(busy.oldest_pass, std::chrono::seconds(400));
  release.set_value();
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (controller.Liveness().oldest_pass.count() != 0 &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  EXPECT_EQ(controller.Liveness().oldest_pass.count(), 0);
  controller.Stop();
  EXPECT_EQ(controller.Liveness().workers_running, 0);
}

// Issue 14: every pass runs inside its time budget (daemon/vsphere/pass_budget.hpp), which
// refuses API calls its remainder cannot hold; outside a pass there is none.
TEST_F(ControllerTest, EveryPassRunsInsideItsTimeBudget) {
  std::optional<std::chrono::steady_clock::duration> left;
  bool allows_a_minute = false;
  bool allows_five_minutes = true;
  reconciler_->script = [&](rec::Context&) {
    if (const auto deadline = vsphere::PassBudget::Deadline()) {
      left = *deadline - std::chrono::steady_clock::now();
    }
    allows_a_minute = vsphere::PassBudget::AllowsCall(std::chrono::minutes(1));
    allows_five_minutes = vsphere::PassBudget::AllowsCall(std::chrono::minutes(5));
    return Outcome::Done(Phase::kReady, "InSync");
  };
  auto& controller = Make();
  controller.SetObjects(Objects(Check("budgeted")), "");
  ASSERT_EQ(controller.RunDue(), 1U);
  ASSERT_TRUE(left.has_value());
  EXPECT_LE(*left, kPassBudget);
  EXPECT_GT(*left, kPassBudget - std::chrono::seconds(10));
  EXPECT_TRUE(allows_a_minute);
  EXPECT_FALSE(allows_five_minutes);
  EXPECT_FALSE(vsphere::PassBudget::Deadline().has_value());
}

// A stopping controller's workers end as their passes do: Liveness says it is stopping, so that
// /healthz does not count the ended workers as dead during a reload (Daemon::HealthChecks).
TEST_F(ControllerTest, LivenessSaysWhenTheControllerIsStopping) {
  auto& controller = Make();
  controller.Start();
  EXPECT_FALSE(controller.Liveness().stopping);
  controller.Stop();
  const auto stopped = controller.Liveness();
  EXPECT_TRUE(stopped.stopping);
  EXPECT_EQ(stopped.workers_running, 0);
}

// Issue 13, path 8: a removed object with an operation in flight keeps its slot and is followed
// until the operation ends; then it is forgotten with its journal entry.
TEST_F(ControllerTest, ARemovedObjectWithAnOperationInFlightIsFollowedAsAnOrphanUntilItEnds) {
  bool task_done = false;
  reconciler_->script = [&task_done](rec::Context& context) {
    if (context.Record().in_flight) {
      if (!task_done) return Outcome::RequeueAfter(seconds(10), "Running");
      context.SaveRecord(rec::ObjectRecord{});
      return Outcome::Done(Phase::kReady, "InSync");
    }
    if (const auto blocked = context.MutationsBlocked()) {
      return Outcome::ReadFailed(blocked->reason, blocked->message);
    }
    if (!context.TryBeginMutation()) {
      Outcome busy = Outcome::RequeueAfter(seconds(15), "TargetBusy");
      busy.phase = Phase::kWaiting;
      return busy;
    }
    rec::ObjectRecord record;
    record.in_flight = rec::InFlight::Accepted("op", "task-" + context.Object().metadata.name,
                                               context.Object().generation, context.Now(), "");
    context.SaveRecord(record);
    return Outcome::RequeueAfter(seconds(10), "Running");
  };
  auto& controller = Make();
  controller.SetObjects(Objects(Check("a")), "rev1");
  controller.RunDue();
  ASSERT_EQ(ReasonOf("a"), "Running");

  // "a" is removed from git, "b" arrives: "a"'s operation still holds the only slot.
  controller.SetObjects(Objects(Check("b")), "rev2");
  clock_.Advance(seconds(10));
  controller.RunDue();
  EXPECT_EQ(ReasonOf("b"), "TargetBusy");
  const auto orphan = controller.Status().Get(CheckKey("a"));
  ASSERT_TRUE(orphan);
  EXPECT_EQ(orphan->details.at("orphaned"), "true");
  EXPECT_EQ(journal_->Keys(), std::vector<manifests::ObjectKey>{CheckKey("a")});

  // The operation ends: "a" is forgotten (status and journal) and "b" gets the slot.
  task_done = true;
  clock_.Advance(seconds(15));
  controller.RunDue();  // a's poll (due first) ends it; b's retry then takes the slot
  EXPECT_FALSE(controller.Status().Get(CheckKey("a")));
  EXPECT_EQ(ReasonOf("b"), "Running");
  EXPECT_EQ(journal_->Keys(), std::vector<manifests::ObjectKey>{CheckKey("b")});
}

// Issue 13, path 8, across a restart: the journal records an operation in flight for an object
// whose manifest was removed while vsrd was down. Nothing can follow it, but it keeps its
// target's slot until defaults.timeout after its start; a returning manifest follows it again.
TEST_F(ControllerTest, AnOperationInFlightWhoseManifestWentAwayWhileDownHoldsItsSlotUntilTimeout) {
  config_.defaults.timeout = std::chrono::hours(1);
  rec::ObjectRecord gone;
  gone.in_flight = rec::InFlight::Accepted("op", "task-gone", "g", clock_.Now(), "");
  gone.in_flight->target = "vc01";
  ASSERT_TRUE(journal_->Save(CheckKey("gone"), gone));
  rec::ObjectRecord elsewhere;  // on another target: holds nothing of vc01
  elsewhere.in_flight = rec::InFlight::Accepted("op", "task-x", "g", clock_.Now(), "");
  elsewhere.in_flight->target = "vc02";
  ASSERT_TRUE(journal_->Save(CheckKey("elsewhere"), elsewhere));

  reconciler_->script = [](rec::Context& context) {
    if (context.Record().in_flight) return Outcome::RequeueAfter(seconds(10), "Following");
    return MutateUnlessBusy(context);
  };
  auto& controller = Make();
  controller.SetObjects(Objects(Check("b")), "rev1");
  controller.RunDue();
  EXPECT_EQ(ReasonOf("b"), "TargetBusy");
  EXPECT_FALSE(controller.Status().Get(CheckKey("gone"))) << "a removed object stays removed";

  // Its time is up: the slot is free; the record stays for its manifest.
  clock_.Advance(std::chrono::hours(1));
  controller.RunDue();
  EXPECT_EQ(ReasonOf("b"), "Mutated");
  EXPECT_TRUE(journal_->Get(CheckKey("gone")).in_flight);

  // Its manifest returns: it is followed again.
  controller.SetObjects(Objects(Check("b") + Check("gone")), "rev2");
  controller.RunDue();
  EXPECT_EQ(ReasonOf("gone"), "Following");
}

// Issue 13, path 8: a pass that ends after its object was removed does not bring it back.
TEST_F(ControllerTest, APassEndingAfterItsObjectWasRemovedDoesNotBringItBack) {
  Metrics metrics("test");
  auto& controller = Make(&metrics);
  reconciler_->script = [&controller](rec::Context&) {
    controller.SetObjects(std::vector<manifests::Object>{}, "rev2");  // removed while the pass runs
    return Outcome::Done(Phase::kReady, "InSync");
  };
  controller.SetObjects(Objects(Check("a")), "rev1");
  controller.RunDue();
  EXPECT_FALSE(controller.Status().Get(CheckKey("a")));
  EXPECT_EQ(metrics.Render().find("name=\"a\""), std::string::npos) << metrics.Render();
}

// Issue 14: a manifest reload that lands while a pass runs writes the new generation and
// revision into the status; the pass, settling afterwards, must not put its older ones back.
// It reports what it observed (observed_generation) and nothing else of the manifest.
TEST_F(ControllerTest, APassDoesNotOverwriteTheGenerationAndRevisionOfAReloadDuringIt) {
  auto& controller = Make();
  const auto changed = Objects(Check("a", "{interval: 10m}"));
  bool reload_changed_spec = true;
  reconciler_->script = [&](rec::Context&) {
    if (reload_changed_spec) {
      controller.SetObjects(changed, "rev2");  // a new spec arrives during the pass
    } else {
      controller.SetObjects(changed, "rev3");  // the same spec at a new git revision
    }
    return Outcome::Done(Phase::kReady, "InSync");
  };
  const auto original = Objects(Check("a"));
  controller.SetObjects(original, "rev1");
  ASSERT_NE(original.at(0).generation, changed.at(0).generation);
  controller.RunOnce(CheckKey("a"));
  auto status = controller.Status().Get(CheckKey("a"));
  ASSERT_TRUE(status);
  EXPECT_EQ(status->generation, changed.at(0).generation) << "the pass put its old spec back";
  EXPECT_EQ(status->revision, "rev2");
  EXPECT_EQ(status->observed_generation, original.at(0).generation);

  // The next pass acts on the new spec; a reload of the same spec at a new revision during it
  // requeues nothing, so a clobbered revision would stay until the next interval.
  reload_changed_spec = false;
  controller.RunOnce(CheckKey("a"));
  status = controller.Status().Get(CheckKey("a"));
  ASSERT_TRUE(status);
  EXPECT_EQ(status->generation, changed.at(0).generation);
  EXPECT_EQ(status->observed_generation, changed.at(0).generation);
  EXPECT_EQ(status->revision, "rev3") << "the pass put its old revision back";

  // A pass of the old spec that fails while a new spec arrives: its failure is not counted
  // against the new generation, which starts at 0 failures.
  const auto third = Objects(Check("a", "{interval: 20m}"));
  reconciler_->script = [&](rec::Context&) {
    controller.SetObjects(third, "rev4");
    return Outcome::ReadFailed("ReadFailed", "vCenter did not answer");
  };
  controller.RunOnce(CheckKey("a"));
  status = controller.Status().Get(CheckKey("a"));
  ASSERT_TRUE(status);
  EXPECT_EQ(status->generation, third.at(0).generation);
  EXPECT_EQ(status->revision, "rev4");
  EXPECT_EQ(status->failures, 0);
}

// Issue 13, paths 3 and 6: the attempts are in the journal; a reset clears them and an
// unresolved submission, but never an accepted operation.
TEST_F(ControllerTest, AResetClearsTheJournaledAttemptsAndAnUnresolvedSubmission) {
  auto& controller = Make();
  controller.SetObjects(Objects(Check("a")), "rev1");
  rec::ObjectRecord record;
  record.attempts_generation = "g";
  record.attempts = 3;
  record.in_flight = rec::InFlight::Accepted("op", "", "g", clock_.Now(), "");
  record.in_flight->state = rec::Submission::kUnknown;
  ASSERT_TRUE(journal_->Save(CheckKey("a"), record));
  EXPECT_TRUE(controller.ReconcileNow(CheckKey("a"), /*reset=*/true));
  EXPECT_EQ(journal_->Get(CheckKey("a")), rec::ObjectRecord{});

  record.in_flight->state = rec::Submission::kAccepted;
  record.in_flight->task = "task-1";
  ASSERT_TRUE(journal_->Save(CheckKey("a"), record));
  EXPECT_TRUE(controller.ReconcileNow(CheckKey("a"), /*reset=*/true));
  const auto after = journal_->Get(CheckKey("a"));
  EXPECT_EQ(after.attempts, 0);
  ASSERT_TRUE(after.in_flight) << "an accepted operation is still followed";
  EXPECT_EQ(after.in_flight->task, "task-1");
}

// Issue 13, "Stopping": once a stop begins no mutation starts.
TEST_F(ControllerTest, NoMutationStartsOnceAStopHasBegun) {
  std::optional<rec::MutationBlock> seen;
  reconciler_->script = [&seen](rec::Context& context) {
    seen = context.MutationsBlocked();
    return Outcome::Done(Phase::kReady, "InSync");
  };
  auto& controller = Make();
  controller.SetObjects(Objects(Check("a")), "rev1");
  controller.RunDue();
  EXPECT_FALSE(seen);
  controller.RefuseMutations();
  controller.ReconcileNow(CheckKey("a"), false);
  controller.RunDue();
  ASSERT_TRUE(seen);
  EXPECT_EQ(seen->reason, "ShuttingDown");
}

// Issue 13, path 2: a journal write failure blocks mutations until a write succeeds again.
TEST_F(ControllerTest, AFailedJournalWriteBlocksMutationsUntilAWriteSucceeds) {
  std::optional<rec::MutationBlock> seen;
  bool write = true;
  reconciler_->script = [&](rec::Context& context) {
    if (write) {
      rec::ObjectRecord record;
      record.facts["x"] = "1";
      EXPECT_FALSE(context.SaveRecord(record));
      write = false;
    }
    seen = context.MutationsBlocked();
    return Outcome::Done(Phase::kReady, "InSync");
  };
  Metrics metrics("test");
  auto& controller = Make(&metrics);
  controller.SetObjects(Objects(Check("a")), "rev1");
  // A state_dir that cannot be written: a regular file where the directory should be.
  std::filesystem::create_directories(dir_.parent_path());
  { std::ofstream blocker(dir_); }
  controller.RunDue();
  ASSERT_TRUE(seen);
  EXPECT_EQ(seen->reason, "JournalUnavailable");
  EXPECT_NE(metrics.Render().find("vsrd_journal_writable 0"), std::string::npos);
  // The disk is back: the gate's probe write succeeds and mutations may start.
  std::filesystem::remove(dir_);
  controller.ReconcileNow(CheckKey("a"), false);
  controller.RunDue();
  EXPECT_FALSE(seen);
  EXPECT_NE(metrics.Render().find("vsrd_journal_writable 1"), std::string::npos);
}

}  // namespace
}  // namespace vsrd::daemon
