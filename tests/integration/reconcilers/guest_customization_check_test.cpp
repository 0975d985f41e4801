#include <map>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "reconcilers/guest_customization_check/reconciler.hpp"
#include "tests/integration/reconcilers/reconciler_fixture.hpp"

// GuestCustomizationCheckReconciler against vsrd-sim over HTTPS, with the lab's web tier on vc01
// (examples/sim/lab.yaml): vm-42 "web-01" POWERED_OFF (customizable), vm-43 "web-02" POWERED_ON
// (not customizable in that power state), vm-44 "web-03" with a guest OS that is not supported.

namespace vsrd::integration {
namespace {

using reconcilers::Outcome;
using reconcilers::Phase;
using reconcilers::guest_customization_check::GuestCustomizationCheckReconciler;

constexpr const char* kCheckOperation = "vm.guest.customization.check";

std::string Check(const std::string& vms, const std::string& target = "vc01") {
  return "apiVersion: vsrd/v1\nkind: GuestCustomizationCheck\nmetadata: {name: web-tier}\n"
         "spec: {target: " +
         target + ", vms: [" + vms + "], policy: {interval: 15m}}\n";
}

class GuestCustomizationCheckTest : public ReconcilerTest {
 protected:
  Outcome Pass(TestContext& context) { return reconciler_.Reconcile(context); }

  /// The operations vc01 received (the simulator's names).
  std::set<std::string> Operations() const {
    std::set<std::string> operations;
    for (const auto& entry : sim_.Requests()) {
      if (entry.persona == "vc01") operations.insert(entry.operation);
    }
    return operations;
  }

  static simulator::FaultRule CheckFault(int nth, simulator::Disposition disposition, int status,
                                         const std::string& error_type) {
    simulator::FaultRule rule;
    rule.persona = "vc01";
    rule.method = "POST";
    rule.path = "/api/vcenter/vm/{vm}/guest/customization";
    rule.action = "check";
    rule.nth = nth;
    rule.disposition = disposition;
    rule.status = status;
    rule.error_type = error_type;
    return rule;
  }

