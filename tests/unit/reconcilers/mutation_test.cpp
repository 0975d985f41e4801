// The mutation protocol (reconcilers/mutation.hpp): how a failed submission is classified, what
// the task list says about an unknown one, and every rule of Gate, Submit, Resolve and Failed,
// with a Context that keeps the journal record in memory and can refuse to save it.

#include "reconcilers/mutation.hpp"

#include <chrono>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace vsrd::reconcilers {
namespace {

using namespace std::chrono_literals;
using ports::ApiError;
using ports::ErrorKind;

ApiError Error(ErrorKind kind, bool sent, int status = 0, std::string type = "") {
  ApiError error;
  error.kind = kind;
  error.sent = sent;
  error.http_status = status;
  error.error_type = std::move(type);
  return error;
}

TEST(ClassifySubmitFailure, RejectedOnlyWhenTheServerCertainlyDidNotRunIt) {
  struct Case {
    const char* name;
    ApiError error;
    SubmitFailure expected;
  };
  const std::vector<Case> cases{
      {"refused", Error(ErrorKind::kRefused, false), SubmitFailure::kRejected},
      {"dns", Error(ErrorKind::kDns, false), SubmitFailure::kRejected},
      {"tls handshake", Error(ErrorKind::kTls, false), SubmitFailure::kRejected},
      {"write failed", Error(ErrorKind::kReset, false), SubmitFailure::kRejected},
      {"deadline before the write", Error(ErrorKind::kTimeout, false), SubmitFailure::kRejected},
      {"stop before the write", Error(ErrorKind::kCancelled, false), SubmitFailure::kRejected},
      {"login failed", Error(ErrorKind::kApi, false, 401, "UNAUTHENTICATED"),
       SubmitFailure::kRejected},
      {"vAPI error", Error(ErrorKind::kApi, true, 400, "INVALID_ARGUMENT"),
       SubmitFailure::kRejected},
      {"vAPI 500", Error(ErrorKind::kApi, true, 500, "ERROR"), SubmitFailure::kRejected},
      {"bare 4xx", Error(ErrorKind::kApi, true, 409), SubmitFailure::kRejected},
      {"bare 502", Error(ErrorKind::kApi, true, 502), SubmitFailure::kUnknown},
      {"bare 504", Error(ErrorKind::kApi, true, 504), SubmitFailure::kUnknown},
      {"timeout after the write", Error(ErrorKind::kTimeout, true), SubmitFailure::kUnknown},
      {"reset after the write", Error(ErrorKind::kReset, true), SubmitFailure::kUnknown},
      {"stop after the write", Error(ErrorKind::kCancelled, true), SubmitFailure::kUnknown},
      {"truncated answer", Error(ErrorKind::kTruncated, true), SubmitFailure::kUnknown},
      {"2xx not JSON", Error(ErrorKind::kBadJson, true, 202), SubmitFailure::kUnknown},
      {"2xx undecodable", Error(ErrorKind::kDecode, true, 202), SubmitFailure::kUnknown},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(ClassifySubmitFailure(c.error), c.expected) << c.name;
  }
}

ports::ListedTask Task(std::string id, int minute) {
  ports::ListedTask task;
  task.id = std::move(id);
  task.info.status = ports::TaskStatus::kRunning;
  task.info.start_time = WallTime(std::chrono::minutes(minute));
  return task;
}

TEST(EvidenceFromTasks, ANewTaskIsOursTheLatestWhenSeveral) {
  InFlight intent = InFlight::Accepted("vcha.passive.redeploy", "", "g", WallTime{}, "");
  intent.known_tasks = {"t-1", "t-2"};
  EXPECT_EQ(EvidenceFromTasks({}, intent).kind, Evidence::Kind::kAbsent);
  EXPECT_EQ(EvidenceFromTasks({Task("t-1", 1), Task("t-2", 2)}, intent).kind,
            Evidence::Kind::kAbsent);
  const Evidence one = EvidenceFromTasks({Task("t-1", 1), Task("t-3", 3)}, intent);
  EXPECT_EQ(one.kind, Evidence::Kind::kRunning);
  EXPECT_EQ(one.task, "t-3");
  const Evidence latest =
      EvidenceFromTasks({Task("t-5", 5), Task("t-4", 9), Task("t-2", 2)}, intent);
  EXPECT_EQ(latest.task, "t-4");
}

/// A Context holding the record in memory.
class FakeContext final : public Context {
 public:
  FakeContext() {
    object_.kind = manifests::Kind::kOfflineDepotFromHost;
    object_.metadata.name = "d";
    object_.generation = "g1";
    ports_.name = "vc01";
    policy.max_failures = 3;
    policy.outcome_settle = 60s;
    policy.timeout = 2h;
  }
  const manifests::Object& Object() const override { return object_; }
  const EffectivePolicy& Policy() const override { return policy; }
  WallTime Now() const override { return now; }
  const TargetPorts& Target() override { return ports_; }
  const ObjectRecord& Record() const override { return saved; }
  bool SaveRecord(const ObjectRecord& record) override {
    if (fail_saves) return false;
    saved = record;
    ++saves;
    return true;
  }
  ports::Result<ports::Secret> ReadSecret(const manifests::SecretRef&) override {
    return ports::Secret("x");
  }
  std::optional<ManagementVcenter> ManagementTarget(const std::string&) const override {
    return std::nullopt;
  }
  bool InWindow() const override { return in_window; }
  bool TryBeginMutation() override {
    ++slot_requests;
    return slot_free;
  }
  bool DryRun() const override { return dry_run; }
  std::optional<MutationBlock> MutationsBlocked() override { return blocked; }
  void ObserveVchaHealth(std::string_view) override {}
  void ObserveApplianceVersion(const std::string&) override {}
  void ObserveVmCustomizable(const std::string&, bool) override {}
  void ObserveDrift() override {}

