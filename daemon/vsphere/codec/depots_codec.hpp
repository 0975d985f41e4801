#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "reconcilers/ports/depots_port.hpp"

// JSON of the offline depot operations (docs/vsphere-api.md "Offline depots").

namespace vsrd::daemon::vsphere::codec {

namespace ports = reconcilers::ports;

/// map<depotId, Offline.Summary>, returned ordered by id.
ports::Result<std::vector<ports::OfflineDepot>> DecodeOfflineDepotMap(std::string_view operation,
                                                                      std::string_view body);
/// Offline.Info of depot `id`.
ports::Result<ports::OfflineDepot> DecodeOfflineDepotInfo(std::string_view operation,
                                                          const std::string& id,
                                                          std::string_view body);
/// Offline.ConnectionSpec {auth_type, host_credential?, host?}.
std::string EncodeDepotConnectionSpec(const ports::DepotConnectionSpec& spec);

}  // namespace vsrd::daemon::vsphere::codec
