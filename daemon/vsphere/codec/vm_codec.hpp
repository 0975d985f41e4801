#pragma once

#include <string_view>

#include "reconcilers/ports/vm_port.hpp"

// JSON of the VM reads and the guest customization check (docs/vsphere-api.md "VMs and guest
// customization").

namespace vsrd::daemon::vsphere::codec {

namespace ports = reconcilers::ports;

/// VM.Info (only name, power_state and guest_OS are read; the rest is ignored).
ports::Result<ports::VmInfo> DecodeVmInfo(std::string_view operation, std::string_view body);
ports::Result<ports::CustomizationCheckInfo> DecodeCustomizationCheckInfo(
    std::string_view operation, std::string_view body);

}  // namespace vsrd::daemon::vsphere::codec
