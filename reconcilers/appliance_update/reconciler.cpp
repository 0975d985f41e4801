#include "reconcilers/appliance_update/reconciler.hpp"

#include <map>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "reconcilers/api_outcomes.hpp"
#include "reconcilers/appliance_update/plan.hpp"
#include "reconcilers/appliance_update/reasons.hpp"
#include "reconcilers/mutation.hpp"
#include "reconcilers/poll_delay.hpp"

namespace vsrd::reconcilers::appliance_update {
namespace {

/// Plans per pass at most: finish an operation, read the pending list, read the pending info,
/// precheck, mutate. More means a plan that does not settle (a bug): the pass gives up.
constexpr int kMaxRounds = 8;

/// One pass over one object: the reads, the journal and the one mutation, around Plan().
class Pass {
 public:
  Pass(Context& context, Desired desired)
      : context_(context),
        target_(context.Target()),
        desired_(std::move(desired)),
        now_(context.Now()),
        policy_(context.Policy()),
        record_(context.Record()) {}

  Outcome Run() {
    ReadVersion();
    Outcome outcome = Decide();
    outcome.details["desired_version"] = desired_.version;
    if (!live_.read_error) outcome.details["current_version"] = live_.current_version;
    if (live_.update) {
      outcome.details["update_state"] =
          std::string(ports::kUpdateStateNames.at(static_cast<std::size_t>(live_.update->state)));
    }
    if (live_.available) {
      std::string list;
      for (const auto& version : *live_.available) list += (list.empty() ? "" : ", ") + version;
      outcome.details["available_versions"] = list;
    }
    outcome.details["attempts"] = std::to_string(record_.AttemptsFor(desired_.generation));
    return outcome;
  }

 private:
  /// GET the version (vcenter: and the update state) and report it for the version metric.
  void ReadVersion() {
    if (desired_.flavor == Flavor::kVcenter) {
      auto version = target_.appliance->GetVersion();
      if (!version) {
        live_.read_error = version.Error();
        return;
      }
      live_.current_version = version->version;
      context_.ObserveApplianceVersion(live_.current_version);
      auto update = target_.appliance->GetUpdate();
      if (!update) {
        live_.read_error = update.Error();
        return;
      }
      live_.update = std::move(update).Value();
      return;
    }
    auto appliance = target_.update_manager->GetAppliance();
    if (!appliance) {
      live_.read_error = appliance.Error();
      return;
    }
    live_.current_version = appliance->appliance_version;
    context_.ObserveApplianceVersion(live_.current_version);
  }

  Outcome Decide() {
    if (protocol_.Unresolved()) {
      // A submission whose outcome is unknown: live state decides, never a second submission
      // (reconcilers/mutation.hpp). An appliance that does not answer may be restarting.
      if (live_.read_error && live_.read_error->IsUnreachable() &&
          desired_.flavor == Flavor::kVcenter) {
        return ReadFailure(*live_.read_error);
      }
      if (auto end = protocol_.Resolve(EvidenceFromLive(desired_, live_, *record_.in_flight))) {
        return *end;
      }
    }
    for (int round = 0; round < kMaxRounds; ++round) {
      Step step = Plan(desired_, live_, record_, now_, policy_);
      switch (step.kind) {
        case StepKind::kInSync:
          return Outcome::Done(Phase::kReady, step.reason, step.message);
        case StepKind::kBlocked:
          return Outcome::Stalled(step.reason, step.message);
        case StepKind::kReadFailed:
          return ReadFailure(*step.error);
        case StepKind::kPoll: {
          // Ours runs: looked at on its own clock. Someone else's (ApplianceBusy): every
          // kPollInterval.
          Outcome outcome = Outcome::RequeueAfter(
              record_.in_flight ? PollAfter(*record_.in_flight, step.progress) : kPollInterval,
              step.reason, step.message);
          outcome.phase = step.phase;
          if (record_.in_flight) outcome.operation = Operation(*record_.in_flight, step.progress);
          return outcome;
        }
        case StepKind::kRead:
          if (auto failed = DoRead(step.read)) return *failed;
          continue;
        case StepKind::kFinished:
          // Ended well: the attempts start again.
          if (!protocol_.Succeeded()) return JournalFailure();
          live_.task.reset();
          if (step.available) live_.available = std::move(step.available);
          continue;
        case StepKind::kFailed:
          return protocol_.Failed(step.reason, step.message);
        case StepKind::kAdopt:
          return Adopt(step);
        case StepKind::kMutate:
          if (auto outcome = Mutate(step)) return *outcome;
          continue;  // the precheck ran: plan again with its result
      }
    }
    return Outcome::ReadFailed(reasons::kReadFailed,
                               "the update plan did not settle within one pass");
  }