  GuestCustomizationCheckReconciler reconciler_;
};

TEST_F(GuestCustomizationCheckTest, TheLabWebTierIsDegradedWithEachVmAndItsReason) {
  auto context = Context(Check("vm-42, vm-43, vm-44"));
  const Outcome outcome = Pass(*context);
  EXPECT_EQ(outcome.kind, Outcome::Kind::kDone);
  EXPECT_EQ(outcome.phase, Phase::kDegraded);
  EXPECT_EQ(outcome.reason, "NotCustomizable");
  EXPECT_EQ(outcome.message,
            "2 of 3 VMs are not customizable: vm-43 \"web-02\": not customizable in power state "
            "POWERED_ON; vm-44 \"web-03\": guest OS VMWARE_PHOTON_64 is not supported");
  EXPECT_EQ(outcome.details.at("customizable"), "1/3");
  EXPECT_EQ(outcome.details.at("vm-42"), "SUPPORTED");
  EXPECT_EQ(outcome.details.at("vm-43"),
            "NOT_SUPPORTED: not customizable in power state POWERED_ON");
  EXPECT_EQ(outcome.details.at("vm-44"),
            "NOT_SUPPORTED: guest OS VMWARE_PHOTON_64 is not supported");
  EXPECT_EQ(context->vm_customizable,
            (std::map<std::string, bool>{{"vm-42", true}, {"vm-43", false}, {"vm-44", false}}));
  EXPECT_TRUE(outcome.plan.empty());
  // Never a mutation: one check per VM, a GET only for the two that are not customizable.
  EXPECT_EQ(Count("vc01", kCheckOperation), 3);
  EXPECT_EQ(Count("vc01", "vm.get"), 2);
  EXPECT_EQ(Operations(), (std::set<std::string>{"session.create", kCheckOperation, "vm.get"}));
  EXPECT_EQ(context->mutations_begun, 0);
  EXPECT_EQ(context->saves, 0);
  EXPECT_EQ(context->drift, 0);
}

TEST_F(GuestCustomizationCheckTest, ConvergesToReadyOnceTheOperatorPowersTheVmOff) {
  auto context = Context(Check("vm-42, vm-43"));
  Outcome outcome = Pass(*context);
  EXPECT_EQ(outcome.phase, Phase::kDegraded);
  EXPECT_EQ(outcome.reason, "NotCustomizable");
  EXPECT_FALSE(context->vm_customizable.at("vm-43"));

  // Outside vsrd: the VM is powered off. The next drift check sees it.
  sim_.Sim().PatchState("vc01",
                        {{"inventory", {{"vms", {{"vm-43", {{"power_state", "POWERED_OFF"}}}}}}}});
  Advance(std::chrono::minutes(15));
  outcome = Pass(*context);
  EXPECT_EQ(outcome.kind, Outcome::Kind::kDone);
  EXPECT_EQ(outcome.phase, Phase::kReady);
  EXPECT_EQ(outcome.reason, "AllCustomizable");
  EXPECT_EQ(outcome.message, "all 2 VMs are customizable");
  EXPECT_EQ(outcome.details.at("customizable"), "2/2");
  EXPECT_TRUE(context->vm_customizable.at("vm-43"));
  EXPECT_EQ(Count("vc01", kCheckOperation), 4);
  EXPECT_EQ(Count("vc01", "vm.get"), 1);  // only while vm-43 was not customizable
  EXPECT_EQ(context->mutations_begun, 0);
}

TEST_F(GuestCustomizationCheckTest, AVmThatIsNotFoundHasItsOwnReason) {
  auto context = Context(Check("vm-42, vm-404"));
  const Outcome outcome = Pass(*context);
  EXPECT_EQ(outcome.phase, Phase::kDegraded);
  EXPECT_EQ(outcome.reason, "VmNotFound");
  EXPECT_EQ(outcome.message, "1 of 2 VMs are not customizable: vm-404: not found");
  EXPECT_EQ(outcome.details.at("vm-404"), "NOT_FOUND");
  EXPECT_EQ(context->vm_customizable,
            (std::map<std::string, bool>{{"vm-42", true}, {"vm-404", false}}));
  EXPECT_EQ(Count("vc01", "vm.get"), 0);
}

TEST_F(GuestCustomizationCheckTest, DryRunMakesTheSameReadsAndPlansNothing) {
  auto context = Context(Check("vm-42, vm-43, vm-44"));
  context->dry_run = true;
  const Outcome outcome = Pass(*context);
  EXPECT_EQ(outcome.phase, Phase::kDegraded);
  EXPECT_EQ(outcome.reason, "NotCustomizable");
  EXPECT_TRUE(outcome.plan.empty());
  EXPECT_EQ(outcome.message.find("demo-only-password"), std::string::npos);
  EXPECT_EQ(Operations(), (std::set<std::string>{"session.create", kCheckOperation, "vm.get"}));
  EXPECT_EQ(Count("vc01", kCheckOperation), 3);
  EXPECT_EQ(context->mutations_begun, 0);
}

TEST_F(GuestCustomizationCheckTest, AClosedWindowOrABusyTargetChangesNothingForAReadOnlyKind) {
  auto context = Context(Check("vm-42"));
  context->in_window = false;
  context->free_slots = 0;
  const Outcome outcome = Pass(*context);
  EXPECT_EQ(outcome.kind, Outcome::Kind::kDone);
  EXPECT_EQ(outcome.phase, Phase::kReady);
  EXPECT_EQ(outcome.reason, "AllCustomizable");
  EXPECT_EQ(outcome.message, "the VM is customizable");
  EXPECT_EQ(context->mutations_begun, 0);
}

TEST_F(GuestCustomizationCheckTest, AFailedCheckOfOneVmFailsThePassWithoutPartialResults) {
  struct Case {
    std::string name;
    simulator::Disposition disposition;
    int status;
    std::string error_type;
    std::string reason;
  };
  const std::vector<Case> cases{
      {"a 503 for the second VM", simulator::Disposition::kRespond, 503, "SERVICE_UNAVAILABLE",
       "TargetUnreachable"},
      {"a reset for the second VM", simulator::Disposition::kReset, 0, "", "TargetUnreachable"},
      {"a 403 for the second VM", simulator::Disposition::kRespond, 403, "UNAUTHORIZED",
       "ReadFailed"},
  };
  int checks = 0;
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    // The second check from now on (a rule counts the calls made after it was added).
    sim_.Sim().AddFault(CheckFault(2, c.disposition, c.status, c.error_type));
    auto context = Context(Check("vm-42, vm-43, vm-44"));
    const Outcome outcome = Pass(*context);
    checks += 2;
    EXPECT_EQ(outcome.kind, Outcome::Kind::kTransient);
    EXPECT_FALSE(outcome.mutation_failed);
    EXPECT_EQ(outcome.reason, c.reason) << outcome.message;
    EXPECT_NE(outcome.message.find(kCheckOperation), std::string::npos) << outcome.message;
    EXPECT_TRUE(context->vm_customizable.empty()) << "no partial observations";
    EXPECT_TRUE(outcome.details.empty());
    EXPECT_EQ(Count("vc01", kCheckOperation), checks) << "the pass stops at the failed VM";
  }
  auto context = Context(Check("vm-42, vm-43, vm-44"));
  const Outcome outcome = Pass(*context);
  EXPECT_EQ(outcome.reason, "NotCustomizable");
  EXPECT_EQ(context->vm_customizable.size(), 3U);
}

TEST_F(GuestCustomizationCheckTest, ANamingReadThatFailsOnlyLeavesTheNameOut) {
  simulator::FaultRule rule;
  rule.persona = "vc01";
  rule.method = "GET";
  rule.path = "/api/vcenter/vm/{vm}";
  rule.status = 500;
  rule.error_type = "RESOURCE_INACCESSIBLE";
  sim_.Sim().AddFault(rule);
  auto context = Context(Check("vm-42, vm-43"));
  const Outcome outcome = Pass(*context);
  EXPECT_EQ(outcome.phase, Phase::kDegraded);
  EXPECT_EQ(outcome.reason, "NotCustomizable");
  EXPECT_EQ(outcome.message,
            "1 of 2 VMs are not customizable: vm-43: not customizable in its current power state");
}

TEST_F(GuestCustomizationCheckTest, ANamingReadOfAnUnreachableTargetFailsThePass) {
  simulator::FaultRule rule;
  rule.persona = "vc01";
  rule.method = "GET";
  rule.path = "/api/vcenter/vm/{vm}";
  rule.status = 503;
  rule.error_type = "SERVICE_UNAVAILABLE";
  sim_.Sim().AddFault(rule);
  auto context = Context(Check("vm-42, vm-43"));
  const Outcome outcome = Pass(*context);
  EXPECT_EQ(outcome.kind, Outcome::Kind::kTransient);
  EXPECT_EQ(outcome.reason, "TargetUnreachable");
  EXPECT_TRUE(context->vm_customizable.empty());
}

TEST_F(GuestCustomizationCheckTest, ARestartedDaemonChecksAgainFromScratch) {
  {
    auto context = Context(Check("vm-43"));
    EXPECT_EQ(Pass(*context).reason, "NotCustomizable");
  }
  GuestCustomizationCheckReconciler restarted;
  auto context = Context(Check("vm-43"));
  const Outcome outcome = restarted.Reconcile(*context);
  EXPECT_EQ(outcome.reason, "NotCustomizable");
  EXPECT_EQ(context->saves, 0);
  EXPECT_EQ(Count("vc01", kCheckOperation), 2);
}

TEST_F(GuestCustomizationCheckTest, AnUpdateManagerTargetIsStalledAsUnsupported) {
  auto context = Context(Check("vm-42", "vr01"));
  const Outcome outcome = Pass(*context);
  EXPECT_EQ(outcome.kind, Outcome::Kind::kStalled);
  EXPECT_EQ(outcome.reason, "UnsupportedTarget");
}

}  // namespace
}  // namespace vsrd::integration
