#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "reconcilers/context.hpp"
#include "reconcilers/outcome.hpp"
#include "reconcilers/ports/api_error.hpp"
#include "reconcilers/record.hpp"

// The mutation protocol (docs/reconcilers.md "The mutation protocol"): the only way any kind
// submits a mutating call. In order:
//
//   1. Gate: policy.window, dry run (`vsrd plan` describes and stops here), the attempts of
//      this generation (at policy.max_failures: Stalled MaxFailuresReached), mutations blocked
//      (journal recovery, a failed journal write, a stop in progress), a mutation slot.
//   2. Intent: the record gets InFlight{state: submitting, attempt n, ...} and attempts = n,
//      written durably (fsync'd) BEFORE the call. No intent on disk, no call.
//   3. The call, and its outcome recorded:
//        accepted  the server took it: state accepted, the task recorded;
//        rejected  the server certainly did not run it (nothing was written in full, or a vAPI
//                  error answered it): the intent is cleared, the attempt stays counted;
//        unknown   it may have run (timeout, reset or cancellation after a full write, an
//                  undecodable 2xx): state unknown.
//   4. Resolution: a record in state submitting (a crash mid-submission) or unknown is never
//      submitted again blindly. The kind reads live state (the cis task list, the VCHA cluster,
//      the appliance's update state) and reports Evidence; Resolve turns it into: following
//      the running operation, done, not run (only once the intent is older than
//      policy.outcome_settle, so a request still queued at the server is not raced), or, when
//      live state cannot tell by policy.timeout, Stalled OutcomeUnknown for an operator.
//
// Attempts are counted when the intent is written, so a crash, a rejection and a task that
// ends FAILED all count; a completion that succeeded (Succeeded) starts the count again.

namespace vsrd::reconcilers {

/// What a failed submission says about whether the server ran it.
enum class SubmitFailure {
  kRejected,  ///< certainly not run: safe to count as a failed attempt and try again later
  kUnknown,   ///< may have run: resolved from live state, never by submitting again
};

/// Pure: nothing written in full (ApiError::sent false) or a vAPI error body (error_type set,
/// or a 4xx) -> kRejected; everything else after a full write (timeouts, resets, cancellation,
/// truncated or undecodable answers, a 5xx without a vAPI error, e.g. a proxy's 502/504) ->
/// kUnknown.
SubmitFailure ClassifySubmitFailure(const ports::ApiError& error);

/// One mutating call, as the protocol journals and reports it.
struct MutationSpec {
  std::string operation;           ///< the fixed operation name, journaled
  std::string detail;              ///< journaled: what it works on (a host, a version, a VM)
  std::string description;         ///< for messages: "extracting the depot from host-101"
  std::vector<std::string> calls;  ///< `vsrd plan`: the calls apply would make now
  /// The reason while it runs (e.g. ExtractRunning); also `vsrd plan`'s, with the message the
  /// gate is given.
  std::string_view reason;
  /// Operations found in the cis task list: the tasks listed before the submission
  /// (ListTaskIds), journaled with the intent.
  std::vector<std::string> known_tasks;
  /// How soon to look again when every mutation slot of the target is taken.
  Duration busy_retry = std::chrono::seconds(15);
};

/// What a kind found in live state about a submission whose outcome is not known.
struct Evidence {
  enum class Kind {
    kRunning,       ///< it runs (or ran): follow `task` ("" for operations followed by state)
    kDone,          ///< live state shows its result: it ran and succeeded
    kAbsent,        ///< no trace of it where one would be
    kUndetermined,  ///< live state cannot tell (e.g. an appliance that restarts)
  };
  Kind kind = Kind::kUndetermined;
  std::string task;
  std::string message;  ///< what was found, for status and the log

