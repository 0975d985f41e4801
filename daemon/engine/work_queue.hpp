#pragma once

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <set>

#include "daemon/engine/clock.hpp"
#include "manifests/object_key.hpp"

// The work queue of the engine, in the manner of controller-runtime's: keys, not events.
// - A key is queued at most once (dedup); adding a queued key again changes nothing.
// - A key being processed is never handed to a second worker: adding it meanwhile marks it
//   dirty, and Done() queues it again.
// - AddAfter queues a key later; a key with several pending delays keeps the earliest, and an
//   immediate Add wins over any delay.
// - Per-key consecutive-failure counts live here too (DecideRequeue reads and sets them).
// Thread-safe. Time comes from the injected Clock (steady time).

namespace vsrd::daemon {

/// An object's key; the queue never sees the object itself.
using Key = manifests::ObjectKey;

class WorkQueue {
 public:
  explicit WorkQueue(const Clock& clock) : clock_(clock) {}

  /// Queues `key` now (unless queued already; if processing, once it is done).
  void Add(const Key& key);
  /// Queues `key` after `delay` (<= 0: now). An earlier pending time for the key wins.
  void AddAfter(const Key& key, std::chrono::milliseconds delay);

  /// Blocks until a key is ready (and not being processed) or ShutDown(); nullopt after
  /// ShutDown. The key is then "processing" until Done(key).
  std::optional<Key> Get();
  /// Non-blocking Get at `now`: moves the delayed keys due by `now` to the ready list first.
  std::optional<Key> TryGet(SteadyTime now);
  /// The worker finished `key`; re-queues it if it was added while processing.
  void Done(const Key& key);

  /// Drops the key's pending delayed add (not a ready or processing one), e.g. for an object
  /// removed from git.
  void Forget(const Key& key);

  std::int64_t Failures(const Key& key) const;
  void SetFailures(const Key& key, std::int64_t failures);

  /// Keys ready or waiting for their delay (vsrd_workqueue_depth counts the ready ones).
  std::size_t ReadyCount() const;
  std::size_t DelayedCount() const;
  /// When the key is next due (ready: now), for status' next_reconcile_at; nullopt if neither.
  std::optional<SteadyTime> NextDue(const Key& key) const;

  /// Wakes every Get() with nullopt; later adds are ignored.
  void ShutDown();
  bool ShuttingDown() const;

 private:
  void AddLocked(const Key& key);
  void PromoteDueLocked(SteadyTime now);
  std::optional<Key> PopReadyLocked();

  const Clock& clock_;
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<Key> ready_;
  std::set<Key> queued_;      ///< keys in ready_
  std::set<Key> processing_;  ///< handed out, Done() not yet called
  std::set<Key> dirty_;       ///< added while processing
  std::map<Key, SteadyTime> delayed_;
  std::map<Key, std::int64_t> failures_;
  bool shutting_down_ = false;
};

}  // namespace vsrd::daemon
