#include "daemon/engine/status_store.hpp"

namespace vsrd::daemon {

void ObjectStatus::Record(OutcomeEntry pass) {
  if (!history.empty()) {
    OutcomeEntry& last = history.back();
    if (last.result == pass.result && last.phase == pass.phase && last.reason == pass.reason &&
        last.message == pass.message) {
      last.at = pass.at;
      ++last.count;
      return;
    }
  }
  pass.since = pass.at;
  pass.count = 1;
  if (history.size() >= kHistory) history.erase(history.begin());  // five moves at most
  history.push_back(std::move(pass));
}

void StatusStore::Put(const ObjectStatus& status) {
  const std::lock_guard lock(mutex_);
  statuses_[status.key] = status;
}

std::optional<ObjectStatus> StatusStore::Get(const manifests::ObjectKey& key) const {
  const std::lock_guard lock(mutex_);
  const auto it = statuses_.find(key);
  if (it == statuses_.end()) return std::nullopt;
  return it->second;
}

void StatusStore::SetRevision(const manifests::ObjectKey& key, const std::string& revision) {
  const std::lock_guard lock(mutex_);
  const auto it = statuses_.find(key);
  if (it != statuses_.end() && it->second.revision != revision) it->second.revision = revision;
}

void StatusStore::Remove(const manifests::ObjectKey& key) {
  const std::lock_guard lock(mutex_);
  statuses_.erase(key);
}

PhaseCounts StatusStore::CountPhases() const {
  const std::lock_guard lock(mutex_);
  PhaseCounts counts{};
  for (const auto& [key, status] : statuses_) ++counts.at(static_cast<std::size_t>(status.phase));
  return counts;
}

std::vector<ObjectStatus> StatusStore::Snapshot() const {
  const std::lock_guard lock(mutex_);
  std::vector<ObjectStatus> out;
  out.reserve(statuses_.size());
  for (const auto& [key, status] : statuses_) out.push_back(status);
  return out;
}

}  // namespace vsrd::daemon