  /// The read a plan asked for; an Outcome when it failed in a way the plan does not judge.
  std::optional<Outcome> DoRead(ReadKind read) {
    switch (read) {
      case ReadKind::kPendingList: {
        auto pending = target_.appliance->ListPendingUpdates(desired_.query);
        if (!pending) {
          // 404: "the source has nothing" (docs/vsphere-api.md "Appliance updates") -> an empty
          // list.
          if (pending.Error().kind != ports::ErrorKind::kApi ||
              pending.Error().http_status != 404) {
            return ReadFailure(pending.Error());
          }
          live_.available.emplace();
          return std::nullopt;
        }
        std::vector<std::string> versions;
        versions.reserve(pending->size());
        for (const auto& update : *pending) versions.push_back(update.version);
        live_.available = std::move(versions);
        return std::nullopt;
      }
      case ReadKind::kPendingInfo: {
        auto info = target_.appliance->GetPendingUpdate(desired_.version);
        if (!info) return ReadFailure(info.Error());
        live_.staged = info->staged.value_or(false);
        return std::nullopt;
      }
      case ReadKind::kTask:
        live_.task = target_.update_manager->GetTask(ports::TaskId{record_.in_flight->task});
        return std::nullopt;
    }
    return std::nullopt;
  }

  /// Follows an operation for the desired version that runs without a journal entry (ours after
  /// a failed journal write, or an operator's). Not a mutation: no window or slot gate.
  Outcome Adopt(const Step& step) {
    if (!context_.DryRun()) {
      record_.in_flight = step.adopt;
      if (step.counts_attempt) CountAttempt();
      if (!Save()) return JournalFailure();
    }
    Outcome outcome =
        Outcome::RequeueAfter(PollAfter(*step.adopt, step.progress), step.reason, step.message);
    outcome.operation = Operation(*step.adopt, step.progress);
    return outcome;
  }

  /// The gate, then the precheck (nullopt: plan again with it) or the one mutating call,
  /// through the mutation protocol.
  std::optional<Outcome> Mutate(const Step& step) {
    MutationSpec mutation;
    mutation.operation = std::string(OperationName(step.mutation));
    mutation.detail = desired_.version;
    mutation.description = step.message;
    mutation.calls = step.plan;
    mutation.reason = step.reason;
    mutation.busy_retry = kTargetBusyRetry;
    const std::string pending =
        context_.DryRun() ? "would start " + step.message : "next step: " + step.message;
    if (auto refused = protocol_.Gate(mutation, pending)) return *refused;
    if (step.precheck_first) {
      auto precheck = target_.appliance->PrecheckUpdate(desired_.version);
      if (!precheck) {
        if (precheck.Error().IsUnreachable()) return ReadFailure(precheck.Error());
        return MutationFailure(reasons::kPrecheckFailed, precheck.Error());
      }
      live_.precheck = std::move(precheck).Value();
      return std::nullopt;
    }

    const auto submitted = protocol_.Submit(mutation, [&]() -> ports::Result<std::string> {
      switch (step.mutation) {
        case Mutation::kStage:
          return SubmittedTask(target_.appliance->StageUpdate(desired_.version));
        case Mutation::kInstall:
          // vsrd answers no question: an install whose questions lack a default stalled already.
          return SubmittedTask(target_.appliance->InstallUpdate(desired_.version, {}));
        case Mutation::kRetrieveUpdates:
          return UpdateManagerTask(target_.update_manager->RetrieveUpdates());
        case Mutation::kUpdateManagerInstall:
          return UpdateManagerTask(target_.update_manager->InstallUpdate(desired_.version));
      }
      return std::string();
    });
    if (submitted.outcome) return *submitted.outcome;
    switch (submitted.result) {
      case MutationProtocol::Result::kUnknown:
        return protocol_.Unknown(mutation, *submitted.error);
      case MutationProtocol::Result::kRejected:
        if (IsAlreadyDone(*submitted.error)) {
          // The appliance says the work is done: the next pass's reads decide.
          if (!protocol_.Succeeded()) return JournalFailure();
          return Outcome::RequeueAfter(NextPoll(Duration::zero()), step.reason,
                                       step.message + ": the appliance reports it already done");
        }
        return protocol_.Failed(FailureReason(step.mutation), submitted.error->Summary());
      case MutationProtocol::Result::kAccepted:
      case MutationProtocol::Result::kNotSubmitted:
        break;
    }
    Outcome outcome =
        Outcome::RequeueAfter(NextPoll(Duration::zero()), step.reason, "started " + step.message);
    outcome.operation = Operation(*record_.in_flight, std::nullopt);
    return outcome;
  }

