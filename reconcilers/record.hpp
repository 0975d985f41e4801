#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "reconcilers/ports/tasks_port.hpp"

// What vsrd remembers about one object between passes and across restarts: the journal entry
// in state_dir (docs/reconcilers.md "Reconcile rules"). Everything else is re-read from vSphere on
// every pass.

namespace vsrd::reconcilers {

using ports::WallTime;

/// Where a submission stands (docs/reconcilers.md "The mutation protocol").
enum class Submission {
  /// The intent is on disk and the POST may be on the wire: found at the start of a pass, the
  /// process died mid-submission, and the outcome is resolved like kUnknown.
  kSubmitting,
  /// The server took it: `task` is its task ("" for operations followed by state).
  kAccepted,
  /// The POST may or may not have run (timeout, reset or cancellation after a full write, an
  /// undecodable 2xx): resolved from live state, never by submitting again.
  kUnknown,
};
inline constexpr std::array<std::string_view, 3> kSubmissionNames{"submitting", "accepted",
                                                                  "unknown"};

/// A vSphere operation this object submitted (or is submitting) and has not seen finish.
struct InFlight {
  std::string operation;   ///< the fixed operation name, e.g. "vcha.passive.redeploy"
  std::string task;        ///< the task id; "" for operations polled by state (appliance stage)
  std::string generation;  ///< of the spec that started it
  WallTime started_at;     ///< when the intent was written (adopted: the operation's start)
  std::string detail;      ///< what it works on, e.g. the version being installed
  Submission state = Submission::kAccepted;
  /// The attempt number of this submission for `generation` (record.attempts when it was
  /// written); 0 for an operation adopted from live state.
  std::int64_t attempt = 0;
  std::string target;  ///< the config target it was submitted to
  /// Operations found in the cis task list: the ids of the tasks of this operation that the
  /// target listed just before the submission. A task not among them is this submission's.
  std::vector<std::string> known_tasks;

  /// An accepted operation with these fields (the others at their defaults).
  static InFlight Accepted(std::string operation, std::string task, std::string generation,
                           WallTime started_at, std::string detail) {
    InFlight in_flight;
    in_flight.operation = std::move(operation);
    in_flight.task = std::move(task);
    in_flight.generation = std::move(generation);
    in_flight.started_at = started_at;
    in_flight.detail = std::move(detail);
    return in_flight;
  }

  friend bool operator==(const InFlight&, const InFlight&) = default;
};

struct ObjectRecord {
  std::optional<InFlight> in_flight;
  /// Facts learned from finished operations that live state cannot give back, e.g.
  /// {"depot": "depot-3"}: the depot an OfflineDepotFromHost extracted.
  std::map<std::string, std::string> facts;
  /// Submissions for `attempts_generation` since the last one that succeeded: counted when the
  /// intent is written, so a crash, a rejection and a task that ends FAILED all count. At
  /// policy.max_failures the object is Stalled (MaxFailuresReached) until its generation
  /// changes or `vsrd reconcile --reset` clears the count; kept across restarts and reloads.
  std::string attempts_generation;
  std::int64_t attempts = 0;

  /// Attempts made for `generation` (0 when the record counts another one).
  std::int64_t AttemptsFor(const std::string& generation) const {
    return attempts_generation == generation ? attempts : 0;
  }

  friend bool operator==(const ObjectRecord&, const ObjectRecord&) = default;
};

}  // namespace vsrd::reconcilers
