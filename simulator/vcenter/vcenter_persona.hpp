#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "simulator/persona.hpp"
#include "simulator/scenario.hpp"
#include "simulator/sessions.hpp"
#include "simulator/vcenter/cis_tasks.hpp"

// The vCenter persona: the /api surface of docs/vsphere-api.md. Each API area
// lives in its own file under simulator/vcenter/ and registers its routes on this persona
// (areas.hpp); all state is one JSON document (DumpState) so that tests can read and patch it.

namespace vsrd::simulator {

class VcenterPersona final : public Persona {
 public:
  explicit VcenterPersona(const PersonaScenario& scenario);

  std::string_view Type() const override { return "vcenter"; }
  void Tick(TimePoint now) override;
  bool IsDown() const override { return down_until_.has_value(); }
  Reply Handle(const Request& request, TimePoint now) override;
  const Router& Routes() const override { return router_; }
  nlohmann::json DumpState() const override;
  void PatchState(const nlohmann::json& patch) override;
  void Reset() override;

  // For the area files; valid while a request is being handled.

  /// The mutable state document: {inventory, vcha, depots, deployment, appliance}.
  nlohmann::json& State() { return state_; }
  CisTaskStore& Tasks() { return tasks_; }
  Router& MutableRoutes() { return router_; }
  /// Simulated time of the request being handled (or of the last Tick).
  TimePoint Now() const { return now_; }
  /// The user of the session that made the current request ("" for none).
  const std::string& User() const { return user_; }
  const PersonaScenario& ScenarioEntry() const { return scenario_; }

  /// The appliance goes down until `until` (an update's restart): every request is refused at
  /// the TCP level, or answered 503 when `answer_503`; every session is dropped.
  void Restart(TimePoint until, bool answer_503);

  /// Registers a hook that Tick calls with the new time, after the cis tasks moved and before a
  /// finished restart ends: areas whose state changes with time alone (an appliance install
  /// that ends in a restart) make those changes here, exactly when simulated time passes them.
  void AddTicker(std::function<void(TimePoint)> ticker) { tickers_.push_back(std::move(ticker)); }

 private:
  Response CreateSession(const Request& request);
  void AddSessionRoutes();

  PersonaScenario scenario_;
  nlohmann::json state_;
  CisTaskStore tasks_;
  Router router_;
  SessionStore sessions_;
  const SessionStore::Session* session_ = nullptr;  ///< of the request being handled
  std::uint64_t session_counter_ = 0;
  TimePoint now_{};
  std::string user_;
  std::optional<TimePoint> down_until_;
  bool down_answer_503_ = false;
  std::vector<std::function<void(TimePoint)>> tickers_;
};

}  // namespace vsrd::simulator
