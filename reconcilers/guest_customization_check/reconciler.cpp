#include "reconcilers/guest_customization_check/reconciler.hpp"

#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "reconcilers/api_outcomes.hpp"
#include "reconcilers/guest_customization_check/plan.hpp"
#include "reconcilers/guest_customization_check/reasons.hpp"

namespace vsrd::reconcilers::guest_customization_check {

Outcome GuestCustomizationCheckReconciler::Reconcile(Context& context) {
  const auto* spec = std::get_if<manifests::GuestCustomizationCheckSpec>(&context.Object().spec);
  ports::VmPort* port = context.Target().vm;
  if (spec == nullptr) {
    return KindMismatch(context.Object(), manifests::Kind::kGuestCustomizationCheck);
  }
  if (port == nullptr) {
    return Outcome::Stalled(reasons::kUnsupportedTarget,
                            "target " + context.Target().name +
                                " has no VM API (GuestCustomizationCheck needs a vcenter target)");
  }

  // Read every VM before judging any: one failed read fails the pass, so a Degraded status is
  // never built from a partial picture.
  std::vector<VmObservation> observations;
  observations.reserve(spec->vms.size());
  for (const std::string& vm : spec->vms) {
    VmObservation observation{vm, std::nullopt, std::nullopt};
    auto check = port->CheckGuestCustomization(vm);
    if (check) {
      observation.check = *check;
    } else if (!check.Error().Is("NOT_FOUND")) {
      return ReadFailure(check.Error());
    }
    if (observation.check && observation.check->check_status != ports::CheckStatus::kSupported) {
      // Only to name the VM and its power state / guest OS: a failure leaves them out, unless
      // the target went away, which fails the pass like any other read.
      auto info = port->GetVm(vm);
      if (info) {
        observation.info = std::move(*info);
      } else if (info.Error().IsUnreachable()) {
        return ReadFailure(info.Error());
      }
    }
    observations.push_back(std::move(observation));
  }

  Step step = Plan(*spec, observations);
  for (const VmResult& result : step.vms) {
    context.ObserveVmCustomizable(result.vm, result.customizable);
  }
  Outcome outcome = step.kind == Step::Kind::kAllCustomizable
                        ? Outcome::Done(Phase::kReady, step.reason, std::move(step.message))
                        : Outcome::Done(Phase::kDegraded, step.reason, std::move(step.message));
  // Dry run or not, the pass is the same: the check is the read, and nothing would change.
  outcome.details = std::move(step.details);
  return outcome;
}

}  // namespace vsrd::reconcilers::guest_customization_check
