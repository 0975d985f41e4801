#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "manifests/kinds/appliance_update.hpp"
#include "reconcilers/ports/api_error.hpp"
#include "reconcilers/ports/depots_port.hpp"
#include "reconcilers/ports/tasks_port.hpp"

// The vCenter appliance's version and update surface (docs/vsphere-api.md "Appliance updates"),
// used by the `vcenter` flavor of ApplianceUpdate.

namespace vsrd::reconcilers::ports {

/// GET /api/appliance/system/version.
struct ApplianceVersion {
  std::string version;
  std::string product;
  std::string build;
  std::string type;
  std::string summary;
  std::string releasedate;
  std::string install_time;
  std::optional<std::string> name;  ///< newer vCenters only
};

enum class UpdateState {
  kUpToDate,
  kUpdatesPending,
  kStageInProgress,
  kInstallInProgress,
  kInstallFailed,
  kRollbackInProgress
};
inline constexpr std::array<std::string_view, 6> kUpdateStateNames{
    "UP_TO_DATE",          "UPDATES_PENDING", "STAGE_IN_PROGRESS",
    "INSTALL_IN_PROGRESS", "INSTALL_FAILED",  "ROLLBACK_IN_PROGRESS"};

/// Appliance.TaskInfo, reduced.
struct ApplianceTask {
  std::string operation;
  TaskStatus status = TaskStatus::kPending;
  bool cancelable = false;
  std::optional<TaskProgress> progress;
  std::optional<ApiError> error;
  std::optional<WallTime> start_time;
  std::optional<WallTime> end_time;
};

/// Appliance.Update.Info.
struct UpdateInfo {
  UpdateState state = UpdateState::kUpToDate;
  /// The installed version when UP_TO_DATE, the one being staged/installed when *_IN_PROGRESS,
  /// the staged one when UPDATES_PENDING, the failed one when INSTALL_FAILED.
  std::string version;
  std::optional<ApplianceTask> task;
  std::optional<WallTime> latest_query_time;
};

/// Update.Summary (a pending list entry) and the shared fields of Pending.Info.
struct PendingUpdate {
  std::string version;  ///< only in the list; GetPendingUpdate fills it from its argument
  std::string name;
  std::string description;  ///< description.default_message
  std::string priority;     ///< HIGH | MEDIUM | LOW
  std::string severity;     ///< CRITICAL | IMPORTANT | MODERATE | LOW
  std::string update_type;  ///< SECURITY | FIX | UPDATE | UPGRADE
  std::string release_date;
  bool reboot_required = false;
  std::int64_t size = 0;       ///< MB
  std::optional<bool> staged;  ///< Pending.Info only
};

/// Pending.Question of a precheck.
struct UpdateQuestion {
  std::string data_item;
  std::string text;
  std::string type;  ///< PLAIN_TEXT | BOOLEAN | PASSWORD
  std::optional<std::string> default_answer;
};

/// Pending.PrecheckResult.
struct PrecheckResult {
  std::string check_time;
  std::optional<std::int64_t> estimated_time_to_install;  ///< minutes
  bool reboot_required = false;
  std::vector<Notification> issues_info;
  std::vector<Notification> issues_warnings;
  std::vector<Notification> issues_errors;
  std::vector<UpdateQuestion> questions;
};

/// Where GET /api/appliance/update/pending looks.
struct PendingQuery {
  manifests::UpdateSourceType source_type = manifests::UpdateSourceType::kLocalAndOnline;
  std::optional<std::string> url;
};

class AppliancePort {
 public:
  virtual ~AppliancePort() = default;
  /// GET /api/appliance/system/version. Blocking, thread-safe, read-only.
  virtual Result<ApplianceVersion> GetVersion() = 0;
  /// GET /api/appliance/update. Read-only; what to poll during stage and install.
  virtual Result<UpdateInfo> GetUpdate() = 0;
  /// GET /api/appliance/update/pending?source_type=..[&url=..]. 404: the source has nothing.
  virtual Result<std::vector<PendingUpdate>> ListPendingUpdates(const PendingQuery& query) = 0;
  /// GET /api/appliance/update/pending/{version}. 400 ALREADY_IN_DESIRED_STATE: installed.
  virtual Result<PendingUpdate> GetPendingUpdate(const std::string& version) = 0;
  /// POST .../pending/{version}?action=precheck. Read-only.
  virtual Result<PrecheckResult> PrecheckUpdate(const std::string& version) = 0;
  /// POST .../pending/{version}?action=stage (204). Starts staging; poll GetUpdate().
  virtual Result<void> StageUpdate(const std::string& version) = 0;
  /// POST .../pending/{version}?action=install with {user_data} (204). Starts the install; the
  /// appliance restarts during it. Values in user_data are treated as secrets in logs.
  virtual Result<void> InstallUpdate(const std::string& version,
                                     const std::map<std::string, Secret>& user_data) = 0;
};

}  // namespace vsrd::reconcilers::ports
