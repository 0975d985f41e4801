// GET /api/cis/tasks/{task} (docs/vsphere-api.md "Tasks").
#include "simulator/vapi_error.hpp"
#include "simulator/vcenter/areas.hpp"
#include "simulator/vcenter/vcenter_persona.hpp"

namespace vsrd::simulator {

void AddTaskRoutes(VcenterPersona& persona) {
  persona.MutableRoutes().Add(
      "GET", "/api/cis/tasks/{task}", "", "cis.tasks.get",
      [&persona](const Request& request, const PathParams& params) {
        const bool exclude_result = request.Query("exclude_result").value_or("") == "true";
        const auto info = persona.Tasks().Info(params.at("task"), persona.Now(), exclude_result);
        if (!info)
          return VapiError("NOT_FOUND", "The task " + params.at("task") + " was not found.");
        return Response::Json(200, *info);
      });
}

}  // namespace vsrd::simulator
