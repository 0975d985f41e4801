// TEMPORARY stub: replaced by the real area.
#include "simulator/vcenter/areas.hpp"
#include "simulator/vcenter/vcenter_persona.hpp"

namespace vsrd::simulator {

void AddDepotRoutes(VcenterPersona&) {}

nlohmann::json DecodeDepotsState(manifests::ReadContext& context, const YAML::Node& node) {
  const manifests::MapReader map(context, node, "state.depots", {});
  return nlohmann::json::object();
}

}  // namespace vsrd::simulator
