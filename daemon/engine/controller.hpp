#pragma once

#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <spdlog/logger.h>

#include "daemon/config.hpp"
#include "daemon/engine/clock.hpp"
#include "daemon/engine/journal.hpp"
#include "daemon/engine/status_store.hpp"
#include "daemon/engine/work_queue.hpp"
#include "daemon/metrics.hpp"
#include "manifests/object.hpp"
#include "reconcilers/context.hpp"
#include "reconcilers/decide_requeue.hpp"

// The engine: worker threads taking keys from the WorkQueue and running the kind's reconciler
// with a Context built here; DecideRequeue turns each outcome into the next queue action.
// Around the reconcilers it owns what is common to every kind: `suspend`, `depends_on`
// (Waiting until the named objects are Ready), `max_failures` (Stalled until a new generation
// or a reset), the per-target mutation slots (max_concurrent_mutations), the journal, and the
// status of every object.

namespace vsrd::daemon {

/// The reconciler of each kind. Reconcilers are stateless and shared by all workers.
using ReconcilerSet = std::map<manifests::Kind, std::shared_ptr<reconcilers::Reconciler>>;

/// The default time budget of one pass: twice the largest allowed request timeout (config.md
/// `request_timeout`, at most 2m), so that a pass may start calls during at least half of it.
inline constexpr std::chrono::seconds kPassBudget = 2 * kMaxRequestTimeout;

struct ControllerOptions {
  int workers = 4;
  /// `vsrd plan`: reconcilers describe instead of mutating.
  bool dry_run = false;
  std::uint64_t seed = 0;  ///< of the jitter RNG
  /// How long an object waiting for its dependencies, or for a busy target, waits to look again
  /// (an object turning Ready also wakes its dependents at once).
  std::chrono::milliseconds waiting_recheck = std::chrono::seconds(15);
  std::chrono::milliseconds max_backoff = std::chrono::minutes(10);
  /// The time budget of each pass for its API calls (daemon/vsphere/pass_budget.hpp): a call
  /// starts only while its request timeout fits in what is left; /healthz calls a pass stale a
  /// margin after it (DaemonOptions::stale_margin).
  std::chrono::milliseconds pass_budget = kPassBudget;
  /// Where passes, phases, drift, operations and observations are counted; null: nowhere.
  /// Must outlive the controller.
  Metrics* metrics = nullptr;
};

class Controller {
 public:
  /// `ports` holds the ports of every configured target by name (null ports for a flavor the
  /// target does not speak). Everything passed by reference must outlive the controller.
  Controller(const Config& config, std::map<std::string, reconcilers::TargetPorts> ports,
             Journal& journal, const Clock& clock, ReconcilerSet reconcilers,
             ControllerOptions options, std::shared_ptr<spdlog::logger> logger);
  ~Controller();
  Controller(const Controller&) = delete;
  Controller& operator=(const Controller&) = delete;

  /// Replaces the desired objects (from a manifest load). A new object, or one whose
  /// generation changed, is queued at once (Priority::kChange; on the first load, the initial
  /// list, kDrift, or kInFlight with an operation in flight in the journal; kinds that may
  /// mutate first) and its failures and stall are cleared; an
  /// unchanged one is left alone; an object no longer present is forgotten (status removed,
  /// nothing deleted in vSphere) — unless its journal records an operation in flight: it is then
  /// followed as an orphan, holding its mutation slot, until the operation ends. Thread-safe.
  /// The objects are held, not copied (manifests::SharedObject).
  void SetObjects(const std::vector<manifests::SharedObject>& objects, const std::string& revision);
  /// The same with objects of the caller's, copied once (tests, `vsrd plan`).
  void SetObjects(const std::vector<manifests::Object>& objects, const std::string& revision);

  /// Starts the worker threads.
  void Start();
  /// Refuses every mutation from now on (the gate answers ShuttingDown); passes go on. The
  /// first step of a stop, taken before anything that may wait. Thread-safe.
  void RefuseMutations() { stopping_ = true; }
  /// Refuses every mutation from now on, stops taking work, lets passes in flight finish,
  /// joins the workers. Idempotent.
  void Stop();

  /// Queues `key` now; `reset` clears Stalled and the failure count. False when no such object
  /// exists.
  bool ReconcileNow(const Key& key, bool reset);

  /// One pass of `key` on the calling thread, without the queue (for `vsrd plan` and tests).
  /// Updates status like a worker's pass; returns the reconciler's outcome, or nullopt when
  /// the object does not exist.
  std::optional<reconcilers::Outcome> RunOnce(const Key& key);

