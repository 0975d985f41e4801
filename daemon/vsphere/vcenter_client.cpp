#include "daemon/vsphere/vcenter_client.hpp"

#include <algorithm>
#include <string_view>
#include <utility>

#include "daemon/vsphere/codec/appliance_codec.hpp"
#include "daemon/vsphere/codec/deployment_codec.hpp"
#include "daemon/vsphere/codec/depots_codec.hpp"
#include "daemon/vsphere/codec/json_reader.hpp"
#include "daemon/vsphere/codec/tasks_codec.hpp"
#include "daemon/vsphere/codec/vcha_codec.hpp"
#include "daemon/vsphere/codec/vm_codec.hpp"
#include "reconcilers/ports/operations.hpp"

namespace vsrd::daemon::vsphere {

namespace {

namespace ops = ports::operations;

/// One exchange with no result (204).
Result<void> ExchangeNoContent(ApiSession& session, std::string_view operation,
                               HttpRequest request) {
  auto response = session.Call(operation, std::move(request));
  if (!response) return ports::MakeUnexpected(std::move(response).Error());
  return {};
}

HttpRequest Get(std::string target) { return {"GET", std::move(target), {}, ""}; }
HttpRequest Post(std::string target, std::string body = "") {
  return {"POST", std::move(target), {}, std::move(body)};
}

std::string PendingPath(const std::string& version) {
  return "/api/appliance/update/pending/" + EncodeUriComponent(version);
}

}  // namespace

VcenterClient::VcenterClient(std::shared_ptr<ApiSession> session) : session_(std::move(session)) {}

Result<ports::VchaClusterInfo> VcenterClient::GetCluster(
    const std::optional<ports::VchaCredentialsSpec>& vc_spec, bool partial) {
  return CallAndDecode(*session_, ops::kVchaClusterGet,
                       Post("/api/vcenter/vcha/cluster?action=get",
                            codec::EncodeClusterGetRequest(vc_spec, partial)),
                       codec::DecodeClusterInfo);
}

Result<ports::VchaMode> VcenterClient::GetMode() {
  return CallAndDecode(*session_, ops::kVchaModeGet, Get("/api/vcenter/vcha/cluster/mode"),
                       codec::DecodeModeInfo);
}

Result<ports::PassiveCheckResult> VcenterClient::CheckPassive(const ports::PassiveCheckSpec& spec) {
  return CallAndDecode(
      *session_, ops::kVchaPassiveCheck,
      Post("/api/vcenter/vcha/cluster/passive?action=check", codec::EncodePassiveCheckSpec(spec)),
      codec::DecodePassiveCheckResult);
}

Result<ports::TaskId> VcenterClient::RedeployPassive(const ports::RedeploySpec& spec) {
  return CallAndDecode(*session_, ops::kVchaPassiveRedeploy,
                       Post("/api/vcenter/vcha/cluster/passive?action=redeploy&vmw-task=true",
                            codec::EncodeRedeploySpec(spec)),
                       codec::DecodeTaskId);
}

Result<std::vector<ports::OfflineDepot>> VcenterClient::ListOfflineDepots() {
  return CallAndDecode(*session_, ops::kDepotsList, Get("/api/esx/settings/depots/offline"),
                       codec::DecodeOfflineDepotMap);
}

Result<ports::OfflineDepot> VcenterClient::GetOfflineDepot(const std::string& depot) {
  return CallAndDecode(*session_, ops::kDepotsGet,
                       Get("/api/esx/settings/depots/offline/" + EncodeUriComponent(depot)),
                       [&depot](std::string_view operation, std::string_view body) {
                         return codec::DecodeOfflineDepotInfo(operation, depot, body);
                       });
}

Result<ports::TaskId> VcenterClient::CreateFromHost(const ports::DepotConnectionSpec& spec) {
  return CallAndDecode(*session_, ops::kDepotsCreateFromHost,
                       Post("/api/esx/settings/depots/offline?action=createFromHost&vmw-task=true",
                            codec::EncodeDepotConnectionSpec(spec)),
                       codec::DecodeTaskId);
}

Result<ports::DepotExtractTask> VcenterClient::GetCreateFromHostTask(const ports::TaskId& task) {
  return CallAndDecode(*session_, ops::kTasksGet,
                       Get("/api/cis/tasks/" + EncodeUriComponent(task.value)),
                       codec::DecodeDepotExtractTask);
}

Result<ports::TaskInfo> VcenterClient::GetTask(const ports::TaskId& task) {
  return CallAndDecode(*session_, ops::kTasksGet,
                       Get("/api/cis/tasks/" + EncodeUriComponent(task.value)),
                       codec::DecodeTaskInfo);
}

Result<std::vector<ports::ListedTask>> VcenterClient::ListTasks(const ports::TaskFilter& filter) {
  // Filtered on services by the server and on operations here: a task's operation may carry
  // the runtime's "$task" suffix or not (docs/vsphere-api.md "Tasks").
  ports::TaskFilter by_service;
  by_service.services = filter.services;
  auto listed =
      CallAndDecode(*session_, ops::kTasksList,
                    Post("/api/cis/tasks?action=list", codec::EncodeTaskListRequest(by_service)),
                    codec::DecodeTaskList);
  if (!listed || filter.operations.empty()) return listed;
  std::erase_if(*listed, [&filter](const ports::ListedTask& task) {
    std::string_view operation = task.info.operation;
    if (operation.ends_with("$task")) operation.remove_suffix(5);
    return std::find(filter.operations.begin(), filter.operations.end(), operation) ==
           filter.operations.end();
  });
  return listed;
}

Result<ports::DeploymentInfo> VcenterClient::GetDeployment() {
  auto response = session_->Call(ops::kDeploymentGet, Get("/api/vcenter/deployment"));
  if (!response) return ports::MakeUnexpected(std::move(response).Error());
  auto decoded = codec::DecodeDeploymentInfo(ops::kDeploymentGet, response->body);
  if (!decoded) {
    ports::ApiError error = std::move(decoded).Error();
    error.sent = true;
    return ports::MakeUnexpected(std::move(error));
  }
  // The appliance's clock at the answer: the install guard measures start_time against it
  // (ports::DeploymentInfo::reported_now). A missing or malformed Date leaves it unset.
  if (const auto date = response->FindHeader("date")) {
    decoded->reported_now = codec::ParseHttpDate(*date);
  }
  return decoded;
}

Result<void> VcenterClient::CancelInstall() {
  return ExchangeNoContent(*session_, ops::kDeploymentInstallCancel,
                           Post("/api/vcenter/deployment/install?action=cancel"));
}

Result<ports::VmInfo> VcenterClient::GetVm(const std::string& vm) {
  return CallAndDecode(*session_, ops::kVmGet, Get("/api/vcenter/vm/" + EncodeUriComponent(vm)),
                       codec::DecodeVmInfo);
}

Result<ports::CustomizationCheckInfo> VcenterClient::CheckGuestCustomization(
    const std::string& vm) {
  return CallAndDecode(
      *session_, ops::kVmCustomizationCheck,
      Post("/api/vcenter/vm/" + EncodeUriComponent(vm) + "/guest/customization?action=check"),
      codec::DecodeCustomizationCheckInfo);
}

Result<ports::ApplianceVersion> VcenterClient::GetVersion() {
  return CallAndDecode(*session_, ops::kApplianceVersionGet, Get("/api/appliance/system/version"),
                       codec::DecodeApplianceVersion);
}

Result<ports::UpdateInfo> VcenterClient::GetUpdate() {
  return CallAndDecode(*session_, ops::kApplianceUpdateGet, Get("/api/appliance/update"),
                       codec::DecodeUpdateInfo);
}

Result<std::vector<ports::PendingUpdate>> VcenterClient::ListPendingUpdates(
    const ports::PendingQuery& query) {
  std::string target = "/api/appliance/update/pending?source_type=" +
                       std::string(manifests::kUpdateSourceTypeNames.at(
                           static_cast<std::size_t>(query.source_type)));
  if (query.url) target += "&url=" + EncodeUriComponent(*query.url);
  return CallAndDecode(*session_, ops::kAppliancePendingList, Get(std::move(target)),
                       codec::DecodePendingList);
}

Result<ports::PendingUpdate> VcenterClient::GetPendingUpdate(const std::string& version) {
  return CallAndDecode(*session_, ops::kAppliancePendingGet, Get(PendingPath(version)),
                       [&version](std::string_view operation, std::string_view body) {
                         return codec::DecodePendingInfo(operation, version, body);
                       });
}

Result<ports::PrecheckResult> VcenterClient::PrecheckUpdate(const std::string& version) {
  return CallAndDecode(*session_, ops::kAppliancePendingPrecheck,
                       Post(PendingPath(version) + "?action=precheck"),
                       codec::DecodePrecheckResult);
}

Result<void> VcenterClient::StageUpdate(const std::string& version) {
  return ExchangeNoContent(*session_, ops::kAppliancePendingStage,
                           Post(PendingPath(version) + "?action=stage"));
}

Result<void> VcenterClient::InstallUpdate(const std::string& version,
                                          const std::map<std::string, ports::Secret>& user_data) {
  return ExchangeNoContent(
      *session_, ops::kAppliancePendingInstall,
      Post(PendingPath(version) + "?action=install", codec::EncodeInstallRequest(user_data)));
}

}  // namespace vsrd::daemon::vsphere
