#include "manifests/kinds/appliance_install.hpp"

namespace vsrd::manifests {

std::optional<ApplianceInstallSpec> DecodeApplianceInstallSpec(const MapReader& spec) {
  ReadContext& context = spec.Context();
  const auto value = spec.Require("max_duration");
  if (!value) return std::nullopt;
  const auto duration = ReadDuration(context, *value, spec.Path("max_duration"), Duration{0});
  if (!duration) return std::nullopt;
  return ApplianceInstallSpec{*duration};
}

}  // namespace vsrd::manifests
