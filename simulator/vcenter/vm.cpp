// Virtual machines (docs/vsphere-api.md "VMs and guest customization"): GET /api/vcenter/vm, GET
// /api/vcenter/vm/{vm} and POST /api/vcenter/vm/{vm}/guest/customization?action=check, over
// state.inventory.vms (inventory.cpp: {name, guest_OS, power_state, cpu_count, memory_size_MiB,
// customizable_guest}). The scenario describes only those fields; the rest of VM.Info is a
// plausible fixed hardware layout (one SCSI disk, one VMXNET3 NIC, one SATA CD-ROM) derived from
// them, so that every field the 7.0.3 Swagger requires is present. VM placement (folders, hosts,
// ...) is not modelled.
#include <algorithm>
#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "simulator/vapi_error.hpp"
#include "simulator/vcenter/areas.hpp"
#include "simulator/vcenter/vcenter_persona.hpp"

namespace vsrd::simulator {
namespace {

using nlohmann::json;

constexpr std::array<std::string_view, 3> kPowerStates{"POWERED_OFF", "POWERED_ON", "SUSPENDED"};
// VM.FilterSpec fields that select by placement, which the inventory does not give VMs.
constexpr std::array<std::string_view, 5> kPlacementFilters{"folders", "datacenters", "hosts",
                                                            "clusters", "resource_pools"};
// "Returns information about at most 4000 visible ... virtual machines" (A703).
constexpr std::size_t kMaxListed = 4000;
constexpr std::int64_t kDiskCapacityBytes = 16LL << 30;

/// FNV-1a: stable across platforms, unlike std::hash, so derived UUIDs and MACs never change.
std::uint64_t Fnv1a(std::string_view text) {
  std::uint64_t hash = 14695981039346656037ULL;
  for (const char c : text) {
    hash ^= static_cast<unsigned char>(c);
    hash *= 1099511628211ULL;
  }
  return hash;
}

std::string Uuid(std::string_view prefix, std::string_view vm) {
  const std::uint64_t a = Fnv1a(fmt::format("{}/{}", prefix, vm));
  const std::uint64_t b = Fnv1a(fmt::format("{}/{}", vm, prefix));
  return fmt::format("{:08x}-{:04x}-{:04x}-{:04x}-{:012x}", a >> 32U, (a >> 16U) & 0xffffU,
                     a & 0xffffU, b >> 48U, b & 0xffffffffffffULL);
}

std::vector<std::string> QueryValues(const Request& request, std::string_view key) {
  std::vector<std::string> out;
  const auto [begin, end] = request.query.equal_range(std::string(key));
  for (auto it = begin; it != end; ++it) out.push_back(it->second);
  return out;
}

bool Contains(const std::vector<std::string>& values, const std::string& value) {
  return std::find(values.begin(), values.end(), value) != values.end();
}

/// The first entry of an inventory map ({id: {name, ...}}), or nullptr when it is empty.
const json* First(const json& objects, std::string& id) {
  if (!objects.is_object() || objects.empty()) return nullptr;
  id = objects.begin().key();
  return &objects.begin().value();
}

json Summary(const std::string& id, const json& vm) {
  return {{"vm", id},
          {"name", vm.at("name")},
          {"power_state", vm.at("power_state")},
          {"cpu_count", vm.at("cpu_count")},
          {"memory_size_MiB", vm.at("memory_size_MiB")}};
}

json NicBacking(const json& inventory) {
  std::string network_id;
  const json* network = First(inventory.at("networks"), network_id);
  if (network == nullptr) return {{"type", "STANDARD_PORTGROUP"}, {"network_name", "VM Network"}};
  return {{"type", network->at("type")},
          {"network", network_id},
          {"network_name", network->at("name")}};
}

/// VM.Info with every field the 7.0.3 Swagger (VcenterVMInfo) requires.
json Info(const std::string& id, const json& vm, const json& inventory) {
  const std::string name = vm.at("name");
  const std::string guest_os = vm.at("guest_OS");
  const bool powered_on = vm.at("power_state") == "POWERED_ON";
  std::string datastore_id;
  const json* datastore = First(inventory.at("datastores"), datastore_id);
  const std::string datastore_name =
      datastore == nullptr ? "datastore1" : datastore->at("name").get<std::string>();
  const std::uint64_t mac = Fnv1a(id);
  const std::string connection = powered_on ? "CONNECTED" : "NOT_CONNECTED";
  return {
      {"guest_OS", guest_os},
      {"name", name},
      {"identity",
       {{"name", name}, {"bios_uuid", Uuid("bios", id)}, {"instance_uuid", Uuid("instance", id)}}},
      {"power_state", vm.at("power_state")},
      {"instant_clone_frozen", false},
      {"hardware",
       {{"version", "VMX_19"}, {"upgrade_policy", "NEVER"}, {"upgrade_status", "NONE"}}},
      {"boot",
       {{"type", guest_os.starts_with("WINDOWS") ? "EFI" : "BIOS"},
        {"delay", 0},
        {"retry", false},
        {"retry_delay", 10000},
        {"enter_setup_mode", false}}},
      {"boot_devices", json::array()},
      {"cpu",
       {{"count", vm.at("cpu_count")},
        {"cores_per_socket", 1},
        {"hot_add_enabled", false},
        {"hot_remove_enabled", false}}},
      {"memory", {{"size_MiB", vm.at("memory_size_MiB")}, {"hot_add_enabled", false}}},
      {"disks",
       {{"2000",
         {{"label", "Hard disk 1"},
          {"type", "SCSI"},
          {"scsi", {{"bus", 0}, {"unit", 0}}},
          {"backing",
           {{"type", "VMDK_FILE"},
            {"vmdk_file", fmt::format("[{}] {}/{}.vmdk", datastore_name, name, name)}}},
          {"capacity", kDiskCapacityBytes}}}}},
      {"nics",
       {{"4000",
         {{"label", "Network adapter 1"},
          {"type", "VMXNET3"},
          {"upt_compatibility_enabled", false},
          {"mac_type", "ASSIGNED"},
          {"mac_address", fmt::format("00:50:56:{:02x}:{:02x}:{:02x}", (mac >> 16U) & 0x3fU,
                                      (mac >> 8U) & 0xffU, mac & 0xffU)},
          {"pci_slot_number", 192},
          {"wake_on_lan_enabled", false},
          {"backing", NicBacking(inventory)},
          {"state", connection},
          {"start_connected", true},
          {"allow_guest_control", true}}}}},
      {"cdroms",
       {{"3000",
         {{"type", "SATA"},
          {"label", "CD/DVD drive 1"},
          {"sata", {{"bus", 0}, {"unit", 0}}},
          {"backing", {{"type", "CLIENT_DEVICE"}, {"device_access_type", "PASSTHRU"}}},
          {"state", "NOT_CONNECTED"},
          {"start_connected", false},
          {"allow_guest_control", true}}}}},
      {"floppies", json::object()},
      {"parallel_ports", json::object()},
      {"serial_ports", json::object()},
      {"sata_adapters",
       {{"15000",
         {{"label", "SATA controller 0"}, {"type", "AHCI"}, {"bus", 0}, {"pci_slot_number", 32}}}}},
      {"scsi_adapters",
       {{"1000",
         {{"label", "SCSI controller 0"},
          {"type", "PVSCSI"},
          {"scsi", {{"bus", 0}, {"unit", 7}}},
          {"pci_slot_number", 160},
          {"sharing", "NONE"}}}}},
  };
}

Response VmNotFound(const std::string& id) {
  return VapiError("NOT_FOUND", fmt::format("The virtual machine {} was not found.", id));
}

/// GET /api/vcenter/vm with the VM.FilterSpec as repeated query keys.
Response ListVms(const Request& request, const json& vms) {
  for (const auto& filter : kPlacementFilters) {
    if (request.query.count(std::string(filter)) != 0) {
      // A fake that silently ignored the filter would return wrong results; say so instead.
      return VapiError("INVALID_ARGUMENT",
                       fmt::format("vsrd-sim does not model VM placement: the {} filter is not "
                                   "supported.",
                                   filter));
    }
  }
  const auto ids = QueryValues(request, "vms");
  const auto names = QueryValues(request, "names");
  const auto power_states = QueryValues(request, "power_states");
  for (const auto& state : power_states) {
    if (std::find(kPowerStates.begin(), kPowerStates.end(), state) == kPowerStates.end()) {
      return VapiError("INVALID_ARGUMENT",
                       fmt::format("power_states: \"{}\" is not a VM power state (POWERED_OFF, "
                                   "POWERED_ON, SUSPENDED).",
                                   state));
    }
  }
  json out = json::array();
  for (const auto& [id, vm] : vms.items()) {
    if (!ids.empty() && !Contains(ids, id)) continue;
    if (!names.empty() && !Contains(names, vm.at("name").get<std::string>())) continue;
    if (!power_states.empty() && !Contains(power_states, vm.at("power_state").get<std::string>())) {
      continue;
    }
    out.push_back(Summary(id, vm));
  }
  if (out.size() > kMaxListed) {
    return VapiError("UNABLE_TO_ALLOCATE_RESOURCE",
                     fmt::format("{} virtual machines match the filter; at most {} can be listed.",
                                 out.size(), kMaxListed));
  }
  return Response::Json(200, out);
}

/// Vcenter.Vm.Guest.Customization.CheckInfo. The order of the checks and the supported power
/// states are UNCONFIRMED (docs/vsphere-api.md "VMs and guest customization" and "Open points"):
/// the guest OS is checked first, and a NOT_SUPPORTED guest leaves supported_power_state unset
/// ("the check never reached the power-state step"); then only POWERED_OFF is supported, as PUT
/// .../guest/customization requires a powered-off VM (Y91).
json CheckInfo(const json& vm) {
  if (!vm.at("customizable_guest").get<bool>()) {
    return {{"check_status", "NOT_SUPPORTED"}, {"supported_guest_os", false}};
  }
  const bool powered_off = vm.at("power_state") == "POWERED_OFF";
  return {{"check_status", powered_off ? "SUPPORTED" : "NOT_SUPPORTED"},
          {"supported_guest_os", true},
          {"supported_power_state", powered_off}};
}

}  // namespace

void AddVmRoutes(VcenterPersona& persona) {
  persona.MutableRoutes().Add("GET", "/api/vcenter/vm", "", "vm.list",
                              [&persona](const Request& request, const PathParams&) {
                                return ListVms(request, persona.State().at("inventory").at("vms"));
                              });

  persona.MutableRoutes().Add("GET", "/api/vcenter/vm/{vm}", "", "vm.get",
                              [&persona](const Request&, const PathParams& params) {
                                const json& inventory = persona.State().at("inventory");
                                const std::string& id = params.at("vm");
                                const json& vms = inventory.at("vms");
                                if (!vms.contains(id)) return VmNotFound(id);
                                return Response::Json(200, Info(id, vms.at(id), inventory));
                              });

  // The check takes no body (Y91); one that is sent anyway is ignored.
  persona.MutableRoutes().Add("POST", "/api/vcenter/vm/{vm}/guest/customization", "check",
                              "vm.guest.customization.check",
                              [&persona](const Request&, const PathParams& params) {
                                const json& vms = persona.State().at("inventory").at("vms");
                                const std::string& id = params.at("vm");
                                if (!vms.contains(id)) return VmNotFound(id);
                                return Response::Json(200, CheckInfo(vms.at(id)));
                              });
}

}  // namespace vsrd::simulator
