#include "daemon/engine/status_store.hpp"

namespace vsrd::daemon {

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

void StatusStore::Remove(const manifests::ObjectKey& key) {
  const std::lock_guard lock(mutex_);
  statuses_.erase(key);
}

std::vector<ObjectStatus> StatusStore::Snapshot() const {
  const std::lock_guard lock(mutex_);
  std::vector<ObjectStatus> out;
  out.reserve(statuses_.size());
  for (const auto& [key, status] : statuses_) out.push_back(status);
  return out;
}

}  // namespace vsrd::daemon