  EffectivePolicy policy;
  WallTime now = WallTime(std::chrono::hours(24 * 365 * 56));
  ObjectRecord saved;
  int saves = 0;
  bool fail_saves = false;
  bool in_window = true;
  bool slot_free = true;
  int slot_requests = 0;
  bool dry_run = false;
  std::optional<MutationBlock> blocked;

 private:
  manifests::Object object_;
  TargetPorts ports_;
};

MutationSpec Spec() {
  MutationSpec spec;
  spec.operation = "depots.offline.create_from_host";
  spec.detail = "host-1";
  spec.description = "the extraction";
  spec.calls = {"POST /x"};
  spec.reason = "ExtractRunning";
  spec.known_tasks = {"t-1"};
  return spec;
}

TEST(MutationProtocol, GateRefusesInOrderWindowDryRunAttemptsBlockedSlot) {
  FakeContext context;
  ObjectRecord record;
  MutationProtocol protocol(context, record);

  context.in_window = false;
  auto refused = protocol.Gate(Spec(), "due");
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->reason, "OutsideWindow");
  context.in_window = true;

  context.dry_run = true;
  refused = protocol.Gate(Spec(), "due");
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->kind, Outcome::Kind::kRequeueAfter);
  EXPECT_EQ(refused->plan, std::vector<std::string>{"POST /x"});
  context.dry_run = false;

  record.attempts_generation = "g1";
  record.attempts = 3;
  refused = protocol.Gate(Spec(), "due");
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->reason, "MaxFailuresReached");
  record.attempts_generation = "g0";  // another generation's attempts do not count

  context.blocked = MutationBlock{"JournalUnavailable", "disk full"};
  refused = protocol.Gate(Spec(), "due");
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->reason, "JournalUnavailable");
  EXPECT_EQ(context.slot_requests, 0);
  context.blocked.reset();

  context.slot_free = false;
  refused = protocol.Gate(Spec(), "due");
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->reason, "TargetBusy");
  context.slot_free = true;

  EXPECT_FALSE(protocol.Gate(Spec(), "due"));
  const int requests = context.slot_requests;
  EXPECT_FALSE(protocol.Gate(Spec(), "due")) << "a second gate of the pass keeps the slot";
  EXPECT_EQ(context.slot_requests, requests);
}

TEST(MutationProtocol, TheIntentIsOnDiskBeforeTheCall) {
  FakeContext context;
  ObjectRecord record;
  MutationProtocol protocol(context, record);
  bool called = false;
  const auto submitted = protocol.Submit(Spec(), [&]() -> ports::Result<std::string> {
    called = true;
    EXPECT_TRUE(context.saved.in_flight);
    EXPECT_EQ(context.saved.in_flight->state, Submission::kSubmitting);
    EXPECT_EQ(context.saved.in_flight->attempt, 1);
    EXPECT_EQ(context.saved.in_flight->target, "vc01");
    EXPECT_EQ(context.saved.in_flight->known_tasks, std::vector<std::string>{"t-1"});
    EXPECT_EQ(context.saved.attempts, 1);
    return std::string("t-9");
  });
  EXPECT_TRUE(called);
  EXPECT_EQ(submitted.result, MutationProtocol::Result::kAccepted);
  ASSERT_TRUE(context.saved.in_flight);
  EXPECT_EQ(context.saved.in_flight->state, Submission::kAccepted);
  EXPECT_EQ(context.saved.in_flight->task, "t-9");
}

TEST(MutationProtocol, NoIntentNoCall) {
  FakeContext context;
  context.fail_saves = true;
  ObjectRecord record;
  MutationProtocol protocol(context, record);
  bool called = false;
  const auto submitted = protocol.Submit(Spec(), [&]() -> ports::Result<std::string> {
    called = true;
    return std::string("t");
  });
  EXPECT_FALSE(called);
  EXPECT_EQ(submitted.result, MutationProtocol::Result::kNotSubmitted);
  ASSERT_TRUE(submitted.outcome);
  EXPECT_EQ(submitted.outcome->reason, "JournalUnavailable");
  EXPECT_FALSE(submitted.outcome->mutation_failed) << "nothing was submitted";
}