  /// The update-manager's own task id (its ports return the whole task).
  static ports::Result<std::string> UpdateManagerTask(
      ports::Result<ports::UpdateManagerTask> task) {
    if (!task) return ports::MakeUnexpected(std::move(task).Error());
    return std::move(task->id);
  }

  static std::string_view FailureReason(Mutation mutation) {
    switch (mutation) {
      case Mutation::kStage:
        return reasons::kStageFailed;
      case Mutation::kRetrieveUpdates:
        return reasons::kRetrieveFailed;
      case Mutation::kInstall:
      case Mutation::kUpdateManagerInstall:
        break;
    }
    return reasons::kInstallFailed;
  }

  void CountAttempt() {
    record_.attempts = record_.AttemptsFor(desired_.generation) + 1;
    record_.attempts_generation = desired_.generation;
  }

  /// Writes the journal entry; a dry run keeps its changes to itself.
  bool Save() { return context_.DryRun() || context_.SaveRecord(record_); }

  /// When to look at an operation of ours again: on its own clock (reconcilers/poll_delay.hpp),
  /// from its start and the progress the appliance reports.
  Duration PollAfter(const InFlight& in_flight, std::optional<std::int64_t> progress) const {
    return NextPoll(std::chrono::duration_cast<Duration>(now_ - in_flight.started_at), progress);
  }

  static OperationStatus Operation(const InFlight& in_flight,
                                   std::optional<std::int64_t> progress) {
    return OperationStatus{in_flight.operation, in_flight.task, in_flight.started_at, progress};
  }

  Context& context_;
  const TargetPorts& target_;
  Desired desired_;
  WallTime now_;
  const EffectivePolicy& policy_;
  ObjectRecord record_;
  Live live_;
  MutationProtocol protocol_{context_, record_};
};

}  // namespace

Outcome ApplianceUpdateReconciler::Reconcile(Context& context) {
  const manifests::Object& object = context.Object();
  const auto* spec = std::get_if<manifests::ApplianceUpdateSpec>(&object.spec);
  if (spec == nullptr) return KindMismatch(object, manifests::Kind::kApplianceUpdate);
  const TargetPorts& target = context.Target();
  Desired desired;
  if (target.appliance != nullptr) {
    desired.flavor = Flavor::kVcenter;
  } else if (target.update_manager != nullptr) {
    desired.flavor = Flavor::kUpdateManager;
  } else {
    return Outcome::Stalled(reasons::kUnsupportedTarget,
                            "target " + target.name + " has no appliance update API");
  }
  desired.version = spec->version;
  desired.generation = object.generation;
  desired.query.source_type =
      spec->source_type.value_or(manifests::UpdateSourceType::kLocalAndOnline);
  desired.query.url = spec->url;
  return Pass(context, std::move(desired)).Run();
}

}  // namespace vsrd::reconcilers::appliance_update
