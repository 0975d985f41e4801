#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "reconcilers/ports/appliance_port.hpp"

// JSON of the vCenter appliance version and update operations (docs/vsphere-api.md "Appliance
// updates").

namespace vsrd::daemon::vsphere::codec {

namespace ports = reconcilers::ports;

ports::Result<ports::ApplianceVersion> DecodeApplianceVersion(std::string_view operation,
                                                              std::string_view body);
ports::Result<ports::UpdateInfo> DecodeUpdateInfo(std::string_view operation,
                                                  std::string_view body);
/// [Update.Summary].
ports::Result<std::vector<ports::PendingUpdate>> DecodePendingList(std::string_view operation,
                                                                   std::string_view body);
/// Pending.Info of `version`.
ports::Result<ports::PendingUpdate> DecodePendingInfo(std::string_view operation,
                                                      const std::string& version,
                                                      std::string_view body);
ports::Result<ports::PrecheckResult> DecodePrecheckResult(std::string_view operation,
                                                          std::string_view body);
/// Body of ?action=install: {user_data} (the 8.0.2 Swagger defines only user_data).
std::string EncodeInstallRequest(const std::map<std::string, ports::Secret>& user_data);

}  // namespace vsrd::daemon::vsphere::codec
