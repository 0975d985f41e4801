#include "daemon/vsphere/update_manager_client.hpp"

#include <utility>

#include "daemon/vsphere/codec/update_manager_codec.hpp"
#include "reconcilers/ports/operations.hpp"

namespace vsrd::daemon::vsphere {

namespace {

namespace ops = ports::operations;

}  // namespace

UpdateManagerClient::UpdateManagerClient(std::shared_ptr<ApiSession> session)
    : session_(std::move(session)) {}

Result<ports::UpdateManagerAppliance> UpdateManagerClient::GetAppliance() {
  return CallAndDecode(*session_, ops::kUmApplianceGet, {"GET", "/appliance", {}, ""},
                       codec::DecodeUpdateManagerAppliance);
}

Result<ports::UpdateManagerTask> UpdateManagerClient::RetrieveUpdates() {
  return CallAndDecode(*session_, ops::kUmRetrieveUpdates,
                       {"POST", "/appliance/update-manager/actions/retrieve-updates", {}, ""},
                       codec::DecodeUpdateManagerTask);
}

Result<ports::UpdateManagerTask> UpdateManagerClient::InstallUpdate(const std::string& version) {
  return CallAndDecode(
      *session_, ops::kUmInstall,
      {"POST",
       "/appliance/update-manager/updates/" + EncodeUriComponent(version) + "/actions/install",
       {},
       ""},
      codec::DecodeUpdateManagerTask);
}

Result<ports::UpdateManagerTask> UpdateManagerClient::GetTask(const ports::TaskId& task) {
  return CallAndDecode(*session_, ops::kUmTaskGet,
                       {"GET", "/tasks/" + EncodeUriComponent(task.value), {}, ""},
                       codec::DecodeUpdateManagerTask);
}

}  // namespace vsrd::daemon::vsphere
