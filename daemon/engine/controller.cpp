#include "daemon/engine/controller.hpp"

#include <algorithm>
#include <cmath>
#include <exception>
#include <unordered_set>
#include <utility>

#include "daemon/engine/window.hpp"
#include "daemon/vsphere/credentials.hpp"
#include "daemon/vsphere/https_transport.hpp"
#include "daemon/vsphere/pass_budget.hpp"
#include "reconcilers/reasons.hpp"
#include "reconcilers/wall_time.hpp"

namespace vsrd::daemon {

namespace rec = reconcilers;
using rec::Outcome;
using rec::Phase;

namespace {

/// vsrd_reconcile_total's result label for an outcome.
std::string ResultLabel(const Outcome& outcome, const rec::QueueAction& action) {
  if (action.kind == rec::QueueAction::Kind::kStall) return "stalled";
  switch (outcome.kind) {
    case Outcome::Kind::kDone:
      return "success";
    case Outcome::Kind::kRequeueAfter:
      return "requeue";
    case Outcome::Kind::kTransient:
      return "error";
    case Outcome::Kind::kStalled:
      return "stalled";
  }
  return "error";
}

}  // namespace

/// The Context of one pass.
class Controller::EngineContext final : public rec::Context {
 public:
  EngineContext(Controller& controller, const Desired& desired, rec::TargetPorts& ports,
                bool& slot_refused)
      : controller_(controller),
        desired_(desired),
        ports_(ports),
        slot_refused_(slot_refused),
        key_(desired.object->Key()),
        policy_(controller.PolicyOf(*desired.object)),
        record_(controller.journal_.Get(key_)) {}

  const manifests::Object& Object() const override { return *desired_.object; }
  const rec::EffectivePolicy& Policy() const override { return policy_; }
  rec::WallTime Now() const override { return controller_.clock_.Now(); }
  const rec::TargetPorts& Target() override { return ports_; }
  const rec::ObjectRecord& Record() const override { return record_; }

  bool SaveRecord(const rec::ObjectRecord& record) override {
    if (controller_.options_.dry_run) return true;  // plan never writes the journal
    std::string error;
    if (!controller_.journal_.Save(key_, record, &error)) {
      if (controller_.logger_) {
        controller_.logger_->error("object={} journal write failed: {}", key_.ToString(), error);
      }
      controller_.SetJournalWritable(false);
      return false;
    }
    controller_.SetJournalWritable(true);
    record_ = record;
    return true;
  }

  rec::ports::Result<rec::ports::Secret> ReadSecret(const manifests::SecretRef& ref) override {
    if (IsLentManagementPassword(ref)) return vsphere::ReadSecret(ref);
    // A manifest's secret: confined by the config's `secrets:` (docs/config.md), checked again
    // here because a file can change between the manifest check and the read.
    return vsphere::ReadConfinedSecret(controller_.secrets_, ref);
  }

  /// `ref` is the password of the target this object names as management_vcenter, and the
  /// config lets it go there: the object's own target, or one in secrets.target_credentials
  /// (CheckObjectsAgainstConfig refuses the others before they get here).
  bool IsLentManagementPassword(const manifests::SecretRef& ref) const {
    const auto* vcha = std::get_if<manifests::VchaPassiveNodeSpec>(&desired_.object->spec);
    if (vcha == nullptr || !vcha->management_vcenter) return false;
    const std::string& name = vcha->management_vcenter->name;
    const auto target = controller_.config_.targets.find(name);
    if (target == controller_.config_.targets.end() || !(target->second.password == ref)) {
      return false;
    }
    const auto& lent = controller_.config_.secrets.target_credentials;
    return name == desired_.object->target.name ||
           std::find(lent.begin(), lent.end(), name) != lent.end();
  }

  std::optional<rec::ManagementVcenter> ManagementTarget(const std::string& name) const override {
    const auto it = controller_.config_.targets.find(name);
    if (it == controller_.config_.targets.end()) return std::nullopt;
    vsphere::HttpsEndpoint endpoint;
    try {
      endpoint = vsphere::ParseHttpsUrl(it->second.url);
    } catch (const std::exception&) {
      return std::nullopt;  // the config decoder rejects such URLs; nothing to connect to
    }
    rec::ManagementVcenter management;
    management.hostname = endpoint.host;
    management.port = endpoint.port;
    management.username = it->second.username;
    management.password = it->second.password;
    return management;
  }

  bool InWindow() const override {
    const auto& window = desired_.object->policy.window;
    return !window || daemon::InWindow(*window, Now());
  }

  bool TryBeginMutation() override {
    if (controller_.options_.dry_run) return true;
    const bool taken = controller_.TryTakeSlot(desired_.object->target.name, key_);
    slot_refused_ = !taken;
    return taken;
  }

