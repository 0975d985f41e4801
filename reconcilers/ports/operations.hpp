#pragma once

#include <array>
#include <string_view>

// The fixed operation names of every call vsrd makes: the `operation` label of the API
// metrics, the prefix of ApiError::Summary(), what debug logs name, and what the journal records
// for an operation in flight (so they must not change between releases). One place, shared by
// the clients (daemon/vsphere) and the reconcilers, so the Grafana dashboard, the alerts and the
// journal can rely on them.

namespace vsrd::reconcilers::ports::operations {

// vCenter /api (docs/vsphere-api.md).
inline constexpr std::string_view kSessionCreate = "session.create";
inline constexpr std::string_view kSessionDelete = "session.delete";
inline constexpr std::string_view kVchaClusterGet = "vcha.cluster.get";
inline constexpr std::string_view kVchaModeGet = "vcha.cluster.mode.get";
inline constexpr std::string_view kVchaPassiveCheck = "vcha.passive.check";
inline constexpr std::string_view kVchaPassiveRedeploy = "vcha.passive.redeploy";
inline constexpr std::string_view kDepotsList = "depots.offline.list";
inline constexpr std::string_view kDepotsGet = "depots.offline.get";
inline constexpr std::string_view kDepotsCreateFromHost = "depots.offline.create_from_host";
inline constexpr std::string_view kTasksGet = "cis.tasks.get";
inline constexpr std::string_view kTasksList = "cis.tasks.list";
inline constexpr std::string_view kDeploymentGet = "deployment.get";
inline constexpr std::string_view kDeploymentInstallCancel = "deployment.install.cancel";
inline constexpr std::string_view kVmGet = "vm.get";
inline constexpr std::string_view kVmCustomizationCheck = "vm.guest.customization.check";
inline constexpr std::string_view kApplianceVersionGet = "appliance.system.version.get";
inline constexpr std::string_view kApplianceUpdateGet = "appliance.update.get";
inline constexpr std::string_view kAppliancePendingList = "appliance.update.pending.list";
inline constexpr std::string_view kAppliancePendingGet = "appliance.update.pending.get";
inline constexpr std::string_view kAppliancePendingPrecheck = "appliance.update.pending.precheck";
inline constexpr std::string_view kAppliancePendingStage = "appliance.update.pending.stage";
inline constexpr std::string_view kAppliancePendingInstall = "appliance.update.pending.install";

inline constexpr std::array<std::string_view, 22> kVcenter{kSessionCreate,
                                                           kSessionDelete,
                                                           kVchaClusterGet,
                                                           kVchaModeGet,
                                                           kVchaPassiveCheck,
                                                           kVchaPassiveRedeploy,
                                                           kDepotsList,
                                                           kDepotsGet,
                                                           kDepotsCreateFromHost,
                                                           kTasksGet,
                                                           kTasksList,
                                                           kDeploymentGet,
                                                           kDeploymentInstallCancel,
                                                           kVmGet,
                                                           kVmCustomizationCheck,
                                                           kApplianceVersionGet,
                                                           kApplianceUpdateGet,
                                                           kAppliancePendingList,
                                                           kAppliancePendingGet,
                                                           kAppliancePendingPrecheck,
                                                           kAppliancePendingStage,
                                                           kAppliancePendingInstall};

// Appliance configuration API, update-manager flavor (docs/vsphere-api.md "The update-manager
// appliance API").
inline constexpr std::string_view kUmSessionCreate = "session.create";
inline constexpr std::string_view kUmSessionDelete = "session.delete";
inline constexpr std::string_view kUmApplianceGet = "appliance.get";
inline constexpr std::string_view kUmRetrieveUpdates = "update-manager.retrieve-updates";
inline constexpr std::string_view kUmInstall = "update-manager.updates.install";
inline constexpr std::string_view kUmTaskGet = "tasks.get";

inline constexpr std::array<std::string_view, 6> kUpdateManager{
    kUmSessionCreate,   kUmSessionDelete, kUmApplianceGet,
    kUmRetrieveUpdates, kUmInstall,       kUmTaskGet};

}  // namespace vsrd::reconcilers::ports::operations
