#pragma once

#include <cstdint>
#include <random>

#include "reconcilers/outcome.hpp"

// The one switch from outcomes to queue actions (docs/architecture.md "Style", rule 3). Pure: the
// caller passes the failure count and a seeded RNG for the jitter.
//
// Defaults (from the config's `defaults` and each manifest's `policy`):
//   drift check after Done:          policy.interval (5m), jittered ±10%
//   backoff after the n-th failure:  retry_interval (30s) × 2^(n-1), capped at max_backoff (10m),
//                                    jittered ±10%
//   Stalled:                         after max_failures (3) failed mutations in a row of one
//                                    generation, or at once on a Stalled outcome

namespace vsrd::reconcilers {

struct RetryPolicy {
  Duration interval = std::chrono::minutes(5);
  Duration retry_interval = std::chrono::seconds(30);
  Duration max_backoff = std::chrono::minutes(10);
  std::int64_t max_failures = 3;
  double jitter = 0.1;  ///< ± fraction applied to drift checks and backoffs
};

struct QueueAction {
  enum class Kind {
    kRequeueAfter,  ///< add the key again after `after`
    kStall,         ///< do not requeue until the generation changes or a reset
  };
  Kind kind = Kind::kRequeueAfter;
  Duration after{0};
  /// The consecutive-failure count to keep for the key (0 after a success or progress).
  std::int64_t failures = 0;
  /// True when `after` is a backoff after a failure (counted in vsrd_workqueue_retries_total).
  bool retry = false;

  friend bool operator==(const QueueAction&, const QueueAction&) = default;
};

/// Maps one outcome to the queue action. `failures` is the count before this outcome.
QueueAction DecideRequeue(const Outcome& outcome, std::int64_t failures, const RetryPolicy& policy,
                          std::mt19937_64& rng);

/// retry_interval × 2^(failures-1), capped at max_backoff, without jitter (failures >= 1).
Duration Backoff(std::int64_t failures, const RetryPolicy& policy);

}  // namespace vsrd::reconcilers
