#include "reconcilers/offline_depot_from_host/reconciler.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <variant>

#include "reconcilers/api_outcomes.hpp"
#include "reconcilers/mutation.hpp"
#include "reconcilers/offline_depot_from_host/plan.hpp"
#include "reconcilers/offline_depot_from_host/reasons.hpp"
#include "reconcilers/poll_delay.hpp"

namespace vsrd::reconcilers::offline_depot_from_host {

namespace {

/// The outcome of every step but kExtract, which the reconciler carries out itself; a running
/// extraction is looked at again after `poll_after` (NextPoll, reconcilers/poll_delay.hpp).
Outcome ToOutcome(const Step& step, Duration poll_after) {
  switch (step.kind) {
    case Step::Kind::kReady:
      return Outcome::Done(Phase::kReady, step.reason, step.message);
    case Step::Kind::kStalled:
      return Outcome::Stalled(step.reason, step.message);
    case Step::Kind::kFailed:
      return Outcome::MutationFailed(step.reason, step.message);
    case Step::Kind::kPoll:
    case Step::Kind::kExtract:
      break;
  }
  return Outcome::RequeueAfter(poll_after, step.reason, step.message);
}

class Pass {
 public:
  Pass(const manifests::OfflineDepotFromHostSpec& spec, Context& context)
      : spec_(spec), context_(context), record_(context.Record()) {}

  Outcome Run() {
    Outcome outcome = Decide();
    outcome.details.merge(Details(spec_, record_));
    if (record_.in_flight && !outcome.operation) {
      // Status shows the operation for as long as it is journaled, failed reads included.
      outcome.operation = OperationStatus{record_.in_flight->operation, record_.in_flight->task,
                                          record_.in_flight->started_at, progress_};
    }
    return outcome;
  }

 private:
  Outcome Decide() {
    ports::DepotsPort* depots = context_.Target().depots;
    ports::TasksPort* tasks = context_.Target().tasks;
    if (depots == nullptr || tasks == nullptr) {
      return Outcome::Stalled(reasons::kUnsupportedTarget,
                              "target " + context_.Target().name +
                                  " has no depot API: OfflineDepotFromHost "
                                  "needs a target with api: vcenter");
    }
    MutationProtocol protocol(context_, record_);
    // A createFromHost whose outcome is unknown is looked for in the task list, never
    // submitted again blindly (reconcilers/mutation.hpp).
    if (auto end = protocol.ResolveByTaskList(*tasks, CreateTaskFilter())) return *end;

    PlanInput input;
    input.spec = spec_;
    input.generation = context_.Object().generation;
    input.record = record_;
    input.now = context_.Now();
    input.policy = context_.Policy();
    if (record_.in_flight) {
      auto task = depots->GetCreateFromHostTask(ports::TaskId{record_.in_flight->task});
      if (task) {
        progress_ = ProgressPercent(task->task);
        input.poll = TaskPoll{TaskPoll::Kind::kFound, std::move(task).Value()};
      } else if (IsNotFound(task.Error())) {
        input.poll = TaskPoll{TaskPoll::Kind::kLost, {}};
      } else {
        return ReadFailure(task.Error());
      }
    } else if (const auto depot = DepotToRead(record_, input.generation)) {
      auto info = depots->GetOfflineDepot(*depot);
      if (info) {
        input.depot = DepotLookup::kPresent;
      } else if (IsNotFound(info.Error())) {
        input.depot = DepotLookup::kMissing;
      } else {
        return ReadFailure(info.Error());
      }
    }

    Step step = Plan(input);
    if (step.save) {
      ObjectRecord next = std::move(*step.save);
      if (record_.in_flight && !next.in_flight && step.kind != Step::Kind::kFailed) {
        // The extraction ended well: the attempts start again.
        next.attempts = 0;
        next.attempts_generation.clear();
      }
      if (!context_.DryRun() && !context_.SaveRecord(next)) return JournalFailure();
      record_ = std::move(next);
    }
    if (step.kind == Step::Kind::kFailed) return protocol.Failed(step.reason, step.message);
    if (step.kind != Step::Kind::kExtract) return ToOutcome(step, PollAfter());
    return Extract(step, *depots, *tasks, protocol);
  }

