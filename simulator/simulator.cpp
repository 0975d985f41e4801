#include "simulator/simulator.hpp"

#include <fmt/format.h>

#include "net/bounded_json.hpp"
#include "simulator/update_manager/update_manager_persona.hpp"
#include "simulator/vapi_error.hpp"
#include "simulator/vcenter/vcenter_persona.hpp"

namespace vsrd::simulator {
namespace {

Reply FaultReply(const FaultRule& rule, std::string_view persona_type) {
  Reply reply;
  reply.disposition = rule.disposition;
  reply.delay = rule.delay;
  if (rule.status == 0) return reply;
  if (!rule.body.empty()) {
    reply.response.status = rule.status;
    reply.response.headers.emplace_back("Content-Type", "application/json");
    reply.response.body = rule.body;
  } else if (!rule.error_type.empty()) {
    reply.response = Response::Json(rule.status, ErrorBody(rule.error_type, rule.message));
  } else if (persona_type == "update-manager" && rule.status != 401 && rule.status != 404) {
    reply.response = Response::Json(
        rule.status, {{"error_code", "SIM_FAULT"}, {"message", rule.message}, {"op_id", ""}});
  } else {
    reply.response = Response::Empty(rule.status);
  }
  return reply;
}

}  // namespace

std::unique_ptr<Persona> MakePersona(const PersonaScenario& scenario) {
  if (scenario.type == "update-manager") return std::make_unique<UpdateManagerPersona>(scenario);
  return std::make_unique<VcenterPersona>(scenario);
}

Simulator::Simulator(const Scenario& scenario, double time_scale)
    : scenario_(scenario), clock_(scenario.clock_start, time_scale) {
  for (const auto& persona : scenario_.personas) personas_.push_back(MakePersona(persona));
  for (const auto& rule : scenario_.faults) faults_.Add(rule);
}

Persona* Simulator::Find(std::string_view name) const {
  for (const auto& persona : personas_) {
    if (persona->Name() == name) return persona.get();
  }
  return nullptr;
}

Reply Simulator::Handle(std::string_view persona_name, const Request& request) {
  const std::lock_guard lock(mutex_);
  try {
    if (request.path == "/sim" || request.path.starts_with("/sim/")) return HandleAdmin(request);
    Persona* persona = Find(persona_name);
    if (persona == nullptr) {
      return Reply{VapiError("NOT_FOUND", fmt::format("No persona {}.", persona_name))};
    }
    const TimePoint now = clock_.Now();
    persona->Tick(now);
    const std::string path_template = persona->Routes().TemplateFor(request.path);
    LogEntry entry;
    entry.time = now;
    entry.persona = persona->Name();
    entry.method = request.method;
    entry.path = request.path;
    entry.path_template = path_template;
    entry.query = request.query;
    if (!request.body.empty()) {
      // Bounded like every body read from a socket: RedactSecrets and the log's dump recurse.
      net::JsonError problem;
      auto body = net::ParseJsonBounded(request.body, &problem);
      entry.body = body               ? RedactSecrets(*body)
                   : problem.too_deep ? nlohmann::json("<" + problem.message + ">")
                                      : nlohmann::json("<not JSON>");
    }
    PathParams ignored;
    for (const auto& route : persona->Routes().All()) {
      if (route.method == request.method && route.action == request.Query("action").value_or("") &&
          MatchPathTemplate(route.path_template, request.path, ignored)) {
        entry.operation = route.operation;
        break;
      }
    }
    // A persona that is down answers for itself (refused, or 503) and counts no fault.
    const bool down = persona->IsDown();
    const FaultRule* fault =
        down ? nullptr : faults_.Match(persona->Name(), request, path_template);
    // A delay-only respond fault is "the normal answer, late": it executes like `execute`.
    const bool delay_only =
        fault != nullptr && fault->disposition == Disposition::kRespond && fault->status == 0;
    Reply reply;
    if (fault == nullptr || fault->execute || delay_only) {
      reply = persona->Handle(request, now);
      // The persona's clock, as every real appliance sends its own (vsrd's install guard
      // measures a start_time against it: docs/reconcilers.md "ApplianceInstall and clocks").
      reply.response.headers.emplace_back("Date", FormatHttpDate(now));
      entry.executed = !down;
      entry.status = reply.disposition == Disposition::kRespond ? reply.response.status : 0;
    }
    if (fault != nullptr) {
      // The fault decides how the answer is delivered: the persona's own answer when the rule
      // gives no status (a delay, or a hold/close/... of what was executed), else its own.
      Reply delivered = FaultReply(*fault, persona->Type());
      if (fault->status == 0) delivered.response = std::move(reply.response);
      reply = std::move(delivered);
      entry.fault_id = fault->id;
      if (!entry.executed && reply.disposition == Disposition::kRespond) {
        entry.status = reply.response.status;
      }
    }
    entry.answer = std::string(DispositionName(reply.disposition));
    log_.Add(std::move(entry));
    return reply;
  } catch (const std::exception& error) {
    // A handler bug or a patched state of the wrong shape must not take the simulator down.
    return Reply{VapiError("ERROR", fmt::format("vsrd-sim internal error: {}", error.what()))};
  }
}

void Simulator::Advance(Duration by) {
  const std::lock_guard lock(mutex_);
  clock_.Advance(by);
  for (const auto& persona : personas_) persona->Tick(clock_.Now());
}

int Simulator::AddFault(FaultRule rule) {
  const std::lock_guard lock(mutex_);
  return faults_.Add(std::move(rule));
}

std::vector<LogEntry> Simulator::Requests() const {
  const std::lock_guard lock(mutex_);
  return log_.Entries();
}

nlohmann::json Simulator::State(std::string_view persona) const {
  const std::lock_guard lock(mutex_);
  const Persona* found = Find(persona);
  return found == nullptr ? nlohmann::json() : found->DumpState();
}

void Simulator::PatchState(std::string_view persona, const nlohmann::json& patch) {
  const std::lock_guard lock(mutex_);
  if (Persona* found = Find(persona)) found->PatchState(patch);
}

void Simulator::Reset() {
  const std::lock_guard lock(mutex_);
  ResetLocked();
}

void Simulator::ResetLocked() {
  for (const auto& persona : personas_) persona->Reset();
  faults_.Clear();
  for (const auto& rule : scenario_.faults) faults_.Add(rule);
  log_.Clear();
}

std::vector<Simulator::PersonaInfo> Simulator::Personas() const {
  const std::lock_guard lock(mutex_);
  std::vector<PersonaInfo> out;
  for (const auto& persona : personas_) {
    out.push_back({persona->Name(), std::string(persona->Type()), persona->Listen()});
  }
  return out;
}

bool Simulator::PersonaDown(std::string_view persona) {
  const std::lock_guard lock(mutex_);
  Persona* found = Find(persona);
  if (found == nullptr) return false;
  found->Tick(clock_.Now());
  return found->IsDown();
}

}  // namespace vsrd::simulator
