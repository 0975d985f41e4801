#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "daemon/vsphere/api_session.hpp"
#include "reconcilers/ports/appliance_port.hpp"
#include "reconcilers/ports/deployment_port.hpp"
#include "reconcilers/ports/depots_port.hpp"
#include "reconcilers/ports/tasks_port.hpp"
#include "reconcilers/ports/vcha_port.hpp"
#include "reconcilers/ports/vm_port.hpp"

// The vCenter /api ports over one ApiSession: each method is one HTTP exchange (plus a re-login
// and repeat after a 401) whose request and response are those of docs/vsphere-api.md. Blocking and
// thread-safe like the session; the documented meaning of each error is on the port.

namespace vsrd::daemon::vsphere {

class VcenterClient final : public ports::VchaPort,
                            public ports::DepotsPort,
                            public ports::TasksPort,
                            public ports::DeploymentPort,
                            public ports::VmPort,
                            public ports::AppliancePort {
 public:
  /// `session` must use AuthScheme::kVcenter.
  explicit VcenterClient(std::shared_ptr<ApiSession> session);

  ApiSession& Session() { return *session_; }

  // VchaPort
  Result<ports::VchaClusterInfo> GetCluster(
      const std::optional<ports::VchaCredentialsSpec>& vc_spec, bool partial) override;
  Result<ports::VchaMode> GetMode() override;
  Result<ports::PassiveCheckResult> CheckPassive(const ports::PassiveCheckSpec& spec) override;
  Result<ports::TaskId> RedeployPassive(const ports::RedeploySpec& spec) override;

  // DepotsPort
  Result<std::vector<ports::OfflineDepot>> ListOfflineDepots() override;
  Result<ports::OfflineDepot> GetOfflineDepot(const std::string& depot) override;
  Result<ports::TaskId> CreateFromHost(const ports::DepotConnectionSpec& spec) override;
  Result<ports::DepotExtractTask> GetCreateFromHostTask(const ports::TaskId& task) override;

  // TasksPort
  Result<ports::TaskInfo> GetTask(const ports::TaskId& task) override;
  Result<std::vector<ports::ListedTask>> ListTasks(const ports::TaskFilter& filter) override;

  // DeploymentPort
  Result<ports::DeploymentInfo> GetDeployment() override;
  Result<void> CancelInstall() override;

  // VmPort
  Result<ports::VmInfo> GetVm(const std::string& vm) override;
  Result<ports::CustomizationCheckInfo> CheckGuestCustomization(const std::string& vm) override;

  // AppliancePort
  Result<ports::ApplianceVersion> GetVersion() override;
  Result<ports::UpdateInfo> GetUpdate() override;
  Result<std::vector<ports::PendingUpdate>> ListPendingUpdates(
      const ports::PendingQuery& query) override;
  Result<ports::PendingUpdate> GetPendingUpdate(const std::string& version) override;
  Result<ports::PrecheckResult> PrecheckUpdate(const std::string& version) override;
  Result<void> StageUpdate(const std::string& version) override;
  Result<void> InstallUpdate(const std::string& version,
                             const std::map<std::string, ports::Secret>& user_data) override;

 private:
  std::shared_ptr<ApiSession> session_;
};

}  // namespace vsrd::daemon::vsphere
