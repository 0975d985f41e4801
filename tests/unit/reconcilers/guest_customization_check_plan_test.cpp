#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "reconcilers/guest_customization_check/plan.hpp"

// GuestCustomizationCheck's pure plan: each way a VM can be (not) customizable, how the VMs add
// up to Ready or Degraded, which reason wins, and the facts status and metrics get.

namespace vsrd::reconcilers::guest_customization_check {
namespace {

using ports::CheckStatus;
using ports::CustomizationCheckInfo;
using ports::PowerState;
using Kind = Step::Kind;

CustomizationCheckInfo Supported() { return {CheckStatus::kSupported, true, true}; }
CustomizationCheckInfo PowerStateRefused() { return {CheckStatus::kNotSupported, true, false}; }
CustomizationCheckInfo GuestOsRefused() {
  return {CheckStatus::kNotSupported, false, std::nullopt};
}

ports::VmInfo Info(const std::string& name, PowerState power_state, const std::string& guest_os) {
  return {name, power_state, guest_os};
}

// The lab's web tier (examples/sim/lab.yaml), as the reconciler observes it.
VmObservation Vm42() { return {"vm-42", Supported(), std::nullopt}; }
VmObservation Vm43() {
  return {"vm-43", PowerStateRefused(), Info("web-02", PowerState::kPoweredOn, "RHEL_8_64")};
}
VmObservation Vm44() {
  return {"vm-44", GuestOsRefused(), Info("web-03", PowerState::kPoweredOff, "VMWARE_PHOTON_64")};
}
VmObservation Missing(const std::string& vm) { return {vm, std::nullopt, std::nullopt}; }

manifests::GuestCustomizationCheckSpec Vms(std::vector<std::string> vms) {
  return manifests::GuestCustomizationCheckSpec{std::move(vms)};
}

TEST(GuestCustomizationCheckPlan, JudgesEachVm) {
  struct Case {
    std::string name;
    VmObservation observation;
    Verdict verdict;
    bool customizable;
    std::string text;
  };
  const std::vector<Case> cases{
      {"a supported VM is customizable", Vm42(), Verdict::kCustomizable, true,
       "vm-42: customizable"},
      {"SUPPORTED wins over a false flag",
       {"vm-1", CustomizationCheckInfo{CheckStatus::kSupported, false, false}, std::nullopt},
       Verdict::kCustomizable,
       true,
       "vm-1: customizable"},
      {"a powered-on VM is refused for its power state, named with its state", Vm43(),
       Verdict::kPowerStateNotSupported, false,
       "vm-43 \"web-02\": not customizable in power state POWERED_ON"},
      {"an unsupported guest OS is named", Vm44(), Verdict::kGuestOsNotSupported, false,
       "vm-44 \"web-03\": guest OS VMWARE_PHOTON_64 is not supported"},
      {"without the VM's info the reason is still given, without names",
       {"vm-43", PowerStateRefused(), std::nullopt},
       Verdict::kPowerStateNotSupported,
       false,
       "vm-43: not customizable in its current power state"},
      {"without the VM's info an unsupported guest OS is still reported",
       {"vm-44", GuestOsRefused(), std::nullopt},
       Verdict::kGuestOsNotSupported,
       false,
       "vm-44: its guest OS is not supported"},
      {"both flags false give both reasons",
       {"vm-7", CustomizationCheckInfo{CheckStatus::kNotSupported, false, false},
        Info("db-01", PowerState::kSuspended, "WINDOWS_9_64")},
       Verdict::kGuestOsAndPowerState,
       false,
       "vm-7 \"db-01\": guest OS WINDOWS_9_64 is not supported, and not customizable in power "
       "state SUSPENDED"},
      {"NOT_SUPPORTED without a false flag says no reason was given",
       {"vm-8", CustomizationCheckInfo{CheckStatus::kNotSupported, std::nullopt, std::nullopt},
        std::nullopt},
       Verdict::kNotSupportedNoReason,
       false,
       "vm-8: not customizable (the check gave no reason)"},
      {"NOT_SUPPORTED with both flags true says no reason was given",
       {"vm-9", CustomizationCheckInfo{CheckStatus::kNotSupported, true, true}, std::nullopt},
       Verdict::kNotSupportedNoReason,
       false,
       "vm-9: not customizable (the check gave no reason)"},
      {"a VM that is not found has its own reason", Missing("vm-404"), Verdict::kNotFound, false,
       "vm-404: not found"},
      {"an empty VM name falls back to the id",
       {"vm-43", PowerStateRefused(), Info("", PowerState::kPoweredOn, "")},
       Verdict::kPowerStateNotSupported,
       false,
       "vm-43: not customizable in power state POWERED_ON"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    const VmResult result = JudgeVm(c.observation);
    EXPECT_EQ(result.vm, c.observation.vm);
    EXPECT_EQ(result.verdict, c.verdict);
    EXPECT_EQ(result.customizable, c.customizable);
    EXPECT_EQ(result.text, c.text);
  }
}

TEST(GuestCustomizationCheckPlan, DecidesThePass) {
  struct Case {
    std::string name;
    manifests::GuestCustomizationCheckSpec spec;
    std::vector<VmObservation> observations;
    Kind kind;
    std::string reason;
    std::string customizable;  ///< details["customizable"]
    std::vector<bool> metric;  ///< customizable per VM, in spec order
  };
  const std::vector<Case> cases{
      {"one supported VM is Ready",
       Vms({"vm-42"}),
       {Vm42()},
       Kind::kAllCustomizable,
       "AllCustomizable",
       "1/1",
       {true}},
      {"several supported VMs are Ready",
       Vms({"vm-42", "vm-50"}),
       {Vm42(), {"vm-50", Supported(), std::nullopt}},
       Kind::kAllCustomizable,
       "AllCustomizable",
       "2/2",
       {true, true}},
      {"the lab's web tier is Degraded by a powered-on VM and an unsupported guest OS",
       Vms({"vm-42", "vm-43", "vm-44"}),
       {Vm42(), Vm43(), Vm44()},
       Kind::kDegraded,
       "NotCustomizable",
       "1/3",
       {true, false, false}},
      {"a missing VM makes the reason VmNotFound",
       Vms({"vm-42", "vm-404"}),
       {Vm42(), Missing("vm-404")},
       Kind::kDegraded,
       "VmNotFound",
       "1/2",
       {true, false}},
      {"VmNotFound wins over NotCustomizable",
       Vms({"vm-43", "vm-404"}),
       {Vm43(), Missing("vm-404")},
       Kind::kDegraded,
       "VmNotFound",
       "0/2",
       {false, false}},
      {"observations in another order are matched by id",
       Vms({"vm-44", "vm-42"}),
       {Vm42(), Vm44()},
       Kind::kDegraded,
       "NotCustomizable",
       "1/2",
       {false, true}},
      {"a listed VM without an observation counts as not found",
       Vms({"vm-42", "vm-45"}),
       {Vm42()},
       Kind::kDegraded,
       "VmNotFound",
       "1/2",
       {true, false}},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    const Step step = Plan(c.spec, c.observations);
    EXPECT_EQ(step.kind, c.kind);
    EXPECT_EQ(step.reason, c.reason);
    EXPECT_FALSE(step.message.empty());
    EXPECT_EQ(step.details.at("customizable"), c.customizable);
    ASSERT_EQ(step.vms.size(), c.spec.vms.size());
    for (std::size_t i = 0; i < step.vms.size(); ++i) {
      EXPECT_EQ(step.vms[i].vm, c.spec.vms[i]);
      EXPECT_EQ(step.vms[i].customizable, c.metric[i]) << step.vms[i].vm;
      EXPECT_EQ(step.details.count(c.spec.vms[i]), 1U) << c.spec.vms[i];
    }
  }
}

TEST(GuestCustomizationCheckPlan, DegradedMessageListsEveryVmThatIsNotCustomizableAndWhy) {
  const Step step = Plan(Vms({"vm-42", "vm-43", "vm-44"}), {Vm42(), Vm43(), Vm44()});
  EXPECT_EQ(step.message,
            "2 of 3 VMs are not customizable: vm-43 \"web-02\": not customizable in power state "
            "POWERED_ON; vm-44 \"web-03\": guest OS VMWARE_PHOTON_64 is not supported");
  EXPECT_EQ(step.details.at("vm-42"), "SUPPORTED");
  EXPECT_EQ(step.details.at("vm-43"), "NOT_SUPPORTED: not customizable in power state POWERED_ON");
  EXPECT_EQ(step.details.at("vm-44"), "NOT_SUPPORTED: guest OS VMWARE_PHOTON_64 is not supported");
}

TEST(GuestCustomizationCheckPlan, MessagesCountVmsInTheRightNumber) {
  EXPECT_EQ(Plan(Vms({"vm-42"}), {Vm42()}).message, "the VM is customizable");
  EXPECT_EQ(Plan(Vms({"vm-42", "vm-50"}), {Vm42(), {"vm-50", Supported(), std::nullopt}}).message,
            "all 2 VMs are customizable");
  const Step missing = Plan(Vms({"vm-404"}), {Missing("vm-404")});
  EXPECT_EQ(missing.message, "1 of 1 VM is not customizable: vm-404: not found");
  EXPECT_EQ(missing.details.at("vm-404"), "NOT_FOUND");
}

}  // namespace
}  // namespace vsrd::reconcilers::guest_customization_check
