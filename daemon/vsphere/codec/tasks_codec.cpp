#include "daemon/vsphere/codec/tasks_codec.hpp"

#include <string>
#include <utility>

#include <nlohmann/json.hpp>

#include "daemon/vsphere/codec/json_reader.hpp"

// Cis.Task.Info (docs/vsphere-api.md "Tasks"): service*, operation*, status*, cancelable* are read;
// progress?, error?, start_time?, end_time?, user?, result? are optional. `description` (required
// by the spec) is not held by TaskInfo, so it is not read.

namespace vsrd::daemon::vsphere::codec {
namespace {

ports::TaskInfo ReadTaskInfo(std::string_view operation, const JsonReader& root) {
  ports::TaskInfo info;
  info.service = root.RequiredString("service");
  info.operation = root.RequiredString("operation");
  info.status = root.Required("status").Enum<ports::TaskStatus>(ports::kTaskStatusNames);
  info.cancelable = root.RequiredBool("cancelable");
  if (const auto progress = root.Optional("progress")) info.progress = ReadProgress(*progress);
  if (const auto error = root.Optional("error")) {
    info.error = StdErrorFromJson(operation, error->Value());
  }
  info.start_time = root.OptionalTime("start_time");
  info.end_time = root.OptionalTime("end_time");
  info.user = root.OptionalString("user");
  if (const auto result = root.Optional("result")) info.result_json = DumpCompact(result->Value());
  return info;
}

/// Offline.DepotExtractInfo {notifications*, software_spec*, result*{depot*}}; `depot` may be
/// "" ("the depot contents are already present in VC cache").
ports::DepotExtractInfo ReadDepotExtractInfo(const JsonReader& reader) {
  ports::DepotExtractInfo out;
  ReadNotifications(reader.Required("notifications"), out.info, out.warnings, out.errors);
  out.base_image_version =
      reader.Required("software_spec").Required("base_image").RequiredString("version");
  out.depot = reader.Required("result").RequiredString("depot");
  return out;
}

}  // namespace

ports::Result<ports::TaskId> DecodeTaskId(std::string_view operation, std::string_view body) {
  return DecodeDocument<ports::TaskId>(operation, body, [](const JsonReader& root) {
    ports::TaskId id{root.String()};
    if (id.value.empty()) root.Fail("the task id is empty");
    return id;
  });
}

ports::Result<ports::TaskInfo> DecodeTaskInfo(std::string_view operation, std::string_view body) {
  return DecodeDocument<ports::TaskInfo>(operation, body, [operation](const JsonReader& root) {
    return ReadTaskInfo(operation, root);
  });
}

std::string EncodeTaskListRequest(const ports::TaskFilter& filter) {
  nlohmann::json spec = nlohmann::json::object();
  if (!filter.services.empty()) spec["services"] = filter.services;
  if (!filter.operations.empty()) spec["operations"] = filter.operations;
  // Without the result: only the Info fields are needed to find a task.
  return DumpCompact(nlohmann::json{{"filter_spec", std::move(spec)},
                                    {"result_spec", {{"exclude_result", true}}}});
}

ports::Result<std::vector<ports::ListedTask>> DecodeTaskList(std::string_view operation,
                                                             std::string_view body) {
  return DecodeDocument<std::vector<ports::ListedTask>>(
      operation, body, [operation](const JsonReader& root) {
        root.ExpectObject();
        std::vector<ports::ListedTask> tasks;
        for (const auto& [id, info] : root.Members()) {
          tasks.push_back(ports::ListedTask{id, ReadTaskInfo(operation, info)});
        }
        return tasks;
      });
}

ports::Result<ports::DepotExtractTask> DecodeDepotExtractTask(std::string_view operation,
                                                              std::string_view body) {
  return DecodeDocument<ports::DepotExtractTask>(
      operation, body, [operation](const JsonReader& root) {
        ports::DepotExtractTask out;
        out.task = ReadTaskInfo(operation, root);
        if (const auto result = root.Optional("result")) {
          out.result = ReadDepotExtractInfo(*result);
        }
        return out;
      });
}

}  // namespace vsrd::daemon::vsphere::codec
