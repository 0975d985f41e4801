#pragma once

#include <cstddef>
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
//   priority of the next pass:       kInFlight after progress (RequeueAfter) or with an operation
//                                    in flight, kRetry after a failure or while Waiting,
//                                    kDrift after Done (the engine queues new generations and
//                                    operators' requests as kChange)

namespace vsrd::reconcilers {

struct RetryPolicy {
  Duration interval = std::chrono::minutes(5);
  Duration retry_interval = std::chrono::seconds(30);
  Duration max_backoff = std::chrono::minutes(10);
  std::int64_t max_failures = 3;
  double jitter = 0.1;  ///< ± fraction applied to drift checks and backoffs
};

/// How urgently the engine's work queue (daemon/engine/work_queue.hpp) serves a pass, most urgent
/// first: ready keys of a more urgent class always go first, and within a class first in first
/// out (as controller-runtime's priority queue).
enum class Priority : std::uint8_t {
  kChange = 0,    ///< a new or changed generation, an operator's request, a dependency now Ready
  kInFlight = 1,  ///< an operation in flight or under way, or a mutation waiting for its turn
  kRetry = 2,     ///< a failed pass backing off, or an object Waiting for a dependency
  kDrift = 3,     ///< an in-sync object's periodic drift check (policy.interval)
};
inline constexpr std::size_t kPriorities = 4;

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
  /// The class of the next pass in the work queue (kRequeueAfter only).
  Priority priority = Priority::kDrift;

  friend bool operator==(const QueueAction&, const QueueAction&) = default;
};

/// Maps one outcome to the queue action. `failures` is the count before this outcome.
QueueAction DecideRequeue(const Outcome& outcome, std::int64_t failures, const RetryPolicy& policy,
                          std::mt19937_64& rng);

/// retry_interval × 2^(failures-1), capped at max_backoff, without jitter (failures >= 1).
Duration Backoff(std::int64_t failures, const RetryPolicy& policy);

}  // namespace vsrd::reconcilers