  /// createFromHost: the pass's one mutation, through the mutation protocol.
  Outcome Extract(const Step& step, ports::DepotsPort& depots, ports::TasksPort& tasks,
                  MutationProtocol& protocol) {
    MutationSpec mutation;
    mutation.operation = std::string(kCreateOperation);
    mutation.detail = HostLabel(spec_);
    mutation.description = "the extraction from host " + HostLabel(spec_);
    mutation.calls = {DescribeCreate(spec_)};
    mutation.reason = step.reason;
    mutation.busy_retry = kBusyRetryAfter;
    // Read before the gate's dry-run exit too, so that `vsrd plan` shows a password apply could
    // not read.
    ports::Secret password;
    if (spec_.host_credential && context_.InWindow()) {
      auto secret = context_.ReadSecret(spec_.host_credential->password);
      if (!secret) return ReadFailure(secret.Error());
      password = std::move(secret).Value();
    }
    if (auto refused = protocol.Gate(mutation, step.message)) return *refused;
    auto known = ListTaskIds(tasks, CreateTaskFilter());
    if (!known) return ReadFailure(known.Error());
    mutation.known_tasks = std::move(known).Value();

    const auto submitted = protocol.Submit(mutation, [&] {
      return SubmittedTask(depots.CreateFromHost(MakeConnectionSpec(spec_, std::move(password))));
    });
    if (submitted.outcome) return *submitted.outcome;
    switch (submitted.result) {
      case MutationProtocol::Result::kUnknown:
        return protocol.Unknown(mutation, *submitted.error);
      case MutationProtocol::Result::kRejected: {
        Step judged =
            JudgeCreateError(*submitted.error, spec_, record_, context_.Object().generation);
        if (judged.save) {
          if (!context_.SaveRecord(*judged.save)) return JournalFailure();
          record_ = std::move(*judged.save);
        }
        if (judged.kind == Step::Kind::kFailed)
          return protocol.Failed(judged.reason, judged.message);
        if (judged.kind == Step::Kind::kReady && !protocol.Succeeded()) return JournalFailure();
        return ToOutcome(judged, PollAfter());
      }
      case MutationProtocol::Result::kAccepted:
      case MutationProtocol::Result::kNotSubmitted:
        break;
    }
    // Drift is counted once per repair, when it starts: a pass that waits (window, slot) or fails
    // to submit would otherwise count the same deletion again every time.
    if (step.drift) context_.ObserveDrift();
    return Outcome::RequeueAfter(NextPoll(Duration::zero()), reasons::kExtractRunning,
                                 step.message + " (task " + submitted.task + ")");
  }

  /// When to look at the journaled extraction again: on its own clock, from its start and the
  /// progress its task reports (just submitted when none is journaled).
  Duration PollAfter() const {
    if (!record_.in_flight) return NextPoll(Duration::zero());
    return NextPoll(
        std::chrono::duration_cast<Duration>(context_.Now() - record_.in_flight->started_at),
        progress_);
  }

  const manifests::OfflineDepotFromHostSpec& spec_;
  Context& context_;
  ObjectRecord record_;
  std::optional<std::int64_t> progress_;
};

}  // namespace

Outcome OfflineDepotFromHostReconciler::Reconcile(Context& context) {
  const auto* spec = std::get_if<manifests::OfflineDepotFromHostSpec>(&context.Object().spec);
  if (spec == nullptr) {
    return KindMismatch(context.Object(), manifests::Kind::kOfflineDepotFromHost);
  }
  return Pass(*spec, context).Run();
}

}  // namespace vsrd::reconcilers::offline_depot_from_host
