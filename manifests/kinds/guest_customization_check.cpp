#include "manifests/kinds/guest_customization_check.hpp"

#include <algorithm>

namespace vsrd::manifests {

std::optional<GuestCustomizationCheckSpec> DecodeGuestCustomizationCheckSpec(
    const MapReader& spec) {
  ReadContext& context = spec.Context();
  const auto value = spec.Require("vms");
  if (!value) return std::nullopt;
  const std::string field = spec.Path("vms");
  const auto sequence = ReadSequence(context, *value, field);
  if (!sequence) return std::nullopt;
  const std::size_t errors = context.ErrorCount();
  if (sequence->size() == 0) {
    context.Error(*value, field, "must list at least one VM id");
    return std::nullopt;
  }
  GuestCustomizationCheckSpec out;
  std::vector<YAML::Mark> marks;
  for (std::size_t i = 0; i < sequence->size(); ++i) {
    const YAML::Node item = (*sequence)[i];
    auto vm = ReadObjectId(context, item, IndexPath(field, i));
    if (!vm) continue;
    const auto previous = std::find(out.vms.begin(), out.vms.end(), *vm);
    if (previous != out.vms.end()) {
      const auto first = marks[static_cast<std::size_t>(previous - out.vms.begin())];
      context.Error(
          item, IndexPath(field, i),
          "\"" + *vm + "\" is listed twice; first at " + FormatLocation(context.Locate(first)));
      continue;
    }
    out.vms.push_back(std::move(*vm));
    marks.push_back(item.Mark());
  }
  if (context.ErrorCount() != errors) return std::nullopt;
  return out;
}

}  // namespace vsrd::manifests