  static Evidence Running(std::string task, std::string message) {
    return {Kind::kRunning, std::move(task), std::move(message)};
  }
  static Evidence Done(std::string message) { return {Kind::kDone, {}, std::move(message)}; }
  static Evidence Absent(std::string message) { return {Kind::kAbsent, {}, std::move(message)}; }
  static Evidence Undetermined(std::string message) {
    return {Kind::kUndetermined, {}, std::move(message)};
  }
};

/// The task id of a submission for MutationProtocol::Submit: a cis task's id.
inline ports::Result<std::string> SubmittedTask(ports::Result<ports::TaskId> result) {
  if (!result) return ports::MakeUnexpected(std::move(result).Error());
  return std::move(result->value);
}
/// A submission without a task (followed by state, or done when accepted): "".
inline ports::Result<std::string> SubmittedTask(ports::Result<void> result) {
  if (!result) return ports::MakeUnexpected(std::move(result).Error());
  return std::string();
}

/// The ids of the tasks of `filter` the target lists now (MutationSpec::known_tasks).
ports::Result<std::vector<std::string>> ListTaskIds(ports::TasksPort& tasks,
                                                    const ports::TaskFilter& filter);

/// Pure: what the task list says about `intent`: a task of `listed` that is not among
/// intent.known_tasks is this submission's (the most recently started one when several are);
/// none -> Absent.
Evidence EvidenceFromTasks(const std::vector<ports::ListedTask>& listed, const InFlight& intent);

class MutationProtocol {
 public:
  /// `record` is the pass's copy of the journal entry; the protocol updates it and saves it.
  MutationProtocol(Context& context, ObjectRecord& record);

  /// True when the record holds a submission whose outcome is not known: state submitting
  /// (left by a process that died mid-submission) or unknown. The kind must then gather
  /// Evidence and call Resolve before anything else.
  bool Unresolved() const;

  /// Applies what the kind found about the unresolved submission. nullopt: the record now says
  /// what is known (accepted with its task, or cleared) and the pass goes on; otherwise the
  /// pass ends with the returned outcome (still waiting to tell, OutcomeUnknown, a journal
  /// failure).
  std::optional<Outcome> Resolve(const Evidence& evidence);

  /// Resolve by the cis task list (operations submitted with vmw-task=true): lists `filter`,
  /// then Resolve(EvidenceFromTasks). A target that cannot be reached is a read failure
  /// (retried; nothing is submitted meanwhile); another failure of the list leaves the outcome
  /// undetermined.
  std::optional<Outcome> ResolveByTaskList(ports::TasksPort& tasks,
                                           const ports::TaskFilter& filter);

  /// Step 1. nullopt: the mutation may be submitted now (the slot is held). Otherwise the pass
  /// ends with the returned outcome (window closed, dry run with `spec.calls` as the plan,
  /// attempts exhausted, mutations blocked, target busy). `pending_message` says what is due.
  std::optional<Outcome> Gate(const MutationSpec& spec, const std::string& pending_message);

  enum class Result { kAccepted, kRejected, kUnknown, kNotSubmitted };
  struct Submitted {
    Result result = Result::kNotSubmitted;
    std::string task;                      ///< kAccepted: the task id ("" when none)
    std::optional<ports::ApiError> error;  ///< kRejected and kUnknown
    /// kNotSubmitted (the intent could not be written), or a journal failure after the call
    /// (the record on disk still says submitting: the next pass resolves it): the pass ends
    /// with this outcome.
    std::optional<Outcome> outcome;
  };
  /// Steps 2 and 3, after a Gate that said yes: writes the intent, makes `call` (which returns
  /// the task id, "" for operations without one), records its outcome.
  Submitted Submit(const MutationSpec& spec,
                   const std::function<ports::Result<std::string>()>& call);

  /// The outcome of a submission found rejected or failed (a task that ended FAILED): Stalled
  /// MaxFailuresReached once this generation's attempts reach policy.max_failures, else a
  /// failed mutation (backoff). Clears the in-flight record when there is one.
  Outcome Failed(std::string_view reason, std::string message);
  /// The outcome of Result::kUnknown: look again soon to resolve it.
  Outcome Unknown(const MutationSpec& spec, const ports::ApiError& error) const;
  /// The operation finished well (its task SUCCEEDED, or the server said it was already done):
  /// clears the in-flight record and the attempts. False when the journal write failed (the
  /// caller returns JournalUnavailable()).
  bool Succeeded();

  /// The outcome when the journal cannot be written: no mutation without its intent on disk.
  static Outcome JournalUnavailable(const std::string& what);

 private:
  bool Save();

  Context& context_;
  ObjectRecord& record_;
  bool slot_taken_ = false;  ///< taken by an earlier Gate of this pass
};

}  // namespace vsrd::reconcilers
