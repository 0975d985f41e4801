#include "simulator/vcenter/vcenter_persona.hpp"

#include <random>

#include <fmt/format.h>

#include "simulator/base64.hpp"
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
    : Persona(scenario.name, scenario.listen), scenario_(scenario), state_(scenario.state) {
  AddSessionRoutes();
  AddTaskRoutes(*this);
  AddVchaRoutes(*this);
  AddDepotRoutes(*this);
  AddDeploymentRoutes(*this);
  AddVmRoutes(*this);
  AddApplianceRoutes(*this);
}

std::optional<std::string> VcenterPersona::PasswordOf(std::string_view user) const {
  for (const auto& candidate : scenario_.users) {
    if (candidate.name == user) return candidate.password;
  }
  return std::nullopt;
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
  sessions_.clear();
}

Response VcenterPersona::CreateSession(const Request& request) {
  // POST /api/session: HTTP Basic credentials -> 201 with the token as a JSON string.
  const auto header = request.Header("authorization");
  std::optional<std::string> decoded;
  if (header && header->starts_with("Basic ")) decoded = Base64Decode(header->substr(6));
  const auto colon = decoded ? decoded->find(':') : std::string::npos;
  if (colon == std::string::npos) return Unauthenticated();
  const std::string user = decoded->substr(0, colon);
  const auto password = PasswordOf(user);
  if (!password || *password != decoded->substr(colon + 1)) return Unauthenticated();
  // Deterministic per persona and login count, yet not guessable from the outside in tests.
  std::mt19937_64 random(std::hash<std::string>{}(Name()) ^ ++session_counter_);
  const std::string token = fmt::format("{:016x}{:016x}", random(), random());
  sessions_.emplace(token, Session{user, now_, now_});
  return Response::Json(201, token);
}

VcenterPersona::Session* VcenterPersona::Authenticate(const Request& request) {
  const auto token = request.Header("vmware-api-session-id");
  if (!token) return nullptr;
  const auto it = sessions_.find(*token);
  if (it == sessions_.end()) return nullptr;
  Session& session = it->second;
  if (now_ - session.last_access > scenario_.session_idle_timeout ||
      now_ - session.created > scenario_.session_max_lifetime) {
    sessions_.erase(it);
    return nullptr;
  }
  session.last_access = now_;
  return &session;
}

void VcenterPersona::AddSessionRoutes() {
  router_.Add("POST", "/api/session", "", "session.create",
              [this](const Request& request, const PathParams&) { return CreateSession(request); });
  router_.Add(
      "GET", "/api/session", "", "session.get", [this](const Request& request, const PathParams&) {
        const auto token = request.Header("vmware-api-session-id").value_or("");
        const Session& session = sessions_.at(token);
        return Response::Json(200, {{"user", session.user},
                                    {"created_time", FormatTime(session.created)},
                                    {"last_accessed_time", FormatTime(session.last_access)}});
      });
  router_.Add("DELETE", "/api/session", "", "session.delete",
              [this](const Request& request, const PathParams&) {
                sessions_.erase(request.Header("vmware-api-session-id").value_or(""));
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
  const bool is_login = request.method == "POST" && request.path == "/api/session";
  if (!is_login) {
    const Session* session = Authenticate(request);
    if (session == nullptr) return Reply{Unauthenticated()};
    user_ = session->user;
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
  nlohmann::json sessions = nlohmann::json::array();
  for (const auto& [token, session] : sessions_) {
    // The token is a secret: the dump lists who is logged in, not with what.
    sessions.push_back({{"user", session.user},
                        {"created_time", FormatTime(session.created)},
                        {"last_accessed_time", FormatTime(session.last_access)}});
  }
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
  sessions_.clear();
  down_until_.reset();
}

}  // namespace vsrd::simulator
