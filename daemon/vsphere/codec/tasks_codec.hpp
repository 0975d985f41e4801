#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "reconcilers/ports/depots_port.hpp"
#include "reconcilers/ports/tasks_port.hpp"

// cis task ids and Cis.Task.Info (docs/vsphere-api.md "Tasks"), and the typed result of a
// createFromHost task (DepotExtractInfo, "Offline depots").

namespace vsrd::daemon::vsphere::codec {

namespace ports = reconcilers::ports;

/// A 202 body of a `vmw-task=true` operation: a JSON string, the task id (non-empty).
ports::Result<ports::TaskId> DecodeTaskId(std::string_view operation, std::string_view body);

/// Cis.Task.Info. `result` is kept as JSON text; a FAILED task's `error` decodes with
/// DecodeStdError.
ports::Result<ports::TaskInfo> DecodeTaskInfo(std::string_view operation, std::string_view body);

/// The body of POST /api/cis/tasks?action=list: {"filter_spec": {services?, operations?}}.
std::string EncodeTaskListRequest(const ports::TaskFilter& filter);
/// Its 200 answer: an object task id -> Cis.Task.Info.
ports::Result<std::vector<ports::ListedTask>> DecodeTaskList(std::string_view operation,
                                                             std::string_view body);

/// Cis.Task.Info whose `result`, when present, is an Offline.DepotExtractInfo.
ports::Result<ports::DepotExtractTask> DecodeDepotExtractTask(std::string_view operation,
                                                              std::string_view body);

}  // namespace vsrd::daemon::vsphere::codec
