#include "manifests/kinds/vcha_passive_node.hpp"

#include "manifests/net_address.hpp"

namespace vsrd::manifests {
namespace {

std::optional<std::string> ReadIpAddress(ReadContext& context, const YAML::Node& node,
                                         std::string_view field, IpFamily family) {
  auto text = ReadString(context, node, field);
  if (!text) return std::nullopt;
  const bool ok = family == IpFamily::kIpv4 ? IsIpv4Address(*text) : IsIpv6Address(*text);
  if (!ok) {
    context.Error(node, field,
                  std::string("invalid ") + (family == IpFamily::kIpv4 ? "IPv4" : "IPv6") +
                      " address \"" + *text + "\"");
    return std::nullopt;
  }
  return text;
}

std::optional<Ipv4Spec> DecodeIpv4(ReadContext& context, const YAML::Node& node,
                                   const std::string& path) {
  const MapReader map(context, node, path, {"address", "subnet_mask", "prefix"});
  if (!map.IsValid()) return std::nullopt;
  const std::size_t errors = context.ErrorCount();
  Ipv4Spec spec;
  if (const auto value = map.Require("address")) {
    spec.address =
        ReadIpAddress(context, *value, map.Path("address"), IpFamily::kIpv4).value_or("");
  }
  if (const auto value = map.Get("subnet_mask")) {
    if (auto text = ReadString(context, *value, map.Path("subnet_mask"))) {
      if (IsIpv4SubnetMask(*text)) {
        spec.subnet_mask = std::move(*text);
      } else {
        context.Error(*value, map.Path("subnet_mask"),
                      "invalid subnet mask \"" + *text +
                          "\" (expected contiguous ones, e.g. "
                          "255.255.255.0)");
      }
    }
  }
  if (const auto value = map.Get("prefix")) {
    spec.prefix = ReadInt(context, *value, map.Path("prefix"), 0, 32);
  }
  if (!map.Has("subnet_mask") && !map.Has("prefix")) {
    context.Error(node, path, "set prefix or subnet_mask");
  }
  if (context.ErrorCount() != errors) return std::nullopt;
  return spec;
}

std::optional<Ipv6Spec> DecodeIpv6(ReadContext& context, const YAML::Node& node,
                                   const std::string& path) {
  const MapReader map(context, node, path, {"address", "prefix"});
  if (!map.IsValid()) return std::nullopt;
  const std::size_t errors = context.ErrorCount();
  Ipv6Spec spec;
  if (const auto value = map.Require("address")) {
    spec.address =
        ReadIpAddress(context, *value, map.Path("address"), IpFamily::kIpv6).value_or("");
  }
  if (const auto value = map.Require("prefix")) {
    spec.prefix = ReadInt(context, *value, map.Path("prefix"), 0, 128).value_or(0);
  }
  if (context.ErrorCount() != errors) return std::nullopt;
  return spec;
}

std::optional<IpSpec> DecodeIpSpec(ReadContext& context, const YAML::Node& node,
                                   const std::string& path) {
  const MapReader map(context, node, path,
                      {"ip_family", "ipv4", "ipv6", "default_gateway", "dns_servers"});
  if (!map.IsValid()) return std::nullopt;
  const std::size_t errors = context.ErrorCount();
  IpSpec spec;
  std::optional<IpFamily> family;
  if (const auto value = map.Require("ip_family")) {
    family = ReadEnum<IpFamily>(context, *value, map.Path("ip_family"), kIpFamilyNames);
  }
  if (const auto value = map.Get("ipv4")) spec.ipv4 = DecodeIpv4(context, *value, map.Path("ipv4"));
  if (const auto value = map.Get("ipv6")) spec.ipv6 = DecodeIpv6(context, *value, map.Path("ipv6"));
  if (family) {
    spec.ip_family = *family;
    const bool v4 = *family == IpFamily::kIpv4;
    const char* wanted = v4 ? "ipv4" : "ipv6";
    const char* other = v4 ? "ipv6" : "ipv4";
    if (!map.Has(wanted)) {
      context.Error(
          node, map.Path(wanted),
          std::string("required field is missing (ip_family is ") + (v4 ? "IPV4" : "IPV6") + ")");
    }
    if (const auto extra = map.Get(other)) {
      context.Error(*extra, map.Path(other),
                    std::string("must not be set when ip_family is ") + (v4 ? "IPV4" : "IPV6"));
    }
    if (const auto value = map.Get("default_gateway")) {
      spec.default_gateway = ReadIpAddress(context, *value, map.Path("default_gateway"), *family);
    }
  }
  if (const auto value = map.Get("dns_servers")) {
    const std::string field = map.Path("dns_servers");
    if (const auto sequence = ReadSequence(context, *value, field)) {
      for (std::size_t i = 0; i < sequence->size(); ++i) {
        const YAML::Node item = (*sequence)[i];
        const std::string item_field = IndexPath(field, i);
        auto text = ReadString(context, item, item_field);
        if (!text) continue;
        if (!IsIpv4Address(*text) && !IsIpv6Address(*text)) {
          context.Error(item, item_field, "invalid IP address \"" + *text + "\"");
          continue;
        }
        spec.dns_servers.push_back(std::move(*text));
      }
    }
  }
  if (context.ErrorCount() != errors) return std::nullopt;
  return spec;
}

std::optional<PlacementSpec> DecodePlacement(ReadContext& context, const YAML::Node& node,
                                             const std::string& path) {
  const MapReader map(context, node, path,
                      {"name", "folder", "host", "resource_pool", "ha_network_type", "ha_network",
                       "management_network_type", "management_network", "storage"});
  if (!map.IsValid()) return std::nullopt;
  const std::size_t errors = context.ErrorCount();
  PlacementSpec spec;
  if (const auto value = map.Require("name")) {
    spec.name = ReadString(context, *value, map.Path("name")).value_or("");
  }
  if (const auto value = map.Require("folder")) {
    spec.folder = ReadObjectId(context, *value, map.Path("folder")).value_or("");
  }
  for (const auto& [key, target] :
       {std::pair{"host", &spec.host}, std::pair{"resource_pool", &spec.resource_pool},
        std::pair{"ha_network", &spec.ha_network},
        std::pair{"management_network", &spec.management_network}}) {
    if (const auto value = map.Get(key)) *target = ReadObjectId(context, *value, map.Path(key));
  }
  for (const auto& [key, target] :
       {std::pair{"ha_network_type", &spec.ha_network_type},
        std::pair{"management_network_type", &spec.management_network_type}}) {
    if (const auto value = map.Get(key)) {
      *target = ReadEnum<NetworkType>(context, *value, map.Path(key), kNetworkTypeNames);
    }
  }
  // PlacementSpec: "<x>_network_type must be set if <x>_network is set".
  for (const auto& [network, type] : {std::pair{"ha_network", "ha_network_type"},
                                      std::pair{"management_network", "management_network_type"}}) {
    if (map.Has(network) && !map.Has(type)) {
      context.Error(*map.Get(network), map.Path(type),
                    std::string("required when ") + network + " is set");
    }
  }
  if (const auto value = map.Get("storage")) {
    const MapReader storage(context, *value, map.Path("storage"), {"datastore"});
    if (const auto datastore = storage.Get("datastore")) {
      spec.storage_datastore = ReadObjectId(context, *datastore, storage.Path("datastore"));
    }
  }
  if (context.ErrorCount() != errors) return std::nullopt;
  return spec;
}

}  // namespace

std::optional<VchaPassiveNodeSpec> DecodeVchaPassiveNodeSpec(const MapReader& spec) {
  ReadContext& context = spec.Context();
  const std::size_t errors = context.ErrorCount();
  VchaPassiveNodeSpec out;
  if (const auto value = spec.Require("placement")) {
    if (auto placement = DecodePlacement(context, *value, spec.Path("placement"))) {
      out.placement = std::move(*placement);
    }
  }
  if (const auto value = spec.Get("ha_ip")) {
    out.ha_ip = DecodeIpSpec(context, *value, spec.Path("ha_ip"));
  }
  if (const auto value = spec.Get("failover_ip")) {
    out.failover_ip = DecodeIpSpec(context, *value, spec.Path("failover_ip"));
  }
  if (const auto value = spec.Get("management_vcenter")) {
    if (auto name = ReadDnsLabel(context, *value, spec.Path("management_vcenter"))) {
      out.management_vcenter = NameRef{std::move(*name), context.Locate(*value)};
    }
  }
  if (context.ErrorCount() != errors) return std::nullopt;
  return out;
}

}  // namespace vsrd::manifests
