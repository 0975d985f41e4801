#pragma once

#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "manifests/common.hpp"

// GuestCustomizationCheck: the listed VMs are customizable. Reported as status and metrics,
// never mutated (POST /api/vcenter/vm/{vm}/guest/customization?action=check; docs/vsphere-api.md
// "VMs and guest customization").

namespace vsrd::manifests {

struct GuestCustomizationCheckSpec {
  std::vector<std::string> vms;  ///< VirtualMachine ids, unique, at least one
};

inline constexpr std::array<std::string_view, 1> kGuestCustomizationCheckFields{"vms"};

/// Decodes the kind-specific fields of `spec`; nullopt when any problem was reported.
std::optional<GuestCustomizationCheckSpec> DecodeGuestCustomizationCheckSpec(const MapReader& spec);

}  // namespace vsrd::manifests
