#include "simulator/vcenter/vcenter_persona.hpp"

#include <random>

#include <fmt/format.h>

#include "simulator/request_log.hpp"
#include "simulator/vapi_error.hpp"
#include "simulator/vcenter/areas.hpp"

namespace vsrd::simulator {

nlohmann::json DecodeVcenterState(manifests::ReadContext& context, const YAML::Node& node) {
  const manifests::MapReader map(context, node, "state",
                                 {"inventory", "vcha", "depots", "deployment", "appliance"});
  const YAML::Node empty(YAML::NodeType::Map);
  const auto section = [&](std::string_view key) { return map.Get(key).value_or(empty); };
  return {{"inventory", DecodeInventoryState(context, section("inventory"))},
          {"vcha", DecodeVchaState(context, section("vcha"))},
          {"depots", DecodeDepotsState(context, section("depots"))},
          {"deployment", DecodeDeploymentState(context, section("deployment"))},
          {"appliance", DecodeApplianceState(context, section("appliance"))}};
}

VcenterPersona::VcenterPersona(const PersonaScenario& scenario)
    : Persona(scenario.name, scenario.listen),
      scenario_(scenario),
      state_(scenario.state),
      sessions_(scenario.session_idle_timeout, scenario.session_max_lifetime) {
  AddSessionRoutes();
  AddTaskRoutes(*this);
  AddVchaRoutes(*this);
  AddDepotRoutes(*this);
  AddDeploymentRoutes(*this);
  AddVmRoutes(*this);
  AddApplianceRoutes(*this);
}

void VcenterPersona::Tick(TimePoint now) {
  now_ = now;
  tasks_.Tick(now);
  for (const auto& ticker : tickers_) ticker(now);
  if (down_until_ && now >= *down_until_) down_until_.reset();
}

void VcenterPersona::Restart(TimePoint until, bool answer_503) {
  down_until_ = until;
  down_answer_503_ = answer_503;
  sessions_.Clear();
}

Response VcenterPersona::CreateSession(const Request& request) {
  // POST /api/session: HTTP Basic credentials -> 201 with the token as a JSON string.
  const auto user = CheckBasicAuth(request, scenario_.users);
  if (!user) return Unauthenticated();
  // Deterministic per persona and login count, yet not guessable from the outside in tests.
  std::mt19937_64 random(std::hash<std::string>{}(Name()) ^ ++session_counter_);
  const std::string token = fmt::format("{:016x}{:016x}", random(), random());
  sessions_.Add(token, *user, now_);
  return Response::Json(201, token);
}

void VcenterPersona::AddSessionRoutes() {
  router_.Add("POST", "/api/session", "", "session.create",
              [this](const Request& request, const PathParams&) { return CreateSession(request); });
  router_.Add("GET", "/api/session", "", "session.get", [this](const Request&, const PathParams&) {
    return Response::Json(200, {{"user", session_->user},
                                {"created_time", FormatTime(session_->created)},
                                {"last_accessed_time", FormatTime(session_->last_access)}});
  });
  router_.Add("DELETE", "/api/session", "", "session.delete",
              [this](const Request& request, const PathParams&) {
                sessions_.Remove(request.Header("vmware-api-session-id").value_or(""));
                return Response::NoContent();
              });
}

Reply VcenterPersona::Handle(const Request& request, TimePoint now) {
  Tick(now);
  if (down_until_) {
    if (down_answer_503_) {
      return Reply{VapiError("SERVICE_UNAVAILABLE", "The appliance is restarting.")};
    }
    return Reply{Response::Empty(503), Disposition::kRefuse};
  }
  user_.clear();
  session_ = nullptr;
  const bool is_login = request.method == "POST" && request.path == "/api/session";
  if (!is_login) {
    session_ = sessions_.Authenticate(request.Header("vmware-api-session-id").value_or(""), now_);
    if (session_ == nullptr) return Reply{Unauthenticated()};
    user_ = session_->user;
  }
  PathParams params;
  const Router::Route* route = router_.Find(request, params);
  if (route == nullptr) {
    const std::string action = request.Query("action").value_or("");
    return Reply{
        VapiError("NOT_FOUND", fmt::format("No operation {} {}{}{}.", request.method, request.path,
                                           action.empty() ? "" : "?action=", action))};
  }
  return Reply{route->handler(request, params)};
}

nlohmann::json VcenterPersona::DumpState() const {
  // Tokens are secrets: the dump lists who is logged in, not with what.
  const nlohmann::json sessions = sessions_.Dump();
  // Scenario passwords (a management vCenter's, a standalone host's) are fixtures, yet never
  // shown: the dump is redacted like the request log.
  nlohmann::json out = RedactSecrets(state_);
  out["sessions"] = sessions;
  out["tasks"] = tasks_.Dump(now_);
  out["down_until"] = down_until_ ? nlohmann::json(FormatTime(*down_until_)) : nullptr;
  return out;
}

void VcenterPersona::PatchState(const nlohmann::json& patch) {
  nlohmann::json patched = state_;
  patched.merge_patch(patch);
  for (const char* derived : {"sessions", "tasks", "down_until"}) patched.erase(derived);
  state_ = std::move(patched);
}

void VcenterPersona::Reset() {
  state_ = scenario_.state;
  tasks_.Clear();
  sessions_.Clear();
  down_until_.reset();
}

}  // namespace vsrd::simulator
