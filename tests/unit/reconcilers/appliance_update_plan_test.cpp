#include <chrono>
#include <compare>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "reconcilers/appliance_update/plan.hpp"
#include "reconcilers/appliance_update/version.hpp"

// The pure ApplianceUpdate plan, table by table: every rule of the issue for both flavors
// (in sync, never downgrade, availability, precheck, stage, install, restart and timeout,
// attempts per generation, adoption of an unjournaled operation), plus the version order and
// the request lines `vsrd plan` prints.

namespace vsrd::reconcilers::appliance_update {
namespace {

using ports::UpdateManagerTaskStatus;
using ports::UpdateState;
using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;

const WallTime kNow = std::chrono::sys_days{std::chrono::year{2026} / 1 / 3} + hours(2);
constexpr const char* kGeneration = "gen-2";
constexpr const char* kVcFrom = "8.0.1.00000";
constexpr const char* kVcTo = "8.0.2.00100";
constexpr const char* kUmFrom = "9.0.1.0";
constexpr const char* kUmTo = "9.0.2.0-24522545";
constexpr const char* kTaskId = "6f1c2d3e-0000-4000-8000-000000000001";

ports::ApiError Unreachable(ports::ErrorKind kind = ports::ErrorKind::kRefused) {
  ports::ApiError error;
  error.kind = kind;
  error.operation = "appliance.system.version.get";
  error.detail = "127.0.0.1:8443: connection refused";
  return error;
}

ports::ApiError Http(int status, std::string error_type = "") {
  ports::ApiError error;
  error.kind = ports::ErrorKind::kApi;
  error.operation = "tasks.get";
  error.http_status = status;
  error.error_type = std::move(error_type);
  return error;
}

ports::ApplianceTask UpdateTask(std::int64_t completed, ports::TaskStatus status) {
  ports::ApplianceTask task;
  task.status = status;
  task.progress = ports::TaskProgress{100, completed, "working"};
  task.start_time = kNow - minutes(7);
  return task;
}

ports::UpdateManagerTask UmTask(UpdateManagerTaskStatus status, std::int64_t progress = 0) {
  ports::UpdateManagerTask task;
  task.id = kTaskId;
  task.status = status;
  task.progress = progress;
  return task;
}

InFlight Flight(std::string_view operation, std::string detail, WallTime::duration ago,
                std::string task = "", std::string generation = kGeneration) {
  return InFlight::Accepted(std::string(operation), std::move(task), std::move(generation),
                            kNow - ago, std::move(detail));
}

ports::PrecheckResult CleanPrecheck() {
  ports::PrecheckResult precheck;
  precheck.check_time = "2026-01-03T02:00:00Z";
  return precheck;
}

/// One row: the inputs of Plan and what the step must say.
struct Case {
  std::string name;
  Desired desired;
  Live live;
  ObjectRecord record;
  EffectivePolicy policy;
  StepKind kind = StepKind::kInSync;
  std::string reason;
  std::function<void(const Step&)> check;

