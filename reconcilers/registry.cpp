#include "reconcilers/registry.hpp"

#include "reconcilers/appliance_install/reconciler.hpp"
#include "reconcilers/appliance_update/reconciler.hpp"
#include "reconcilers/guest_customization_check/reconciler.hpp"
#include "reconcilers/offline_depot_from_host/reconciler.hpp"
#include "reconcilers/vcha_passive_node/reconciler.hpp"

namespace vsrd::reconcilers {

std::map<manifests::Kind, std::shared_ptr<Reconciler>> MakeReconcilers() {
  using manifests::Kind;
  return {
      {Kind::kVchaPassiveNode, std::make_shared<vcha_passive_node::VchaPassiveNodeReconciler>()},
      {Kind::kOfflineDepotFromHost,
       std::make_shared<offline_depot_from_host::OfflineDepotFromHostReconciler>()},
      {Kind::kApplianceUpdate, std::make_shared<appliance_update::ApplianceUpdateReconciler>()},
      {Kind::kApplianceInstall, std::make_shared<appliance_install::ApplianceInstallReconciler>()},
      {Kind::kGuestCustomizationCheck,
       std::make_shared<guest_customization_check::GuestCustomizationCheckReconciler>()},
  };
}

}  // namespace vsrd::reconcilers
