// vCenter High Availability (docs/vsphere-api.md "VCHA"): the cluster read
// (POST /api/vcenter/vcha/cluster?action=get), its mode (GET /api/vcenter/vcha/cluster/mode), and
// the passive node's check and redeploy (POST /api/vcenter/vcha/cluster/passive?action=check,
// ?action=redeploy&vmw-task=true). Shapes: Swagger 7.0.3 vcenter.json, VcenterVcha*.
//
// State shape (also the scenario's `state.vcha`, with defaults filled in):
//   {config_state: CONFIGURED|NOTCONFIGURED|INVALID|PREPARED        (default NOTCONFIGURED),
//    mode: ENABLED|DISABLED|MAINTENANCE, health_state: HEALTHY|DEGRADED|ISOLATED
//                                                                   (CONFIGURED only),
//    node1, node2: Cluster.NodeInfo {ha_ip: IpInfo, failover_ip?: IpInfo,
//                                    runtime: {state: UP|DOWN, role: ACTIVE|PASSIVE,
//                                              placement?: PlacementInfo}},
//    witness: Cluster.WitnessInfo {ha_ip, runtime: {state, role: WITNESS, placement?}},
//      (a node that is absent or null is not deployed)
//    passive_ha_ip?: IpInfo     (the stored HA address of a passive node that is absent),
//    management_vcenter?: {hostname, port, username, password, ssl_thumbprint,
//                          ssl_certificate?}  (absent: the active vCenter manages itself),
//    check: {warnings: [text], errors: [text]}          (added to every check's result),
//    redeploy: {pending: "0s", duration: "5m", fail: false, error_type: ERROR, error: text}}
// A scenario placement may leave out the names (host_name, datastore_name, network names and
// types, management_vcenter_name): answers fill them from state.inventory. Everything derived
// (health_warnings, the failover flags) is computed when answering, never stored.
#include <algorithm>
#include <array>
#include <cctype>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include "manifests/common.hpp"
#include "manifests/net_address.hpp"
#include "simulator/vapi_error.hpp"
#include "simulator/vcenter/areas.hpp"
#include "simulator/vcenter/body_reader.hpp"
#include "simulator/vcenter/json_fields.hpp"
#include "simulator/vcenter/vcenter_persona.hpp"

