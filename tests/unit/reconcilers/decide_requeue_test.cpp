#include "reconcilers/decide_requeue.hpp"

#include <string>
#include <vector>

#include <gtest/gtest.h>

// DecideRequeue, exhaustively: every outcome kind, below, at and above max_failures, with and
// without a failed mutation, and the jitter bounds over many seeds.

namespace vsrd::reconcilers {
namespace {

using std::chrono::minutes;
using std::chrono::seconds;
using Action = QueueAction::Kind;
using P = Priority;

RetryPolicy NoJitter() {
  RetryPolicy policy;
  policy.jitter = 0;
  return policy;
}

Outcome WithOperation(Outcome outcome) {
  outcome.operation = OperationStatus{};
  outcome.operation->name = "appliance.update.install";
  return outcome;
}

TEST(DecideRequeue, MapsEveryOutcomeToItsQueueAction) {
  struct Case {
    std::string name;
    Outcome outcome;
    std::int64_t failures;
    QueueAction expected;
  };
  const std::vector<Case> cases{
      {"done schedules the drift check and clears failures",
       Outcome::Done(Phase::kReady, "InSync"),
       2,
       {Action::kRequeueAfter, minutes(5), 0, false, P::kDrift}},
      {"done while degraded is still a drift check",
       Outcome::Done(Phase::kDegraded, "NotCustomizable"),
       0,
       {Action::kRequeueAfter, minutes(5), 0, false, P::kDrift}},
      {"done while waiting for a dependency looks again as a retry, not a drift check",
       Outcome::DependencyNotReady({manifests::Kind::kVchaPassiveNode, "a"}, "waiting"),
       0,
       {Action::kRequeueAfter, minutes(5), 0, false, P::kRetry}},
      {"done while waiting for the window looks again as a retry, not a drift check",
       Outcome::OutsideWindow("pending"),
       0,
       {Action::kRequeueAfter, minutes(5), 0, false, P::kRetry}},
      {"done with an operation still in flight follows it before retries and drift checks",
       WithOperation(Outcome::Done(Phase::kProgressing, "InstallRunning")),
       0,
       {Action::kRequeueAfter, minutes(5), 0, false, P::kInFlight}},
      {"requeue-after keeps the reconciler's exact delay and clears failures",
       Outcome::RequeueAfter(seconds(10), "TaskRunning"),
       2,
       {Action::kRequeueAfter, seconds(10), 0, false, P::kInFlight}},
      {"a failed read backs off from retry_interval",
       Outcome::ReadFailed("TargetUnreachable", "refused"),
       0,
       {Action::kRequeueAfter, seconds(30), 1, true, P::kRetry}},
      {"a failed read never stalls however often it fails",
       Outcome::ReadFailed("TargetUnreachable", "refused"),
       10,
       {Action::kRequeueAfter, minutes(10), 11, true, P::kRetry}},
      {"a failed poll of an operation in flight backs off but stays before other retries",
       WithOperation(Outcome::ReadFailed("TargetUnreachable", "refused")),
       0,
       {Action::kRequeueAfter, seconds(30), 1, true, P::kInFlight}},
      {"the first failed mutation backs off",
       Outcome::MutationFailed("RedeployFailed", "500"),
       0,
       {Action::kRequeueAfter, seconds(30), 1, true, P::kRetry}},
      {"the second failed mutation doubles the backoff",
       Outcome::MutationFailed("RedeployFailed", "500"),
       1,
       {Action::kRequeueAfter, minutes(1), 2, true, P::kRetry}},
      {"the third failed mutation in a row stalls",
       Outcome::MutationFailed("RedeployFailed", "500"),
       2,
       {Action::kStall, seconds(0), 3, false}},
      {"a failed mutation past max_failures stalls",
       Outcome::MutationFailed("X", "y"),
       7,
       {Action::kStall, seconds(0), 8, false}},
      {"a stalled outcome stalls at once and keeps the count",
       Outcome::Stalled("NotConfigured", "no VCHA cluster"),
       0,
       {Action::kStall, seconds(0), 0, false}},
  };
  std::mt19937_64 rng(1);
  for (const auto& c : cases) {
    EXPECT_EQ(DecideRequeue(c.outcome, c.failures, NoJitter(), rng), c.expected) << c.name;
  }
}

TEST(DecideRequeue, PrioritiesAreOrderedMostUrgentFirst) {
  EXPECT_LT(P::kChange, P::kInFlight);
  EXPECT_LT(P::kInFlight, P::kRetry);
  EXPECT_LT(P::kRetry, P::kDrift);
}

TEST(DecideRequeue, BackoffDoublesUpToItsCap) {
  const RetryPolicy policy = NoJitter();
  const std::vector<std::pair<std::int64_t, Duration>> expected{
      {1, seconds(30)}, {2, minutes(1)},  {3, minutes(2)},  {4, minutes(4)},
      {5, minutes(8)},  {6, minutes(10)}, {7, minutes(10)}, {60, minutes(10)}};
  for (const auto& [failures, delay] : expected) {
    EXPECT_EQ(Backoff(failures, policy), delay) << failures << " failures";
  }
}

TEST(DecideRequeue, MaxFailuresOfOneStallsAtTheFirstFailedMutation) {
  RetryPolicy policy = NoJitter();
  policy.max_failures = 1;
  std::mt19937_64 rng(1);
  EXPECT_EQ(DecideRequeue(Outcome::MutationFailed("X", "y"), 0, policy, rng).kind, Action::kStall);
}

TEST(DecideRequeue, JitterStaysWithinTenPercentAndVaries) {
  RetryPolicy policy;  // jitter 0.1
  std::mt19937_64 rng(42);
  Duration lowest = minutes(60);
  Duration highest{0};
  for (int i = 0; i < 1000; ++i) {
    const auto drift = DecideRequeue(Outcome::Done(Phase::kReady, "InSync"), 0, policy, rng).after;
    ASSERT_GE(drift, seconds(270));
    ASSERT_LE(drift, seconds(330));
    lowest = std::min(lowest, drift);
    highest = std::max(highest, drift);
    const auto backoff = DecideRequeue(Outcome::ReadFailed("X", "y"), 1, policy, rng).after;
    ASSERT_GE(backoff, seconds(54));
    ASSERT_LE(backoff, seconds(66));
  }
  EXPECT_LT(lowest, seconds(280)) << "jitter spreads drift checks";
  EXPECT_GT(highest, seconds(320));
}

TEST(DecideRequeue, TheSameSeedGivesTheSameDelays) {
  RetryPolicy policy;
  std::mt19937_64 a(7);
  std::mt19937_64 b(7);
  for (int i = 0; i < 10; ++i) {
    EXPECT_EQ(DecideRequeue(Outcome::Done(Phase::kReady, "InSync"), 0, policy, a),
              DecideRequeue(Outcome::Done(Phase::kReady, "InSync"), 0, policy, b));
  }
}

}  // namespace
}  // namespace vsrd::reconcilers
