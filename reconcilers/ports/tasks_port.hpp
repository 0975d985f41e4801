#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "reconcilers/ports/api_error.hpp"

// cis tasks (docs/vsphere-api.md "Tasks"): what vsrd polls after starting a `vmw-task=true`
// operation.

namespace vsrd::reconcilers::ports {

using WallTime = std::chrono::system_clock::time_point;

enum class TaskStatus { kPending, kRunning, kBlocked, kSucceeded, kFailed };
inline constexpr std::array<std::string_view, 5> kTaskStatusNames{"PENDING", "RUNNING", "BLOCKED",
                                                                  "SUCCEEDED", "FAILED"};

/// Cis.Task.Progress.
struct TaskProgress {
  std::int64_t total = 0;
  std::int64_t completed = 0;
  std::string message;  ///< default_message of the progress message
};

/// Cis.Task.Info without the operation-specific `result` (see TaskInfo::result_json).
struct TaskInfo {
  std::string service;
  std::string operation;
  TaskStatus status = TaskStatus::kPending;
  bool cancelable = false;
  std::optional<TaskProgress> progress;
  /// The std-error of a FAILED task (kind kApi, http_status 0).
  std::optional<ApiError> error;
  std::optional<WallTime> start_time;
  std::optional<WallTime> end_time;
  std::optional<std::string> user;
  /// `result` as JSON text, for logging; typed results come from the area's own port.
  std::optional<std::string> result_json;

  bool Done() const { return status == TaskStatus::kSucceeded || status == TaskStatus::kFailed; }
};

/// Cis.Tasks.FilterSpec, reduced: tasks of these services and operations (empty: any).
struct TaskFilter {
  std::vector<std::string> services;
  std::vector<std::string> operations;
};

/// One task of a list, with its id.
struct ListedTask {
  std::string id;
  TaskInfo info;
};

class TasksPort {
 public:
  virtual ~TasksPort() = default;
  /// GET /api/cis/tasks/{task}. Blocking, thread-safe, read-only. 404: the task is unknown
  /// (e.g. lost in a vCenter restart).
  virtual Result<TaskInfo> GetTask(const TaskId& task) = 0;
  /// POST /api/cis/tasks?action=list: the tasks (running and finished) the server still knows
  /// that match `filter`, at most 1000 (more is an error). Blocking, thread-safe, read-only.
  virtual Result<std::vector<ListedTask>> ListTasks(const TaskFilter& filter) = 0;
};

}  // namespace vsrd::reconcilers::ports
