#include "daemon/vsphere/codec/vcha_codec.hpp"

#include <string>
#include <utility>

#include <nlohmann/json.hpp>

#include "daemon/vsphere/codec/json_reader.hpp"

// Request bodies follow the 7.0.3 Swagger definitions VcenterVchaCredentialsSpec,
// VcenterVchaConnectionSpec, VcenterVchaPlacementSpec (+ VcenterVchaDiskSpec),
// VcenterVchaIpSpec (+ Ipv4Spec, Ipv6Spec), VcenterVchaClusterPassiveCheckSpec and
// VcenterVchaClusterPassiveRedeploySpec; ConnectionSpec.ssl_certificate is the 9.0 addition
// (docs/vsphere-api.md "What the vendored Swagger files do not cover"), written only when set.

namespace vsrd::daemon::vsphere::codec {
namespace {

using nlohmann::json;

template <class E, std::size_t N>
std::string_view NameOf(E value, const std::array<std::string_view, N>& names) {
  return names.at(static_cast<std::size_t>(value));
}

json EncodeConnection(const ports::VchaConnectionSpec& spec) {
  json out = {{"hostname", spec.hostname}};
  if (spec.port) out["port"] = *spec.port;
  if (spec.ssl_thumbprint) out["ssl_thumbprint"] = *spec.ssl_thumbprint;
  if (spec.ssl_certificate) out["ssl_certificate"] = *spec.ssl_certificate;
  if (spec.username) out["username"] = *spec.username;
  if (spec.password) out["password"] = spec.password->Reveal();
  return out;
}

json EncodeCredentials(const ports::VchaCredentialsSpec& spec) {
  return {{"active_location", EncodeConnection(spec.active_location)}};
}

json EncodePlacement(const manifests::PlacementSpec& spec) {
  json out = {{"name", spec.name}, {"folder", spec.folder}};
  if (spec.host) out["host"] = *spec.host;
  if (spec.resource_pool) out["resource_pool"] = *spec.resource_pool;
  if (spec.ha_network_type) {
    out["ha_network_type"] = NameOf(*spec.ha_network_type, manifests::kNetworkTypeNames);
  }
  if (spec.ha_network) out["ha_network"] = *spec.ha_network;
  if (spec.management_network_type) {
    out["management_network_type"] =
        NameOf(*spec.management_network_type, manifests::kNetworkTypeNames);
  }
  if (spec.management_network) out["management_network"] = *spec.management_network;
  if (spec.storage_datastore) out["storage"] = {{"datastore", *spec.storage_datastore}};
  return out;
}

json EncodeIp(const manifests::IpSpec& spec) {
  json out = {{"ip_family", NameOf(spec.ip_family, manifests::kIpFamilyNames)}};
  if (spec.ipv4) {
    json ipv4 = {{"address", spec.ipv4->address}};
    if (spec.ipv4->subnet_mask) ipv4["subnet_mask"] = *spec.ipv4->subnet_mask;
    if (spec.ipv4->prefix) ipv4["prefix"] = *spec.ipv4->prefix;
    out["ipv4"] = std::move(ipv4);
  }
  if (spec.ipv6) out["ipv6"] = {{"address", spec.ipv6->address}, {"prefix", spec.ipv6->prefix}};
  if (spec.default_gateway) out["default_gateway"] = *spec.default_gateway;
  if (!spec.dns_servers.empty()) out["dns_servers"] = spec.dns_servers;
  return out;
}

/// Cluster.NodeInfo / WitnessInfo: ha_ip* {ip_family*, ipv4|ipv6 {address*}}, runtime? {state?,
/// role?, placement? {vm_name*}}. The IpInfo sub-struct read is the one ip_family names.
ports::VchaNode ReadNode(const JsonReader& reader) {
  ports::VchaNode node;
  const JsonReader ha_ip = reader.Required("ha_ip");
  const auto family =
      ha_ip.Required("ip_family").Enum<manifests::IpFamily>(manifests::kIpFamilyNames);
  node.ha_ip_address = ha_ip.Required(family == manifests::IpFamily::kIpv4 ? "ipv4" : "ipv6")
                           .RequiredString("address");
  if (const auto runtime = reader.Optional("runtime")) {
    if (const auto state = runtime->Optional("state")) {
      node.state = state->Enum<ports::VchaNodeState>(ports::kVchaNodeStateNames);
    }
    if (const auto role = runtime->Optional("role")) {
      node.role = role->Enum<ports::VchaNodeRole>(ports::kVchaNodeRoleNames);
    }
    if (const auto placement = runtime->Optional("placement")) {
      node.vm_name = placement->RequiredString("vm_name");
    }
  }
  return node;
}

ports::VchaClusterInfo ReadClusterInfo(const JsonReader& root) {
  ports::VchaClusterInfo info;
  if (const auto value = root.Optional("config_state")) {
    info.config_state = value->Enum<ports::VchaConfigState>(ports::kVchaConfigStateNames);
  }
  if (const auto value = root.Optional("node1")) info.node1 = ReadNode(*value);
  if (const auto value = root.Optional("node2")) info.node2 = ReadNode(*value);
  if (const auto value = root.Optional("witness")) info.witness = ReadNode(*value);
  if (const auto value = root.Optional("mode")) {
    info.mode = value->Enum<ports::VchaMode>(ports::kVchaModeNames);
  }
  if (const auto value = root.Optional("health_state")) {
    info.health_state = value->Enum<ports::VchaHealth>(ports::kVchaHealthNames);
  }
  if (const auto value = root.Optional("health_exception")) {
    info.health_exception = ReadMessageList(*value);
  }
  if (const auto value = root.Optional("health_warnings")) {
    for (const auto& condition : value->Elements()) {
      info.health_warnings.push_back(ReadMessage(condition.Required("error")));
    }
  }
  info.manual_failover_allowed = root.OptionalBool("manual_failover_allowed");
  info.auto_failover_allowed = root.OptionalBool("auto_failover_allowed");
  return info;
}

}  // namespace

std::string EncodeClusterGetRequest(const std::optional<ports::VchaCredentialsSpec>& vc_spec,
                                    bool partial) {
  json out = {{"partial", partial}};
  if (vc_spec) out["vc_spec"] = EncodeCredentials(*vc_spec);
  return DumpCompact(out);
}

ports::Result<ports::VchaClusterInfo> DecodeClusterInfo(std::string_view operation,
                                                        std::string_view body) {
  return DecodeDocument<ports::VchaClusterInfo>(operation, body, ReadClusterInfo);
}

ports::Result<ports::VchaMode> DecodeModeInfo(std::string_view operation, std::string_view body) {
  return DecodeDocument<ports::VchaMode>(operation, body, [](const JsonReader& root) {
    return root.Required("mode").Enum<ports::VchaMode>(ports::kVchaModeNames);
  });
}

std::string EncodePassiveCheckSpec(const ports::PassiveCheckSpec& spec) {
  json out = {{"placement", EncodePlacement(spec.placement)}};
  if (spec.vc_spec) out["vc_spec"] = EncodeCredentials(*spec.vc_spec);
  return DumpCompact(out);
}

ports::Result<ports::PassiveCheckResult> DecodePassiveCheckResult(std::string_view operation,
                                                                  std::string_view body) {
  return DecodeDocument<ports::PassiveCheckResult>(operation, body, [](const JsonReader& root) {
    ports::PassiveCheckResult result;
    result.warnings = ReadMessageList(root.Required("warnings"));
    result.errors = ReadMessageList(root.Required("errors"));
    return result;
  });
}

std::string EncodeRedeploySpec(const ports::RedeploySpec& spec) {
  json out = {{"placement", EncodePlacement(spec.placement)}};
  if (spec.vc_spec) out["vc_spec"] = EncodeCredentials(*spec.vc_spec);
  if (spec.ha_ip) out["ha_ip"] = EncodeIp(*spec.ha_ip);
  if (spec.failover_ip) out["failover_ip"] = EncodeIp(*spec.failover_ip);
  return DumpCompact(out);
}

}  // namespace vsrd::daemon::vsphere::codec
