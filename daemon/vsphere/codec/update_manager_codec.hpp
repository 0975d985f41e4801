#pragma once

#include <string_view>

#include "reconcilers/ports/update_manager_port.hpp"

// JSON of the appliance configuration API (docs/vsphere-api.md "The update-manager appliance API").

namespace vsrd::daemon::vsphere::codec {

namespace ports = reconcilers::ports;

ports::Result<ports::UpdateManagerAppliance> DecodeUpdateManagerAppliance(
    std::string_view operation, std::string_view body);
/// Task; for a SUCCESS task whose `result` is an array, available_versions lists the `version`
/// of each entry that has one.
ports::Result<ports::UpdateManagerTask> DecodeUpdateManagerTask(std::string_view operation,
                                                                std::string_view body);

}  // namespace vsrd::daemon::vsphere::codec
