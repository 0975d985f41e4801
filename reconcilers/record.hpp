#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "reconcilers/ports/tasks_port.hpp"

// What vsrd remembers about one object between passes and across restarts: the journal entry
// in state_dir (docs/reconcilers.md "Reconcile rules"). Everything else is re-read from vSphere on
// every pass.

namespace vsrd::reconcilers {

using ports::WallTime;

/// A vSphere operation this object started and has not seen finish.
struct InFlight {
  std::string operation;   ///< the fixed operation name, e.g. "vcha.passive.redeploy"
  std::string task;        ///< the task id; "" for operations polled by state (appliance stage)
  std::string generation;  ///< of the spec that started it
  WallTime started_at;
  std::string detail;  ///< what it works on, e.g. the version being installed

  friend bool operator==(const InFlight&, const InFlight&) = default;
};

struct ObjectRecord {
  std::optional<InFlight> in_flight;
  /// Facts learned from finished operations that live state cannot give back, e.g.
  /// {"depot": "depot-3"}: the depot an OfflineDepotFromHost extracted.
  std::map<std::string, std::string> facts;
  /// Mutations started for `attempts_generation` (ApplianceUpdate installs at most
  /// max_failures times per generation, even across restarts).
  std::string attempts_generation;
  std::int64_t attempts = 0;

  /// Attempts made for `generation` (0 when the record counts another one).
  std::int64_t AttemptsFor(const std::string& generation) const {
    return attempts_generation == generation ? attempts : 0;
  }

  friend bool operator==(const ObjectRecord&, const ObjectRecord&) = default;
};

}  // namespace vsrd::reconcilers
