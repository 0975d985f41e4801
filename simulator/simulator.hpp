#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "simulator/clock.hpp"
#include "simulator/faults.hpp"
#include "simulator/persona.hpp"
#include "simulator/request_log.hpp"
#include "simulator/scenario.hpp"

// One vsrd-sim process: the personas of a scenario, the shared simulated clock, the fault rules
// and the request log. Handle() is the whole simulator as a pure request -> reply function; the
// HTTPS server (server.hpp) is only transport around it. Admin endpoints live under /sim/.

namespace vsrd::simulator {

class Simulator {
 public:
  /// `time_scale` 0: time moves only when advanced (tests); X > 0: X times real time (demos).
  explicit Simulator(const Scenario& scenario, double time_scale = 0);

  /// Answers `request` sent to the persona named `persona` (the server passes the persona of
  /// the port the request arrived on). Thread-safe; never throws.
  Reply Handle(std::string_view persona, const Request& request);

  // In-process conveniences for tests (the same operations as the /sim/ admin API).
  void Advance(Duration by);
  TimePoint Now() const { return clock_.Now(); }
  int AddFault(FaultRule rule);
  std::vector<LogEntry> Requests() const;
  nlohmann::json State(std::string_view persona) const;
  void PatchState(std::string_view persona, const nlohmann::json& patch);
  void Reset();

  struct PersonaInfo {
    std::string name;
    std::string type;
    std::string listen;
  };
  std::vector<PersonaInfo> Personas() const;

  /// True while `persona` is down (restarting): first moves it to the current simulated time,
  /// exactly as a request would. The server polls this to reopen the listener it closed on a
  /// kRefuse reply. False for an unknown persona. Thread-safe.
  bool PersonaDown(std::string_view persona);

 private:
  Persona* Find(std::string_view name) const;
  Reply HandleAdmin(const Request& request);  // admin.cpp; called with mutex_ held
  /// Personas to their scenario state, the scenario's faults only, an empty log. mutex_ held.
  void ResetLocked();

  mutable std::mutex mutex_;
  Scenario scenario_;
  SimClock clock_;
  std::vector<std::unique_ptr<Persona>> personas_;
  FaultSet faults_;
  RequestLog log_;
};

/// Creates the persona for one scenario entry (a vcenter or an update-manager).
std::unique_ptr<Persona> MakePersona(const PersonaScenario& scenario);

}  // namespace vsrd::simulator
