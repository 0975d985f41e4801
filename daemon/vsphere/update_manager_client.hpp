#pragma once

#include <memory>
#include <string>

#include "daemon/vsphere/api_session.hpp"
#include "reconcilers/ports/update_manager_port.hpp"

// The update-manager port (appliance configuration API, docs/vsphere-api.md "The update-manager
// appliance API") over one ApiSession. Blocking and thread-safe like the session.

namespace vsrd::daemon::vsphere {

class UpdateManagerClient final : public ports::UpdateManagerPort {
 public:
  /// `session` must use AuthScheme::kUpdateManager.
  explicit UpdateManagerClient(std::shared_ptr<ApiSession> session);

  ApiSession& Session() { return *session_; }

  Result<ports::UpdateManagerAppliance> GetAppliance() override;
  Result<ports::UpdateManagerTask> RetrieveUpdates() override;
  Result<ports::UpdateManagerTask> InstallUpdate(const std::string& version) override;
  Result<ports::UpdateManagerTask> GetTask(const ports::TaskId& task) override;

 private:
  std::shared_ptr<ApiSession> session_;
};

}  // namespace vsrd::daemon::vsphere
