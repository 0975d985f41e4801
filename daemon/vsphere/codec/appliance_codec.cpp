#include "daemon/vsphere/codec/appliance_codec.hpp"

#include <utility>

#include <nlohmann/json.hpp>

#include "daemon/vsphere/codec/json_reader.hpp"

// Swagger 8.0.2 appliance.json: ApplianceSystemVersionVersionStruct (+ name?, newer vCenters),
// ApplianceUpdateInfo, ApplianceTaskInfo, ApplianceUpdateSummary, ApplianceUpdatePendingInfo,
// ApplianceUpdatePendingPrecheckResult, ApplianceUpdatePendingInstall. Fields the port structs
// do not hold (subtasks, contents, eulas, question descriptions, ...) are not read. priority,
// severity, update_type, release_date, check_time and question types are kept as text.

namespace vsrd::daemon::vsphere::codec {
namespace {

using nlohmann::json;

/// Appliance.TaskInfo, reduced: operation*, status*, cancelable*, progress?, error?,
/// start_time?, end_time?. The Swagger types `error` as a string; the real API sends a
/// std-error object (docs/vsphere-api.md "Appliance updates"): both are read.
ports::ApplianceTask ReadTask(std::string_view operation, const JsonReader& reader) {
  ports::ApplianceTask task;
  task.operation = reader.RequiredString("operation");
  task.status = reader.Required("status").Enum<ports::TaskStatus>(ports::kTaskStatusNames);
  task.cancelable = reader.RequiredBool("cancelable");
  if (const auto progress = reader.Optional("progress")) task.progress = ReadProgress(*progress);
  if (const auto error = reader.Optional("error")) {
    task.error = StdErrorFromJson(operation, error->Value());
  }
  task.start_time = reader.OptionalTime("start_time");
  task.end_time = reader.OptionalTime("end_time");
  return task;
}

/// The fields Update.Summary and Pending.Info share (Update.CommonInfo); `version` is not one.
ports::PendingUpdate ReadCommonInfo(const JsonReader& reader) {
  ports::PendingUpdate update;
  update.name = reader.RequiredString("name");
  update.description = ReadMessage(reader.Required("description")).default_message;
  update.priority = reader.RequiredString("priority");
  update.severity = reader.RequiredString("severity");
  update.update_type = reader.RequiredString("update_type");
  update.release_date = reader.RequiredString("release_date");
  update.reboot_required = reader.RequiredBool("reboot_required");
  update.size = reader.Required("size").Integer();
  return update;
}

ports::UpdateQuestion ReadQuestion(const JsonReader& reader) {
  ports::UpdateQuestion question;
  question.data_item = reader.RequiredString("data_item");
  question.text = ReadMessage(reader.Required("text")).default_message;
  question.type = reader.RequiredString("type");
  question.default_answer = reader.OptionalString("default_answer");
  return question;
}

}  // namespace

ports::Result<ports::ApplianceVersion> DecodeApplianceVersion(std::string_view operation,
                                                              std::string_view body) {
  return DecodeDocument<ports::ApplianceVersion>(operation, body, [](const JsonReader& root) {
    ports::ApplianceVersion version;
    version.version = root.RequiredString("version");
    version.product = root.RequiredString("product");
    version.build = root.RequiredString("build");
    version.type = root.RequiredString("type");
    version.summary = root.RequiredString("summary");
    version.releasedate = root.RequiredString("releasedate");
    version.install_time = root.RequiredString("install_time");
    version.name = root.OptionalString("name");
    return version;
  });
}

ports::Result<ports::UpdateInfo> DecodeUpdateInfo(std::string_view operation,
                                                  std::string_view body) {
  return DecodeDocument<ports::UpdateInfo>(operation, body, [operation](const JsonReader& root) {
    ports::UpdateInfo info;
    info.state = root.Required("state").Enum<ports::UpdateState>(ports::kUpdateStateNames);
    info.version = root.RequiredString("version");
    if (const auto task = root.Optional("task")) info.task = ReadTask(operation, *task);
    info.latest_query_time = root.OptionalTime("latest_query_time");
    return info;
  });
}

ports::Result<std::vector<ports::PendingUpdate>> DecodePendingList(std::string_view operation,
                                                                   std::string_view body) {
  return DecodeDocument<std::vector<ports::PendingUpdate>>(
      operation, body, [](const JsonReader& root) {
        std::vector<ports::PendingUpdate> updates;
        for (const auto& element : root.Elements()) {
          ports::PendingUpdate update = ReadCommonInfo(element);
          update.version = element.RequiredString("version");
          updates.push_back(std::move(update));
        }
        return updates;
      });
}

ports::Result<ports::PendingUpdate> DecodePendingInfo(std::string_view operation,
                                                      const std::string& version,
                                                      std::string_view body) {
  return DecodeDocument<ports::PendingUpdate>(operation, body, [&version](const JsonReader& root) {
    ports::PendingUpdate update = ReadCommonInfo(root);
    update.version = version;
    update.staged = root.RequiredBool("staged");
    return update;
  });
}

ports::Result<ports::PrecheckResult> DecodePrecheckResult(std::string_view operation,
                                                          std::string_view body) {
  return DecodeDocument<ports::PrecheckResult>(operation, body, [](const JsonReader& root) {
    ports::PrecheckResult result;
    result.check_time = root.RequiredString("check_time");
    result.estimated_time_to_install = root.OptionalInteger("estimated_time_to_install");
    result.reboot_required = root.RequiredBool("reboot_required");
    if (const auto issues = root.Optional("issues")) {
      ReadNotifications(*issues, result.issues_info, result.issues_warnings, result.issues_errors);
    }
    for (const auto& element : root.Required("questions").Elements()) {
      result.questions.push_back(ReadQuestion(element));
    }
    return result;
  });
}

std::string EncodeInstallRequest(const std::map<std::string, ports::Secret>& user_data) {
  json values = json::object();
  for (const auto& [key, value] : user_data) values[key] = value.Reveal();
  return DumpCompact(json{{"user_data", std::move(values)}});
}

}  // namespace vsrd::daemon::vsphere::codec
