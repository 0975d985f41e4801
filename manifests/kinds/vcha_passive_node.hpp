#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "manifests/common.hpp"

// VchaPassiveNode: the VCHA cluster has a healthy passive node at the declared placement.
// Field names and optionality are those of Vcenter.Vcha.Cluster.Passive.RedeploySpec
// (docs/vsphere-api.md "VCHA"); the management vCenter's credentials come from a config target.

namespace vsrd::manifests {

enum class IpFamily { kIpv4, kIpv6 };
inline constexpr std::array<std::string_view, 2> kIpFamilyNames{"IPV4", "IPV6"};

enum class NetworkType { kStandardPortgroup, kDistributedPortgroup };
inline constexpr std::array<std::string_view, 2> kNetworkTypeNames{"STANDARD_PORTGROUP",
                                                                   "DISTRIBUTED_PORTGROUP"};

/// Vcha.Ipv4Spec: address and at least one of subnet_mask / prefix.
struct Ipv4Spec {
  std::string address;
  std::optional<std::string> subnet_mask;
  std::optional<std::int64_t> prefix;
};

/// Vcha.Ipv6Spec.
struct Ipv6Spec {
  std::string address;
  std::int64_t prefix = 0;
};

/// Vcha.IpSpec: exactly the sub-spec matching ip_family is set.
struct IpSpec {
  IpFamily ip_family = IpFamily::kIpv4;
  std::optional<Ipv4Spec> ipv4;
  std::optional<Ipv6Spec> ipv6;
  std::optional<std::string> default_gateway;
  std::vector<std::string> dns_servers;
};

/// Vcha.PlacementSpec. name and folder are required by the API; the rest default to the active
/// node's placement.
struct PlacementSpec {
  std::string name;
  std::string folder;
  std::optional<std::string> host;
  std::optional<std::string> resource_pool;
  std::optional<NetworkType> ha_network_type;
  std::optional<std::string> ha_network;
  std::optional<NetworkType> management_network_type;
  std::optional<std::string> management_network;
  std::optional<std::string> storage_datastore;  ///< storage.datastore
};

struct VchaPassiveNodeSpec {
  PlacementSpec placement;
  std::optional<IpSpec> ha_ip;
  std::optional<IpSpec> failover_ip;
  /// A config target whose URL and credentials fill RedeploySpec.vc_spec.active_location.
  std::optional<NameRef> management_vcenter;
};

inline constexpr std::array<std::string_view, 4> kVchaPassiveNodeFields{
    "placement", "ha_ip", "failover_ip", "management_vcenter"};

/// Decodes the kind-specific fields of `spec`; nullopt when any problem was reported.
std::optional<VchaPassiveNodeSpec> DecodeVchaPassiveNodeSpec(const MapReader& spec);

}  // namespace vsrd::manifests
