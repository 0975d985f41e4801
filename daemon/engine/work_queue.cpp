#include "daemon/engine/work_queue.hpp"

#include <algorithm>

namespace vsrd::daemon {

void WorkQueue::AddLocked(const Key& key) {
  if (shutting_down_) return;
  delayed_.erase(key);  // an immediate add supersedes a pending delay
  if (processing_.contains(key)) {
    dirty_.insert(key);
    return;
  }
  if (queued_.insert(key).second) ready_.push_back(key);
}

void WorkQueue::Add(const Key& key) {
  {
    const std::lock_guard lock(mutex_);
    AddLocked(key);
  }
  changed_.notify_one();
}

void WorkQueue::AddAfter(const Key& key, std::chrono::milliseconds delay) {
  if (delay.count() <= 0) {
    Add(key);
    return;
  }
  {
    const std::lock_guard lock(mutex_);
    if (shutting_down_ || queued_.contains(key) || dirty_.contains(key)) return;
    const SteadyTime due = clock_.SteadyNow() + delay;
    auto [it, inserted] = delayed_.emplace(key, due);
    if (!inserted) it->second = std::min(it->second, due);
  }
  // A waiting Get() must recompute how long to sleep.
  changed_.notify_all();
}

void WorkQueue::PromoteDueLocked(SteadyTime now) {
  for (auto it = delayed_.begin(); it != delayed_.end();) {
    if (it->second <= now) {
      const Key key = it->first;
      it = delayed_.erase(it);
      if (processing_.contains(key)) {
        dirty_.insert(key);
      } else if (queued_.insert(key).second) {
        ready_.push_back(key);
      }
    } else {
      ++it;
    }
  }
}

std::optional<Key> WorkQueue::PopReadyLocked() {
  if (ready_.empty()) return std::nullopt;
  Key key = ready_.front();
  ready_.pop_front();
  queued_.erase(key);
  processing_.insert(key);
  return key;
}

std::optional<Key> WorkQueue::TryGet(SteadyTime now) {
  const std::lock_guard lock(mutex_);
  if (shutting_down_) return std::nullopt;
  PromoteDueLocked(now);
  return PopReadyLocked();
}

std::optional<Key> WorkQueue::Get() {
  std::unique_lock lock(mutex_);
  while (!shutting_down_) {
    PromoteDueLocked(clock_.SteadyNow());
    if (auto key = PopReadyLocked()) return key;
    // Sleep until the earliest delayed key is due, at most a second (the clock is injected:
    // a manual clock in tests does not wake us, so re-check now and then).
    auto wait = std::chrono::milliseconds(1000);
    for (const auto& [key, due] : delayed_) {
      const auto until =
          std::chrono::duration_cast<std::chrono::milliseconds>(due - clock_.SteadyNow());
      wait = std::clamp(until, std::chrono::milliseconds(1), wait);
    }
    changed_.wait_for(lock, wait);
  }
  return std::nullopt;
}

void WorkQueue::Done(const Key& key) {
  bool requeued = false;
  {
    const std::lock_guard lock(mutex_);
    processing_.erase(key);
    if (dirty_.erase(key) > 0 && !shutting_down_) {
      if (queued_.insert(key).second) ready_.push_back(key);
      requeued = true;
    }
  }
  if (requeued) changed_.notify_one();
}

void WorkQueue::Forget(const Key& key) {
  const std::lock_guard lock(mutex_);
  delayed_.erase(key);
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
  return ready_.size();
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
  return it->second;
}

void WorkQueue::ShutDown() {
  {
    const std::lock_guard lock(mutex_);
    shutting_down_ = true;
  }
  changed_.notify_all();
}

bool WorkQueue::ShuttingDown() const {
  const std::lock_guard lock(mutex_);
  return shutting_down_;
}

}  // namespace vsrd::daemon
