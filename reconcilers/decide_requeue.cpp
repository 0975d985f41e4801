#include "reconcilers/decide_requeue.hpp"

#include <algorithm>
#include <cmath>

namespace vsrd::reconcilers {

namespace {

Duration Jittered(Duration base, double jitter, std::mt19937_64& rng) {
  if (jitter <= 0 || base.count() <= 0) return base;
  std::uniform_real_distribution<double> factor(1.0 - jitter, 1.0 + jitter);
  return Duration(
      static_cast<Duration::rep>(std::llround(static_cast<double>(base.count()) * factor(rng))));
}

}  // namespace

Duration Backoff(std::int64_t failures, const RetryPolicy& policy) {
  Duration delay = policy.retry_interval;
  for (std::int64_t i = 1; i < failures && delay < policy.max_backoff; ++i) delay *= 2;
  return std::min(delay, policy.max_backoff);
}

QueueAction DecideRequeue(const Outcome& outcome, std::int64_t failures, const RetryPolicy& policy,
                          std::mt19937_64& rng) {
  // An operation in flight is followed before retries and drift checks, also when one of its
  // polls failed.
  const bool in_flight = outcome.operation.has_value();
  switch (outcome.kind) {
    case Outcome::Kind::kDone:
      return {QueueAction::Kind::kRequeueAfter, Jittered(policy.interval, policy.jitter, rng), 0,
              false,
              in_flight                     ? Priority::kInFlight
              : outcome.waiting.has_value() ? Priority::kRetry
                                            : Priority::kDrift};
    case Outcome::Kind::kRequeueAfter:
      // Progress (a task polled, a restart waited out) is not a failure, and the caller's
      // delay is exact: polls line up with the simulator's and vCenter's task clocks.
      return {QueueAction::Kind::kRequeueAfter, outcome.after, 0, false, Priority::kInFlight};
    case Outcome::Kind::kTransient: {
      const std::int64_t count = failures + 1;
      if (outcome.mutation_failed && count >= policy.max_failures) {
        return {QueueAction::Kind::kStall, Duration{0}, count, false};
      }
      return {QueueAction::Kind::kRequeueAfter,
              Jittered(Backoff(count, policy), policy.jitter, rng), count, true,
              in_flight ? Priority::kInFlight : Priority::kRetry};
    }
    case Outcome::Kind::kStalled:
      return {QueueAction::Kind::kStall, Duration{0}, failures, false};
  }
  return {QueueAction::Kind::kStall, Duration{0}, failures, false};
}

}  // namespace vsrd::reconcilers
