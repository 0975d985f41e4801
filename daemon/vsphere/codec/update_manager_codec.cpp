#include "daemon/vsphere/codec/update_manager_codec.hpp"

#include <string>

#include "daemon/vsphere/codec/json_reader.hpp"

// The appliance configuration API has no machine-readable spec (docs/vsphere-api.md "The
// update-manager appliance API"):
// - ApplianceInfo {hostname, product_name, product_build_number, appliance_version,
//   appliance_build_number, system_information}: no field is marked required. appliance_version
//   is what every decision reads, so it is required here; the others are "" when absent.
// - Task (VR config API 2.0.0): status* QUEUED|RUNNING|SUCCESS|ERROR|CANCELLED; id?,
//   description?, type?, error? {message?, details?}, result?, progress? (percent),
//   start_time?/complete_time? (epoch milliseconds, integers).

namespace vsrd::daemon::vsphere::codec {

ports::Result<ports::UpdateManagerAppliance> DecodeUpdateManagerAppliance(
    std::string_view operation, std::string_view body) {
  return DecodeDocument<ports::UpdateManagerAppliance>(operation, body, [](const JsonReader& root) {
    ports::UpdateManagerAppliance appliance;
    appliance.hostname = root.OptionalString("hostname").value_or("");
    appliance.product_name = root.OptionalString("product_name").value_or("");
    appliance.product_build_number = root.OptionalString("product_build_number").value_or("");
    appliance.appliance_version = root.RequiredString("appliance_version");
    appliance.appliance_build_number = root.OptionalString("appliance_build_number").value_or("");
    return appliance;
  });
}

ports::Result<ports::UpdateManagerTask> DecodeUpdateManagerTask(std::string_view operation,
                                                                std::string_view body) {
  return DecodeDocument<ports::UpdateManagerTask>(operation, body, [](const JsonReader& root) {
    ports::UpdateManagerTask task;
    task.id = root.OptionalString("id").value_or("");
    task.description = root.OptionalString("description").value_or("");
    task.type = root.OptionalString("type").value_or("");
    task.status = root.Required("status").Enum<ports::UpdateManagerTaskStatus>(
        ports::kUpdateManagerTaskStatusNames);
    if (const auto error = root.Optional("error")) {
      task.error_message = error->OptionalString("message");
      task.error_details = error->OptionalString("details");
    }
    task.progress = root.OptionalInteger("progress");
    task.start_time_ms = root.OptionalInteger("start_time");
    task.complete_time_ms = root.OptionalInteger("complete_time");
    if (const auto result = root.Optional("result")) {
      task.result_json = DumpCompact(result->Value());
      // The shape of `result` is not documented (docs/vsphere-api.md assumes an array of objects
      // that carry at least `version`): entries of another shape are skipped, never an error.
      if (task.status == ports::UpdateManagerTaskStatus::kSuccess && result->Value().is_array()) {
        for (const auto& entry : result->Value()) {
          if (!entry.is_object()) continue;
          const auto version = entry.find("version");
          if (version != entry.end() && version->is_string()) {
            task.available_versions.push_back(version->get<std::string>());
          }
        }
      }
    }
    return task;
  });
}

}  // namespace vsrd::daemon::vsphere::codec
