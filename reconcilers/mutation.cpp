#include "reconcilers/mutation.hpp"

#include <algorithm>
#include <chrono>
#include <utility>

#include "reconcilers/reasons.hpp"
#include "reconcilers/wall_time.hpp"

namespace vsrd::reconcilers {

namespace {

/// How soon an undetermined outcome is looked at again.
constexpr Duration kResolvePoll = std::chrono::seconds(10);

std::string Seconds(Duration duration) {
  return std::to_string(std::chrono::duration_cast<std::chrono::seconds>(duration).count()) + " s";
}

std::string Describe(const InFlight& intent) {
  return intent.operation + (intent.detail.empty() ? "" : " (" + intent.detail + ")") +
         ", attempt " + std::to_string(intent.attempt);
}

}  // namespace

SubmitFailure ClassifySubmitFailure(const ports::ApiError& error) {
  if (!error.sent) return SubmitFailure::kRejected;
  if (error.kind == ports::ErrorKind::kApi) {
    // A vAPI (or update-manager) error body is the server's statement that the operation did
    // not run (docs/vsphere-api.md "Errors"); a bare 5xx may come from a proxy in front of a
    // service that did.
    if (!error.error_type.empty()) return SubmitFailure::kRejected;
    if (error.http_status >= 400 && error.http_status < 500) return SubmitFailure::kRejected;
    return SubmitFailure::kUnknown;
  }
  return SubmitFailure::kUnknown;
}

ports::Result<std::vector<std::string>> ListTaskIds(ports::TasksPort& tasks,
                                                    const ports::TaskFilter& filter) {
  auto listed = tasks.ListTasks(filter);
  if (!listed) return ports::MakeUnexpected(std::move(listed).Error());
  std::vector<std::string> ids;
  ids.reserve(listed->size());
  for (const auto& task : *listed) ids.push_back(task.id);
  std::sort(ids.begin(), ids.end());
  return ids;
}

Evidence EvidenceFromTasks(const std::vector<ports::ListedTask>& listed, const InFlight& intent) {
  const ports::ListedTask* ours = nullptr;
  for (const auto& task : listed) {
    if (std::find(intent.known_tasks.begin(), intent.known_tasks.end(), task.id) !=
        intent.known_tasks.end()) {
      continue;
    }
    const auto started = [](const ports::ListedTask* t) {
      return t->info.start_time.value_or(WallTime{});
    };
    if (ours == nullptr || started(&task) > started(ours)) ours = &task;
  }
  if (ours != nullptr) {
    return Evidence::Running(
        ours->id,
        "task " + ours->id + " (" +
            std::string(ports::kTaskStatusNames.at(static_cast<std::size_t>(ours->info.status))) +
            ") appeared after the submission");
  }
  return Evidence::Absent("no " + intent.operation + " task on the target besides the " +
                          std::to_string(intent.known_tasks.size()) +
                          " listed before the submission");
}

MutationProtocol::MutationProtocol(Context& context, ObjectRecord& record)
    : context_(context), record_(record) {}

bool MutationProtocol::Save() { return context_.DryRun() || context_.SaveRecord(record_); }

bool MutationProtocol::Unresolved() const {
  return record_.in_flight && record_.in_flight->state != Submission::kAccepted;
}

std::optional<Outcome> MutationProtocol::Resolve(const Evidence& evidence) {
  if (!Unresolved()) return std::nullopt;
  InFlight& intent = *record_.in_flight;
  const WallTime now = context_.Now();
  const EffectivePolicy& policy = context_.Policy();
  switch (evidence.kind) {
    case Evidence::Kind::kRunning:
      intent.state = Submission::kAccepted;
      intent.task = evidence.task;
      if (!Save()) return JournalUnavailable("the resolved submission");
      return std::nullopt;
    case Evidence::Kind::kDone:
      if (!Succeeded()) return JournalUnavailable("the resolved submission");
      return std::nullopt;
    case Evidence::Kind::kAbsent: {
      const WallTime settled = intent.started_at + policy.outcome_settle;
      if (now < settled) {
        // A request may still sit in the server's queue: conclude only once it cannot.
        const Duration wait = std::chrono::duration_cast<Duration>(settled - now);
        Outcome outcome = Outcome::RequeueAfter(
            std::clamp(wait, Duration(std::chrono::seconds(1)), kResolvePoll),
            reasons::kResolvingOutcome,
            "the outcome of " + Describe(intent) + " is being resolved: " + evidence.message +
                "; concluding in " + Seconds(wait));
        return outcome;
      }
      // Not run: the attempt stays counted, and the pass decides afresh from live state.
      record_.in_flight.reset();
      if (!Save()) return JournalUnavailable("the resolved submission");
      return std::nullopt;
    }
    case Evidence::Kind::kUndetermined:
      break;
  }
  if (now < intent.started_at + policy.timeout) {
    return Outcome::RequeueAfter(
        kResolvePoll, reasons::kResolvingOutcome,
        "the outcome of " + Describe(intent) + " is being resolved: " + evidence.message);
  }
  return Outcome::Stalled(
      reasons::kOutcomeUnknown,
      "the outcome of " + Describe(intent) + " submitted to target " + intent.target + " at " +
          FormatWallTime(intent.started_at) + " is unknown after policy.timeout (" +
          evidence.message + "). Check on the target whether it ran (" + intent.operation +
          "), then run `vsrd reconcile --reset " + context_.Object().Key().ToString() +
          "` to let vsrd decide again from live state (it may submit again)");
}

std::optional<Outcome> MutationProtocol::ResolveByTaskList(ports::TasksPort& tasks,
                                                           const ports::TaskFilter& filter) {
  if (!Unresolved()) return std::nullopt;
  auto listed = tasks.ListTasks(filter);
  if (!listed) {
    if (listed.Error().IsUnreachable()) {
      return Outcome::ReadFailed(reasons::kTargetUnreachable, "resolving the outcome of " +
                                                                  record_.in_flight->operation +
                                                                  ": " + listed.Error().Summary());
    }
    return Resolve(
        Evidence::Undetermined("the task list cannot be read: " + listed.Error().Summary()));
  }
  return Resolve(EvidenceFromTasks(*listed, *record_.in_flight));
}

std::optional<Outcome> MutationProtocol::Gate(const MutationSpec& spec,
                                              const std::string& pending_message) {
  if (!context_.InWindow()) {
    Outcome outcome =
        Outcome::OutsideWindow(pending_message + "; mutations start only inside policy.window");
    if (context_.DryRun()) outcome.plan = spec.calls;
    return outcome;
  }
  const std::string& generation = context_.Object().generation;
  const std::int64_t attempts = record_.AttemptsFor(generation);
  const EffectivePolicy& policy = context_.Policy();
  if (attempts >= policy.max_failures) {
    Outcome outcome = Outcome::Stalled(
        reasons::kMaxFailuresReached,
        std::to_string(attempts) + " submission(s) of this generation did not succeed " +
            "(policy.max_failures " + std::to_string(policy.max_failures) + "); next: " +
            pending_message + ". Fix the cause, then change the manifest or run `vsrd " +
            "reconcile --reset " + context_.Object().Key().ToString() + "`");
    if (context_.DryRun()) outcome.plan = spec.calls;
    return outcome;
  }
  if (context_.DryRun()) {
    // `vsrd plan`: what apply would do now, the same answer for every kind.
    Outcome outcome = Outcome::RequeueAfter(kResolvePoll, spec.reason, pending_message);
    outcome.plan = spec.calls;
    return outcome;
  }
  if (const auto blocked = context_.MutationsBlocked()) {
    return Outcome::ReadFailed(blocked->reason,
                               pending_message + "; no mutation starts: " + blocked->message);
  }
  if (!slot_taken_ && !context_.TryBeginMutation()) {
    Outcome outcome = Outcome::RequeueAfter(
        spec.busy_retry, reasons::kTargetBusy,
        pending_message + "; waiting for a free mutation slot on target " + context_.Target().name);
    outcome.phase = Phase::kWaiting;
    return outcome;
  }
  slot_taken_ = true;
  return std::nullopt;
}

MutationProtocol::Submitted MutationProtocol::Submit(
    const MutationSpec& spec, const std::function<ports::Result<std::string>()>& call) {
  Submitted submitted;
  const std::string& generation = context_.Object().generation;
  const std::int64_t attempt = record_.AttemptsFor(generation) + 1;
  ObjectRecord intent = record_;
  intent.attempts_generation = generation;
  intent.attempts = attempt;
  InFlight submitting =
      InFlight::Accepted(spec.operation, "", generation, context_.Now(), spec.detail);
  submitting.state = Submission::kSubmitting;
  submitting.attempt = attempt;
  submitting.target = context_.Target().name;
  submitting.known_tasks = spec.known_tasks;
  intent.in_flight = std::move(submitting);
  if (!context_.SaveRecord(intent)) {
    submitted.outcome = JournalUnavailable("the intent to start " + spec.description);
    return submitted;
  }
  record_ = std::move(intent);

  auto result = call();
  if (result) {
    submitted.result = Result::kAccepted;
    submitted.task = *result;
    record_.in_flight->state = Submission::kAccepted;
    record_.in_flight->task = submitted.task;
  } else {
    submitted.error = result.Error();
    if (ClassifySubmitFailure(result.Error()) == SubmitFailure::kRejected) {
      submitted.result = Result::kRejected;
      record_.in_flight.reset();
    } else {
      submitted.result = Result::kUnknown;
      record_.in_flight->state = Submission::kUnknown;
    }
  }
  if (!context_.SaveRecord(record_)) {
    // The intent stays on disk in state submitting: the next pass resolves it from live state.
    submitted.outcome = JournalUnavailable("the outcome of " + spec.description);
  }
  return submitted;
}

Outcome MutationProtocol::Failed(std::string_view reason, std::string message) {
  if (record_.in_flight) {
    record_.in_flight.reset();
    if (!Save()) return JournalUnavailable("a failed operation");
  }
  const std::int64_t attempts = record_.AttemptsFor(context_.Object().generation);
  const std::int64_t limit = context_.Policy().max_failures;
  if (attempts >= limit) {
    return Outcome::Stalled(reasons::kMaxFailuresReached,
                            std::to_string(attempts) + " submission(s) of this generation did " +
                                "not succeed (policy.max_failures " + std::to_string(limit) +
                                "); the last: " + std::string(reason) + ": " + message);
  }
  return Outcome::MutationFailed(reason, std::move(message));
}

Outcome MutationProtocol::Unknown(const MutationSpec& spec, const ports::ApiError& error) const {
  return Outcome::RequeueAfter(kResolvePoll, reasons::kResolvingOutcome,
                               "the outcome of " + spec.description + " is unknown (" +
                                   error.Summary() + "); resolving it from live state, never by " +
                                   "submitting again");
}

bool MutationProtocol::Succeeded() {
  record_.in_flight.reset();
  record_.attempts = 0;
  record_.attempts_generation.clear();
  return Save();
}

Outcome MutationProtocol::JournalUnavailable(const std::string& what) {
  return Outcome::ReadFailed(reasons::kJournalUnavailable,
                             "could not write " + what + " to the journal in state_dir; " +
                                 "no mutation starts until it can be written");
}

}  // namespace vsrd::reconcilers
