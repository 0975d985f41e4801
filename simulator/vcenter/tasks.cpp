// The cis tasks (docs/vsphere-api.md "Tasks"): GET /api/cis/tasks/{task} and
// POST /api/cis/tasks?action=list. Shapes: Swagger 8.0.2 cis.json, CisTaskInfo, CisTasksList.
#include <array>
#include <string_view>

#include "simulator/vapi_error.hpp"
#include "simulator/vcenter/areas.hpp"
#include "simulator/vcenter/body_reader.hpp"
#include "simulator/vcenter/json_fields.hpp"
#include "simulator/vcenter/vcenter_persona.hpp"

namespace vsrd::simulator {
namespace {

using nlohmann::json;

constexpr std::array<std::string_view, 5> kTaskStatuses{"PENDING", "RUNNING", "BLOCKED",
                                                        "SUCCEEDED", "FAILED"};
// "Returns information about at most 1000 visible ... tasks"; more is the 500 of the spec.
constexpr std::size_t kListLimit = 1000;

/// The body of the list call, CisTasksList {filter_spec, result_spec}, read strictly.
struct ListRequest {
  CisTaskFilter filter;
  bool exclude_result = false;
};

std::optional<ListRequest> ReadListRequest(BodyReader& in, const json& body) {
  if (!in.Struct(body, "", {"filter_spec", "result_spec"})) return std::nullopt;
  // "This is currently required" (CisTasksList.filter_spec).
  const json* spec = in.Require(body, "filter_spec", "");
  const std::string path = "filter_spec";
  if (spec == nullptr ||
      !in.Struct(*spec, path, {"tasks", "services", "operations", "status", "targets", "users"})) {
    return std::nullopt;
  }
  ListRequest out;
  CisTaskFilter& filter = out.filter;
  auto tasks = in.Strings(*spec, "tasks", path);
  auto services = in.Strings(*spec, "services", path);
  auto operations = in.Strings(*spec, "operations", path);
  auto status = in.Strings(*spec, "status", path, kTaskStatuses);
  auto users = in.Strings(*spec, "users", path);
  if (!in.Ok()) return std::nullopt;
  filter.tasks = std::move(*tasks);
  filter.services = std::move(*services);
  filter.operations = std::move(*operations);
  filter.status = std::move(*status);
  filter.users = std::move(*users);
  if (const json* targets = FindMember(*spec, "targets")) {
    if (!targets->is_array()) {
      in.Invalid("filter_spec.targets: must be a list of DynamicID {type, id}.");
      return std::nullopt;
    }
    for (std::size_t i = 0; i < targets->size(); ++i) {
      const std::string item_path = "filter_spec.targets[" + std::to_string(i) + "]";
      const json& item = targets->at(i);
      if (!in.Struct(item, item_path, {"type", "id"})) return std::nullopt;
      const auto type = in.String(item, "type", item_path, true);
      const auto id = in.String(item, "id", item_path, true);
      if (!type || !id) return std::nullopt;
      filter.targets.push_back({{"type", *type}, {"id", *id}});
    }
  }
  // The vendor's FilterSpec: "Currently at least one of tasks or services must be specified and
  // not empty" (docs/vsphere-api.md "Tasks").
  if (filter.tasks.empty() && filter.services.empty()) {
    in.Invalid("filter_spec: at least one of tasks and services must be set and not empty.");
    return std::nullopt;
  }
  if (const json* result_spec = FindMember(body, "result_spec")) {
    if (!in.Struct(*result_spec, "result_spec", {"return_all", "exclude_result"})) {
      return std::nullopt;
    }
    // return_all asks for operation-specific data beyond Info: the simulator has none.
    in.Bool(*result_spec, "return_all", "result_spec");
    out.exclude_result = in.Bool(*result_spec, "exclude_result", "result_spec").value_or(false);
    if (!in.Ok()) return std::nullopt;
  }
  return out;
}

}  // namespace

void AddTaskRoutes(VcenterPersona& persona) {
  Router& router = persona.MutableRoutes();

  // GET /api/cis/tasks/{task} -> 200 CisTaskInfo, 404 NOT_FOUND.
  router.Add("GET", "/api/cis/tasks/{task}", "", "cis.tasks.get",
             [&persona](const Request& request, const PathParams& params) {
               const bool exclude_result = request.Query("exclude_result").value_or("") == "true";
               const auto info =
                   persona.Tasks().Info(params.at("task"), persona.Now(), exclude_result);
               if (!info) {
                 return VapiError("NOT_FOUND", "The task " + params.at("task") + " was not found.");
               }
               return Response::Json(200, *info);
             });

  // POST /api/cis/tasks?action=list, body CisTasksList -> 200 map<task id, CisTaskInfo> of every
  // task the persona knows, running or finished, that matches the filter; 400 INVALID_ARGUMENT
  // for a bad or missing filter_spec; 500 RESOURCE_INACCESSIBLE for more than 1000 matches. Ids
  // in filter_spec.tasks that are unknown match nothing (no error).
  router.Add("POST", "/api/cis/tasks", "list", "cis.tasks.list",
             [&persona](const Request& request, const PathParams&) {
               Response error;
               const auto body = ParseJsonBody(request, error, json::object());
               if (!body) return error;
               BodyReader in;
               const auto list = ReadListRequest(in, *body);
               if (!list) return in.Problem();
               json tasks = persona.Tasks().List(list->filter, persona.Now(), list->exclude_result);
               if (tasks.size() > kListLimit) {
                 return VapiError("RESOURCE_INACCESSIBLE",
                                  "More than 1000 tasks match the filter; narrow it.");
               }
               return Response::Json(200, tasks);
             });
}

}  // namespace vsrd::simulator