TEST(MutationProtocol, RejectedClearsTheIntentAndCountsTheAttempt) {
  FakeContext context;
  ObjectRecord record;
  MutationProtocol protocol(context, record);
  for (int attempt = 1; attempt <= 3; ++attempt) {
    const auto submitted = protocol.Submit(Spec(), []() -> ports::Result<std::string> {
      return ports::MakeUnexpected(Error(ErrorKind::kApi, true, 400, "INVALID_ARGUMENT"));
    });
    EXPECT_EQ(submitted.result, MutationProtocol::Result::kRejected);
    EXPECT_FALSE(context.saved.in_flight);
    EXPECT_EQ(context.saved.attempts, attempt);
    const Outcome outcome = protocol.Failed("ExtractFailed", "no");
    if (attempt < 3) {
      EXPECT_TRUE(outcome.mutation_failed) << attempt;
    } else {
      EXPECT_EQ(outcome.kind, Outcome::Kind::kStalled);
      EXPECT_EQ(outcome.reason, "MaxFailuresReached");
    }
  }
}

TEST(MutationProtocol, UnknownIsKeptAndResolvedFromEvidence) {
  FakeContext context;
  ObjectRecord record;
  MutationProtocol protocol(context, record);
  const auto submitted = protocol.Submit(Spec(), []() -> ports::Result<std::string> {
    return ports::MakeUnexpected(Error(ErrorKind::kTimeout, true));
  });
  EXPECT_EQ(submitted.result, MutationProtocol::Result::kUnknown);
  ASSERT_TRUE(context.saved.in_flight);
  EXPECT_EQ(context.saved.in_flight->state, Submission::kUnknown);
  EXPECT_TRUE(protocol.Unresolved());

  // Running: followed.
  {
    ObjectRecord copy = context.saved;
    MutationProtocol again(context, copy);
    EXPECT_FALSE(again.Resolve(Evidence::Running("t-2", "found")));
    EXPECT_EQ(copy.in_flight->state, Submission::kAccepted);
    EXPECT_EQ(copy.in_flight->task, "t-2");
  }
}

TEST(MutationProtocol, NoTraceIsConcludedOnlyAfterTheSettleTime) {
  FakeContext context;
  ObjectRecord record;
  MutationProtocol protocol(context, record);
  (void)protocol.Submit(Spec(), []() -> ports::Result<std::string> {
    return ports::MakeUnexpected(Error(ErrorKind::kReset, true));
  });
  context.now += 30s;
  auto end = protocol.Resolve(Evidence::Absent("none"));
  ASSERT_TRUE(end);
  EXPECT_EQ(end->reason, "ResolvingOutcome");
  EXPECT_TRUE(record.in_flight);
  context.now += 31s;
  EXPECT_FALSE(protocol.Resolve(Evidence::Absent("none")));
  EXPECT_FALSE(record.in_flight);
  EXPECT_EQ(record.attempts, 1) << "the attempt stays counted";
}

TEST(MutationProtocol, UndeterminedWaitsUntilPolicyTimeoutThenOutcomeUnknown) {
  FakeContext context;
  ObjectRecord record;
  MutationProtocol protocol(context, record);
  (void)protocol.Submit(Spec(), []() -> ports::Result<std::string> {
    return ports::MakeUnexpected(Error(ErrorKind::kTimeout, true));
  });
  context.now += 1h;
  auto end = protocol.Resolve(Evidence::Undetermined("?"));
  ASSERT_TRUE(end);
  EXPECT_EQ(end->reason, "ResolvingOutcome");
  context.now += 1h;
  end = protocol.Resolve(Evidence::Undetermined("?"));
  ASSERT_TRUE(end);
  EXPECT_EQ(end->kind, Outcome::Kind::kStalled);
  EXPECT_EQ(end->reason, "OutcomeUnknown");
  EXPECT_NE(end->message.find("vsrd reconcile --reset OfflineDepotFromHost/d"), std::string::npos)
      << end->message;
  EXPECT_TRUE(record.in_flight) << "never forgotten by itself";
}

TEST(MutationProtocol, SucceededStartsTheCountAgain) {
  FakeContext context;
  ObjectRecord record;
  MutationProtocol protocol(context, record);
  (void)protocol.Submit(Spec(), []() -> ports::Result<std::string> { return std::string("t"); });
  EXPECT_EQ(record.attempts, 1);
  EXPECT_TRUE(protocol.Succeeded());
  EXPECT_EQ(context.saved.attempts, 0);
  EXPECT_FALSE(context.saved.in_flight);
}

TEST(MutationProtocol, ACrashMidSubmissionIsUnresolved) {
  FakeContext context;
  ObjectRecord record;
  record.in_flight = InFlight::Accepted("op", "", "g1", context.now, "");
  record.in_flight->state = Submission::kSubmitting;
  MutationProtocol protocol(context, record);
  EXPECT_TRUE(protocol.Unresolved());
  record.in_flight->state = Submission::kAccepted;
  EXPECT_FALSE(protocol.Unresolved());
}

}  // namespace
}  // namespace vsrd::reconcilers
