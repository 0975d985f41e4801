#include "reconcilers/guest_customization_check/plan.hpp"

#include <algorithm>
#include <cstddef>
#include <string_view>

#include "reconcilers/guest_customization_check/reasons.hpp"

namespace vsrd::reconcilers::guest_customization_check {
namespace {

/// `vm-43 "web-02"`, or `vm-43` when the name was not read.
std::string Label(const VmObservation& observation) {
  if (!observation.info || observation.info->name.empty()) return observation.vm;
  return observation.vm + " \"" + observation.info->name + "\"";
}

std::string GuestOsWhy(const VmObservation& observation) {
  if (observation.info && !observation.info->guest_os.empty()) {
    return "guest OS " + observation.info->guest_os + " is not supported";
  }
  return "its guest OS is not supported";
}

std::string PowerStateWhy(const VmObservation& observation) {
  if (observation.info) {
    return "not customizable in power state " +
           std::string(
               ports::kPowerStateNames.at(static_cast<std::size_t>(observation.info->power_state)));
  }
  return "not customizable in its current power state";
}

}  // namespace

VmResult JudgeVm(const VmObservation& observation) {
  VmResult result;
  result.vm = observation.vm;
  const std::string label = Label(observation);
  if (!observation.check) {
    result.verdict = Verdict::kNotFound;
    result.why = "not found";
    result.text = label + ": " + result.why;
    return result;
  }
  const auto& check = *observation.check;
  if (check.check_status == ports::CheckStatus::kSupported) {
    // SUPPORTED is the answer; the flags only explain a NOT_SUPPORTED (docs/vsphere-api.md "VMs and
    // guest customization").
    result.verdict = Verdict::kCustomizable;
    result.customizable = true;
    result.why = "customizable";
    result.text = label + ": " + result.why;
    return result;
  }
  // An unset flag means the check never reached that step, not that it passed.
  const bool guest_os = check.supported_guest_os == false;
  const bool power_state = check.supported_power_state == false;
  if (guest_os && power_state) {
    result.verdict = Verdict::kGuestOsAndPowerState;
    result.why = GuestOsWhy(observation) + ", and " + PowerStateWhy(observation);
  } else if (guest_os) {
    result.verdict = Verdict::kGuestOsNotSupported;
    result.why = GuestOsWhy(observation);
  } else if (power_state) {
    result.verdict = Verdict::kPowerStateNotSupported;
    result.why = PowerStateWhy(observation);
  } else {
    result.verdict = Verdict::kNotSupportedNoReason;
    result.why = "not customizable (the check gave no reason)";
  }
  result.text = label + ": " + result.why;
  return result;
}

Step Plan(const manifests::GuestCustomizationCheckSpec& spec,
          const std::vector<VmObservation>& observations) {
  Step step;
  step.vms.reserve(spec.vms.size());
  std::size_t customizable = 0;
  bool any_missing = false;
  std::vector<std::string> problems;
  for (const std::string& vm : spec.vms) {
    const auto it = std::find_if(observations.begin(), observations.end(),
                                 [&vm](const VmObservation& o) { return o.vm == vm; });
    VmResult result = it != observations.end() ? JudgeVm(*it) : JudgeVm(VmObservation{vm, {}, {}});
    std::string detail;
    if (result.verdict == Verdict::kCustomizable) {
      ++customizable;
      detail = "SUPPORTED";
    } else if (result.verdict == Verdict::kNotFound) {
      any_missing = true;
      detail = "NOT_FOUND";
      problems.push_back(result.text);
    } else {
      detail = "NOT_SUPPORTED: " + result.why;
      problems.push_back(result.text);
    }
    step.details[vm] = std::move(detail);
    step.vms.push_back(std::move(result));
  }
  step.details["customizable"] =
      std::to_string(customizable) + "/" + std::to_string(spec.vms.size());

  if (problems.empty()) {
    step.kind = Step::Kind::kAllCustomizable;
    step.reason = reasons::kAllCustomizable;
    step.message = spec.vms.size() == 1
                       ? "the VM is customizable"
                       : "all " + std::to_string(spec.vms.size()) + " VMs are customizable";
    return step;
  }
  step.kind = Step::Kind::kDegraded;
  step.reason = any_missing ? reasons::kVmNotFound : reasons::kNotCustomizable;
  step.message = std::to_string(problems.size()) + " of " + std::to_string(spec.vms.size()) +
                 (spec.vms.size() == 1 ? " VM is" : " VMs are") + " not customizable: ";
  for (std::size_t i = 0; i < problems.size(); ++i) {
    if (i > 0) step.message += "; ";
    step.message += problems[i];
  }
  return step;
}

}  // namespace vsrd::reconcilers::guest_customization_check
