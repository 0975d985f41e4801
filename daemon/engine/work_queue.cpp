#include "daemon/engine/work_queue.hpp"

#include <algorithm>

namespace vsrd::daemon {

namespace {

std::size_t Index(Priority priority) { return static_cast<std::size_t>(priority); }

}  // namespace

void WorkQueue::PushReadyLocked(const Key& key, Priority priority) {
  const std::uint64_t sequence = next_sequence_++;
  auto [it, inserted] = queued_.try_emplace(key, Queued{priority, sequence});
  if (!inserted) {
    // Queued already: only a more urgent add moves it (its old entry turns stale).
    if (it->second.priority <= priority) return;
    const std::size_t old = Index(it->second.priority);
    --ready_count_[old];
    it->second = Queued{priority, sequence};
    // Stale entries leave a list when they reach its front; a list that rarely drains (drift
    // checks behind a stream of changes) is compacted once they outnumber its live entries.
    auto& list = ready_[old];
    if (list.size() > 2 * ready_count_[old] + 64) {
      std::erase_if(list, [this](const auto& entry) {
        const auto live = queued_.find(entry.first);
        return live == queued_.end() || live->second.sequence != entry.second;
      });
    }
  }
  ready_[Index(priority)].emplace_back(key, sequence);
  ++ready_count_[Index(priority)];
}

void WorkQueue::EraseDelayedLocked(const Key& key) {
  const auto it = delayed_.find(key);
  if (it == delayed_.end()) return;
  by_due_.erase({it->second.due, key});
  delayed_.erase(it);
}

void WorkQueue::AddLocked(const Key& key, Priority priority) {
  if (shutting_down_) return;
  EraseDelayedLocked(key);  // an immediate add supersedes a pending delay
  if (processing_.contains(key)) {
    auto [it, inserted] = dirty_.try_emplace(key, priority);
    if (!inserted) it->second = std::min(it->second, priority);
    return;
  }
  PushReadyLocked(key, priority);
}

WorkQueue::Wake WorkQueue::ReadyWakeLocked() const {
  if (followers_waiting_ > 0) return Wake::kFollower;
  if (timer_waiting_) return Wake::kTimer;
  return Wake::kNone;  // every worker is busy: the next Get() finds the key
}

void WorkQueue::Notify(Wake wake) {
  if (wake == Wake::kFollower) followers_.notify_one();
  if (wake == Wake::kTimer) timer_.notify_one();
}

void WorkQueue::Add(const Key& key, Priority priority) {
  Wake wake = Wake::kNone;
  {
    const std::lock_guard lock(mutex_);
    AddLocked(key, priority);
    wake = ReadyWakeLocked();
  }
  Notify(wake);
}

void WorkQueue::AddAfter(const Key& key, std::chrono::milliseconds delay, Priority priority) {
  if (delay.count() <= 0) {
    Add(key, priority);
    return;
  }
  Wake wake = Wake::kNone;
  {
    const std::lock_guard lock(mutex_);
    if (shutting_down_ || queued_.contains(key) || dirty_.contains(key)) return;
    const SteadyTime due = clock_.SteadyNow() + delay;
    auto [it, inserted] = delayed_.try_emplace(key, Delayed{due, priority});
    if (!inserted) {
      Delayed& pending = it->second;
      // The earliest time wins, with its priority; at the same time, the more urgent one.
      if (due > pending.due || (due == pending.due && priority >= pending.priority)) return;
      by_due_.erase({pending.due, key});
      pending = Delayed{due, priority};
    }
    const bool earliest = by_due_.empty() || due < by_due_.begin()->first;
    by_due_.emplace(due, key);
    // Only a new earliest due time changes how long the timer waiter sleeps; without one, a
    // follower becomes the timer waiter.
    if (timer_waiting_) {
      if (earliest) wake = Wake::kTimer;
    } else if (followers_waiting_ > 0) {
      wake = Wake::kFollower;
    }
  }
  Notify(wake);
}

void WorkQueue::PromoteDueLocked(SteadyTime now) {
  while (!by_due_.empty() && by_due_.begin()->first <= now) {
    const Key key = by_due_.begin()->second;
    by_due_.erase(by_due_.begin());
    const auto it = delayed_.find(key);
    const Priority priority = it->second.priority;
    delayed_.erase(it);
    if (processing_.contains(key)) {
      auto [dirty, inserted] = dirty_.try_emplace(key, priority);
      if (!inserted) dirty->second = std::min(dirty->second, priority);
    } else {
      PushReadyLocked(key, priority);
    }
  }
}

std::optional<Key> WorkQueue::PopReadyLocked() {
  for (std::size_t index = 0; index < kPriorities; ++index) {
    auto& list = ready_[index];
    while (!list.empty()) {
      auto [key, sequence] = std::move(list.front());
      list.pop_front();
      const auto it = queued_.find(key);
      if (it == queued_.end() || it->second.sequence != sequence) continue;  // stale
      processing_.emplace(key, it->second.priority);
      queued_.erase(it);
      --ready_count_[index];
      return key;
    }
  }
  return std::nullopt;
}

std::optional<Key> WorkQueue::TryGet(SteadyTime now) {
  const std::lock_guard lock(mutex_);
  if (shutting_down_) return std::nullopt;
  PromoteDueLocked(now);
  return PopReadyLocked();
}

std::optional<Key> WorkQueue::Get() {
  std::unique_lock lock(mutex_);
  // Every wait re-checks after at most a second: the clock is injected, and a manual clock in
  // tests wakes no one.
  constexpr auto kRecheck = std::chrono::milliseconds(1000);
  while (!shutting_down_) {
    const SteadyTime now = clock_.SteadyNow();
    PromoteDueLocked(now);
    if (auto key = PopReadyLocked()) {
      // More ready keys, or delayed keys with no one left to wait for them: pass the turn on.
      Wake wake = Wake::kNone;
      if (!queued_.empty()) {
        wake = ReadyWakeLocked();
      } else if (!by_due_.empty() && !timer_waiting_ && followers_waiting_ > 0) {
        wake = Wake::kFollower;
      }
      lock.unlock();
      Notify(wake);
      return key;
    }
    if (timer_waiting_) {
      ++followers_waiting_;
      followers_.wait_for(lock, kRecheck);
      --followers_waiting_;
      continue;
    }
    // The timer waiter: sleeps until the earliest delayed key is due, to the clock's
    // resolution (in whole milliseconds, the truncation woke it once or twice before each due
    // key for nothing: two wake-ups per drift check; bench/README.md "scale.sh").
    SteadyTime::duration wait = kRecheck;
    const bool for_key = !by_due_.empty() && by_due_.begin()->first - now < wait;
    if (for_key) wait = by_due_.begin()->first - now;  // > 0: PromoteDueLocked took the due ones
    timer_waiting_ = true;
    const bool timed_out = timer_.wait_for(lock, wait) == std::cv_status::timeout;
    timer_waiting_ = false;
    // Against the real clock a key is due when the wait for it times out; with nothing due then,
    // the wait was cut short (the manual clock of tests stands still and counts here too).
    if (timed_out && for_key && !shutting_down_ &&
        (by_due_.empty() || by_due_.begin()->first > clock_.SteadyNow())) {
      ++early_timer_wakeups_;
    }
  }
  return std::nullopt;
}

void WorkQueue::Done(const Key& key) {
  bool requeued = false;
  Wake wake = Wake::kNone;
  {
    const std::lock_guard lock(mutex_);
    processing_.erase(key);
    if (const auto it = dirty_.find(key); it != dirty_.end()) {
      const Priority priority = it->second;
      dirty_.erase(it);
      if (!shutting_down_) {
        PushReadyLocked(key, priority);
        requeued = true;
      }
    }
    if (requeued) wake = ReadyWakeLocked();
  }
  Notify(wake);
}

void WorkQueue::Forget(const Key& key) {
  const std::lock_guard lock(mutex_);
  EraseDelayedLocked(key);
  failures_.erase(key);
}

std::int64_t WorkQueue::Failures(const Key& key) const {
  const std::lock_guard lock(mutex_);
  const auto it = failures_.find(key);
  return it == failures_.end() ? 0 : it->second;
}

void WorkQueue::SetFailures(const Key& key, std::int64_t failures) {
  const std::lock_guard lock(mutex_);
  if (failures == 0) {
    failures_.erase(key);
  } else {
    failures_[key] = failures;
  }
}

std::size_t WorkQueue::ReadyCount() const {
  const std::lock_guard lock(mutex_);
  return queued_.size();
}

std::size_t WorkQueue::ReadyCount(Priority priority) const {
  const std::lock_guard lock(mutex_);
  return ready_count_[Index(priority)];
}

std::size_t WorkQueue::DelayedCount() const {
  const std::lock_guard lock(mutex_);
  return delayed_.size();
}

std::optional<SteadyTime> WorkQueue::NextDue(const Key& key) const {
  const std::lock_guard lock(mutex_);
  if (queued_.contains(key)) return clock_.SteadyNow();
  const auto it = delayed_.find(key);
  if (it == delayed_.end()) return std::nullopt;
  return it->second.due;
}

std::optional<Priority> WorkQueue::ProcessingPriority(const Key& key) const {
  const std::lock_guard lock(mutex_);
  const auto it = processing_.find(key);
  if (it == processing_.end()) return std::nullopt;
  return it->second;
}

std::optional<Priority> WorkQueue::QueuedPriority(const Key& key) const {
  const std::lock_guard lock(mutex_);
  if (const auto it = queued_.find(key); it != queued_.end()) return it->second.priority;
  if (const auto it = dirty_.find(key); it != dirty_.end()) return it->second;
  if (const auto it = delayed_.find(key); it != delayed_.end()) return it->second.priority;
  return std::nullopt;
}

void WorkQueue::ShutDown() {
  {
    const std::lock_guard lock(mutex_);
    shutting_down_ = true;
  }
  followers_.notify_all();
  timer_.notify_all();
}

std::uint64_t WorkQueue::EarlyTimerWakeups() const {
  const std::lock_guard lock(mutex_);
  return early_timer_wakeups_;
}

bool WorkQueue::ShuttingDown() const {
  const std::lock_guard lock(mutex_);
  return shutting_down_;
}

}  // namespace vsrd::daemon