  /// Processes every key due at the clock's current time on the calling thread, until none is
  /// due; returns how many passes ran. A deterministic driver for tests (no worker threads).
  std::size_t RunDue();

  /// Liveness of the workers: how many are running, and how long the oldest pass in progress
  /// has been running (zero when all are idle). A worker blocked far longer than a pass can
  /// take (its API calls start only within the pass budget) means the engine is wedged:
  /// /healthz and the systemd watchdog read this.
  struct Heartbeat {
    int workers_running = 0;
    int workers_started = 0;
    SteadyTime::duration oldest_pass{};
    /// Stop() has begun (a stop, or a reload replacing this engine): workers end as their
    /// passes do, so fewer running than started is expected, not a failure.
    bool stopping = false;
  };
  Heartbeat Liveness() const;

  const StatusStore& Status() const { return status_; }
  /// False after a journal write failed, until one succeeds (no mutation starts meanwhile).
  bool JournalWritable() const { return journal_writable_; }
  const WorkQueue& Queue() const { return queue_; }

 private:
  class EngineContext;
  struct Desired {
    manifests::SharedObject object;  ///< never null
    std::string revision;
    /// Removed from the manifests while its journal records an operation in flight: followed
    /// (never mutated) until the operation ends, then forgotten.
    bool orphan = false;
  };

  void WorkerLoop();
  /// One pass of `key` (Pass), then its place in its target's line for a mutation slot.
  std::optional<reconcilers::Outcome> Process(const Key& key);
  /// One pass; `slot_refused` is set when the reconciler asked for a mutation slot and was
  /// refused.
  std::optional<reconcilers::Outcome> Pass(const Key& key, bool& slot_refused);
  std::optional<Desired> Find(const Key& key) const;
  reconcilers::EffectivePolicy PolicyOf(const manifests::Object& object) const;
  /// A mutation slot of `target` for `key`: true when it holds one or takes a free one that no
  /// earlier refused object waits for; else false, and `key` joins the end of the line.
  bool TryTakeSlot(const std::string& target, const Key& key);
  /// max_concurrent_mutations minus the slots held (also by unfollowed operations). Requires
  /// mutex_.
  std::int64_t FreeSlotsLocked(const std::string& target) const;
  /// The waiting objects of `target` a free slot goes to now (the first ones, as many as there
  /// are free slots). Requires mutex_.
  std::vector<Key> SlotWakeupsLocked(const std::string& target) const;
  /// After a pass of `key`: it keeps its place in line only if it was refused a slot again;
  /// every target's first waiters are woken (Priority::kInFlight) for the slots now free, so a
  /// freed slot starts the next waiting mutation at once, not after its TargetBusy retry.
  void SettleSlotWaiter(const Key& key, bool refused);
  /// Rebuilds unfollowed_ from the journal after objects_ changed. Requires mutex_.
  void TrackUnfollowedLocked();
  /// After a pass: the slot follows the journal. An operation in flight holds a slot of its
  /// target, also one the pass adopted from live state without TryBeginMutation (an operator's,
  /// or ours after a failed journal write), even beyond max_concurrent_mutations: it runs
  /// whether or not a slot was free, and no other mutation may start beside it. Without an
  /// operation in flight the slot is given back.
  void SettleSlot(const std::string& target, const Key& key);
  /// After a pass of `key` on `target`: a pass that failed TargetUnreachable waits (besides its
  /// backoff) for the target to answer again; a pass the target answered (`answered`, from its
  /// PassBudget) retries every object waiting so at once (Priority::kRetry). An appliance that
  /// restarts for minutes thus has its objects back when it is, not after a backoff that grew
  /// while it was down; the per-target rate limit paces them behind more urgent work. A woken
  /// pass that fails TargetUnreachable again waits for its backoff only (it may be another
  /// endpoint that is down, e.g. a management vCenter): at most one early pass per backoff, so
  /// answers of the target can never make an object loop. A wake-up belongs to the first pass
  /// of the object that began after it (`pass_began`, the wake_sequence_ when the pass began): a
  /// pass already running then neither uses it nor waits for the target again.
  /// Drift checks are started at most at their target's requests_per_second: a drift check
  /// (Priority::kDrift) that would start sooner after the previous one of its target is put
  /// back until its turn (a start time reserved for it) and the worker takes other work. True:
  /// put back, not run now. Without it, the objects of one target, falling due together (a
  /// first load queues them together), held every worker waiting for that target's rate limit
  /// while the other targets sat idle (bench/README.md "scale.sh": 0.47 drift checks per
  /// interval at 10,000 objects where the limits allowed 3).
  bool PaceDriftCheck(const Key& key);
  void SettleUnreachable(const std::string& target, const Key& key, bool unreachable, bool answered,
                         std::uint64_t pass_began);
  void WakeDependents(const manifests::Object& ready);
  /// Status, queue and metrics of a removed object.
  void Forget(const Key& key);
  /// An orphan whose operation ended: dropped with its journal entry and slot.
  void ForgetOrphanIfEnded(const Key& key);
  void SetJournalWritable(bool writable);
  /// After a pass: vsrd_operations_in_flight of `kind`, vsrd_workqueue_depth, and
  /// vsrd_operation_duration_seconds when the object's operation ended in this pass.
  void RecordOperationMetrics(const manifests::Object& object,
                              const std::optional<reconcilers::InFlight>& before,
                              const reconcilers::Outcome& outcome);
  /// vsrd_operations_in_flight of one kind (nullopt: of every kind) from the journal. Walks
  /// the objects: after a load, and when an operation starts or ends. Not under mutex_.
  void RecountOperationsInFlight(std::optional<manifests::Kind> only);
  ObjectStatus BaseStatus(const Desired& desired) const;

