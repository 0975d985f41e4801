#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "reconcilers/ports/vcha_port.hpp"

// JSON of the VCHA operations (docs/vsphere-api.md "VCHA"). Encoders write exactly the fields the
// spec defines, omitting unset optional ones; passwords go in as given (the caller redacts logs).

namespace vsrd::daemon::vsphere::codec {

namespace ports = reconcilers::ports;

/// Body of POST /api/vcenter/vcha/cluster?action=get: {vc_spec?, partial}.
std::string EncodeClusterGetRequest(const std::optional<ports::VchaCredentialsSpec>& vc_spec,
                                    bool partial);
ports::Result<ports::VchaClusterInfo> DecodeClusterInfo(std::string_view operation,
                                                        std::string_view body);
/// Mode.Info {mode}.
ports::Result<ports::VchaMode> DecodeModeInfo(std::string_view operation, std::string_view body);
/// Passive.CheckSpec {vc_spec?, placement}.
std::string EncodePassiveCheckSpec(const ports::PassiveCheckSpec& spec);
ports::Result<ports::PassiveCheckResult> DecodePassiveCheckResult(std::string_view operation,
                                                                  std::string_view body);
/// Passive.RedeploySpec {vc_spec?, placement, ha_ip?, failover_ip?}.
std::string EncodeRedeploySpec(const ports::RedeploySpec& spec);

}  // namespace vsrd::daemon::vsphere::codec
