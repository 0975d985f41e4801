#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "manifests/kinds/guest_customization_check.hpp"
#include "reconcilers/ports/vm_port.hpp"

// GuestCustomizationCheck's decision, as a pure function: from the listed VMs and what the
// customization check (docs/vsphere-api.md "VMs and guest customization") said about each, whether
// the object is Ready or Degraded and why. Never a mutation: this kind only reports
// (docs/manifests.md "GuestCustomizationCheck").
//
// The journal record, the clock and the policy are not inputs: nothing is ever started, so
// nothing is remembered between passes, and no decision depends on time.

namespace vsrd::reconcilers::guest_customization_check {

/// What the reconciler read about one listed VM. A pass that could not read every VM is a read
/// failure and never reaches the plan (partial results are not reported).
struct VmObservation {
  std::string vm;  ///< the VM id as listed in spec.vms
  /// The check's answer; unset when the VM was not found (404 NOT_FOUND).
  std::optional<ports::CustomizationCheckInfo> check;
  /// GET /api/vcenter/vm/{vm}, read only for VMs that are not customizable, to name the VM and
  /// its power state / guest OS in the message; unset when not read or when that read failed.
  std::optional<ports::VmInfo> info;
};

/// Why one VM is not customizable (or that it is).
enum class Verdict {
  kCustomizable,            ///< check_status SUPPORTED
  kGuestOsNotSupported,     ///< supported_guest_os false
  kPowerStateNotSupported,  ///< supported_power_state false
  kGuestOsAndPowerState,    ///< both false
  kNotSupportedNoReason,    ///< NOT_SUPPORTED without either flag being false
  kNotFound,                ///< the VM does not exist (404 NOT_FOUND)
};

/// The judgement of one VM.
struct VmResult {
  std::string vm;
  Verdict verdict = Verdict::kCustomizable;
  /// What vsrd_vm_customizable reports for it (false for a VM that is not found).
  bool customizable = false;
  /// For people: `vm-43 "web-02": not customizable in power state POWERED_ON`.
  std::string text;
  /// `text` without the VM's label: "not customizable in power state POWERED_ON".
  std::string why;
};

/// What one pass concludes.
struct Step {
  enum class Kind {
    kAllCustomizable,  ///< Ready
    kDegraded,         ///< at least one VM is not customizable or not found
  };

  Kind kind = Kind::kAllCustomizable;
  std::string reason;         ///< AllCustomizable | NotCustomizable | VmNotFound (reconciler.hpp)
  std::string message;        ///< for people; lists every VM that is not customizable and why
  std::vector<VmResult> vms;  ///< one per listed VM, in spec order
  /// Status facts: "customizable": "1/3", and one entry per VM id: "SUPPORTED",
  /// "NOT_SUPPORTED: <why>" or "NOT_FOUND".
  std::map<std::string, std::string> details;
};

/// Judges one VM's observation. Pure.
VmResult JudgeVm(const VmObservation& observation);

/// Decides one pass from the observations of every VM in spec.vms (matched by id; a listed VM
/// without an observation counts as not found, which the reconciler never produces). Reason
/// VmNotFound wins over NotCustomizable when both apply: a missing VM is a manifest problem.
/// Pure and total.
Step Plan(const manifests::GuestCustomizationCheckSpec& spec,
          const std::vector<VmObservation>& observations);

}  // namespace vsrd::reconcilers::guest_customization_check
