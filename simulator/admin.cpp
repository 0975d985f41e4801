// The /sim/ admin API of vsrd-sim (docs/simulator.md): request log, faults, clock, state, reset.
// Answers loopback peers only; bodies are plain JSON, errors {"error": "..."}.
#include <fmt/format.h>

#include "manifests/duration.hpp"
#include "net/bounded_json.hpp"
#include "simulator/simulator.hpp"

namespace vsrd::simulator {
namespace {

Response AdminError(int status, const std::string& message) {
  return Response::Json(status, {{"error", message}});
}

bool IsLoopback(std::string_view address) {
  return address.starts_with("127.") || address == "::1" || address == "::ffff:127.0.0.1" ||
         address.starts_with("::ffff:127.");
}

}  // namespace

Reply Simulator::HandleAdmin(const Request& request) {
  if (!IsLoopback(request.remote_address)) {
    return Reply{AdminError(403, "the /sim/ admin API answers loopback clients only")};
  }
  const std::string& method = request.method;
  const std::string& path = request.path;
  PathParams params;

  if (method == "GET" && path == "/sim/personas") {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& persona : personas_) {
      out.push_back(
          {{"name", persona->Name()}, {"type", persona->Type()}, {"listen", persona->Listen()}});
    }
    return Reply{Response::Json(200, out)};
  }
  if (path == "/sim/requests") {
    if (method == "GET") {
      return Reply{Response::Json(200, log_.ToJson(request.Query("persona").value_or(""),
                                                   request.Query("method").value_or(""),
                                                   request.Query("path").value_or("")))};
    }
    if (method == "DELETE") {
      log_.Clear();
      return Reply{Response::NoContent()};
    }
  }
  if (path == "/sim/faults") {
    if (method == "GET") {
      nlohmann::json out = nlohmann::json::array();
      for (const auto& rule : faults_.Rules()) out.push_back(FaultRuleToJson(rule));
      return Reply{Response::Json(200, out)};
    }
    if (method == "POST") {
      net::JsonError problem;
      const auto body = net::ParseJsonBounded(request.body, &problem);
      std::string error =
          problem.too_deep ? "the body is " + problem.message : "the body is not JSON";
      auto rule = body ? FaultRuleFromJson(*body, error) : std::nullopt;
      if (!rule) return Reply{AdminError(400, error)};
      const int id = faults_.Add(std::move(*rule));
      return Reply{Response::Json(201, {{"id", id}})};
    }
    if (method == "DELETE") {
      faults_.Clear();
      return Reply{Response::NoContent()};
    }
  }
  if (method == "DELETE" && MatchPathTemplate("/sim/faults/{id}", path, params)) {
    int id = 0;
    try {
      id = std::stoi(params.at("id"));
    } catch (const std::exception&) {
      return Reply{AdminError(400, "fault ids are integers")};
    }
    if (!faults_.Remove(id)) return Reply{AdminError(404, fmt::format("no fault {}", id))};
    return Reply{Response::NoContent()};
  }
  if (method == "GET" && path == "/sim/clock") {
    return Reply{Response::Json(
        200, {{"now", FormatTime(clock_.Now())}, {"time_scale", clock_.TimeScale()}})};
  }
  if (method == "POST" && path == "/sim/clock/advance") {
    std::string by = request.Query("by").value_or("");
    if (by.empty() && !request.body.empty()) {
      const auto body = net::ParseJsonBounded(request.body);
      if (body && body->is_object() && body->contains("by") && (*body)["by"].is_string()) {
        by = (*body)["by"].get<std::string>();
      }
    }
    const auto duration = manifests::ParseDuration(by);
    if (!duration) {
      return Reply{AdminError(400, "give the step as ?by=DURATION or {\"by\": \"5m\"}")};
    }
    clock_.Advance(*duration);
    for (const auto& persona : personas_) persona->Tick(clock_.Now());
    return Reply{Response::Json(200, {{"now", FormatTime(clock_.Now())}})};
  }
  if (method == "GET" && path == "/sim/state") {
    nlohmann::json out = nlohmann::json::object();
    for (const auto& persona : personas_) out[persona->Name()] = persona->DumpState();
    return Reply{Response::Json(200, out)};
  }
  if (MatchPathTemplate("/sim/state/{persona}", path, params)) {
    Persona* persona = Find(params.at("persona"));
    if (persona == nullptr) {
      return Reply{AdminError(404, fmt::format("no persona {}", params.at("persona")))};
    }
    if (method == "GET") return Reply{Response::Json(200, persona->DumpState())};
    if (method == "PATCH") {
      const auto body = net::ParseJsonBounded(request.body);
      if (!body || !body->is_object()) {
        return Reply{AdminError(400, "the body must be a JSON merge patch object")};
      }
      persona->PatchState(*body);
      return Reply{Response::Json(200, persona->DumpState())};
    }
  }
  if (method == "POST" && path == "/sim/reset") {
    ResetLocked();
    return Reply{Response::NoContent()};
  }
  return Reply{AdminError(404, fmt::format("no admin endpoint {} {}", method, path))};
}

}  // namespace vsrd::simulator
