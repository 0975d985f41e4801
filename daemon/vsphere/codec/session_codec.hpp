#pragma once

#include <string>
#include <string_view>

#include "reconcilers/ports/api_error.hpp"
#include "reconcilers/ports/secret.hpp"

// Session tokens in login answers (docs/vsphere-api.md "Sessions" and "The update-manager appliance
// API").

namespace vsrd::daemon::vsphere::codec {

namespace ports = reconcilers::ports;

/// POST /api/session 201: the body is a JSON string, the token.
ports::Result<ports::Secret> DecodeVcenterSessionToken(std::string_view body);
/// POST /session 200: {"session_id": "..."}.
ports::Result<ports::Secret> DecodeUpdateManagerSessionId(std::string_view body);

}  // namespace vsrd::daemon::vsphere::codec
