#include "simulator/vcenter/cis_tasks.hpp"

#include <algorithm>
#include <vector>

#include <fmt/format.h>

#include "simulator/vapi_error.hpp"

namespace vsrd::simulator {

std::string CisTaskStore::Start(CisTaskSpec spec, TimePoint now) {
  // The format of real task ids is not documented (docs/vsphere-api.md "Open points"); this one
  // looks like the ids vCenter returns: a UUID-shaped prefix and the service.
  std::string id =
      fmt::format("52{:06x}-5a1d-4c3e-9d2f-{:012x}:{}", next_, next_ * 7919, spec.service);
  ++next_;
  tasks_.emplace(id, Task{std::move(spec), now});
  Tick(now);
  return id;
}

void CisTaskStore::Tick(TimePoint now) {
  std::vector<std::pair<TimePoint, Task*>> due;
  for (auto& [id, task] : tasks_) {
    const TimePoint end = task.created + task.spec.pending_for + task.spec.run_for;
    if (!task.finished && end <= now) due.emplace_back(end, &task);
  }
  std::stable_sort(due.begin(), due.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  for (auto& [end, task] : due) {
    task->finished = true;
    const auto& hook = task->spec.fail ? task->spec.on_failure : task->spec.on_success;
    if (hook) hook();
  }
}

std::optional<nlohmann::json> CisTaskStore::Info(const std::string& id, TimePoint now,
                                                 bool exclude_result) const {
  const auto it = tasks_.find(id);
  if (it == tasks_.end()) return std::nullopt;
  const Task& task = it->second;
  const CisTaskSpec& spec = task.spec;
  const TimePoint start = task.created + spec.pending_for;
  const TimePoint end = start + spec.run_for;
  const std::string operation_name = spec.operation.substr(0, spec.operation.find('$'));
  nlohmann::json info = {
      {"description", Message("com.vmware.vsrd.sim.task." + operation_name, spec.description)},
      {"service", spec.service},
      {"operation", spec.operation},
      {"cancelable", false},
  };
  if (!spec.user.empty()) info["user"] = spec.user;
  if (spec.target) info["target"] = *spec.target;
  if (now < start && !task.finished) {
    info["status"] = "PENDING";
    return info;
  }
  info["start_time"] = FormatTime(start);
  std::int64_t completed = 100;
  if (!task.finished) {
    const auto elapsed = (now - start).count();
    const auto total = std::max<std::int64_t>(1, spec.run_for.count());
    completed = std::min<std::int64_t>(99, elapsed * 100 / total);
  }
  info["progress"] = {{"total", 100},
                      {"completed", completed},
                      {"message", Message("com.vmware.vsrd.sim.task.progress",
                                          fmt::format("{}% done", completed))}};
  if (!task.finished) {
    info["status"] = "RUNNING";
    return info;
  }
  info["end_time"] = FormatTime(end);
  if (spec.fail) {
    info["status"] = "FAILED";
    info["error"] = spec.error;
  } else {
    info["status"] = "SUCCEEDED";
    if (!exclude_result && !spec.result.is_null()) info["result"] = spec.result;
  }
  return info;
}

nlohmann::json CisTaskStore::List(const CisTaskFilter& filter, TimePoint now,
                                  bool exclude_result) const {
  const auto matches = [](const std::vector<std::string>& wanted, const nlohmann::json& info,
                          std::string_view key) {
    if (wanted.empty()) return true;
    const auto it = info.find(key);
    return it != info.end() && it->is_string() &&
           std::find(wanted.begin(), wanted.end(), it->get<std::string>()) != wanted.end();
  };
  nlohmann::json out = nlohmann::json::object();
  for (const auto& [id, task] : tasks_) {
    if (!filter.tasks.empty() &&
        std::find(filter.tasks.begin(), filter.tasks.end(), id) == filter.tasks.end()) {
      continue;
    }
    nlohmann::json info = *Info(id, now, exclude_result);
    if (!matches(filter.services, info, "service") ||
        !matches(filter.operations, info, "operation") || !matches(filter.status, info, "status") ||
        !matches(filter.users, info, "user")) {
      continue;
    }
    if (!filter.targets.empty() &&
        (!info.contains("target") || std::find(filter.targets.begin(), filter.targets.end(),
                                               info.at("target")) == filter.targets.end())) {
      continue;
    }
    out[id] = std::move(info);
  }
  return out;
}

bool CisTaskStore::Running(std::string_view service, std::string_view operation) const {
  return std::any_of(tasks_.begin(), tasks_.end(), [&](const auto& entry) {
    return !entry.second.finished && entry.second.spec.service == service &&
           entry.second.spec.operation == operation;
  });
}

nlohmann::json CisTaskStore::Dump(TimePoint now) const {
  nlohmann::json out = nlohmann::json::object();
  for (const auto& [id, task] : tasks_) out[id] = *Info(id, now, false);
  return out;
}

}  // namespace vsrd::simulator