namespace vsrd::simulator {
namespace {

using manifests::MapReader;
using manifests::ReadContext;
using nlohmann::json;

constexpr std::array<std::string_view, 4> kConfigStates{"CONFIGURED", "NOTCONFIGURED", "INVALID",
                                                        "PREPARED"};
constexpr std::array<std::string_view, 3> kModes{"ENABLED", "DISABLED", "MAINTENANCE"};
constexpr std::array<std::string_view, 3> kHealthStates{"HEALTHY", "DEGRADED", "ISOLATED"};
constexpr std::array<std::string_view, 2> kNodeStates{"UP", "DOWN"};
constexpr std::array<std::string_view, 2> kNodeRoles{"ACTIVE", "PASSIVE"};
constexpr std::array<std::string_view, 2> kIpFamilies{"IPV4", "IPV6"};
constexpr std::array<std::string_view, 2> kNetworkTypes{"STANDARD_PORTGROUP",
                                                        "DISTRIBUTED_PORTGROUP"};
constexpr std::array<std::string_view, 3> kNodeKeys{"node1", "node2", "witness"};
// The task's Info.service and Info.operation: the vAPI service and the identifier of the
// operation invoked, which for the task form carries the runtime's "$task" suffix as a real
// vCenter reports it (UNCONFIRMED for VCHA; docs/simulator.md "Tasks").
constexpr std::string_view kService = "com.vmware.vcenter.vcha.cluster.passive";
constexpr std::string_view kOperation = "redeploy$task";
constexpr std::string_view kMessagePrefix = "com.vmware.vsrd.sim.vcha.";
// Placement defaults for scenario nodes that do not name their datacenter (the inventory has no
// datacenters).
constexpr std::string_view kDefaultDatacenter = "datacenter-1";
constexpr std::string_view kDefaultDatacenterName = "Datacenter";

// ---------------------------------------------------------------------------------------------
// Small helpers shared by the decoder and the handlers.

/// "255.255.255.0" for 24; `prefix` is 0-32.
std::string PrefixToMask(std::int64_t prefix) {
  const std::uint64_t bits =
      (~std::uint64_t{0} << static_cast<unsigned>(32 - prefix)) & std::uint64_t{0xffffffff};
  return fmt::format("{}.{}.{}.{}", bits >> 24U, (bits >> 16U) & 0xffU, (bits >> 8U) & 0xffU,
                     bits & 0xffU);
}

/// The prefix length of a valid subnet mask (manifests::IsIpv4SubnetMask).
std::int64_t MaskToPrefix(std::string_view mask) {
  std::int64_t prefix = 0;
  std::size_t start = 0;
  while (start <= mask.size()) {
    auto end = mask.find('.', start);
    if (end == std::string_view::npos) end = mask.size();
    unsigned octet = 0;
    for (const char c : mask.substr(start, end - start)) {
      octet = octet * 10U + static_cast<unsigned>(c - '0');
    }
    for (unsigned bit = 0x80U; bit != 0U && (octet & bit) != 0U; bit >>= 1U) ++prefix;
    start = end + 1;
  }
  return prefix;
}

bool IsAddressOf(std::string_view family, std::string_view text) {
  return family == "IPV4" ? manifests::IsIpv4Address(text) : manifests::IsIpv6Address(text);
}

json VchaMessage(std::string_view id, std::string_view text) {
  return Message(std::string(kMessagePrefix) + std::string(id), text);
}

// ---------------------------------------------------------------------------------------------
// Scenario decoding.

std::optional<std::string> ReadAddress(ReadContext& context, const YAML::Node& node,
                                       const std::string& field, std::string_view family) {
  auto text = manifests::ReadString(context, node, field);
  if (!text) return std::nullopt;
  if (!IsAddressOf(family, *text)) {
    context.Error(node, field,
                  fmt::format("must be an {} address, got \"{}\"",
                              family == "IPV4" ? "IPv4" : "IPv6", *text));
    return std::nullopt;
  }
  return text;
}

/// A Cluster.IpInfo; subnet_mask and prefix complete each other, so that the state always has
/// the required subnet_mask and the prefix.
json DecodeIpInfo(ReadContext& context, const YAML::Node& node, const std::string& path) {
  const MapReader map(context, node, path, {"ip_family", "ipv4", "ipv6", "gateway_ip"});
  json info = json::object();
  const auto family_node = map.Require("ip_family");
  if (!family_node) return info;
  const auto family =
      manifests::ReadOneOf(context, *family_node, map.Path("ip_family"), kIpFamilies);
  if (!family) return info;
  info["ip_family"] = *family;
  const bool v4 = *family == "IPV4";
  const std::string_view own = v4 ? "ipv4" : "ipv6";
  const std::string_view other = v4 ? "ipv6" : "ipv4";
  if (const auto wrong = map.Get(other)) {
    context.Error(*wrong, map.Path(other),
                  fmt::format("must not be set when ip_family is {}", *family));
  }
  if (const auto sub = map.Require(own)) {
    const MapReader address_map(
        context, *sub, map.Path(own),
        v4 ? std::vector<std::string_view>{"address", "subnet_mask", "prefix"}
           : std::vector<std::string_view>{"address", "prefix"});
    json address = json::object();
    if (const auto value = address_map.Require("address")) {
      if (auto text = ReadAddress(context, *value, address_map.Path("address"), *family)) {
        address["address"] = *text;
      }
    }
    std::optional<std::int64_t> prefix;
    if (const auto value = v4 ? address_map.Get("prefix") : address_map.Require("prefix")) {
      prefix = manifests::ReadInt(context, *value, address_map.Path("prefix"), 0, v4 ? 32 : 128);
    }
    if (v4 && address_map.IsValid()) {
      std::optional<std::string> mask;
      if (const auto value = address_map.Get("subnet_mask")) {
        mask = manifests::ReadString(context, *value, address_map.Path("subnet_mask"));
        if (mask && !manifests::IsIpv4SubnetMask(*mask)) {
          context.Error(
              *value, address_map.Path("subnet_mask"),
              fmt::format("must be a subnet mask such as 255.255.255.0, got \"{}\"", *mask));
          mask.reset();
        }
      }
      if (!address_map.Has("subnet_mask") && !address_map.Has("prefix")) {
        context.Error(*sub, address_map.FieldPath(), "one of subnet_mask and prefix is required");
      } else if (mask && prefix && MaskToPrefix(*mask) != *prefix) {
        context.Error(*address_map.Get("prefix"), address_map.Path("prefix"),
                      fmt::format("{} does not match subnet_mask {}", *prefix, *mask));
      }
      if (mask) address["subnet_mask"] = *mask;
      if (prefix) address["prefix"] = *prefix;
      if (mask && !prefix) address["prefix"] = MaskToPrefix(*mask);
      if (prefix && !mask) address["subnet_mask"] = PrefixToMask(*prefix);
    } else if (prefix) {
      address["prefix"] = *prefix;
    }
    info[own] = std::move(address);
  }
  if (const auto gateway = map.Get("gateway_ip")) {
    if (auto text = ReadAddress(context, *gateway, map.Path("gateway_ip"), *family)) {
      info["gateway_ip"] = *text;
    }
  }
  return info;
}

/// A PlacementInfo; names that are left out are filled from the inventory when answering.
json DecodePlacement(ReadContext& context, const YAML::Node& node, const std::string& path) {
  const MapReader map(
      context, node, path,
      {"management_vcenter_name", "management_vcenter_server_guid", "vm_name", "datacenter",
       "datacenter_name", "host", "host_name", "cluster", "cluster_name", "ha_network",
       "ha_network_name", "ha_network_type", "management_network", "management_network_name",
       "management_network_type", "storage", "bios_uuid"});
  json out = {{"datacenter", kDefaultDatacenter}, {"datacenter_name", kDefaultDatacenterName}};
  for (const char* key : {"vm_name", "host", "management_network"}) {
    if (const auto value = map.Require(key)) {
      const auto text = std::string_view(key) == "vm_name"
                            ? manifests::ReadString(context, *value, map.Path(key))
                            : manifests::ReadObjectId(context, *value, map.Path(key));
      if (text) out[key] = *text;
    }
  }
  for (const char* key : {"datacenter", "cluster", "ha_network"}) {
    if (const auto value = map.Get(key)) {
      if (auto text = manifests::ReadObjectId(context, *value, map.Path(key))) out[key] = *text;
    }
  }
  for (const char* key :
       {"management_vcenter_name", "management_vcenter_server_guid", "datacenter_name", "host_name",
        "cluster_name", "ha_network_name", "management_network_name", "bios_uuid"}) {
    if (const auto value = map.Get(key)) {
      if (auto text = manifests::ReadString(context, *value, map.Path(key))) out[key] = *text;
    }
  }
  for (const char* key : {"ha_network_type", "management_network_type"}) {
    if (const auto value = map.Get(key)) {
      if (auto text = manifests::ReadOneOf(context, *value, map.Path(key), kNetworkTypes)) {
        out[key] = *text;
      }
    }
  }
  if (const auto storage_node = map.Require("storage")) {
    const MapReader storage(context, *storage_node, map.Path("storage"),
                            {"datastore", "datastore_name"});
    json disk = json::object();
    if (const auto value = storage.Require("datastore")) {
      if (auto text = manifests::ReadObjectId(context, *value, storage.Path("datastore"))) {
        disk["datastore"] = *text;
      }
    }
    if (const auto value = storage.Get("datastore_name")) {
      if (auto text = manifests::ReadString(context, *value, storage.Path("datastore_name"))) {
        disk["datastore_name"] = *text;
      }
    }
    out["storage"] = std::move(disk);
  }
  return out;
}

/// node1 / node2 (`default_role` ACTIVE or PASSIVE) or the witness (`default_role` WITNESS).
json DecodeNode(ReadContext& context, const YAML::Node& node, const std::string& path,
                std::string_view default_role) {
  const bool witness = default_role == "WITNESS";
  const MapReader map(context, node, path,
                      witness ? std::vector<std::string_view>{"ha_ip", "state", "placement"}
                              : std::vector<std::string_view>{"ha_ip", "failover_ip", "state",
                                                              "role", "placement"});
  json runtime = {{"state", "UP"}, {"role", default_role}};
  json out = json::object();
  if (const auto value = map.Require("ha_ip")) {
    out["ha_ip"] = DecodeIpInfo(context, *value, map.Path("ha_ip"));
  }
  if (const auto value = witness ? std::nullopt : map.Get("failover_ip")) {
    out["failover_ip"] = DecodeIpInfo(context, *value, map.Path("failover_ip"));
  }
  if (const auto value = map.Get("state")) {
    runtime["state"] =
        manifests::ReadOneOf(context, *value, map.Path("state"), kNodeStates).value_or("UP");
  }
  if (const auto value = witness ? std::nullopt : map.Get("role")) {
    runtime["role"] = manifests::ReadOneOf(context, *value, map.Path("role"), kNodeRoles)
                          .value_or(std::string(default_role));
  }
  if (const auto value = map.Get("placement")) {
    runtime["placement"] = DecodePlacement(context, *value, map.Path("placement"));
  }
  out["runtime"] = std::move(runtime);
  return out;
}

json DecodeManagementVcenter(ReadContext& context, const YAML::Node& node,
                             const std::string& path) {
  const MapReader map(
      context, node, path,
      {"hostname", "port", "username", "password", "ssl_thumbprint", "ssl_certificate"});
  json out = {{"port", 443}};
  if (const auto value = map.Require("hostname")) {
    out["hostname"] = manifests::ReadHostName(context, *value, map.Path("hostname")).value_or("");
  }
  if (const auto value = map.Get("port")) {
    out["port"] = manifests::ReadInt(context, *value, map.Path("port"), 1, 65535).value_or(443);
  }
  for (const char* key : {"username", "password"}) {
    if (const auto value = map.Require(key)) {
      out[key] = manifests::ReadString(context, *value, map.Path(key)).value_or("");
    }
  }
  if (const auto value = map.Require("ssl_thumbprint")) {
    if (auto text = manifests::ReadString(context, *value, map.Path("ssl_thumbprint"))) {
      if (!manifests::IsSha1Thumbprint(*text)) {
        context.Error(*value, map.Path("ssl_thumbprint"),
                      "must be a SHA-1 thumbprint: 40 hex digits, or 20 colon-separated hex pairs");
      }
      out["ssl_thumbprint"] = *text;
    }
  }
  if (const auto value = map.Get("ssl_certificate")) {
    if (auto text = manifests::ReadString(context, *value, map.Path("ssl_certificate"))) {
      if (text->find("-----BEGIN CERTIFICATE-----") == std::string::npos) {
        context.Error(*value, map.Path("ssl_certificate"),
                      "must be a PEM certificate (-----BEGIN CERTIFICATE-----)");
      }
      out["ssl_certificate"] = *text;
    }
  }
  return out;
}

json DecodeMessages(ReadContext& context, const MapReader& map, std::string_view key) {
  json out = json::array();
  if (const auto value = map.Get(key)) {
    for (auto& text : manifests::ReadStringList(context, *value, map.Path(key))
                          .value_or(std::vector<std::string>{})) {
      out.push_back(std::move(text));
    }
  }
  return out;
}

/// {pending, duration, fail, error_type, error}: how the redeploy task runs.
json DecodeTaskScript(ReadContext& context, const std::optional<YAML::Node>& node,
                      const std::string& path, std::string_view default_duration,
                      std::string_view default_error) {
  json out = {{"pending", "0s"},
              {"duration", default_duration},
              {"fail", false},
              {"error_type", "ERROR"},
              {"error", default_error}};
  if (!node) return out;
  const MapReader map(context, *node, path, {"pending", "duration", "fail", "error_type", "error"});
  for (const char* key : {"pending", "duration"}) {
    if (const auto value = map.Get(key)) {
      if (const auto duration =
              manifests::ReadDuration(context, *value, map.Path(key), Duration{0})) {
        out[key] = manifests::FormatDuration(*duration);
      }
    }
  }
  if (const auto value = map.Get("fail")) {
    out["fail"] = manifests::ReadBool(context, *value, map.Path("fail")).value_or(false);
  }
  if (const auto value = map.Get("error_type")) {
    if (auto text = manifests::ReadString(context, *value, map.Path("error_type"))) {
      if (!IsErrorType(*text)) {
        context.Error(*value, map.Path("error_type"),
                      fmt::format("must be a vAPI std-error type such as ERROR or "
                                  "RESOURCE_BUSY, got \"{}\"",
                                  *text));
      }
      out["error_type"] = *text;
    }
  }
  if (const auto value = map.Get("error")) {
    out["error"] = manifests::ReadString(context, *value, map.Path("error"))
                       .value_or(std::string(default_error));
  }
  return out;
}

bool NodeUp(const json& vcha, std::string_view key) {
  const json* node = FindMember(vcha, key);
  const json* runtime = node != nullptr ? FindMember(*node, "runtime") : nullptr;
  return runtime != nullptr && StringMember(*runtime, "state") == "UP";
}

bool AllNodesUp(const json& vcha) {
  return std::all_of(kNodeKeys.begin(), kNodeKeys.end(),
                     [&](std::string_view key) { return NodeUp(vcha, key); });
}

std::string RoleOf(const json& node) {
  const json* runtime = FindMember(node, "runtime");
  return runtime != nullptr ? StringMember(*runtime, "role") : "";
}

/// "node1" or "node2": the passive node, or node2 when that one is not deployed.
std::string PassiveKey(const json& vcha) {
  const json* node1 = FindMember(vcha, "node1");
  if (node1 != nullptr && RoleOf(*node1) == "PASSIVE") return "node1";
  return "node2";
}

/// The node whose role is ACTIVE, or nullptr.
const json* ActiveNode(const json& vcha) {
  for (const char* key : {"node1", "node2"}) {
    const json* node = FindMember(vcha, key);
    if (node != nullptr && RoleOf(*node) == "ACTIVE") return node;
  }
  return nullptr;
}

// ---------------------------------------------------------------------------------------------
// Reading request bodies (with BodyReader, simulator/vcenter/body_reader.hpp).

/// Vcha.ConnectionSpec of vc_spec.active_location.
struct ActiveLocation {
  std::string hostname;
  std::int64_t port = 443;
  std::optional<std::string> ssl_thumbprint;
  std::optional<std::string> ssl_certificate;
  std::string username;
  std::string password;
};

/// The optional vc_spec (Vcha.CredentialsSpec) of `body`.
std::optional<ActiveLocation> ReadVcSpec(BodyReader& in, const json& body) {
  const json* vc_spec = FindMember(body, "vc_spec");
  if (vc_spec == nullptr || !in.Struct(*vc_spec, "vc_spec", {"active_location"})) {
    return std::nullopt;
  }
  const std::string path = "vc_spec.active_location";
  const json* location = in.Require(*vc_spec, "active_location", "vc_spec");
  if (location == nullptr || !in.Struct(*location, path,
                                        {"hostname", "port", "ssl_thumbprint", "ssl_certificate",
                                         "username", "password"})) {
    return std::nullopt;
  }
  ActiveLocation out;
  out.hostname = in.String(*location, "hostname", path, true).value_or("");
  out.port = in.Integer(*location, "port", path, 1, 65535, false).value_or(443);
  out.ssl_thumbprint = in.String(*location, "ssl_thumbprint", path, false);
  out.ssl_certificate = in.String(*location, "ssl_certificate", path, false);
  // "This field is currently required. If unset, an error is returned." (ConnectionSpec)
  out.username = in.String(*location, "username", path, true).value_or("");
  // "If unset, an empty password is assumed."
  out.password = in.String(*location, "password", path, false).value_or("");
  if (in.Ok() && out.ssl_thumbprint && out.ssl_certificate) {
    in.Invalid(fmt::format("{}: ssl_thumbprint and ssl_certificate are mutually exclusive.", path));
  }
  if (!in.Ok()) return std::nullopt;
  return out;
}

/// Connecting to the management vCenter Server named by `location`: nullopt when it succeeds.
/// Without a management vCenter in the scenario the active vCenter manages itself, and the
/// credentials are not checked.
std::optional<Response> Connect(const json& vcha, const ActiveLocation& location) {
  const json* managing = FindMember(vcha, "management_vcenter");
  if (managing == nullptr) return std::nullopt;
  const std::string hostname = StringMember(*managing, "hostname");
  const std::int64_t port = managing->value("port", std::int64_t{443});
  // An endpoint that cannot be reached is a bad argument of the request (the error set of these
  // operations has no connection error); UNCONFIRMED.
  if (!EqualsIgnoreCase(location.hostname, hostname) || location.port != port) {
    return VapiError("INVALID_ARGUMENT",
                     fmt::format("vc_spec.active_location: cannot connect to vCenter Server {}:{}; "
                                 "the active node is managed by another vCenter Server.",
                                 location.hostname, location.port));
  }
  // TLS comes before the login: the certificate is checked first.
  const std::string certificate = StringMember(*managing, "ssl_certificate");
  const bool verified =
      location.ssl_certificate
          ? !certificate.empty() &&
                NormalizeCertificate(*location.ssl_certificate) == NormalizeCertificate(certificate)
          : location.ssl_thumbprint &&
                NormalizeThumbprint(*location.ssl_thumbprint) ==
                    NormalizeThumbprint(StringMember(*managing, "ssl_thumbprint"));
  if (!verified) {
    json data = {{"ssl_thumbprint", StringMember(*managing, "ssl_thumbprint")}};
    if (!certificate.empty()) data["ssl_certificate"] = certificate;
    return VapiError("UNVERIFIED_PEER",
                     fmt::format("The SSL certificate of vCenter Server {} cannot be verified.",
                                 location.hostname),
                     data);
  }
  if (location.username != StringMember(*managing, "username") ||
      location.password != StringMember(*managing, "password")) {
    return VapiError("INVALID_ARGUMENT",
                     fmt::format("vc_spec.active_location: cannot log in to vCenter Server {}: "
                                 "the user name or password is incorrect.",
                                 location.hostname));
  }
  return std::nullopt;
}

/// Validates a Vcha.IpSpec and returns it as the Cluster.IpInfo a node reports.
std::optional<json> ReadIpSpec(BodyReader& in, const json& spec, const std::string& path) {
  if (!in.Struct(spec, path, {"ip_family", "ipv4", "ipv6", "default_gateway", "dns_servers"})) {
    return std::nullopt;
  }
  const auto family = in.Enum(spec, "ip_family", path, kIpFamilies, true);
  if (!family) return std::nullopt;
  const bool v4 = *family == "IPV4";
  const std::string_view own = v4 ? "ipv4" : "ipv6";
  const std::string_view other = v4 ? "ipv6" : "ipv4";
  if (FindMember(spec, other) != nullptr) {
    in.Invalid(
        fmt::format("{}: must not be set when ip_family is {}.", JoinField(path, other), *family));
    return std::nullopt;
  }
  const json* sub = in.Require(spec, own, path);
  const std::string sub_path = JoinField(path, own);
  if (sub == nullptr ||
      !in.Struct(*sub, sub_path,
                 v4 ? std::initializer_list<std::string_view>{"address", "subnet_mask", "prefix"}
                    : std::initializer_list<std::string_view>{"address", "prefix"})) {
    return std::nullopt;
  }
  const auto address = in.String(*sub, "address", sub_path, true);
  if (!address) return std::nullopt;
  if (!IsAddressOf(*family, *address)) {
    in.Invalid(fmt::format("{}.address: \"{}\" is not an {} address.", sub_path, *address,
                           v4 ? "IPv4" : "IPv6"));
    return std::nullopt;
  }
  json info = {{"ip_family", *family}};
  if (v4) {
    const auto mask = in.String(*sub, "subnet_mask", sub_path, false);
    const auto prefix = in.Integer(*sub, "prefix", sub_path, 0, 32, false);
    if (!in.Ok()) return std::nullopt;
    if (mask && !manifests::IsIpv4SubnetMask(*mask)) {
      in.Invalid(fmt::format("{}.subnet_mask: \"{}\" is not a subnet mask.", sub_path, *mask));
      return std::nullopt;
    }
    if (!mask && !prefix) {
      in.Invalid(fmt::format("{}: one of subnet_mask and prefix must be set.", sub_path));
      return std::nullopt;
    }
    if (mask && prefix && MaskToPrefix(*mask) != *prefix) {
      in.Invalid(
          fmt::format("{}.prefix: {} does not match subnet_mask {}.", sub_path, *prefix, *mask));
      return std::nullopt;
    }
    info["ipv4"] = {{"address", *address},
                    {"subnet_mask", mask ? *mask : PrefixToMask(*prefix)},
                    {"prefix", prefix ? *prefix : MaskToPrefix(*mask)}};
  } else {
    const auto prefix = in.Integer(*sub, "prefix", sub_path, 0, 128, true);
    if (!prefix) return std::nullopt;
    info["ipv6"] = {{"address", *address}, {"prefix", *prefix}};
  }
  if (const auto gateway = in.String(spec, "default_gateway", path, false)) {
    if (!IsAddressOf(*family, *gateway)) {
      in.Invalid(fmt::format("{}.default_gateway: \"{}\" is not an {} address.", path, *gateway,
                             v4 ? "IPv4" : "IPv6"));
      return std::nullopt;
    }
    info["gateway_ip"] = *gateway;
  }
  if (const json* servers = FindMember(spec, "dns_servers")) {
    const std::string servers_path = JoinField(path, "dns_servers");
    if (!servers->is_array()) {
      in.Invalid(fmt::format("{}: must be an array of IP addresses.", servers_path));
      return std::nullopt;
    }
    for (std::size_t i = 0; i < servers->size(); ++i) {
      const json& server = (*servers)[i];
      if (!server.is_string() || (!manifests::IsIpv4Address(server.get<std::string>()) &&
                                  !manifests::IsIpv6Address(server.get<std::string>()))) {
        in.Invalid(fmt::format("{}[{}]: {} is not an IP address.", servers_path, i, server.dump()));
        return std::nullopt;
      }
    }
  }
  if (!in.Ok()) return std::nullopt;
  return info;  // dns_servers has no place in IpInfo
}

/// The form of a Vcha.PlacementSpec (types, enums, required fields, network type pairs).
bool ReadPlacementForm(BodyReader& in, const json& body) {
  const json* placement = in.Require(body, "placement", "");
  if (placement == nullptr ||
      !in.Struct(*placement, "placement",
                 {"name", "folder", "host", "resource_pool", "ha_network_type", "ha_network",
                  "management_network_type", "management_network", "storage"})) {
    return false;
  }
  const auto name = in.String(*placement, "name", "placement", true);
  if (name && name->empty()) in.Invalid("placement.name: must not be empty.");
  in.String(*placement, "folder", "placement", true);
  for (const char* key : {"host", "resource_pool", "ha_network", "management_network"}) {
    in.String(*placement, key, "placement", false);
  }
  for (const char* network : {"ha_network", "management_network"}) {
    const std::string type_key = std::string(network) + "_type";
    const auto type = in.Enum(*placement, type_key, "placement", kNetworkTypes, false);
    if (in.Ok() && FindMember(*placement, network) != nullptr && !type) {
      in.Invalid(
          fmt::format("placement.{}: must be set when placement.{} is set.", type_key, network));
    }
  }
  if (const json* storage = FindMember(*placement, "storage")) {
    if (in.Struct(*storage, "placement.storage", {"datastore"})) {
      in.String(*storage, "datastore", "placement.storage", false);
    }
  }
  return in.Ok();
}

/// A placement resolved against the inventory and the active node: the new node's
/// PlacementInfo, and the problems a check reports.
struct Resolution {
  json placement;
  json errors = json::array();
  json warnings = json::array();
  std::string first_error;  ///< the text of the first error, for redeploy's INVALID_ARGUMENT
};

std::string NameIn(const json& inventory, std::string_view kind, const std::string& id) {
  const json* items = FindMember(inventory, kind);
  const json* item = items != nullptr ? FindMember(*items, id) : nullptr;
  const std::string name = item != nullptr ? StringMember(*item, "name") : "";
  return name.empty() ? id : name;
}

/// Fills the names of a stored placement from the inventory (scenario nodes may omit them).
json CompletePlacement(json placement, const json& inventory, const std::string& vcenter_name) {
  if (!placement.is_object()) return placement;
  if (FindMember(placement, "management_vcenter_name") == nullptr) {
    placement["management_vcenter_name"] = vcenter_name;
  }
  if (FindMember(placement, "datacenter") == nullptr) placement["datacenter"] = kDefaultDatacenter;
  if (FindMember(placement, "datacenter_name") == nullptr) {
    placement["datacenter_name"] = kDefaultDatacenterName;
  }
  const auto fill = [&](std::string_view id_key, std::string_view name_key, std::string_view kind) {
    const std::string id = StringMember(placement, id_key);
    if (!id.empty() && FindMember(placement, name_key) == nullptr) {
      placement[std::string(name_key)] = NameIn(inventory, kind, id);
    }
  };
  fill("host", "host_name", "hosts");
  fill("cluster", "cluster_name", "clusters");
  fill("ha_network", "ha_network_name", "networks");
  fill("management_network", "management_network_name", "networks");
  for (const char* network : {"ha_network", "management_network"}) {
    const std::string id = StringMember(placement, network);
    const std::string type_key = std::string(network) + "_type";
    if (!id.empty() && FindMember(placement, type_key) == nullptr) {
      const json* networks = FindMember(inventory, "networks");
      const json* item = networks != nullptr ? FindMember(*networks, id) : nullptr;
      const std::string type = item != nullptr ? StringMember(*item, "type") : "";
      placement[type_key] = type.empty() ? "STANDARD_PORTGROUP" : type;
    }
  }
  if (json* storage = placement.contains("storage") ? &placement["storage"] : nullptr;
      storage != nullptr && storage->is_object() &&
      FindMember(*storage, "datastore_name") == nullptr) {
    (*storage)["datastore_name"] =
        NameIn(inventory, "datastores", StringMember(*storage, "datastore"));
  }
  return placement;
}

/// The management vCenter name a node reports: the scenario's management vCenter, or this
/// vCenter (named by its persona) when it manages itself.
std::string ManagementVcenterName(const json& vcha, const std::string& persona_name) {
  const json* managing = FindMember(vcha, "management_vcenter");
  return managing != nullptr ? StringMember(*managing, "hostname") : persona_name;
}

Resolution ResolvePlacement(const json& spec, const json& vcha, const json& inventory,
                            const std::string& persona_name) {
  Resolution out;
  const auto error = [&](std::string_view id, const std::string& text) {
    if (out.first_error.empty()) out.first_error = text;
    out.errors.push_back(VchaMessage(id, text));
  };
  const json* active = ActiveNode(vcha);
  const json* active_runtime = active != nullptr ? FindMember(*active, "runtime") : nullptr;
  const json active_placement = CompletePlacement(
      active_runtime != nullptr && FindMember(*active_runtime, "placement") != nullptr
          ? active_runtime->at("placement")
          : json::object(),
      inventory, ManagementVcenterName(vcha, persona_name));
  const auto exists = [&](std::string_view kind, const std::string& id) {
    const json* items = FindMember(inventory, kind);
    return items != nullptr && FindMember(*items, id) != nullptr;
  };

  json placement = {
      {"management_vcenter_name", StringMember(active_placement, "management_vcenter_name")},
      {"vm_name", StringMember(spec, "name")},
      {"datacenter", StringMember(active_placement, "datacenter")},
      {"datacenter_name", StringMember(active_placement, "datacenter_name")}};
  if (const std::string folder = StringMember(spec, "folder"); !exists("folders", folder)) {
    error("check.folder", fmt::format("placement.folder: the folder {} does not exist.", folder));
  }
  if (const std::string pool = StringMember(spec, "resource_pool");
      !pool.empty() && !exists("resource_pools", pool)) {
    error("check.resource_pool",
          fmt::format("placement.resource_pool: the resource pool {} does not exist.", pool));
  }

  // Unset host, datastore and networks follow the active node (vim.vm.RelocateSpec semantics).
  std::string host = StringMember(spec, "host");
  if (host.empty()) {
    host = StringMember(active_placement, "host");
    if (host.empty()) {
      error("check.host", "placement.host: not set, and the active node's host is unknown.");
    }
  } else if (!exists("hosts", host)) {
    error("check.host", fmt::format("placement.host: the host {} does not exist.", host));
  }
  if (!host.empty()) {
    placement["host"] = host;
    placement["host_name"] = NameIn(inventory, "hosts", host);
    if (host == StringMember(active_placement, "host")) {
      out.warnings.push_back(VchaMessage(
          "check.same_host",
          fmt::format("The passive node would run on {}, the host of the active node: one host "
                      "failure would stop both.",
                      NameIn(inventory, "hosts", host))));
      for (const char* key : {"cluster", "cluster_name"}) {
        if (FindMember(active_placement, key) != nullptr) placement[key] = active_placement.at(key);
      }
    }
  }

  const json* storage = FindMember(spec, "storage");
  std::string datastore = storage != nullptr ? StringMember(*storage, "datastore") : "";
  if (datastore.empty()) {
    const json* active_storage = FindMember(active_placement, "storage");
    datastore = active_storage != nullptr ? StringMember(*active_storage, "datastore") : "";
    if (datastore.empty()) {
      error("check.datastore",
            "placement.storage.datastore: not set, and the active node's datastore is unknown.");
    } else {
      out.warnings.push_back(VchaMessage(
          "check.datastore_unset",
          fmt::format("placement.storage.datastore is not set: the passive node is placed on "
                      "{}, the datastore of the active node.",
                      NameIn(inventory, "datastores", datastore))));
    }
  } else if (!exists("datastores", datastore)) {
    error("check.datastore",
          fmt::format("placement.storage.datastore: the datastore {} does not exist.", datastore));
  }
  if (!datastore.empty()) {
    placement["storage"] = {{"datastore", datastore},
                            {"datastore_name", NameIn(inventory, "datastores", datastore)}};
  }

  for (const std::string network : {"management_network", "ha_network"}) {
    const std::string type_key = network + "_type";
    std::string id = StringMember(spec, network);
    std::string type = StringMember(spec, type_key);
    if (id.empty()) {
      id = StringMember(active_placement, network);
      type = StringMember(active_placement, type_key);
      if (id.empty()) {
        if (network == "management_network") {
          error("check.management_network",
                "placement.management_network: not set, and the active node's management "
                "network is unknown.");
        }
        continue;
      }
    } else {
      const json* networks = FindMember(inventory, "networks");
      const json* item = networks != nullptr ? FindMember(*networks, id) : nullptr;
      if (item == nullptr) {
        error("check." + network,
              fmt::format("placement.{}: the network {} does not exist.", network, id));
        continue;
      }
      const std::string actual = StringMember(*item, "type");
      if (!actual.empty() && actual != type) {
        error("check." + network + "_type",
              fmt::format("placement.{}: the network {} is a {}, not a {}.", type_key, id, actual,
                          type));
        continue;
      }
    }
    placement[network] = id;
    placement[network + "_name"] = NameIn(inventory, "networks", id);
    placement[type_key] = type.empty() ? "STANDARD_PORTGROUP" : type;
  }
  out.placement = std::move(placement);
  return out;
}

/// Why the passive node cannot be cloned now, or nullopt.
std::optional<std::string> RedeployBlocker(const json& vcha, const CisTaskStore& tasks) {
  const std::string config_state = StringMember(vcha, "config_state");
  if (config_state != "CONFIGURED") {
    return fmt::format("The VCHA cluster is not configured (config_state {}).", config_state);
  }
  const std::string health = StringMember(vcha, "health_state");
  if (health != "DEGRADED") {
    return fmt::format(
        "The VCHA cluster is {}: the passive node is redeployed only in a "
        "DEGRADED cluster.",
        health);
  }
  if (NodeUp(vcha, PassiveKey(vcha))) {
    return "The passive node is UP: it is redeployed only when it is down or missing.";
  }
  if (tasks.Running(kService, kOperation)) return "A redeploy of the passive node is running.";
  return std::nullopt;
}

// ---------------------------------------------------------------------------------------------
// Answers.

std::string Lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

/// Cluster.ErrorCondition entries for a cluster that is not HEALTHY.
json HealthWarnings(const json& vcha) {
  json out = json::array();
  const auto condition = [&](std::string_view id, const std::string& error,
                             const std::string& recommendation) {
    out.push_back({{"error", VchaMessage("health." + std::string(id), error)},
                   {"recommendation",
                    VchaMessage("health." + std::string(id) + ".recommendation", recommendation)}});
  };
  for (const std::string_view key : kNodeKeys) {
    const json* node = FindMember(vcha, key);
    std::string role = node != nullptr ? RoleOf(*node) : "";
    if (role.empty()) role = key == "witness" ? "WITNESS" : "PASSIVE";
    const std::string label = Lower(role);
    if (node == nullptr) {
      condition(label + ".missing", fmt::format("The {} node is not deployed.", label),
                fmt::format("Redeploy the {} node.", label));
    } else if (!NodeUp(vcha, key)) {
      condition(label + ".down", fmt::format("The {} node is down.", label),
                fmt::format("Bring the {} node up, or redeploy it.", label));
    }
  }
  const std::string health = StringMember(vcha, "health_state");
  if (health == "ISOLATED") {
    condition("isolated", "The nodes of the VCHA cluster are isolated from each other.",
              "Check the VCHA HA network.");
  } else if (out.empty()) {
    condition("replication", "Replication between the active and passive nodes is failing.",
              "Check the VCHA HA network.");
  }
  return out;
}

/// Cluster.Info. Placement needs the management vCenter (docs/vsphere-api.md "VCHA"): it is left
/// out for a partial read, and when the management vCenter's credentials were not given.
json ClusterInfo(const json& vcha, const json& inventory, const std::string& persona_name,
                 bool with_placement) {
  json info = {{"config_state", StringMember(vcha, "config_state")}};
  for (const std::string_view key : kNodeKeys) {
    const json* node = FindMember(vcha, key);
    if (node == nullptr) continue;
    json out = *node;
    if (out.contains("runtime") && out["runtime"].is_object()) {
      json& runtime = out["runtime"];
      if (with_placement && FindMember(runtime, "placement") != nullptr) {
        runtime["placement"] = CompletePlacement(runtime["placement"], inventory,
                                                 ManagementVcenterName(vcha, persona_name));
      } else {
        runtime.erase("placement");
      }
    }
    info[std::string(key)] = std::move(out);
  }
  if (StringMember(vcha, "config_state") != "CONFIGURED") return info;
  const std::string health = StringMember(vcha, "health_state");
  const std::string mode = StringMember(vcha, "mode");
  info["mode"] = mode;
  info["health_state"] = health;
  if (health != "HEALTHY") info["health_warnings"] = HealthWarnings(vcha);
  // Failover needs a healthy cluster; automatic failover also needs mode ENABLED, manual
  // failover any mode that replicates (ENABLED, MAINTENANCE). docs/vsphere-api.md "VCHA".
  info["manual_failover_allowed"] = health == "HEALTHY" && mode != "DISABLED";
  info["auto_failover_allowed"] = health == "HEALTHY" && mode == "ENABLED";
  return info;
}

/// The request must carry vmw-task=true: the passive redeploy exists only as a task.
bool IsTaskCall(const Request& request) { return request.Query("vmw-task") == "true"; }

}  // namespace

nlohmann::json DecodeVchaState(ReadContext& context, const YAML::Node& node) {
  const MapReader map(context, node, "state.vcha",
                      {"config_state", "mode", "health_state", "management_vcenter", "node1",
                       "node2", "witness", "passive_ha_ip", "check", "redeploy"});
  json out = {{"config_state", "NOTCONFIGURED"}};
  // Rules that depend on config_state are skipped when it is unreadable (already reported).
  std::optional<std::string> config_state = "NOTCONFIGURED";
  if (const auto value = map.Get("config_state")) {
    config_state = manifests::ReadOneOf(context, *value, map.Path("config_state"), kConfigStates);
    if (config_state) out["config_state"] = *config_state;
  }
  const bool configured = config_state == "CONFIGURED";
  if (const auto value = map.Get("management_vcenter")) {
    out["management_vcenter"] =
        DecodeManagementVcenter(context, *value, map.Path("management_vcenter"));
  }
  const std::array<std::string_view, 3> default_roles{"ACTIVE", "PASSIVE", "WITNESS"};
  for (std::size_t i = 0; i < kNodeKeys.size(); ++i) {
    const std::string key(kNodeKeys[i]);
    const auto value = i == 0 && configured ? map.Require(key) : map.Get(key);
    if (!value) continue;
    if (config_state == "NOTCONFIGURED") {
      context.Error(*value, map.Path(key), "must not be set when config_state is NOTCONFIGURED");
      continue;
    }
    out[key] = DecodeNode(context, *value, map.Path(key), default_roles[i]);
  }
  if (const auto value = map.Get("passive_ha_ip")) {
    out["passive_ha_ip"] = DecodeIpInfo(context, *value, map.Path("passive_ha_ip"));
  }
  const json* node1 = FindMember(out, "node1");
  const json* node2 = FindMember(out, "node2");
  if (node1 != nullptr && node2 != nullptr && RoleOf(*node1) == RoleOf(*node2)) {
    context.Error(*map.Get("node2"), map.Path("node2.role"),
                  "node1 and node2 must have different roles (one ACTIVE, one PASSIVE)");
  } else if (configured && ActiveNode(out) == nullptr && map.Has("node1")) {
    context.Error(*map.Get("node1"), map.Path("node1.role"),
                  "one of node1 and node2 must be the ACTIVE node");
  } else if (const json* active = ActiveNode(out);
             configured && active != nullptr &&
             StringMember(active->at("runtime"), "state") != "UP") {
    context.Error(*map.Get(active == node1 ? "node1" : "node2"),
                  map.Path(active == node1 ? "node1.state" : "node2.state"),
                  "the ACTIVE node serves this API, so it must be UP");
  }
  for (const char* key : {"mode", "health_state"}) {
    const auto value = map.Get(key);
    if (value && config_state && !configured) {
      context.Error(*value, map.Path(key), "is set only when config_state is CONFIGURED");
    }
  }
  if (configured) {
    out["mode"] = "ENABLED";
    if (const auto value = map.Get("mode")) {
      out["mode"] =
          manifests::ReadOneOf(context, *value, map.Path("mode"), kModes).value_or("ENABLED");
    }
    const bool all_up = AllNodesUp(out);
    out["health_state"] = all_up ? "HEALTHY" : "DEGRADED";
    if (const auto value = map.Get("health_state")) {
      const auto health =
          manifests::ReadOneOf(context, *value, map.Path("health_state"), kHealthStates);
      if (health == "HEALTHY" && !all_up) {
        context.Error(*value, map.Path("health_state"),
                      "HEALTHY needs node1, node2 and the witness, all UP");
      }
      if (health) out["health_state"] = *health;
    }
  }
  json check = {{"warnings", json::array()}, {"errors", json::array()}};
  if (const auto value = map.Get("check")) {
    const MapReader check_map(context, *value, map.Path("check"), {"warnings", "errors"});
    check["warnings"] = DecodeMessages(context, check_map, "warnings");
    check["errors"] = DecodeMessages(context, check_map, "errors");
  }
  out["check"] = std::move(check);
  out["redeploy"] = DecodeTaskScript(context, map.Get("redeploy"), map.Path("redeploy"), "5m",
                                     "The passive node could not be deployed.");
  return out;
}

void AddVchaRoutes(VcenterPersona& persona) {
  Router& router = persona.MutableRoutes();

  // POST /api/vcenter/vcha/cluster?action=get, body {vc_spec?, partial?} (optional) ->
  // 200 Cluster.Info. With partial=true, or without vc_spec when a management vCenter manages
  // the active node, the node placements are left out: they are the fields that need the
  // management vCenter (NodeRuntimeInfo.placement); config_state, IPs, node states and roles,
  // mode and health are the active node's own knowledge and stay (docs/vsphere-api.md "VCHA" does
  // not list them as needing credentials; the exact partial field set is UNCONFIRMED).
  router.Add("POST", "/api/vcenter/vcha/cluster", "get", "vcha.cluster.get",
             [&persona](const Request& request, const PathParams&) {
               Response error;
               const auto body = ParseJsonBody(request, error, json::object());
               if (!body) return error;
               BodyReader in;
               if (!in.Struct(*body, "", {"vc_spec", "partial"})) return in.Problem();
               const auto location = ReadVcSpec(in, *body);
               const bool partial = in.Bool(*body, "partial", "").value_or(false);
               if (!in.Ok()) return in.Problem();
               const json& vcha = persona.State().at("vcha");
               if (location) {
                 if (auto failed = Connect(vcha, *location)) return *failed;
               }
               const bool with_placement =
                   !partial && (location || FindMember(vcha, "management_vcenter") == nullptr);
               return Response::Json(200, ClusterInfo(vcha, persona.State().at("inventory"),
                                                      persona.Name(), with_placement));
             });

  // GET /api/vcenter/vcha/cluster/mode -> 200 Mode.Info; NOT_ALLOWED_IN_CURRENT_STATE unless
  // VCHA is CONFIGURED (a PREPARED or INVALID cluster has no mode either).
  router.Add("GET", "/api/vcenter/vcha/cluster/mode", "", "vcha.cluster.mode.get",
             [&persona](const Request&, const PathParams&) {
               const json& vcha = persona.State().at("vcha");
               const std::string config_state = StringMember(vcha, "config_state");
               if (config_state != "CONFIGURED") {
                 return VapiError(
                     "NOT_ALLOWED_IN_CURRENT_STATE",
                     fmt::format("VCHA is not configured (config_state {}).", config_state));
               }
               return Response::Json(200, {{"mode", StringMember(vcha, "mode")}});
             });

  // POST /api/vcenter/vcha/cluster/passive?action=check, body Passive.CheckSpec ->
  // 200 CheckResult. Form problems and bad management-vCenter credentials are 400s; placement
  // ids missing from the inventory, or naming a network of the other type, are CheckResult
  // errors, as are the scenario's scripted ones. NOT_ALLOWED_IN_CURRENT_STATE when a redeploy
  // would be refused; NOT_FOUND without vc_spec when another vCenter manages the active node
  // ("active VM not managed by the given vCenter").
  router.Add(
      "POST", "/api/vcenter/vcha/cluster/passive", "check", "vcha.passive.check",
      [&persona](const Request& request, const PathParams&) {
        Response error;
        const auto body = ParseJsonBody(request, error);
        if (!body) return error;
        BodyReader in;
        if (!in.Struct(*body, "", {"vc_spec", "placement"})) return in.Problem();
        const auto location = ReadVcSpec(in, *body);
        if (!in.Ok() || !ReadPlacementForm(in, *body)) return in.Problem();
        const json& vcha = persona.State().at("vcha");
        if (const auto blocker = RedeployBlocker(vcha, persona.Tasks())) {
          return VapiError("NOT_ALLOWED_IN_CURRENT_STATE", *blocker);
        }
        if (location) {
          if (auto failed = Connect(vcha, *location)) return *failed;
        } else if (FindMember(vcha, "management_vcenter") != nullptr) {
          return VapiError("NOT_FOUND",
                           "The active node's virtual machine is not managed by this vCenter "
                           "Server: give the credentials of its management vCenter Server in "
                           "vc_spec.");
        }
        Resolution resolution = ResolvePlacement(body->at("placement"), vcha,
                                                 persona.State().at("inventory"), persona.Name());
        const json& check = vcha.at("check");
        for (const auto& text : check.at("warnings")) {
          resolution.warnings.push_back(VchaMessage("check.scripted", text.get<std::string>()));
        }
        for (const auto& text : check.at("errors")) {
          resolution.errors.push_back(VchaMessage("check.scripted", text.get<std::string>()));
        }
        return Response::Json(200,
                              {{"warnings", resolution.warnings}, {"errors", resolution.errors}});
      });

  // POST /api/vcenter/vcha/cluster/passive?action=redeploy&vmw-task=true, body
  // Passive.RedeploySpec -> 202 task id. Checked in the order vAPI would meet the problems: the
  // body's form (INVALID_ARGUMENT naming the field, UNEXPECTED_INPUT for unknown fields), the
  // cluster's state (NOT_ALLOWED_IN_CURRENT_STATE, not in the documented error set: the
  // simulator's choice for "not CONFIGURED + DEGRADED with the passive node down or missing",
  // and for a second redeploy while one runs), the management vCenter connection
  // (UNVERIFIED_PEER with CertificateInfo, INVALID_ARGUMENT), then the placement against the
  // inventory (INVALID_ARGUMENT, the check's first error). The task then runs for the scenario's
  // redeploy.pending + redeploy.duration, and only when it ends does the passive node appear.
  router.Add(
      "POST", "/api/vcenter/vcha/cluster/passive", "redeploy", "vcha.passive.redeploy$task",
      [&persona](const Request& request, const PathParams&) {
        if (!IsTaskCall(request)) {
          return VapiError("NOT_FOUND",
                           "No operation POST /api/vcenter/vcha/cluster/passive?action=redeploy "
                           "without vmw-task=true: the redeploy exists only as a task.");
        }
        Response error;
        const auto body = ParseJsonBody(request, error);
        if (!body) return error;
        BodyReader in;
        if (!in.Struct(*body, "", {"vc_spec", "placement", "ha_ip", "failover_ip"})) {
          return in.Problem();
        }
        const auto location = ReadVcSpec(in, *body);
        if (!in.Ok() || !ReadPlacementForm(in, *body)) return in.Problem();
        std::optional<json> ha_ip;
        std::optional<json> failover_ip;
        if (const json* spec = FindMember(*body, "ha_ip")) ha_ip = ReadIpSpec(in, *spec, "ha_ip");
        if (const json* spec = FindMember(*body, "failover_ip"); spec != nullptr && in.Ok()) {
          failover_ip = ReadIpSpec(in, *spec, "failover_ip");
        }
        if (!in.Ok()) return in.Problem();

        const json& vcha = persona.State().at("vcha");
        if (const auto blocker = RedeployBlocker(vcha, persona.Tasks())) {
          return VapiError("NOT_ALLOWED_IN_CURRENT_STATE", *blocker);
        }
        if (location) {
          if (auto failed = Connect(vcha, *location)) return *failed;
        } else if (FindMember(vcha, "management_vcenter") != nullptr) {
          return VapiError("INVALID_ARGUMENT",
                           "vc_spec: required: the active node is managed by another vCenter "
                           "Server, whose credentials the clone needs.");
        }
        const std::string passive_key = PassiveKey(vcha);
        if (!ha_ip) {
          // "If unset, then the stored network configuration for the VCHA HA network for the
          // passive node will be used": the node's own, or the scenario's passive_ha_ip.
          const json* passive = FindMember(vcha, passive_key);
          const json* stored = passive != nullptr ? FindMember(*passive, "ha_ip")
                                                  : FindMember(vcha, "passive_ha_ip");
          if (stored == nullptr) {
            return VapiError("INVALID_ARGUMENT",
                             "ha_ip: required: no HA network configuration is stored for the "
                             "passive node.");
          }
          ha_ip = *stored;
        }
        const json& spec_placement = body->at("placement");
        Resolution resolution =
            ResolvePlacement(spec_placement, vcha, persona.State().at("inventory"), persona.Name());
        if (!resolution.first_error.empty()) {
          return VapiError("INVALID_ARGUMENT", resolution.first_error);
        }

        json node = {{"ha_ip", *ha_ip},
                     {"runtime",
                      {{"state", "UP"}, {"role", "PASSIVE"}, {"placement", resolution.placement}}}};
        if (failover_ip) node["failover_ip"] = *failover_ip;
        const json& script = vcha.at("redeploy");
        const auto pending = manifests::ParseDuration(script.at("pending").get<std::string>());
        const auto duration = manifests::ParseDuration(script.at("duration").get<std::string>());
        if (!pending || !duration) {
          return VapiError("ERROR", "vsrd-sim: state.vcha.redeploy has a malformed duration.");
        }
        CisTaskSpec task;
        task.service = std::string(kService);
        task.operation = std::string(kOperation);
        task.description =
            fmt::format("Redeploy the passive node {}", StringMember(spec_placement, "name"));
        task.user = persona.User();
        task.pending_for = *pending;
        task.run_for = *duration;
        task.fail = script.at("fail").get<bool>();
        task.error = ErrorBody(script.at("error_type").get<std::string>(),
                               script.at("error").get<std::string>());
        // The hook runs inside Tick (also from Simulator::Advance, outside Handle's catch): it
        // must not throw, whatever shape a patch gave the state.
        task.on_success = [&persona, passive_key, node = std::move(node)]() {
          json& state = persona.State();
          if (!state.is_object() || !state.contains("vcha") || !state["vcha"].is_object()) return;
          json& cluster = state["vcha"];
          cluster[passive_key] = node;
          cluster["health_state"] = AllNodesUp(cluster) ? "HEALTHY" : "DEGRADED";
        };
        return Response::Json(202, persona.Tasks().Start(std::move(task), persona.Now()));
      });
}

}  // namespace vsrd::simulator