  bool DryRun() const override { return controller_.options_.dry_run; }

  std::optional<rec::MutationBlock> MutationsBlocked() override {
    if (controller_.stopping_) {
      return rec::MutationBlock{rec::reasons::kShuttingDown, "vsrd is stopping"};
    }
    if (desired_.orphan) {
      return rec::MutationBlock{rec::reasons::kObjectRemoved,
                                "the object was removed from the manifests; its operation in "
                                "flight is followed until it ends"};
    }
    if (const auto recovery = controller_.journal_.MutationsBlocked()) {
      return rec::MutationBlock{rec::reasons::kJournalUnavailable, *recovery};
    }
    if (!controller_.JournalWritable()) {
      // Probe: rewrite this object's record. The disk may have room again.
      if (!SaveRecord(record_)) {
        return rec::MutationBlock{rec::reasons::kJournalUnavailable,
                                  "the journal in state_dir cannot be written"};
      }
    }
    return std::nullopt;
  }

  void ObserveVchaHealth(std::string_view health_state) override {
    details_["vcha_health"] = std::string(health_state);
    if (auto* metrics = Metrics()) metrics->SetVchaHealth(ports_.name, health_state);
  }
  void ObserveApplianceVersion(const std::string& version) override {
    details_["appliance_version"] = version;
    if (auto* metrics = Metrics()) metrics->SetApplianceVersion(ports_.name, version);
  }
  void ObserveVmCustomizable(const std::string& vm, bool customizable) override {
    details_["vm." + vm + ".customizable"] = customizable ? "true" : "false";
    vms_.emplace_back(vm, customizable);
  }
  void ObserveDrift() override { ++drift_; }

  const std::map<std::string, std::string>& Details() const { return details_; }
  /// Metrics are not touched by `vsrd plan` (it changes nothing, not even counters).
  daemon::Metrics* Metrics() const {
    return controller_.options_.dry_run ? nullptr : controller_.options_.metrics;
  }
  int Drift() const { return drift_; }
  /// The VMs this pass checked (ObserveVmCustomizable), in order; a check observes all of its
  /// VMs or none (reconcilers/guest_customization_check/reconciler.cpp).
  std::vector<std::pair<std::string, bool>> TakeVms() { return std::move(vms_); }

