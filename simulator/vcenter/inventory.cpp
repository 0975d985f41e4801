// The inventory the other areas refer to: hosts, folders, datastores, networks, resource pools
// and VMs, each keyed by its managed-object id. State shape (also the scenario's):
//   {hosts: {host-12: {name}}, folders: {group-v4: {name}}, datastores: {datastore-15: {name}},
//    networks: {network-13: {name, type: STANDARD_PORTGROUP|DISTRIBUTED_PORTGROUP}},
//    resource_pools: {resgroup-8: {name}},
//    vms: {vm-42: {name, guest_OS, power_state, cpu_count, memory_size_MiB, customizable_guest}}}
#include "manifests/common.hpp"
#include "simulator/vcenter/areas.hpp"

namespace vsrd::simulator {
namespace {

using manifests::MapReader;
using manifests::ReadContext;

constexpr std::array<std::string_view, 3> kPowerStates{"POWERED_OFF", "POWERED_ON", "SUSPENDED"};
constexpr std::array<std::string_view, 2> kNetworkTypes{"STANDARD_PORTGROUP",
                                                        "DISTRIBUTED_PORTGROUP"};

// Reads {id: {fields...}} with `decode_item` filling each item's JSON.
template <typename DecodeItem>
nlohmann::json DecodeObjects(ReadContext& context, const YAML::Node& node, const std::string& path,
                             DecodeItem decode_item) {
  nlohmann::json out = nlohmann::json::object();
  if (!node.IsMap()) {
    context.Error(node, path,
                  "must be a mapping of object ids, got " + manifests::DescribeNode(node));
    return out;
  }
  for (const auto& entry : node) {
    const std::string id = entry.first.IsScalar() ? entry.first.Scalar() : "";
    if (!manifests::ReadObjectId(context, entry.first, path)) continue;
    out[id] = decode_item(entry.second, manifests::JoinPath(path, id));
  }
  return out;
}

nlohmann::json DecodeNamed(ReadContext& context, const YAML::Node& node, const std::string& path) {
  const MapReader map(context, node, path, {"name"});
  nlohmann::json item = nlohmann::json::object();
  if (const auto name = map.Require("name")) {
    item["name"] = manifests::ReadString(context, *name, map.Path("name")).value_or("");
  }
  return item;
}

}  // namespace

nlohmann::json DecodeInventoryState(ReadContext& context, const YAML::Node& node) {
  const MapReader map(context, node, "state.inventory",
                      {"hosts", "folders", "datastores", "networks", "resource_pools", "vms"});
  nlohmann::json out = {
      {"hosts", nlohmann::json::object()},          {"folders", nlohmann::json::object()},
      {"datastores", nlohmann::json::object()},     {"networks", nlohmann::json::object()},
      {"resource_pools", nlohmann::json::object()}, {"vms", nlohmann::json::object()}};
  const auto named = [&](const YAML::Node& item, const std::string& path) {
    return DecodeNamed(context, item, path);
  };
  for (const char* key : {"hosts", "folders", "datastores", "resource_pools"}) {
    if (const auto value = map.Get(key))
      out[key] = DecodeObjects(context, *value, map.Path(key), named);
  }
  if (const auto value = map.Get("networks")) {
    out["networks"] = DecodeObjects(
        context, *value, map.Path("networks"),
        [&](const YAML::Node& item, const std::string& path) {
          const MapReader network(context, item, path, {"name", "type"});
          nlohmann::json json = {{"type", "STANDARD_PORTGROUP"}};
          if (const auto name = network.Require("name")) {
            json["name"] = manifests::ReadString(context, *name, network.Path("name")).value_or("");
          }
          if (const auto type = network.Get("type")) {
            json["type"] = manifests::ReadOneOf(context, *type, network.Path("type"), kNetworkTypes)
                               .value_or("");
          }
          return json;
        });
  }
  if (const auto value = map.Get("vms")) {
    out["vms"] = DecodeObjects(
        context, *value, map.Path("vms"), [&](const YAML::Node& item, const std::string& path) {
          const MapReader vm(context, item, path,
                             {"name", "guest_OS", "power_state", "cpu_count", "memory_size_MiB",
                              "customizable_guest"});
          nlohmann::json json = {{"guest_OS", "OTHER_LINUX_64"},
                                 {"power_state", "POWERED_OFF"},
                                 {"cpu_count", 2},
                                 {"memory_size_MiB", 4096},
                                 {"customizable_guest", true}};
          if (const auto name = vm.Require("name")) {
            json["name"] = manifests::ReadString(context, *name, vm.Path("name")).value_or("");
          }
          if (const auto os = vm.Get("guest_OS")) {
            json["guest_OS"] =
                manifests::ReadString(context, *os, vm.Path("guest_OS")).value_or("");
          }
          if (const auto power = vm.Get("power_state")) {
            json["power_state"] =
                manifests::ReadOneOf(context, *power, vm.Path("power_state"), kPowerStates)
                    .value_or("");
          }
          for (const char* key : {"cpu_count", "memory_size_MiB"}) {
            if (const auto number = vm.Get(key)) {
              json[key] =
                  manifests::ReadInt(context, *number, vm.Path(key), 1, 1 << 24).value_or(1);
            }
          }
          if (const auto customizable = vm.Get("customizable_guest")) {
            json["customizable_guest"] =
                manifests::ReadBool(context, *customizable, vm.Path("customizable_guest"))
                    .value_or(true);
          }
          return json;
        });
  }
  return out;
}

}  // namespace vsrd::simulator
