#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "reconcilers/ports/api_error.hpp"

// The appliance configuration API of the DR / data-protection appliances (docs/vsphere-api.md "The
// update-manager appliance API"), used by the `update-manager` flavor of ApplianceUpdate.

namespace vsrd::reconcilers::ports {

/// GET /appliance: ApplianceInfo.
struct UpdateManagerAppliance {
  std::string hostname;
  std::string product_name;
  std::string product_build_number;
  std::string appliance_version;
  std::string appliance_build_number;
};

enum class UpdateManagerTaskStatus { kQueued, kRunning, kSuccess, kError, kCancelled };
inline constexpr std::array<std::string_view, 5> kUpdateManagerTaskStatusNames{
    "QUEUED", "RUNNING", "SUCCESS", "ERROR", "CANCELLED"};

/// Task of the appliance configuration API (times in epoch milliseconds).
struct UpdateManagerTask {
  std::string id;
  std::string description;
  std::string type;
  UpdateManagerTaskStatus status = UpdateManagerTaskStatus::kQueued;
  std::optional<std::string> error_message;  ///< error.message when ERROR
  std::optional<std::string> error_details;  ///< error.details
  std::optional<std::int64_t> progress;      ///< percent
  std::optional<std::int64_t> start_time_ms;
  std::optional<std::int64_t> complete_time_ms;
  /// For a finished retrieve-updates task: the `version` of each entry of `result`, in order
  /// (docs/vsphere-api.md "The update-manager appliance API" assumes an array of objects carrying
  /// at least `version`).
  std::vector<std::string> available_versions;
  std::optional<std::string> result_json;  ///< `result` as JSON text

  bool Done() const {
    return status == UpdateManagerTaskStatus::kSuccess ||
           status == UpdateManagerTaskStatus::kError ||
           status == UpdateManagerTaskStatus::kCancelled;
  }
};

class UpdateManagerPort {
 public:
  virtual ~UpdateManagerPort() = default;
  /// GET /appliance. Blocking, thread-safe, read-only.
  virtual Result<UpdateManagerAppliance> GetAppliance() = 0;
  /// POST /appliance/update-manager/actions/retrieve-updates (202 Task). Refreshes the list of
  /// available updates; harmless to repeat.
  virtual Result<UpdateManagerTask> RetrieveUpdates() = 0;
  /// POST /appliance/update-manager/updates/{version}/actions/install (202 Task). Not
  /// idempotent: journal the task id. The appliance may restart during it.
  virtual Result<UpdateManagerTask> InstallUpdate(const std::string& version) = 0;
  /// GET /tasks/{id}. 404 after the appliance restarted is expected (docs/vsphere-api.md "The
  /// update-manager appliance API").
  virtual Result<UpdateManagerTask> GetTask(const TaskId& task) = 0;
};

}  // namespace vsrd::reconcilers::ports
