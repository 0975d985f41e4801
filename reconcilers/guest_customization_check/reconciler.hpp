#pragma once

#include "reconcilers/context.hpp"
#include "reconcilers/outcome.hpp"

// GuestCustomizationCheck: the listed VMs are customizable; reported as status and the
// vsrd_vm_customizable metric, never mutated (docs/manifests.md "GuestCustomizationCheck"). Live
// state: POST /api/vcenter/vm/{vm}/guest/customization?action=check for each VM
// (docs/vsphere-api.md "VMs and guest customization"; a read despite being a POST), plus GET
// /api/vcenter/vm/{vm} for the VMs that are not customizable, to name them and their power state /
// guest OS in the message. Because the check is the live-state read, `vsrd plan` makes it too; the
// plan is always empty.
//
// Reasons (closed set): reason -> phase: meaning. Operator: what to do.
//
//   AllCustomizable        -> Ready: every listed VM's check answered SUPPORTED. Operator:
//                             nothing.
//   NotCustomizable        -> Degraded: at least one VM answered NOT_SUPPORTED; the message lists
//                             each with its reason (guest OS not supported, or not customizable
//                             in its power state: only POWERED_OFF is, on the simulator).
//                             Operator: power the VM off, or change its guest OS / template.
//   VmNotFound             -> Degraded: at least one listed VM does not exist (404 NOT_FOUND);
//                             the message also lists VMs that are not customizable. Operator:
//                             fix spec.vms.
//   TargetUnreachable, ReadFailed, LoginFailed, CredentialsUnavailable
//                          -> Progressing (transient, never Stalled by itself): the check of
//                             one VM failed for another reason than 404, or the target became
//                             unreachable during a naming GET (its other failures only leave
//                             the name out); no partial result is reported. Operator: check the
//                             target.
//   UnsupportedTarget      -> Stalled: the target has no VM port (not a vCenter). Operator: fix
//                             spec.target.
//   KindMismatch           -> Stalled: the engine passed another kind's object (a bug).
//                             Operator: report it.
//
// Outcome::details: "customizable": "N/M", and per VM id "SUPPORTED", "NOT_SUPPORTED: <why>" or
// "NOT_FOUND". After a complete read, every VM is observed for vsrd_vm_customizable (a VM that
// is not found counts as not customizable).

namespace vsrd::reconcilers::guest_customization_check {

/// The GuestCustomizationCheck reconciler. Stateless; Reconcile blocks on the target's calls.
class GuestCustomizationCheckReconciler final : public Reconciler {
 public:
  /// One pass: checks every listed VM, reports Ready or Degraded, never mutates and never
  /// throws. The same in dry run (the check is the live-state read), with an empty plan.
  Outcome Reconcile(Context& context) override;
  bool MayMutate() const override { return false; }
};

}  // namespace vsrd::reconcilers::guest_customization_check
