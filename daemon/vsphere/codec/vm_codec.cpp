#include "daemon/vsphere/codec/vm_codec.hpp"

#include "daemon/vsphere/codec/json_reader.hpp"

// VM.Info (7.0.3 VcenterVMInfo): name*, power_state*, guest_OS* (kept as text: an open enum that
// newer vCenters extend). CheckInfo (9.0): check_status*, supported_guest_os?,
// supported_power_state?.

namespace vsrd::daemon::vsphere::codec {

ports::Result<ports::VmInfo> DecodeVmInfo(std::string_view operation, std::string_view body) {
  return DecodeDocument<ports::VmInfo>(operation, body, [](const JsonReader& root) {
    ports::VmInfo info;
    info.name = root.RequiredString("name");
    info.power_state =
        root.Required("power_state").Enum<ports::PowerState>(ports::kPowerStateNames);
    info.guest_os = root.RequiredString("guest_OS");
    return info;
  });
}

ports::Result<ports::CustomizationCheckInfo> DecodeCustomizationCheckInfo(
    std::string_view operation, std::string_view body) {
  return DecodeDocument<ports::CustomizationCheckInfo>(operation, body, [](const JsonReader& root) {
    ports::CustomizationCheckInfo info;
    info.check_status =
        root.Required("check_status").Enum<ports::CheckStatus>(ports::kCheckStatusNames);
    info.supported_guest_os = root.OptionalBool("supported_guest_os");
    info.supported_power_state = root.OptionalBool("supported_power_state");
    return info;
  });
}

}  // namespace vsrd::daemon::vsphere::codec
