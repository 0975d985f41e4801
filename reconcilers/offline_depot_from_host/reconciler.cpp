#include "reconcilers/offline_depot_from_host/reconciler.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <variant>

#include "reconcilers/api_outcomes.hpp"
#include "reconcilers/offline_depot_from_host/plan.hpp"
#include "reconcilers/offline_depot_from_host/reasons.hpp"

namespace vsrd::reconcilers::offline_depot_from_host {

namespace {

/// The outcome of every step but kExtract, which the reconciler carries out itself.
Outcome ToOutcome(const Step& step) {
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
  return Outcome::RequeueAfter(kPollInterval, step.reason, step.message);
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
    if (depots == nullptr) {
      return Outcome::Stalled(reasons::kUnsupportedTarget,
                              "target " + context_.Target().name +
                                  " has no depot API: OfflineDepotFromHost "
                                  "needs a target with api: vcenter");
    }
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
      if (!context_.DryRun() && !context_.SaveRecord(*step.save)) return JournalFailure();
      record_ = std::move(*step.save);
    }
    if (step.kind != Step::Kind::kExtract) return ToOutcome(step);
    return Extract(step, *depots);
  }

  /// createFromHost: the pass's one mutation, behind the window, dry run and slot gates.
  Outcome Extract(const Step& step, ports::DepotsPort& depots) {
    const std::string call = DescribeCreate(spec_);
    if (!context_.InWindow()) {
      Outcome outcome =
          Outcome::OutsideWindow(step.message + "; mutations start only inside policy.window");
      if (context_.DryRun()) outcome.plan = {call};
      return outcome;
    }
    // Read before the dry-run exit too, so that `vsrd plan` shows a password apply could not read.
    ports::Secret password;
    if (spec_.host_credential) {
      auto secret = context_.ReadSecret(spec_.host_credential->password);
      if (!secret) return ReadFailure(secret.Error());
      password = std::move(secret).Value();
    }
    if (context_.DryRun()) {
      Outcome outcome = Outcome::RequeueAfter(kPollInterval, step.reason, step.message);
      outcome.plan = {call};
      return outcome;
    }
    if (!context_.TryBeginMutation()) {
      Outcome outcome = Outcome::RequeueAfter(
          kBusyRetryAfter, reasons::kTargetBusy,
          step.message + "; waiting for a free mutation slot on target " + context_.Target().name);
      outcome.phase = Phase::kWaiting;
      return outcome;
    }
    auto task = depots.CreateFromHost(MakeConnectionSpec(spec_, std::move(password)));
    if (!task) {
      Step judged = JudgeCreateError(task.Error(), spec_, record_, context_.Object().generation);
      if (judged.save) {
        if (!context_.SaveRecord(*judged.save)) return JournalFailure();
        record_ = std::move(*judged.save);
      }
      return ToOutcome(judged);
    }
    // createFromHost is not idempotent: journal the task before anything else (docs/reconcilers.md
    // "Reconcile rules"), so that a restart polls it instead of starting a second one.
    ObjectRecord updated = record_;
    updated.in_flight = InFlight{std::string(kCreateOperation), task->value,
                                 context_.Object().generation, context_.Now(), HostLabel(spec_)};
    if (!context_.SaveRecord(updated)) return JournalFailure();
    record_ = std::move(updated);
    // Drift is counted once per repair, when it starts: a pass that waits (window, slot) or fails
    // to submit would otherwise count the same deletion again every time.
    if (step.drift) context_.ObserveDrift();
    return Outcome::RequeueAfter(kPollInterval, reasons::kExtractRunning,
                                 step.message + " (task " + task->value + ")");
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
