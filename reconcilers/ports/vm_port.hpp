#pragma once

#include <optional>
#include <string>

#include "reconcilers/ports/api_error.hpp"

// VM reads and the guest customization check (docs/vsphere-api.md "VMs and guest customization").

namespace vsrd::reconcilers::ports {

enum class PowerState { kPoweredOff, kPoweredOn, kSuspended };
inline constexpr std::array<std::string_view, 3> kPowerStateNames{"POWERED_OFF", "POWERED_ON",
                                                                  "SUSPENDED"};

/// VM.Info, reduced to what the check reports.
struct VmInfo {
  std::string name;
  PowerState power_state = PowerState::kPoweredOff;
  std::string guest_os;  ///< guest_OS (an open enum: newer vCenters add values)
};

enum class CheckStatus { kSupported, kNotSupported };
inline constexpr std::array<std::string_view, 2> kCheckStatusNames{"SUPPORTED", "NOT_SUPPORTED"};

/// Vcenter.Vm.Guest.Customization.CheckInfo.
struct CustomizationCheckInfo {
  CheckStatus check_status = CheckStatus::kNotSupported;
  /// false: the guest OS is not supported; unset: the check did not reach that step.
  std::optional<bool> supported_guest_os;
  /// false: not customizable in the current power state; unset: not reached.
  std::optional<bool> supported_power_state;
};

class VmPort {
 public:
  virtual ~VmPort() = default;
  /// GET /api/vcenter/vm/{vm}. Blocking, thread-safe, read-only. 404: no such VM.
  virtual Result<VmInfo> GetVm(const std::string& vm) = 0;
  /// POST /api/vcenter/vm/{vm}/guest/customization?action=check (9.0+). Read-only.
  virtual Result<CustomizationCheckInfo> CheckGuestCustomization(const std::string& vm) = 0;
};

}  // namespace vsrd::reconcilers::ports
