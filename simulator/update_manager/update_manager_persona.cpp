// TEMPORARY skeleton: the update-manager persona answers 404 to everything until its areas land.
#include "simulator/update_manager/update_manager_persona.hpp"

namespace vsrd::simulator {

nlohmann::json DecodeUpdateManagerState(manifests::ReadContext& context, const YAML::Node& node) {
  const manifests::MapReader map(context, node, "state", {});
  return nlohmann::json::object();
}

UpdateManagerPersona::UpdateManagerPersona(const PersonaScenario& scenario)
    : Persona(scenario.name, scenario.listen), scenario_(scenario), state_(scenario.state) {}

void UpdateManagerPersona::Tick(TimePoint now) { now_ = now; }
bool UpdateManagerPersona::IsDown() const { return false; }
Reply UpdateManagerPersona::Handle(const Request&, TimePoint now) {
  Tick(now);
  return Reply{Response::Empty(404)};
}
nlohmann::json UpdateManagerPersona::DumpState() const { return state_; }
void UpdateManagerPersona::PatchState(const nlohmann::json& patch) { state_.merge_patch(patch); }
void UpdateManagerPersona::Reset() { state_ = scenario_.state; }

}  // namespace vsrd::simulator
