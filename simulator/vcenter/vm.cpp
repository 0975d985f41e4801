// TEMPORARY stub: replaced by the real area.
#include "simulator/vcenter/areas.hpp"
#include "simulator/vcenter/vcenter_persona.hpp"

namespace vsrd::simulator {

void AddVmRoutes(VcenterPersona&) {}

}  // namespace vsrd::simulator