 private:
  Controller& controller_;
  const Desired& desired_;
  rec::TargetPorts& ports_;
  bool& slot_refused_;  ///< the pass asked for a mutation slot and was refused (last answer)
  Key key_;
  rec::EffectivePolicy policy_;
  rec::ObjectRecord record_;
  std::map<std::string, std::string> details_;
  std::vector<std::pair<std::string, bool>> vms_;
  int drift_ = 0;
};

Controller::Controller(const Config& config, std::map<std::string, rec::TargetPorts> ports,
                       Journal& journal, const Clock& clock, ReconcilerSet reconcilers,
                       ControllerOptions options, std::shared_ptr<spdlog::logger> logger)
    : config_(config),
      ports_(std::move(ports)),
      journal_(journal),
      clock_(clock),
      reconcilers_(std::move(reconcilers)),
      options_(options),
      secrets_(ManifestSecrets(config)),
      logger_(std::move(logger)),
      queue_(clock),
      rng_(options.seed) {}

Controller::~Controller() { Stop(); }

rec::EffectivePolicy Controller::PolicyOf(const manifests::Object& object) const {
  rec::EffectivePolicy policy;
  policy.interval = object.policy.interval.value_or(config_.defaults.interval);
  policy.retry_interval = object.policy.retry_interval.value_or(config_.defaults.retry_interval);
  policy.timeout = object.policy.timeout.value_or(config_.defaults.timeout);
  policy.max_failures = object.policy.max_failures.value_or(config_.defaults.max_failures);
  if (const auto target = config_.targets.find(object.target.name);
      target != config_.targets.end()) {
    policy.outcome_settle = target->second.request_timeout;
  }
  return policy;
}

void Controller::SetObjects(const std::vector<manifests::Object>& objects,
                            const std::string& revision) {
  std::vector<manifests::SharedObject> shared;
  shared.reserve(objects.size());
  for (const auto& object : objects)
    shared.push_back(std::make_shared<const manifests::Object>(object));
  SetObjects(shared, revision);
}

void Controller::SetObjects(const std::vector<manifests::SharedObject>& objects,
                            const std::string& revision) {
  std::vector<std::pair<Key, rec::Priority>> enqueue;
  std::vector<Key> removed;
  std::vector<Key> wake;
  {
    const std::lock_guard lock(mutex_);
    // The first load is the initial list, not a change to anything in force: as
    // controller-runtime's priority queue does with its initial list, its objects go behind the
    // operations in flight (at 10,000 new objects the polls of the first operations otherwise
    // waited 90 s behind them), except those whose journal records an operation in flight.
    // Every later load queues a new or changed object as a change.
    const bool initial = !loaded_;
    loaded_ = true;
    // In place: a reload usually changes a few objects of thousands (issue 15).
    std::unordered_set<Key> present;
    present.reserve(objects.size());
    for (const auto& object : objects) {
      const Key key = object->Key();
      if (!present.insert(key).second) continue;  // the first of a duplicate Kind/name wins
      auto [it, inserted] = objects_.try_emplace(key, Desired{object, revision, false});
      if (inserted || it->second.orphan || it->second.object->generation != object->generation) {
        rec::Priority priority = rec::Priority::kChange;
        if (initial) {
          priority = journal_.Get(key).in_flight ? rec::Priority::kInFlight : rec::Priority::kDrift;
        }
        enqueue.emplace_back(key, priority);
        stalled_.erase(key);
      }
      if (!inserted) it->second = Desired{object, revision, false};
    }
    for (auto it = objects_.begin(); it != objects_.end();) {
      const Key& key = it->first;
      if (present.contains(key)) {
        ++it;
        continue;
      }
      stalled_.erase(key);
      if (journal_.Get(key).in_flight) {
        // Its operation runs on: followed as an orphan, holding its slot, until it ends
        // (Process forgets it then). Nothing new is submitted for it.
        if (!it->second.orphan) enqueue.emplace_back(key, rec::Priority::kInFlight);
        it->second.orphan = true;
        ++it;
        continue;
      }
      removed.push_back(key);
      for (auto& [target, holders] : slots_) holders.erase(key);
      for (auto& [target, waiters] : slot_waiters_) std::erase(waiters, key);
      for (auto& [target, waiters] : unreachable_) waiters.erase(key);
      woken_.erase(key);
      paced_.erase(key);
      it = objects_.erase(it);
    }
    dependents_.clear();
    for (const auto& [key, desired] : objects_) {
      // Objects whose journal says an operation is in flight hold their target's slot.
      if (journal_.Get(key).in_flight) slots_[desired.object->target.name].insert(key);
      for (const auto& dependency : desired.object->policy.depends_on) {
        dependents_[Key{dependency.kind, dependency.name}].push_back(key);
      }
    }
    TrackUnfollowedLocked();
    // A removed holder or waiter may have freed a slot.
    for (const auto& [target, waiters] : slot_waiters_) {
      for (auto& key : SlotWakeupsLocked(target)) wake.push_back(std::move(key));
    }
  }
  for (const auto& key : removed) Forget(key);
  for (const auto& key : wake) queue_.Add(key, rec::Priority::kInFlight);
  // Kinds that may start an operation first, each in manifest order (Reconciler::MayMutate): at
  // 10,000 new objects the last target's mutations otherwise waited 91 s behind 9,950 checks.
  std::stable_partition(enqueue.begin(), enqueue.end(), [this](const auto& entry) {
    const auto reconciler = reconcilers_.find(entry.first.kind);
    return reconciler == reconcilers_.end() || reconciler->second->MayMutate();
  });
  for (const auto& [key, priority] : enqueue) {
    queue_.SetFailures(key, 0);
    if (const auto desired = Find(key)) {
      auto status = status_.Get(key).value_or(BaseStatus(*desired));
      status.generation = desired->object->generation;
      status.revision = revision;
      status.failures = 0;
      status_.Put(status);
    }
    queue_.Add(key, priority);
  }
  if (auto* metrics = options_.metrics) {
    std::vector<Key> keys;
    keys.reserve(objects.size());
    for (const auto& object : objects) keys.push_back(object->Key());
    metrics->SetObjects(keys);
    if (!revision.empty()) metrics->SetRevision(revision);
  }
  // Operations journaled before this load (a restart, an orphan) count from now on.
  RecountOperationsInFlight(std::nullopt);
  // Unchanged objects keep their status but show the new revision.
  for (const auto& object : objects) status_.SetRevision(object->Key(), revision);
}

ObjectStatus Controller::BaseStatus(const Desired& desired) const {
  ObjectStatus status;
  status.key = desired.object->Key();
  status.target = desired.object->target.name;
  status.generation = desired.object->generation;
  status.revision = desired.revision;
  return status;
}

std::optional<Controller::Desired> Controller::Find(const Key& key) const {
  const std::lock_guard lock(mutex_);
  const auto it = objects_.find(key);
  if (it == objects_.end()) return std::nullopt;
  return it->second;
}

void Controller::TrackUnfollowedLocked() {
  std::map<Key, Unfollowed> next;
  for (const auto& key : journal_.Keys()) {
    if (objects_.contains(key)) continue;
    const auto in_flight = journal_.Get(key).in_flight;
    if (!in_flight) continue;
    const Unfollowed unfollowed{in_flight->target,
                                in_flight->started_at + config_.defaults.timeout};
    if (!unfollowed_.contains(key) && logger_) {
      // Once per record: at start, or when it stops being followed.
      logger_->warn(
          "object={} is not in the manifests but the journal records its operation {} (task "
          "\"{}\", started {}) in flight on target {}: vsrd cannot follow it without its "
          "manifest. {}; restore the manifest to have it followed until it ends",
          key.ToString(), in_flight->operation, in_flight->task,
          rec::FormatWallTime(in_flight->started_at),
          unfollowed.target.empty() ? "(unknown)" : unfollowed.target,
          unfollowed.target.empty()
              ? "Its journal record (format 1) names no target, so it holds no mutation slot"
              : "It holds a mutation slot of its target until " +
                    rec::FormatWallTime(unfollowed.until) + " (defaults.timeout after its start)");
    }
    next.emplace(key, unfollowed);
  }
  unfollowed_ = std::move(next);
}

std::int64_t Controller::FreeSlotsLocked(const std::string& target) const {
  std::int64_t limit = 1;
  if (const auto it = config_.targets.find(target); it != config_.targets.end()) {
    limit = it->second.max_concurrent_mutations;
  }
  std::int64_t held = 0;
  if (const auto it = slots_.find(target); it != slots_.end()) {
    held = static_cast<std::int64_t>(it->second.size());
  }
  // Operations in flight that nothing follows any more count until their time is up.
  const WallTime now = clock_.Now();
  for (const auto& [unfollowed_key, unfollowed] : unfollowed_) {
    if (unfollowed.target == target && now < unfollowed.until) ++held;
  }
  return limit - held;
}

bool Controller::TryTakeSlot(const std::string& target, const Key& key) {
  const std::lock_guard lock(mutex_);
  auto& holders = slots_[target];
  if (holders.contains(key)) return true;
  // First come, first served: a free slot goes to the objects that were refused one before
  // this one, in their order (they have been woken to take it), so a newcomer never overtakes.
  auto& waiters = slot_waiters_[target];
  const auto position = std::find(waiters.begin(), waiters.end(), key);
  const auto ahead = static_cast<std::int64_t>(position - waiters.begin());
  if (ahead >= FreeSlotsLocked(target)) {
    if (position == waiters.end()) waiters.push_back(key);
    return false;
  }
  if (position != waiters.end()) waiters.erase(position);
  holders.insert(key);
  return true;
}

void Controller::SettleSlot(const std::string& target, const Key& key) {
  const bool in_flight = journal_.Get(key).in_flight.has_value();
  const std::lock_guard lock(mutex_);
  if (in_flight) {
    slots_[target].insert(key);
  } else {
    slots_[target].erase(key);
  }
}

std::vector<Key> Controller::SlotWakeupsLocked(const std::string& target) const {
  const auto it = slot_waiters_.find(target);
  if (it == slot_waiters_.end()) return {};
  const std::int64_t free = FreeSlotsLocked(target);
  if (free <= 0) return {};
  const auto count = std::min(static_cast<std::size_t>(free), it->second.size());
  return {it->second.begin(), it->second.begin() + static_cast<std::ptrdiff_t>(count)};
}

void Controller::SettleSlotWaiter(const Key& key, bool refused) {
  std::vector<Key> wake;
  {
    const std::lock_guard lock(mutex_);
    const auto object = objects_.find(key);
    const std::string* target =
        object == objects_.end() ? nullptr : &object->second.object->target.name;
    // A stalled object runs no pass until a new generation or a reset: it cannot wait in line.
    if (const auto stalled = stalled_.find(key);
        object != objects_.end() && stalled != stalled_.end() &&
        stalled->second == object->second.object->generation) {
      refused = false;
    }
    for (auto& [waited, waiters] : slot_waiters_) {
      // Still refused: it keeps its place. Otherwise it took a slot, needs none now, was removed
      // or moved to another target: the next in line may go.
      if (!(refused && target != nullptr && waited == *target)) std::erase(waiters, key);
    }
    // A slot given back in this pass (SettleSlot), or a place in line given up, frees a turn.
    for (const auto& [waited, waiters] : slot_waiters_) {
      for (auto& next : SlotWakeupsLocked(waited)) wake.push_back(std::move(next));
    }
  }
  // `key` itself too, when a slot freed during its pass after it was refused (Done queues it
  // again once this pass ends).
  for (const auto& next : wake) queue_.Add(next, rec::Priority::kInFlight);
}

void Controller::Forget(const Key& key) {
  status_.Remove(key);
  queue_.Forget(key);
  if (logger_) logger_->info("object={} removed from the manifests; forgotten", key.ToString());
}

void Controller::ForgetOrphanIfEnded(const Key& key) {
  if (journal_.Get(key).in_flight) return;
  {
    const std::lock_guard lock(mutex_);
    const auto it = objects_.find(key);
    if (it == objects_.end() || !it->second.orphan) return;
    slots_[it->second.object->target.name].erase(key);
    objects_.erase(it);
  }
  SettleSlotWaiter(key, false);  // its slot is free: the next waiting object goes at once
  std::string error;
  if (!journal_.Save(key, rec::ObjectRecord{}, &error) && logger_) {
    logger_->warn("object={} could not drop its journal entry: {}", key.ToString(), error);
  }
  Forget(key);
}

void Controller::SetJournalWritable(bool writable) {
  if (journal_writable_.exchange(writable) == writable) return;
  if (logger_) {
    if (writable) {
      logger_->info("the journal can be written again; mutations resume");
    } else {
      logger_->error("the journal cannot be written: no mutation starts until it can");
    }
  }
  if (auto* metrics = options_.metrics; metrics != nullptr && !options_.dry_run) {
    metrics->SetJournalWritable(writable);
  }
}

void Controller::SettleUnreachable(const std::string& target, const Key& key, bool unreachable,
                                   bool answered, std::uint64_t pass_began) {
  std::set<Key> wake;
  {
    const std::lock_guard lock(mutex_);
    // A wake-up is used by the first pass that began after it. A pass that began before it (it
    // was running when the target answered another pass) leaves it to the woken pass, and does
    // not wait for the target again either: the woken pass is queued and settles that.
    bool was_woken = false;
    bool wake_pending = false;
    if (const auto woken = woken_.find(key); woken != woken_.end()) {
      was_woken = woken->second <= pass_began;
      wake_pending = !was_woken;
      if (was_woken) woken_.erase(woken);
    }
    // At most one place, on the target of this pass (it may have moved), and none for an object
    // removed during the pass (SetObjects dropped it under this lock).
    for (auto& [waited, waiters] : unreachable_) waiters.erase(key);
    const auto object = objects_.find(key);
    if (unreachable && !was_woken && !wake_pending && object != objects_.end() &&
        object->second.object->target.name == target) {
      unreachable_[target].insert(key);
    }
    if (unreachable || !answered) return;
    const auto it = unreachable_.find(target);
    if (it == unreachable_.end()) return;
    wake = std::move(it->second);
    unreachable_.erase(it);
    if (wake.empty()) return;
    ++wake_sequence_;
    for (const auto& next : wake) woken_[next] = wake_sequence_;
  }
  if (logger_) {
    logger_->info("target={} answers again: retrying the {} object(s) that found it unreachable",
                  target, wake.size());
  }
  for (const auto& next : wake) {
    // Retried now, but never less urgent than its pending pass: an operation's poll that found
    // the target down stays in_flight (an immediate add replaces the delay and its class).
    const rec::Priority pending = queue_.QueuedPriority(next).value_or(rec::Priority::kRetry);
    queue_.Add(next, std::min(pending, rec::Priority::kRetry));
  }
}

void Controller::WakeDependents(const manifests::Object& ready) {
  std::vector<Key> dependents;
  {
    const std::lock_guard lock(mutex_);
    const auto it = dependents_.find(ready.Key());
    if (it == dependents_.end()) return;
    dependents = it->second;
  }
  for (const auto& key : dependents) {
    // Only those waiting for it: a drift check of the dependency must not queue its dependents
    // as changes (those that have not run yet are queued already).
    const auto status = status_.Get(key);
    if (status && status->waiting && status->waiting->dependency == ready.Key()) {
      queue_.Add(key, rec::Priority::kChange);
    }
  }
}

bool Controller::ReconcileNow(const Key& key, bool reset) {
  if (!Find(key)) return false;
  if (reset) {
    {
      const std::lock_guard lock(mutex_);
      stalled_.erase(key);
    }
    queue_.SetFailures(key, 0);
    // The operator's word: the attempts start again, and a submission whose outcome could not
    // be resolved is forgotten (live state decides; it may be submitted again). A running,
    // accepted operation is still followed.
    rec::ObjectRecord record = journal_.Get(key);
    const rec::ObjectRecord before = record;
    record.attempts = 0;
    record.attempts_generation.clear();
    if (record.in_flight && record.in_flight->state != rec::Submission::kAccepted) {
      record.in_flight.reset();
    }
    std::string error;
    if (record != before && !journal_.Save(key, record, &error) && logger_) {
      logger_->error("object={} reset: journal write failed: {}", key.ToString(), error);
    }
    if (record.in_flight.has_value() != before.in_flight.has_value()) {
      RecountOperationsInFlight(key.kind);
    }
  }
  queue_.Add(key, rec::Priority::kChange);
  return true;
}

std::optional<Outcome> Controller::RunOnce(const Key& key) { return Process(key); }

std::optional<Outcome> Controller::Process(const Key& key) {
  bool slot_refused = false;
  auto outcome = Pass(key, slot_refused);
  if (!options_.dry_run) SettleSlotWaiter(key, slot_refused);
  return outcome;
}

std::optional<Outcome> Controller::Pass(const Key& key, bool& slot_refused) {
  const auto desired = Find(key);
  if (!desired) return std::nullopt;
  // Every API call of this pass starts only while its request timeout fits in the budget, and
  // waits for the rate limit behind the calls of more urgent passes only.
  const vsphere::PassBudget budget(options_.pass_budget,
                                   queue_.ProcessingPriority(key).value_or(rec::Priority::kChange));
  const manifests::Object& object = *desired->object;
  ObjectStatus status = status_.Get(key).value_or(BaseStatus(*desired));
  const rec::EffectivePolicy policy = PolicyOf(object);
  rec::RetryPolicy retry;
  retry.interval = policy.interval;
  retry.retry_interval = policy.retry_interval;
  retry.max_failures = policy.max_failures;
  retry.max_backoff = options_.max_backoff;

  auto settle = [&](const Outcome& outcome, std::optional<rec::QueueAction> action) {
    const Phase previous = status.phase;
    status.generation = object.generation;
    status.observed_generation = object.generation;
    status.revision = desired->revision;
    status.phase = outcome.phase;
    status.reason = outcome.reason;
    status.message = outcome.message;
    status.operation = outcome.operation;
    status.waiting = outcome.waiting;
    for (const auto& [name, value] : outcome.details) status.details[name] = value;
    const WallTime now = clock_.Now();
    if (previous != status.phase || !status.last_transition) status.last_transition = now;
    std::string result = "success";
    if (action) {
      result = ResultLabel(outcome, *action);
      status.failures = action->failures;
      if (action->kind == rec::QueueAction::Kind::kStall) {
        status.phase = Phase::kStalled;
        if (outcome.kind != Outcome::Kind::kStalled) {
          status.reason = rec::reasons::kMaxFailuresReached;
          status.message =
              std::to_string(action->failures) + " failures in a row: " + outcome.message;
        }
        status.next_reconcile_at.reset();
      } else {
        status.next_reconcile_at = now + action->after;
      }
    }
    if (outcome.kind == Outcome::Kind::kTransient || outcome.kind == Outcome::Kind::kStalled) {
      status.last_error = outcome.reason + ": " + outcome.message;
    }
    status.Record({now, now, 1, result, status.phase, status.reason, status.message});
    {
      // Under mutex_, so that an object removed during the pass never comes back: SetObjects
      // drops it from objects_ under the same lock before it removes its status.
      const std::lock_guard lock(mutex_);
      const auto current = objects_.find(key);
      if (current == objects_.end()) return;
      // The manifest in force may have changed during the pass (a reload: SetObjects wrote the
      // new generation and revision into the status meanwhile). The pass owns what it observed
      // (observed_generation, phase, reason, ...), never what is in force: those come from
      // objects_ now, so a long pass cannot put an older generation or revision back.
      status.generation = current->second.object->generation;
      status.revision = current->second.revision;
      status_.Put(status);
    }
    if (options_.metrics != nullptr && !options_.dry_run) {
      options_.metrics->SetObjectPhase(key, status.phase);
    }
    if (logger_ && previous != status.phase) {
      logger_->info("object={} phase {} -> {} reason={} {}", key.ToString(),
                    rec::PhaseName(previous), rec::PhaseName(status.phase), status.reason,
                    status.message);
    }
  };

  if (object.policy.suspend && !desired->orphan) {
    Outcome outcome =
        Outcome::Done(Phase::kSuspended, rec::reasons::kSuspended, "policy.suspend is true");
    settle(outcome, std::nullopt);
    return outcome;
  }
  {
    const std::lock_guard lock(mutex_);
    if (const auto it = stalled_.find(key);
        it != stalled_.end() && it->second == object.generation) {
      return Outcome::Stalled(status.reason, status.message);
    }
  }
  for (const auto& dependency :
       desired->orphan ? std::vector<manifests::ObjectRef>{} : object.policy.depends_on) {
    const Key dependency_key{dependency.kind, dependency.name};
    const auto dependency_status = status_.Get(dependency_key);
    if (!dependency_status || dependency_status->phase != Phase::kReady) {
      Outcome outcome = Outcome::DependencyNotReady(
          dependency_key,
          "waiting for " + dependency_key.ToString() + " (" +
              (dependency_status ? std::string(rec::PhaseName(dependency_status->phase))
                                 : std::string("unknown")) +
              ")");
      const rec::QueueAction action{rec::QueueAction::Kind::kRequeueAfter, options_.waiting_recheck,
                                    0, false};
      settle(outcome, action);
      if (!options_.dry_run) {
        queue_.AddAfter(key, options_.waiting_recheck, rec::Priority::kRetry);
      }
      return outcome;
    }
  }

  const auto reconciler = reconcilers_.find(object.kind);
  const auto target = ports_.find(object.target.name);
  if (reconciler == reconcilers_.end() || target == ports_.end()) {
    Outcome outcome = Outcome::Stalled(rec::reasons::kNotConfigured,
                                       reconciler == reconcilers_.end()
                                           ? "no reconciler for this kind"
                                           : "target " + object.target.name + " is not configured");
    settle(outcome, rec::QueueAction{rec::QueueAction::Kind::kStall, {}, 0, false});
    return outcome;
  }

  std::uint64_t pass_began = 0;  // the wake-ups this pass may use (SettleUnreachable)
  {
    const std::lock_guard lock(mutex_);
    pass_began = wake_sequence_;
  }
  EngineContext context(*this, *desired, target->second, slot_refused);
  const std::optional<rec::InFlight> in_flight_before = context.Record().in_flight;
  const SteadyTime pass_started = clock_.SteadyNow();
  Outcome outcome;
  try {
    outcome = reconciler->second->Reconcile(context);
  } catch (const std::exception& error) {
    outcome = Outcome::ReadFailed(rec::reasons::kInternalError, error.what());
  }
  for (const auto& [name, value] : context.Details()) outcome.details.emplace(name, value);
  if (context.Drift() > 0) outcome.details["drift_detected"] = "true";

  if (options_.dry_run) {
    settle(outcome, std::nullopt);
    return outcome;
  }
  SettleSlot(object.target.name, key);
  bool superseded = false;
  {
    // Removed during the pass (and nothing in flight): its status and metrics stay gone.
    const auto now_desired = Find(key);
    if (!now_desired) return outcome;
    // A new spec arrived during the pass (SetObjects reset the failure count and queued it).
    superseded = now_desired->object->generation != object.generation;
    if (now_desired->orphan) {
      outcome.details["orphaned"] = "true";
      outcome.message =
          "removed from the manifests; following its operation until it ends: " + outcome.message;
    }
  }
  RecordOperationMetrics(object, in_flight_before, outcome);
  if (options_.metrics != nullptr) {
    if (context.Drift() > 0) options_.metrics->CountDrift(key);
    // A pass that checked no VM (a read failed, another kind) leaves the last check's series.
    if (auto vms = context.TakeVms(); !vms.empty()) {
      options_.metrics->SetVmsCustomizable(key, object.target.name, std::move(vms));
    }
  }

  rec::QueueAction action;
  {
    const std::lock_guard lock(mutex_);
    action = rec::DecideRequeue(outcome, queue_.Failures(key), retry, rng_);
  }
  // A failure of the old spec is not one of the new generation's, whose count starts at 0.
  if (superseded) action.failures = 0;
  queue_.SetFailures(key, action.failures);
  if (action.kind == rec::QueueAction::Kind::kStall) {
    const std::lock_guard lock(mutex_);
    stalled_[key] = object.generation;
  } else {
    queue_.AddAfter(key, action.after, action.priority);
  }
  SettleUnreachable(object.target.name, key,
                    outcome.kind == Outcome::Kind::kTransient &&
                        outcome.reason == rec::reasons::kTargetUnreachable &&
                        action.kind == rec::QueueAction::Kind::kRequeueAfter,
                    budget.Answered(), pass_began);
  settle(outcome, action);
  if (auto* metrics = options_.metrics) {
    const double seconds = std::chrono::duration<double>(clock_.SteadyNow() - pass_started).count();
    metrics->CountReconcile(object.kind, ResultLabel(outcome, action), seconds);
    if (action.retry) metrics->CountRetry(object.kind);
    metrics->SetQueueDepth(queue_.ReadyCount());
  }
  if (status.phase == Phase::kReady) WakeDependents(object);
  if (desired->orphan) ForgetOrphanIfEnded(key);
  return outcome;
}

void Controller::RecordOperationMetrics(const manifests::Object& object,
                                        const std::optional<rec::InFlight>& before,
                                        const Outcome& outcome) {
  auto* metrics = options_.metrics;
  if (metrics == nullptr) return;
  const auto after = journal_.Get(object.Key()).in_flight;
  if (before && (!after || after->task != before->task || after->operation != before->operation)) {
    // Ended in this pass (or replaced by the next step): a failed mutation ends it "failed".
    const bool failed = outcome.kind == Outcome::Kind::kTransient && outcome.mutation_failed;
    const double seconds = std::chrono::duration<double>(clock_.Now() - before->started_at).count();
    metrics->ObserveOperation(object.kind, failed ? "failed" : "succeeded", std::max(0.0, seconds));
  }
  // Counted again only when this object's operation started or ended: the count walks every
  // object of the kind, which at 10,000 objects cost a millisecond per pass (issue 15).
  if (before.has_value() != after.has_value()) RecountOperationsInFlight(object.kind);
}

void Controller::RecountOperationsInFlight(std::optional<manifests::Kind> only) {
  auto* metrics = options_.metrics;
  if (metrics == nullptr || options_.dry_run) return;
  std::map<manifests::Kind, std::int64_t> counts;
  {
    const std::lock_guard lock(mutex_);
    for (const auto& [key, desired] : objects_) {
      if (only && key.kind != *only) continue;
      auto& count = counts[key.kind];
      if (journal_.Get(key).in_flight) ++count;
    }
  }
  if (only) {
    metrics->SetOperationsInFlight(*only, counts[*only]);
    return;
  }
  for (std::size_t index = 0; index < manifests::kKindNames.size(); ++index) {
    const auto kind = static_cast<manifests::Kind>(index);
    metrics->SetOperationsInFlight(kind, counts[kind]);
  }
}

std::size_t Controller::RunDue() {
  std::size_t passes = 0;
  while (auto key = queue_.TryGet(clock_.SteadyNow())) {
    if (PaceDriftCheck(*key)) {
      queue_.Done(*key);
      continue;
    }
    Process(*key);
    queue_.Done(*key);
    ++passes;
  }
  return passes;
}

bool Controller::PaceDriftCheck(const Key& key) {
  const bool drift = queue_.ProcessingPriority(key) == rec::Priority::kDrift;
  SteadyTime::duration wait{};
  {
    const std::lock_guard lock(mutex_);
    // Its reserved turn has come (or it runs for another reason now): it starts.
    if (paced_.erase(key) > 0 || !drift) return false;
    const auto object = objects_.find(key);
    if (object == objects_.end()) return false;
    const std::string& target = object->second.object->target.name;
    const auto config = config_.targets.find(target);
    if (config == config_.targets.end()) return false;
    const double rate = config->second.requests_per_second;
    if (!(rate > 0) || std::isinf(rate)) return false;
    const auto step =
        std::chrono::duration_cast<SteadyTime::duration>(std::chrono::duration<double>(1.0 / rate));
    const SteadyTime now = clock_.SteadyNow();
    SteadyTime& next = drift_pace_[target];
    if (next <= now) {
      next = now + step;
      return false;
    }
    wait = next - now;
    next += step;
    paced_.insert(key);
  }
  queue_.AddAfter(key, std::chrono::ceil<std::chrono::milliseconds>(wait), rec::Priority::kDrift);
  return true;
}

void Controller::WorkerLoop() {
  while (auto key = queue_.Get()) {
    if (PaceDriftCheck(*key)) {
      queue_.Done(*key);
      continue;
    }
    {
      const std::lock_guard lock(liveness_mutex_);
      passes_[std::this_thread::get_id()] = clock_.SteadyNow();
    }
    Process(*key);
    queue_.Done(*key);
    const std::lock_guard lock(liveness_mutex_);
    passes_.erase(std::this_thread::get_id());
  }
  const std::lock_guard lock(liveness_mutex_);
  --workers_running_;
}

Controller::Heartbeat Controller::Liveness() const {
  const auto now = clock_.SteadyNow();
  const std::lock_guard lock(liveness_mutex_);
  Heartbeat heartbeat;
  heartbeat.workers_running = workers_running_;
  heartbeat.workers_started = workers_started_;
  heartbeat.stopping = stopped_.load();
  for (const auto& [worker, began] : passes_) {
    heartbeat.oldest_pass = std::max(heartbeat.oldest_pass, now - began);
  }
  return heartbeat;
}

void Controller::Start() {
  {
    const std::lock_guard lock(liveness_mutex_);
    workers_started_ = std::max(1, options_.workers);
    workers_running_ = workers_started_;  // each worker counts itself out when it ends
  }
  for (int i = 0; i < std::max(1, options_.workers); ++i) {
    workers_.emplace_back([this] { WorkerLoop(); });
  }
}

void Controller::Stop() {
  stopping_ = true;  // before anything else: no mutation starts from here on
  if (stopped_.exchange(true)) return;
  queue_.ShutDown();
  for (auto& worker : workers_) {
    if (worker.joinable()) worker.join();
  }
}

}  // namespace vsrd::daemon
