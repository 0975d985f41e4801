#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "simulator/persona.hpp"
#include "simulator/scenario.hpp"
#include "simulator/sessions.hpp"

// The update-manager persona: the appliance configuration API of a vSphere Replication / SRM
// appliance as docs/vsphere-api.md "The update-manager appliance API" decide it. POST /session
// (HTTP Basic) -> {session_id}, later calls send x-dr-session; GET /appliance; retrieve-updates and
// install answer 202 with a Task polled through GET /tasks/{id}; PUT
// /appliance/update-manager/repository. Errors are ResponseError {error_code, message, op_id}; 401
// and 404 have no body.
//
// An install runs QUEUED -> RUNNING on the simulated clock, then the appliance restarts: for
// `restart_duration` it refuses connections (or answers 503), every session is dropped and every
// task is forgotten; afterwards GET /appliance reports the new version (or the old one when the
// scenario makes the install fail). State shape and scenario schema: update_manager_state.cpp.

namespace vsrd::simulator {

class UpdateManagerPersona final : public Persona {
 public:
  explicit UpdateManagerPersona(const PersonaScenario& scenario);

  std::string_view Type() const override { return "update-manager"; }
  void Tick(TimePoint now) override;
  bool IsDown() const override { return restart_.has_value(); }
  Reply Handle(const Request& request, TimePoint now) override;
  const Router& Routes() const override { return router_; }
  nlohmann::json DumpState() const override;
  void PatchState(const nlohmann::json& patch) override;
  void Reset() override;

 private:
  enum class TaskKind { kRetrieveUpdates, kInstall };
  enum class RestartMode { kRefuse, k503, kNone };

  struct Task {
    std::string id;
    TaskKind kind = TaskKind::kRetrieveUpdates;
    TimePoint created;
    Duration queued_for{0};
    Duration run_for{0};
    bool fail = false;
    bool finished = false;
    /// The catalog entry being installed (kInstall).
    nlohmann::json update;
    RestartMode restart_mode = RestartMode::kRefuse;
    Duration restart_duration{0};
    /// Task.result, fixed when the task succeeds (kRetrieveUpdates: the available updates).
    nlohmann::json result;

    TimePoint End() const { return created + queued_for + run_for; }
  };

  /// The appliance is down because an install restarts it.
  struct Restart {
    TimePoint since;
    TimePoint until;
    bool answer_503 = false;
    nlohmann::json update;  ///< the catalog entry installed
    bool fail = false;      ///< when set the appliance comes back with its old version
  };

  void AddRoutes();
  Response CreateSession(const Request& request);
  Response RetrieveUpdates();
  Response Install(const std::string& version);
  Response SetRepository(const Request& request);
  Response GetTask(const std::string& id) const;

  /// Finishes `task` at its end time; an install's end restarts the appliance.
  void Complete(Task& task);
  /// Makes `update` the installed version (ignores a state patched into another shape).
  void ApplyUpdate(const nlohmann::json& update);
  /// The catalog entries newer than the installed version, oldest first.
  nlohmann::json AvailableUpdates() const;
  /// The Task JSON at `now_`.
  nlohmann::json TaskJson(const Task& task) const;

  /// A 400/403/500 ResponseError with a fresh op_id.
  Response Error(int status, std::string_view code, std::string_view message);
  /// A random UUID-shaped string (session ids, task ids, op_ids). Deterministic per persona.
  std::string NewUuid();

  PersonaScenario scenario_;
  nlohmann::json state_;
  Router router_;
  SessionStore sessions_;
  std::vector<Task> tasks_;  ///< creation order
  std::optional<Restart> restart_;
  std::mt19937_64 random_;
  TimePoint now_{};
};

/// Compares appliance versions such as "9.0.2.0" and "9.0.2.0-24522545": the runs of digits are
/// compared as numbers, left to right (a version that extends an equal prefix is newer); when
/// those are all equal the texts are compared. Negative, zero or positive like strcmp.
int CompareApplianceVersions(std::string_view a, std::string_view b);

/// True when `version` can be an update version: non-empty, letters, digits, '.', '-', '_', '+'
/// (it is a URL path segment), the rule vsrd's ApplianceUpdate manifests apply.
bool IsApplianceVersion(std::string_view version);

}  // namespace vsrd::simulator
