#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "daemon/engine/clock.hpp"
#include "manifests/common.hpp"
#include "manifests/object_key.hpp"
#include "reconcilers/outcome.hpp"
#include "reconcilers/reasons.hpp"

// The status of every object (docs/operations.md "Status fields"), kept by the engine and read by
// `vsrd apply`, GET /status and `vsrd status`. Never holds a secret: messages come from reconcilers
// and ApiError summaries, which carry none.

namespace vsrd::daemon {

/// One past outcome, newest last in ObjectStatus::history; passes in a row with the same
/// outcome (result, phase, reason and message) share one entry, so that the history of an
/// in-sync object is one line, not five copies of it (issue 15: memory and /status at 10,000
/// objects).
struct OutcomeEntry {
  WallTime at;             ///< the latest of those passes
  WallTime since;          ///< the first of them
  std::int64_t count = 1;  ///< how many passes in a row had this outcome
  std::string result;      ///< success | error | requeue | stalled (vsrd_reconcile_total's labels)
  reconcilers::Phase phase = reconcilers::Phase::kProgressing;
  std::string reason;
  std::string message;
};

struct ObjectStatus {
  manifests::ObjectKey key;  ///< the object's kind and name
  std::string target;
  std::string generation;           ///< the spec hash of the manifest in force
  std::string observed_generation;  ///< the generation the last pass worked on ("" before one)
  std::string revision;             ///< git commit of the manifests checkout, when known
  reconcilers::Phase phase = reconcilers::Phase::kProgressing;
  std::string reason =
      std::string(reconcilers::reasons::kPending);  ///< the Ready condition's reason
  std::string message = "not reconciled yet";
  std::optional<reconcilers::OperationStatus> operation;
  /// Phase Waiting for policy.window or a dependency: which (the last outcome's).
  std::optional<reconcilers::WaitingFor> waiting;
  std::optional<std::string> last_error;
  std::optional<WallTime> next_reconcile_at;
  std::optional<WallTime> last_transition;  ///< when `phase` last changed
  std::map<std::string, std::string> details;
  std::int64_t failures = 0;  ///< consecutive, of this generation
  /// The last kHistory different outcomes, oldest first. A vector, not a deque: an in-sync
  /// object has one entry, which a vector keeps in 128 bytes and a deque in a 512-byte block
  /// plus its map, allocated anew by each copy-assignment (StatusStore::Put): 11 of vsrd's
  /// 80 MB at 10,000 objects (heaptrack, issue 15).
  std::vector<OutcomeEntry> history;

  /// Adds the outcome of one pass (`pass.at`; its since and count are ignored) to history: to
  /// the newest entry when it is the same outcome, else as a new entry (the oldest dropped
  /// beyond kHistory).
  void Record(OutcomeEntry pass);

  static constexpr std::size_t kHistory = 5;
};

/// Objects per phase, indexed by reconcilers::Phase.
using PhaseCounts = std::array<std::size_t, reconcilers::kPhaseNames.size()>;

/// Thread-safe map of statuses by object key.
class StatusStore {
 public:
  /// Adds or replaces the status of `status.key`.
  void Put(const ObjectStatus& status);
  /// The status of `key`; nullopt when there is none.
  std::optional<ObjectStatus> Get(const manifests::ObjectKey& key) const;
  /// Sets the revision of `key`'s status, if it has one, in place (a reload shows the new
  /// revision on every unchanged object: at 10,000 objects, copying each status out and back
  /// took a fifth of the reload).
  void SetRevision(const manifests::ObjectKey& key, const std::string& revision);
  /// Forgets the status of `key` (an object removed from the manifests).
  void Remove(const manifests::ObjectKey& key);
  /// Every status, ordered by key (as "Kind/name" text sorts).
  std::vector<ObjectStatus> Snapshot() const;
  /// How many objects are in each phase (indexed by reconcilers::Phase), without copying any
  /// status: the STATUS= line reads it every second, at 10,000 objects too.
  PhaseCounts CountPhases() const;

 private:
  mutable std::mutex mutex_;
  std::map<manifests::ObjectKey, ObjectStatus> statuses_;
};

}  // namespace vsrd::daemon