  const Config& config_;
  std::map<std::string, reconcilers::TargetPorts> ports_;
  Journal& journal_;
  const Clock& clock_;
  ReconcilerSet reconcilers_;
  ControllerOptions options_;
  /// What manifests' secrets are confined to (the config's `secrets:`).
  vsphere::SecretConfinement secrets_;
  std::shared_ptr<spdlog::logger> logger_;
  WorkQueue queue_;
  StatusStore status_;

  /// Guards objects_, stalled_, slots_, slot_waiters_, unreachable_, woken_, wake_sequence_,
  /// drift_pace_, paced_, dependents_, unfollowed_, rng_.
  mutable std::mutex mutex_;
  std::map<Key, Desired> objects_;
  std::map<Key, std::string> stalled_;          ///< key -> the generation that stalled
  std::map<std::string, std::set<Key>> slots_;  ///< target -> keys holding a slot
  /// target -> the objects refused a slot, in the order they were first refused (TryTakeSlot)
  std::map<std::string, std::deque<Key>> slot_waiters_;
  /// target -> the objects whose last pass failed TargetUnreachable on it (SettleUnreachable)
  std::map<std::string, std::set<Key>> unreachable_;
  /// The objects SettleUnreachable queued early whose woken pass has not settled yet, each with
  /// the wake_sequence_ of its wake-up.
  std::map<Key, std::uint64_t> woken_;
  /// Counts wake-ups (SettleUnreachable); a pass notes it when it begins.
  std::uint64_t wake_sequence_ = 0;
  /// target -> when its next drift check may start (PaceDriftCheck)
  std::map<std::string, SteadyTime> drift_pace_;
  /// The drift checks put back to a start time reserved for them (PaceDriftCheck).
  std::set<Key> paced_;
  /// dependency -> the objects naming it in depends_on (rebuilt by SetObjects)
  std::map<Key, std::vector<Key>> dependents_;
  /// A journal record with an operation in flight whose manifest this process never had (it was
  /// removed while vsrd was down): vsrd cannot follow it without its spec, so it holds a slot of
  /// its target until `until` (its start plus defaults.timeout), or until its manifest returns
  /// and it is followed again.
  struct Unfollowed {
    std::string target;
    WallTime until;
  };
  std::map<Key, Unfollowed> unfollowed_;
  std::mt19937_64 rng_;
  bool loaded_ = false;  ///< SetObjects ran once: later loads are changes

  std::vector<std::thread> workers_;
  std::atomic<bool> stopped_{false};
  /// Set at the start of Stop: the mutation gate refuses from then on (ShuttingDown).
  std::atomic<bool> stopping_{false};
  /// False after a journal write failed, until one succeeds (JournalUnavailable).
  std::atomic<bool> journal_writable_{true};
  mutable std::mutex liveness_mutex_;
  std::map<std::thread::id, SteadyTime> passes_;  ///< worker -> when its current pass began
  int workers_running_ = 0;
  int workers_started_ = 0;
};

}  // namespace vsrd::daemon
