#pragma once

#include <array>
#include <optional>
#include <string_view>

#include "manifests/common.hpp"

// ApplianceInstall: no appliance install is left running past `max_duration`
// (GET /api/vcenter/deployment, POST .../deployment/install?action=cancel; docs/vsphere-api.md
// "Deployment").

namespace vsrd::manifests {

struct ApplianceInstallSpec {
  /// An install running longer than this is cancelled; 0s cancels any running install.
  Duration max_duration{0};
};

inline constexpr std::array<std::string_view, 1> kApplianceInstallFields{"max_duration"};

/// Decodes the kind-specific fields of `spec`; nullopt when any problem was reported.
std::optional<ApplianceInstallSpec> DecodeApplianceInstallSpec(const MapReader& spec);

}  // namespace vsrd::manifests
