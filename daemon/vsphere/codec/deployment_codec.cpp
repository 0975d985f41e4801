#include "daemon/vsphere/codec/deployment_codec.hpp"

#include "daemon/vsphere/codec/json_reader.hpp"

// Vcenter.Deployment.Info (7.0.3 VcenterDeploymentInfo): state*, description*, service*,
// operation*, status*, cancelable* are read, and progress?, error?, start_time?, end_time?.
// `operation` is a vAPI operation id, not an enum (docs/vsphere-api.md "Deployment"). The Swagger
// types `error` as a string; the real API sends a std-error object ("Tasks"): both are read.

namespace vsrd::daemon::vsphere::codec {

ports::Result<ports::DeploymentInfo> DecodeDeploymentInfo(std::string_view operation,
                                                          std::string_view body) {
  return DecodeDocument<ports::DeploymentInfo>(
      operation, body, [operation](const JsonReader& root) {
        ports::DeploymentInfo info;
        info.state =
            root.Required("state").Enum<ports::ApplianceState>(ports::kApplianceStateNames);
        info.description = ReadMessage(root.Required("description")).default_message;
        info.service = root.RequiredString("service");
        info.operation = root.RequiredString("operation");
        info.status = root.Required("status").Enum<ports::TaskStatus>(ports::kTaskStatusNames);
        info.cancelable = root.RequiredBool("cancelable");
        if (const auto progress = root.Optional("progress")) {
          info.progress = ReadProgress(*progress);
        }
        if (const auto error = root.Optional("error")) {
          info.error = StdErrorFromJson(operation, error->Value());
        }
        info.start_time = root.OptionalTime("start_time");
        info.end_time = root.OptionalTime("end_time");
        return info;
      });
}

}  // namespace vsrd::daemon::vsphere::codec
