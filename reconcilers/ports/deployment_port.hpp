#pragma once

#include <optional>
#include <string>

#include "reconcilers/ports/api_error.hpp"
#include "reconcilers/ports/tasks_port.hpp"

// The appliance deployment state and the install cancel (docs/vsphere-api.md "Deployment").

namespace vsrd::reconcilers::ports {

enum class ApplianceState {
  kNotInitialized,
  kInitialized,
  kConfigInProgress,
  kQuestionRaised,
  kFailed,
  kConfigured
};
inline constexpr std::array<std::string_view, 6> kApplianceStateNames{
    "NOT_INITIALIZED", "INITIALIZED", "CONFIG_IN_PROGRESS",
    "QUESTION_RAISED", "FAILED",      "CONFIGURED"};

/// Vcenter.Deployment.Info, reduced to the task fields decisions and status use.
struct DeploymentInfo {
  ApplianceState state = ApplianceState::kNotInitialized;
  std::string description;  ///< description.default_message
  std::string service;
  std::string operation;  ///< a vAPI operation id, not an enum (docs/vsphere-api.md "Deployment")
  TaskStatus status = TaskStatus::kPending;
  bool cancelable = false;
  std::optional<TaskProgress> progress;
  std::optional<ApiError> error;
  std::optional<WallTime> start_time;
  std::optional<WallTime> end_time;
  /// The appliance's own clock when it answered: the response's HTTP `Date` header (RFC 9110
  /// section 6.6.1, whole seconds); unset when the answer had none or it did not parse. The
  /// install guard measures start_time against this, never against vsrd's clock when it is set,
  /// so a skew between the two clocks cannot make an install look older or younger than it is.
  std::optional<WallTime> reported_now;
};

class DeploymentPort {
 public:
  virtual ~DeploymentPort() = default;
  /// GET /api/vcenter/deployment. Blocking, thread-safe, read-only. 404: state unknown.
  virtual Result<DeploymentInfo> GetDeployment() = 0;
  /// POST /api/vcenter/deployment/install?action=cancel. 400 NOT_ALLOWED_IN_CURRENT_STATE when
  /// no install is in progress (so a repeated cancel is harmless).
  virtual Result<void> CancelInstall() = 0;
};

}  // namespace vsrd::reconcilers::ports
