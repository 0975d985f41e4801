#pragma once

#include <nlohmann/json.hpp>
#include <yaml-cpp/yaml.h>

#include "manifests/yaml_reader.hpp"

// The API areas of the vCenter persona, one .cpp each. AddXRoutes registers the area's routes;
// DecodeXState decodes the area's part of a scenario's `state` (strictly, reporting to the
// context) into the JSON the routes work on, with defaults filled in.

namespace vsrd::simulator {

class VcenterPersona;

void AddTaskRoutes(VcenterPersona& persona);        // tasks.cpp: /api/cis/tasks...
void AddVchaRoutes(VcenterPersona& persona);        // vcha.cpp
void AddDepotRoutes(VcenterPersona& persona);       // depots.cpp
void AddDeploymentRoutes(VcenterPersona& persona);  // deployment.cpp
void AddVmRoutes(VcenterPersona& persona);          // vm.cpp
void AddApplianceRoutes(VcenterPersona& persona);   // appliance.cpp: /api/appliance/...

nlohmann::json DecodeInventoryState(manifests::ReadContext& context, const YAML::Node& node);
nlohmann::json DecodeVchaState(manifests::ReadContext& context, const YAML::Node& node);
nlohmann::json DecodeDepotsState(manifests::ReadContext& context, const YAML::Node& node);
nlohmann::json DecodeDeploymentState(manifests::ReadContext& context, const YAML::Node& node);
nlohmann::json DecodeApplianceState(manifests::ReadContext& context, const YAML::Node& node);

}  // namespace vsrd::simulator
