#pragma once

#include <array>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <utility>

#include "daemon/engine/clock.hpp"
#include "manifests/object_key.hpp"
#include "reconcilers/decide_requeue.hpp"

// The work queue of the engine, in the manner of controller-runtime's (its priority queue,
// pkg/controller/priorityqueue): keys, not events, handed out by priority.
// - A key is queued at most once (dedup). Adding a queued key again changes nothing, unless the
//   new add is more urgent: the key then moves up to that priority (at the back of its class).
// - Ready keys are handed out most urgent class first (Priority), first in first out within a
//   class: a drift check never goes before a manifest change, an operation in flight or a retry.
// - A key being processed is never handed to a second worker: adding it meanwhile marks it
//   dirty (with the most urgent priority asked for), and Done() queues it again.
// - AddAfter queues a key later; a key with several pending delays keeps the earliest (and its
//   priority), and an immediate Add wins over any delay.
// - Per-key consecutive-failure counts live here too (DecideRequeue reads and sets them).
// Thread-safe. Time comes from the injected Clock (steady time). Every operation costs
// O(log n) in the number of keys (the delayed keys are indexed by due time), so 10,000 objects
// (issue 15, bench/scale.sh) cost no scan per Get.

namespace vsrd::daemon {

/// An object's key; the queue never sees the object itself.
using Key = manifests::ObjectKey;

/// The class a key is queued in, most urgent first (reconcilers/decide_requeue.hpp: DecideRequeue
/// chooses it after a pass, the engine for new generations and operators' requests).
using reconcilers::kPriorities;
using reconcilers::Priority;

class WorkQueue {
 public:
  explicit WorkQueue(const Clock& clock) : clock_(clock) {}

  /// Queues `key` now (unless queued already at this or a more urgent priority; if processing,
  /// once it is done).
  void Add(const Key& key, Priority priority = Priority::kChange);
  /// Queues `key` after `delay` (<= 0: now). An earlier pending time for the key wins.
  void AddAfter(const Key& key, std::chrono::milliseconds delay,
                Priority priority = Priority::kChange);

  /// Blocks until a key is ready (and not being processed) or ShutDown(); nullopt after
  /// ShutDown. The key is then "processing" until Done(key).
  std::optional<Key> Get();
  /// Non-blocking Get at `now`: moves the delayed keys due by `now` to the ready lists first.
  std::optional<Key> TryGet(SteadyTime now);
  /// The worker finished `key`; re-queues it if it was added while processing.
  void Done(const Key& key);

  /// Drops the key's pending delayed add (not a ready or processing one), e.g. for an object
  /// removed from git.
  void Forget(const Key& key);

  std::int64_t Failures(const Key& key) const;
  void SetFailures(const Key& key, std::int64_t failures);

  /// Keys ready (of one class, or all) or waiting for their delay (vsrd_workqueue_depth counts
  /// the ready ones).
  std::size_t ReadyCount() const;
  std::size_t ReadyCount(Priority priority) const;
  std::size_t DelayedCount() const;
  /// When the key is next due (ready: now), for status' next_reconcile_at; nullopt if neither.
  std::optional<SteadyTime> NextDue(const Key& key) const;
  /// The class the key is queued, delayed or dirty in; nullopt if none.
  std::optional<Priority> QueuedPriority(const Key& key) const;
  /// The class a key being processed was handed out in; nullopt when it is not processing.
  std::optional<Priority> ProcessingPriority(const Key& key) const;

  /// How often the timer waiter's wait for the earliest delayed key timed out before that key
  /// was due (a wasted wake-up; against the real clock, 0). Tests and diagnostics.
  std::uint64_t EarlyTimerWakeups() const;

  /// Wakes every Get() with nullopt; later adds are ignored.
  void ShutDown();
  bool ShuttingDown() const;

 private:
  struct Queued {
    Priority priority;
    std::uint64_t sequence;  ///< of its entry in ready_[priority]; older entries are stale
  };
  struct Delayed {
    SteadyTime due;
    Priority priority;
  };

  void AddLocked(const Key& key, Priority priority);
  void PushReadyLocked(const Key& key, Priority priority);
  void EraseDelayedLocked(const Key& key);
  void PromoteDueLocked(SteadyTime now);
  std::optional<Key> PopReadyLocked();

  /// Wakes one idle Get() for a key that is ready now: a follower if one waits, else the timer
  /// waiter. Requires mutex_ (the caller notifies after unlocking: see Wake).
  enum class Wake : std::uint8_t { kNone, kFollower, kTimer };
  Wake ReadyWakeLocked() const;
  void Notify(Wake wake);

  const Clock& clock_;
  mutable std::mutex mutex_;
  // Idle workers wait as leader and followers, so that a key falling due wakes one worker, not
  // all of them (at 1,000 objects every worker woke some 30 times a second for a key only one
  // could take; bench/results/2026-12-07-scale.txt). At most one Get() sleeps until the earliest
  // delayed key is due (the timer waiter, on timer_); the others sleep on followers_ until a key
  // is ready or the timer waiter leaves to take one (then one of them takes its place).
  std::condition_variable followers_;
  std::condition_variable timer_;
  bool timer_waiting_ = false;
  int followers_waiting_ = 0;
  /// One FIFO per priority. An entry whose sequence is not its key's in queued_ is stale (the
  /// key moved up, or was handed out) and is skipped when it reaches the front.
  std::array<std::deque<std::pair<Key, std::uint64_t>>, kPriorities> ready_;
  std::array<std::size_t, kPriorities> ready_count_{};  ///< live entries of each ready_ list
  std::uint64_t next_sequence_ = 0;
  std::map<Key, Queued> queued_;        ///< keys in ready_
  std::map<Key, Priority> processing_;  ///< handed out (in that class), Done() not yet called
  std::map<Key, Priority> dirty_;       ///< added while processing
  std::map<Key, Delayed> delayed_;      ///< key -> its pending delayed add
  std::set<std::pair<SteadyTime, Key>> by_due_;  ///< delayed_, ordered by due time
  std::map<Key, std::int64_t> failures_;
  bool shutting_down_ = false;
  std::uint64_t early_timer_wakeups_ = 0;
};

}  // namespace vsrd::daemon
