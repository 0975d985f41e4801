#pragma once

#include <array>
#include <optional>
#include <string>
#include <string_view>

#include "manifests/common.hpp"

// ApplianceUpdate: the appliance runs exactly `version`. Works with both target flavors; the
// vcenter flavor (/api/appliance/update, docs/vsphere-api.md "Appliance updates") also takes where
// to look for updates, which the update-manager flavor (docs/vsphere-api.md) does not have.

namespace vsrd::manifests {

/// `source_type` of GET /api/appliance/update/pending.
enum class UpdateSourceType { kLastCheck, kLocal, kLocalAndOnline };
inline constexpr std::array<std::string_view, 3> kUpdateSourceTypeNames{"LAST_CHECK", "LOCAL",
                                                                        "LOCAL_AND_ONLINE"};

struct ApplianceUpdateSpec {
  std::string version;
  /// vcenter flavor only; LOCAL_AND_ONLINE when unset.
  std::optional<UpdateSourceType> source_type;
  /// vcenter flavor only: a custom repository URL for the pending list.
  std::optional<std::string> url;
};

inline constexpr std::array<std::string_view, 3> kApplianceUpdateFields{"version", "source_type",
                                                                        "url"};

/// Decodes the kind-specific fields of `spec`; nullopt when any problem was reported.
std::optional<ApplianceUpdateSpec> DecodeApplianceUpdateSpec(const MapReader& spec);

}  // namespace vsrd::manifests