  Case& With(const std::function<void(Case&)>& change) {
    change(*this);
    return *this;
  }
  Case& Expect(StepKind expected_kind, std::string expected_reason) {
    kind = expected_kind;
    reason = std::move(expected_reason);
    return *this;
  }
  Case& Then(std::function<void(const Step&)> more) {
    check = std::move(more);
    return *this;
  }
};

/// A vcenter row: the appliance runs `current` and GET /api/appliance/update says `state`
/// (`update_version` defaulting to the desired version for the *_IN_PROGRESS/PENDING states).
Case Vc(std::string name, std::string current, UpdateState state = UpdateState::kUpToDate,
        const std::string& update_version = kVcTo) {
  Case row;
  row.name = std::move(name);
  row.desired.flavor = Flavor::kVcenter;
  row.desired.version = kVcTo;
  row.desired.generation = kGeneration;
  row.live.current_version = std::move(current);
  ports::UpdateInfo update;
  update.state = state;
  update.version = state == UpdateState::kUpToDate ? row.live.current_version : update_version;
  row.live.update = update;
  return row;
}

Case Um(std::string name, std::string current) {
  Case row;
  row.name = std::move(name);
  row.desired.flavor = Flavor::kUpdateManager;
  row.desired.version = kUmTo;
  row.desired.generation = kGeneration;
  row.live.current_version = std::move(current);
  return row;
}

bool Contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

void RunCases(const std::vector<Case>& cases) {
  for (const auto& row : cases) {
    SCOPED_TRACE(row.name);
    const Step step = Plan(row.desired, row.live, row.record, kNow, row.policy);
    EXPECT_EQ(static_cast<int>(step.kind), static_cast<int>(row.kind))
        << step.reason << ": " << step.message;
    EXPECT_EQ(step.reason, row.reason) << step.message;
    if (row.check) row.check(step);
  }
}

std::string Precheck(const std::string& version) {
  return "POST /api/appliance/update/pending/" + version + "?action=precheck";
}
std::string Stage(const std::string& version) {
  return "POST /api/appliance/update/pending/" + version + "?action=stage";
}
std::string Install(const std::string& version) {
  return "POST /api/appliance/update/pending/" + version + "?action=install {\"user_data\": {}}";
}
const std::string kRetrieve = "POST /appliance/update-manager/actions/retrieve-updates";
std::string UmInstall(const std::string& version) {
  return "POST /appliance/update-manager/updates/" + version + "/actions/install";
}

TEST(ApplianceUpdatePlan, VcenterWithNothingInFlight) {
  const std::vector<std::string> offered{kVcTo, "8.0.3.00000"};
  const std::vector<Case> cases{
      Vc("the appliance at the desired version is in sync", kVcTo)
          .Expect(StepKind::kInSync, "UpToDate")
          .Then([](const Step& step) { EXPECT_TRUE(Contains(step.message, kVcTo)); }),
      Vc("a version that differs only in leading zeros is the same version", "8.0.2.100")
          .Expect(StepKind::kInSync, "UpToDate"),
      Vc("an older desired version is refused as a downgrade", "8.0.3.00000")
          .Expect(StepKind::kBlocked, "DowngradeRefused")
          .Then([](const Step& step) {
            EXPECT_TRUE(Contains(step.message, "8.0.3.00000")) << step.message;
          }),
      Vc("components compare as numbers, so 8.0.9 on 8.0.10 is a downgrade", "8.0.10")
          .With([](Case& row) { row.desired.version = "8.0.9"; })
          .Expect(StepKind::kBlocked, "DowngradeRefused"),
      Vc("an update to start first asks for the pending list", kVcFrom)
          .Expect(StepKind::kRead, "")
          .Then([](const Step& step) { EXPECT_EQ(step.read, ReadKind::kPendingList); }),
      Vc("a version missing from the pending list is not available and the message names "
         "what is",
         kVcFrom)
          .With([](Case& row) {
            row.desired.version = "8.0.4.00000";
            row.live.available = std::vector<std::string>{kVcTo, "8.0.3.00000"};
          })
          .Expect(StepKind::kBlocked, "UpdateNotAvailable")
          .Then([](const Step& step) {
            EXPECT_TRUE(Contains(step.message, "8.0.4.00000")) << step.message;
            EXPECT_TRUE(Contains(step.message, "LOCAL_AND_ONLINE")) << step.message;
            EXPECT_TRUE(Contains(step.message, "8.0.2.00100, 8.0.3.00000")) << step.message;
          }),
      Vc("an empty pending list from a custom url says none is available", kVcFrom)
          .With([](Case& row) {
            row.desired.query.url = "https://repo.example.com/vc";
            row.live.available = std::vector<std::string>{};
          })
          .Expect(StepKind::kBlocked, "UpdateNotAvailable")
          .Then([](const Step& step) {
            EXPECT_TRUE(Contains(step.message, "https://repo.example.com/vc")) << step.message;
            EXPECT_TRUE(Contains(step.message, "available: none")) << step.message;
          }),
      Vc("an available update that is not staged is staged after a precheck", kVcFrom)
          .With([&offered](Case& row) { row.live.available = offered; })
          .Expect(StepKind::kMutate, "UpdateStaging")
          .Then([](const Step& step) {
            EXPECT_EQ(step.mutation, Mutation::kStage);
            EXPECT_TRUE(step.precheck_first);
            EXPECT_FALSE(step.counts_attempt);
            EXPECT_EQ(step.plan,
                      (std::vector<std::string>{Precheck(kVcTo), Stage(kVcTo), Install(kVcTo)}));
          }),
      Vc("after a clean precheck the stage is made", kVcFrom)
          .With([&offered](Case& row) {
            row.live.available = offered;
            row.live.precheck = CleanPrecheck();
          })
          .Expect(StepKind::kMutate, "UpdateStaging")
          .Then([](const Step& step) {
            EXPECT_EQ(step.mutation, Mutation::kStage);
            EXPECT_FALSE(step.precheck_first);
          }),
      Vc("a staged update is installed after a precheck and counts as an attempt", kVcFrom,
         UpdateState::kUpdatesPending)
          .With([&offered](Case& row) { row.live.available = offered; })
          .Expect(StepKind::kMutate, "UpdateInstalling")
          .Then([](const Step& step) {
            EXPECT_EQ(step.mutation, Mutation::kInstall);
            EXPECT_TRUE(step.precheck_first);
            EXPECT_TRUE(step.counts_attempt);
            EXPECT_EQ(step.plan, (std::vector<std::string>{Precheck(kVcTo), Install(kVcTo)}));
          }),
      Vc("another staged version does not count as staged", kVcFrom, UpdateState::kUpdatesPending,
         "8.0.3.00000")
          .With([&offered](Case& row) { row.live.available = offered; })
          .Expect(StepKind::kMutate, "UpdateStaging")
          .Then([](const Step& step) { EXPECT_EQ(step.mutation, Mutation::kStage); }),
      Vc("precheck errors stall the update with their messages", kVcFrom)
          .With([&offered](Case& row) {
            row.live.available = offered;
            row.live.precheck = CleanPrecheck();
            row.live.precheck->issues_errors = {{"disk", "Not enough space on /storage/core"}};
          })
          .Expect(StepKind::kBlocked, "PrecheckIssues")
          .Then([](const Step& step) {
            EXPECT_TRUE(Contains(step.message, "Not enough space on /storage/core"));
          }),
      Vc("precheck warnings do not block the stage", kVcFrom)
          .With([&offered](Case& row) {
            row.live.available = offered;
            row.live.precheck = CleanPrecheck();
            row.live.precheck->issues_warnings = {{"backup", "Take a backup first"}};
          })
          .Expect(StepKind::kMutate, "UpdateStaging"),
      Vc("a precheck question without a default answer stalls, naming the question", kVcFrom)
          .With([&offered](Case& row) {
            row.live.available = offered;
            row.live.precheck = CleanPrecheck();
            row.live.precheck->questions = {
                {"vmdir.password", "Enter the SSO password", "PASSWORD", std::nullopt}};
          })
          .Expect(StepKind::kBlocked, "UnansweredQuestions")
          .Then([](const Step& step) {
            EXPECT_TRUE(Contains(step.message, "vmdir.password")) << step.message;
          }),
      Vc("a precheck question with a default answer does not block", kVcFrom,
         UpdateState::kUpdatesPending)
          .With([&offered](Case& row) {
            row.live.available = offered;
            row.live.precheck = CleanPrecheck();
            row.live.precheck->questions = {
                {"ceip.enabled", "Join CEIP?", "BOOLEAN", std::string("false")}};
          })
          .Expect(StepKind::kMutate, "UpdateInstalling")
          .Then([](const Step& step) { EXPECT_EQ(step.mutation, Mutation::kInstall); }),
      Vc("after a failed install the plan asks whether the update is still staged", kVcFrom,
         UpdateState::kInstallFailed)
          .With([&offered](Case& row) { row.live.available = offered; })
          .Expect(StepKind::kRead, "")
          .Then([](const Step& step) { EXPECT_EQ(step.read, ReadKind::kPendingInfo); }),
      Vc("after a failed install a still staged update is installed again", kVcFrom,
         UpdateState::kInstallFailed)
          .With([&offered](Case& row) {
            row.live.available = offered;
            row.live.staged = true;
            row.record.attempts_generation = kGeneration;
            row.record.attempts = 1;
          })
          .Expect(StepKind::kMutate, "UpdateInstalling")
          .Then([](const Step& step) { EXPECT_EQ(step.mutation, Mutation::kInstall); }),
      Vc("after a failed install an update that is no longer staged is staged again", kVcFrom,
         UpdateState::kInstallFailed)
          .With([&offered](Case& row) {
            row.live.available = offered;
            row.live.staged = false;
          })
          .Expect(StepKind::kMutate, "UpdateStaging"),
      Vc("attempts counted for an older generation do not count", kVcFrom)
          .With([](Case& row) {
            row.record.attempts_generation = "gen-1";
            row.record.attempts = 3;
          })
          .Expect(StepKind::kRead, ""),
      Vc("an install of the desired version running without a journal entry is adopted and "
         "counted",
         kVcFrom, UpdateState::kInstallInProgress)
          .With([](Case& row) {
            row.live.update->task = UpdateTask(40, ports::TaskStatus::kRunning);
          })
          .Expect(StepKind::kAdopt, "UpdateInstalling")
          .Then([](const Step& step) {
            ASSERT_TRUE(step.adopt.has_value());
            EXPECT_EQ(step.adopt->operation, kInstallOperation);
            EXPECT_EQ(step.adopt->task, "");
            EXPECT_EQ(step.adopt->detail, kVcTo);
            EXPECT_EQ(step.adopt->generation, kGeneration);
            EXPECT_EQ(step.adopt->started_at, kNow - minutes(7));
            EXPECT_TRUE(step.counts_attempt);
            EXPECT_EQ(step.progress, 40);
          }),
      Vc("a stage of the desired version running without a journal entry is adopted without "
         "counting",
         kVcFrom, UpdateState::kStageInProgress)
          .Expect(StepKind::kAdopt, "UpdateStaging")
          .Then([](const Step& step) {
            ASSERT_TRUE(step.adopt.has_value());
            EXPECT_EQ(step.adopt->operation, kStageOperation);
            EXPECT_EQ(step.adopt->started_at, kNow);
            EXPECT_FALSE(step.counts_attempt);
          }),
      Vc("an install of another version makes the object wait", kVcFrom,
         UpdateState::kInstallInProgress, "8.0.1.00200")
          .Expect(StepKind::kPoll, "ApplianceBusy")
          .Then([](const Step& step) {
            EXPECT_EQ(step.phase, Phase::kWaiting);
            EXPECT_TRUE(Contains(step.message, "8.0.1.00200")) << step.message;
          }),
      Vc("a rollback makes the object wait", kVcFrom, UpdateState::kRollbackInProgress)
          .Expect(StepKind::kPoll, "ApplianceBusy")
          .Then([](const Step& step) { EXPECT_EQ(step.phase, Phase::kWaiting); }),
      Vc("a failed version read is a read failure", "")
          .With([](Case& row) {
            row.live.read_error = Unreachable();
            row.live.update.reset();
          })
          .Expect(StepKind::kReadFailed, "")
          .Then([](const Step& step) {
            ASSERT_TRUE(step.error.has_value());
            EXPECT_EQ(step.error->kind, ports::ErrorKind::kRefused);
          }),
  };
  RunCases(cases);
}

TEST(ApplianceUpdatePlan, VcenterWithAnOperationInFlight) {
  const std::vector<Case> cases{
      Vc("a running stage is polled with its progress", kVcFrom, UpdateState::kStageInProgress)
          .With([](Case& row) {
            row.record.in_flight = Flight(kStageOperation, kVcTo, minutes(2));
            row.live.update->task = UpdateTask(40, ports::TaskStatus::kRunning);
          })
          .Expect(StepKind::kPoll, "UpdateStaging")
          .Then([](const Step& step) {
            EXPECT_EQ(step.progress, 40);
            EXPECT_EQ(step.phase, Phase::kProgressing);
          }),
      Vc("a stage running longer than policy.timeout is overdue but still polled", kVcFrom,
         UpdateState::kStageInProgress)
          .With([](Case& row) { row.record.in_flight = Flight(kStageOperation, kVcTo, hours(3)); })
          .Expect(StepKind::kPoll, "OperationOverdue"),
      Vc("a finished stage is cleared and the plan runs again", kVcFrom,
         UpdateState::kUpdatesPending)
          .With(
              [](Case& row) { row.record.in_flight = Flight(kStageOperation, kVcTo, minutes(5)); })
          .Expect(StepKind::kFinished, ""),
      Vc("a stage that ended without the update staged failed", kVcFrom)
          .With([](Case& row) {
            row.record.in_flight = Flight(kStageOperation, kVcTo, minutes(5));
            row.live.update->task = UpdateTask(99, ports::TaskStatus::kFailed);
            row.live.update->task->error = Http(0, "ERROR");
            row.live.update->task->error->messages = {{"id", "Download failed", {}}};
          })
          .Expect(StepKind::kFailed, "StageFailed")
          .Then([](const Step& step) {
            EXPECT_TRUE(Contains(step.message, "Download failed")) << step.message;
          }),
      Vc("an unreachable appliance during a stage is an ordinary read failure", "")
          .With([](Case& row) {
            row.record.in_flight = Flight(kStageOperation, kVcTo, minutes(1));
            row.live.read_error = Unreachable();
          })
          .Expect(StepKind::kReadFailed, ""),
      Vc("a running install is polled with its progress", kVcFrom, UpdateState::kInstallInProgress)
          .With([](Case& row) {
            row.record.in_flight = Flight(kInstallOperation, kVcTo, minutes(10));
            row.live.update->task = UpdateTask(33, ports::TaskStatus::kRunning);
          })
          .Expect(StepKind::kPoll, "UpdateInstalling")
          .Then([](const Step& step) { EXPECT_EQ(step.progress, 33); }),
      Vc("an appliance refusing connections during the install is restarting", "")
          .With([](Case& row) {
            row.record.in_flight = Flight(kInstallOperation, kVcTo, minutes(31));
            row.live.read_error = Unreachable();
          })
          .Expect(StepKind::kPoll, "ApplianceRestarting")
          .Then([](const Step& step) { EXPECT_EQ(step.phase, Phase::kProgressing); }),
      Vc("a 503 during the install is a restart too", "")
          .With([](Case& row) {
            row.record.in_flight = Flight(kInstallOperation, kVcTo, minutes(31));
            row.live.read_error = Http(503, "SERVICE_UNAVAILABLE");
          })
          .Expect(StepKind::kPoll, "ApplianceRestarting"),
      Vc("an appliance still unreachable at policy.timeout times the update out", "")
          .With([](Case& row) {
            row.policy.timeout = hours(1);
            row.record.in_flight = Flight(kInstallOperation, kVcTo, hours(1));
            row.live.read_error = Unreachable(ports::ErrorKind::kTimeout);
          })
          .Expect(StepKind::kFailed, "UpdateTimedOut")
          .Then(
              [](const Step& step) { EXPECT_TRUE(Contains(step.message, "1h")) << step.message; }),
      Vc("an answer that is not a restart symptom during the install is a read failure", "")
          .With([](Case& row) {
            row.record.in_flight = Flight(kInstallOperation, kVcTo, minutes(31));
            row.live.read_error = Http(500, "ERROR");
          })
          .Expect(StepKind::kReadFailed, ""),
      Vc("the desired version after the restart finishes the install", kVcTo)
          .With([](Case& row) {
            row.record.in_flight = Flight(kInstallOperation, kVcTo, minutes(40));
          })
          .Expect(StepKind::kFinished, ""),
      Vc("INSTALL_FAILED fails the install with the task's error", kVcFrom,
         UpdateState::kInstallFailed)
          .With([](Case& row) {
            row.record.in_flight = Flight(kInstallOperation, kVcTo, minutes(30));
            row.live.update->task = UpdateTask(99, ports::TaskStatus::kFailed);
            row.live.update->task->error = Http(0, "ERROR");
            row.live.update->task->error->messages = {
                {"id", "The installation of update 8.0.2.00100 failed.", {}}};
          })
          .Expect(StepKind::kFailed, "InstallFailed")
          .Then([](const Step& step) {
            EXPECT_TRUE(Contains(step.message, "The installation of update 8.0.2.00100 failed."))
                << step.message;
          }),
      Vc("the appliance back on the old version with nothing running failed the update", kVcFrom)
          .With([](Case& row) {
            row.record.in_flight = Flight(kInstallOperation, kVcTo, minutes(40));
          })
          .Expect(StepKind::kFailed, "UpdateFailed")
          .Then([](const Step& step) {
            EXPECT_TRUE(Contains(step.message, kVcFrom)) << step.message;
          }),
      Vc("an install from an older generation is still followed to its end", kVcFrom,
         UpdateState::kInstallInProgress)
          .With([](Case& row) {
            row.desired.version = "8.0.3.00000";
            row.record.in_flight = Flight(kInstallOperation, kVcTo, minutes(3), "", "gen-1");
          })
          .Expect(StepKind::kPoll, "UpdateInstalling"),
      Vc("an operation of the other flavor cannot be followed and is dropped", kVcFrom)
          .With([](Case& row) {
            row.record.in_flight = Flight(kRetrieveOperation, kVcTo, minutes(1), kTaskId);
          })
          .Expect(StepKind::kFinished, ""),
  };
  RunCases(cases);
}

TEST(ApplianceUpdatePlan, UpdateManagerWithNothingInFlight) {
  const std::vector<Case> cases{
      Um("the appliance at the desired version is in sync", kUmTo)
          .Expect(StepKind::kInSync, "UpToDate"),
      Um("an appliance reporting the version without its build is in sync", "9.0.2.0")
          .Expect(StepKind::kInSync, "UpToDate"),
      Um("builds compare as numbers after the dotted part", "9.0.2.0-24522546")
          .Expect(StepKind::kBlocked, "DowngradeRefused"),
      Um("an older desired version is refused as a downgrade", kUmFrom)
          .With([](Case& row) { row.desired.version = "9.0.0.0"; })
          .Expect(StepKind::kBlocked, "DowngradeRefused"),
      Um("without a retrieved list the updates are retrieved first", kUmFrom)
          .Expect(StepKind::kMutate, "RetrievingUpdates")
          .Then([](const Step& step) {
            EXPECT_EQ(step.mutation, Mutation::kRetrieveUpdates);
            EXPECT_FALSE(step.counts_attempt);
            EXPECT_FALSE(step.precheck_first);
            EXPECT_EQ(step.plan, (std::vector<std::string>{kRetrieve, UmInstall(kUmTo)}));
          }),
      Um("a retrieved list with the desired version leads to the install", kUmFrom)
          .With([](Case& row) { row.live.available = std::vector<std::string>{kUmTo}; })
          .Expect(StepKind::kMutate, "UpdateInstalling")
          .Then([](const Step& step) {
            EXPECT_EQ(step.mutation, Mutation::kUpdateManagerInstall);
            EXPECT_TRUE(step.counts_attempt);
            EXPECT_EQ(step.plan, (std::vector<std::string>{UmInstall(kUmTo)}));
          }),
      Um("a retrieved list without the desired version stalls, naming what is available", kUmFrom)
          .With(
              [](Case& row) { row.live.available = std::vector<std::string>{"9.0.3.0-25000000"}; })
          .Expect(StepKind::kBlocked, "UpdateNotAvailable")
          .Then([](const Step& step) {
            EXPECT_TRUE(Contains(step.message, "9.0.3.0-25000000")) << step.message;
            EXPECT_TRUE(Contains(step.message, kUmTo)) << step.message;
          }),
      Um("a failed appliance read is a read failure", "")
          .With([](Case& row) { row.live.read_error = Http(500, "INTERNAL_ERROR"); })
          .Expect(StepKind::kReadFailed, ""),
  };
  RunCases(cases);
}

TEST(ApplianceUpdatePlan, UpdateManagerWithATaskInFlight) {
  const auto retrieving = [](Case& row) {
    row.record.in_flight = Flight(kRetrieveOperation, kUmTo, seconds(5), kTaskId);
  };
  const auto installing = [](WallTime::duration ago) {
    return [ago](Case& row) {
      row.record.in_flight = Flight(kUpdateManagerInstallOperation, kUmTo, ago, kTaskId);
    };
  };
  const std::vector<Case> cases{
      Um("an in-flight retrieve asks for its task", kUmFrom)
          .With(retrieving)
          .Expect(StepKind::kRead, "")
          .Then([](const Step& step) { EXPECT_EQ(step.read, ReadKind::kTask); }),
      Um("a queued retrieve is polled", kUmFrom)
          .With(retrieving)
          .With([](Case& row) { row.live.task = UmTask(UpdateManagerTaskStatus::kQueued); })
          .Expect(StepKind::kPoll, "RetrievingUpdates"),
      Um("a running retrieve is polled with its progress", kUmFrom)
          .With(retrieving)
          .With([](Case& row) { row.live.task = UmTask(UpdateManagerTaskStatus::kRunning, 60); })
          .Expect(StepKind::kPoll, "RetrievingUpdates")
          .Then([](const Step& step) { EXPECT_EQ(step.progress, 60); }),
      Um("a finished retrieve hands its versions to the next plan", kUmFrom)
          .With(retrieving)
          .With([](Case& row) {
            auto task = UmTask(UpdateManagerTaskStatus::kSuccess, 100);
            task.available_versions = {kUmTo};
            row.live.task = task;
          })
          .Expect(StepKind::kFinished, "")
          .Then([](const Step& step) {
            EXPECT_EQ(step.available, (std::optional<std::vector<std::string>>{{kUmTo}}));
          }),
      Um("a failed retrieve fails with the task's error", kUmFrom)
          .With(retrieving)
          .With([](Case& row) {
            auto task = UmTask(UpdateManagerTaskStatus::kError, 100);
            task.error_message = "Cannot retrieve the available updates.";
            row.live.task = task;
          })
          .Expect(StepKind::kFailed, "RetrieveFailed")
          .Then([](const Step& step) {
            EXPECT_TRUE(Contains(step.message, "Cannot retrieve the available updates."))
                << step.message;
          }),
      Um("a lost retrieve task is cleared so that the updates are retrieved again", kUmFrom)
          .With(retrieving)
          .With([](Case& row) {
            row.live.task =
                ports::Result<ports::UpdateManagerTask>(ports::MakeUnexpected(Http(404)));
          })
          .Expect(StepKind::kFinished, ""),
      Um("an unreachable retrieve task is an ordinary read failure", kUmFrom)
          .With(retrieving)
          .With([](Case& row) {
            row.live.task =
                ports::Result<ports::UpdateManagerTask>(ports::MakeUnexpected(Unreachable()));
          })
          .Expect(StepKind::kReadFailed, ""),
      Um("a running install is polled with its progress", kUmFrom)
          .With(installing(minutes(1)))
          .With([](Case& row) { row.live.task = UmTask(UpdateManagerTaskStatus::kRunning, 50); })
          .Expect(StepKind::kPoll, "UpdateInstalling")
          .Then([](const Step& step) { EXPECT_EQ(step.progress, 50); }),
      Um("an install running longer than policy.timeout is overdue but still polled", kUmFrom)
          .With(installing(hours(2)))
          .With([](Case& row) { row.live.task = UmTask(UpdateManagerTaskStatus::kRunning, 99); })
          .Expect(StepKind::kPoll, "OperationOverdue"),
      Um("a failed install task fails with its message", kUmFrom)
          .With(installing(minutes(2)))
          .With([](Case& row) {
            auto task = UmTask(UpdateManagerTaskStatus::kError, 100);
            task.error_message = "Installation of update 9.0.2.0-24522545 failed.";
            task.error_details = "disk full";
            row.live.task = task;
          })
          .Expect(StepKind::kFailed, "InstallFailed")
          .Then([](const Step& step) {
            EXPECT_TRUE(Contains(step.message, "failed.")) << step.message;
            EXPECT_TRUE(Contains(step.message, "disk full")) << step.message;
          }),
      Um("a cancelled install task is a failed install", kUmFrom)
          .With(installing(minutes(2)))
          .With([](Case& row) { row.live.task = UmTask(UpdateManagerTaskStatus::kCancelled); })
          .Expect(StepKind::kFailed, "InstallFailed"),
      Um("an appliance refusing connections during the install is restarting", "")
          .With(installing(minutes(3)))
          .With([](Case& row) { row.live.read_error = Unreachable(); })
          .Expect(StepKind::kPoll, "ApplianceRestarting"),
      Um("an appliance still unreachable at policy.timeout times the update out", "")
          .With(installing(hours(2)))
          .With([](Case& row) { row.live.read_error = Unreachable(ports::ErrorKind::kReset); })
          .Expect(StepKind::kFailed, "UpdateTimedOut"),
      Um("a gone install task before policy.timeout is a restart", kUmFrom)
          .With(installing(minutes(6)))
          .With([](Case& row) {
            row.live.task =
                ports::Result<ports::UpdateManagerTask>(ports::MakeUnexpected(Http(404)));
          })
          .Expect(StepKind::kPoll, "ApplianceRestarting")
          .Then([](const Step& step) {
            EXPECT_TRUE(Contains(step.message, "task is gone")) << step.message;
          }),
      Um("a gone install task at policy.timeout with the old version failed the update", kUmFrom)
          .With(installing(hours(2)))
          .With([](Case& row) {
            row.live.task =
                ports::Result<ports::UpdateManagerTask>(ports::MakeUnexpected(Http(404)));
          })
          .Expect(StepKind::kFailed, "UpdateFailed")
          .Then([](const Step& step) {
            EXPECT_TRUE(Contains(step.message, kUmFrom)) << step.message;
          }),
      Um("an unreachable install task before policy.timeout is a restart", kUmFrom)
          .With(installing(minutes(6)))
          .With([](Case& row) {
            row.live.task =
                ports::Result<ports::UpdateManagerTask>(ports::MakeUnexpected(Http(503)));
          })
          .Expect(StepKind::kPoll, "ApplianceRestarting"),
      Um("another task read error during the install is a read failure", kUmFrom)
          .With(installing(minutes(6)))
          .With([](Case& row) {
            row.live.task = ports::Result<ports::UpdateManagerTask>(
                ports::MakeUnexpected(Http(500, "INTERNAL_ERROR")));
          })
          .Expect(StepKind::kReadFailed, ""),
      Um("a succeeded install while the old version still shows waits for the restart", kUmFrom)
          .With(installing(minutes(3)))
          .With([](Case& row) { row.live.task = UmTask(UpdateManagerTaskStatus::kSuccess, 100); })
          .Expect(StepKind::kPoll, "ApplianceRestarting"),
      Um("the desired version finishes the install without reading the task", kUmTo)
          .With(installing(minutes(6)))
          .Expect(StepKind::kFinished, ""),
      Um("an operation of the other flavor cannot be followed and is dropped", kUmFrom)
          .With(
              [](Case& row) { row.record.in_flight = Flight(kStageOperation, kUmTo, minutes(1)); })
          .Expect(StepKind::kFinished, ""),
  };
  RunCases(cases);
}

TEST(ApplianceUpdateVersion, OrdersVersionsComponentByComponent) {
  struct Row {
    std::string name;
    std::string left;
    std::string right;
    std::strong_ordering expected;
  };
  const std::vector<Row> rows{
      {"equal text is equal", "8.0.2.00100", "8.0.2.00100", std::strong_ordering::equal},
      {"leading zeros do not matter", "8.0.2.00100", "8.0.2.100", std::strong_ordering::equal},
      {"components compare as numbers", "8.0.10", "8.0.9", std::strong_ordering::greater},
      {"a later component decides when the earlier are equal", "8.0.1.00000", "8.0.2.00100",
       std::strong_ordering::less},
      {"a missing trailing component counts as zero", "8.0", "8.0.0", std::strong_ordering::equal},
      {"a longer version with a non-zero tail is newer", "8.0.0.1", "8.0",
       std::strong_ordering::greater},
      {"builds compare as numbers", "9.0.2.0-24522545", "9.0.2.0-3000000",
       std::strong_ordering::greater},
      {"the dotted part decides before the build", "9.0.1.0-99999999", "9.0.2.0-1",
       std::strong_ordering::less},
      {"a build only on one side is not compared", "9.0.2.0", "9.0.2.0-24522545",
       std::strong_ordering::equal},
      {"numbers longer than 64 bits compare without overflow", "1.123456789012345678901",
       "1.123456789012345678900", std::strong_ordering::greater},
      {"non-numeric components compare as text", "8.0.2a", "8.0.2b", std::strong_ordering::less},
  };
  for (const auto& row : rows) {
    SCOPED_TRACE(row.name);
    EXPECT_TRUE(CompareVersions(row.left, row.right) == row.expected);
    // The order is antisymmetric.
    EXPECT_TRUE(CompareVersions(row.right, row.left) == 0 <=> row.expected);
  }
}

TEST(ApplianceUpdatePlan, DescribesEachCallAsPlanShowsIt) {
  EXPECT_EQ(DescribePrecheck(kVcTo), Precheck(kVcTo));
  EXPECT_EQ(DescribeCall(Mutation::kStage, kVcTo), Stage(kVcTo));
  EXPECT_EQ(DescribeCall(Mutation::kInstall, kVcTo), Install(kVcTo));
  EXPECT_EQ(DescribeCall(Mutation::kRetrieveUpdates, kUmTo), kRetrieve);
  EXPECT_EQ(DescribeCall(Mutation::kUpdateManagerInstall, kUmTo), UmInstall(kUmTo));
  // Versions may contain '+', which a path segment carries percent-encoded.
  EXPECT_EQ(DescribeCall(Mutation::kUpdateManagerInstall, "9.1+hotfix"), UmInstall("9.1%2Bhotfix"));
  EXPECT_EQ(OperationName(Mutation::kStage), "appliance.update.pending.stage");
  EXPECT_EQ(OperationName(Mutation::kInstall), "appliance.update.pending.install");
  EXPECT_EQ(OperationName(Mutation::kRetrieveUpdates), "update-manager.retrieve-updates");
  EXPECT_EQ(OperationName(Mutation::kUpdateManagerInstall), "update-manager.updates.install");
}

}  // namespace
}  // namespace vsrd::reconcilers::appliance_update
