#pragma once

#include <string_view>

#include "reconcilers/ports/deployment_port.hpp"

// JSON of GET /api/vcenter/deployment (docs/vsphere-api.md "Deployment").

namespace vsrd::daemon::vsphere::codec {

namespace ports = reconcilers::ports;

ports::Result<ports::DeploymentInfo> DecodeDeploymentInfo(std::string_view operation,
                                                          std::string_view body);

}  // namespace vsrd::daemon::vsphere::codec
