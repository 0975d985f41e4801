#pragma once

#include <map>
#include <optional>
#include <string>

#include "simulator/persona.hpp"
#include "simulator/scenario.hpp"

// The update-manager persona: an appliance configuration API (vSphere Replication, SRM) as
// CONTRACT.md section 11 decides it: POST /session -> {session_id}, header x-dr-session,
// GET /appliance, retrieve-updates and install returning Task, GET /tasks/{id}; ResponseError
// bodies; 401 and 404 without a body. An install restarts the appliance.

namespace vsrd::simulator {

class UpdateManagerPersona final : public Persona {
 public:
  explicit UpdateManagerPersona(const PersonaScenario& scenario);

  std::string_view Type() const override { return "update-manager"; }
  void Tick(TimePoint now) override;
  bool IsDown() const override;
  Reply Handle(const Request& request, TimePoint now) override;
  const Router& Routes() const override { return router_; }
  nlohmann::json DumpState() const override;
  void PatchState(const nlohmann::json& patch) override;
  void Reset() override;

 private:
  PersonaScenario scenario_;
  nlohmann::json state_;
  Router router_;
  TimePoint now_{};
};

}  // namespace vsrd::simulator
