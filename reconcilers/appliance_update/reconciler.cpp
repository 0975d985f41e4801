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
          Outcome outcome = Outcome::RequeueAfter(kPollInterval, step.reason, step.message);
          outcome.phase = step.phase;
          if (record_.in_flight) outcome.operation = Operation(*record_.in_flight, step.progress);
          return outcome;
        }
        case StepKind::kRead:
          if (auto failed = DoRead(step.read)) return *failed;
          continue;
        case StepKind::kFinished:
          record_.in_flight.reset();
          if (!Save()) return JournalFailure();
          live_.task.reset();
          if (step.available) live_.available = std::move(step.available);
          continue;
        case StepKind::kFailed:
          record_.in_flight.reset();
          if (!Save()) return JournalFailure();
          return Outcome::MutationFailed(step.reason, step.message);
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
    Outcome outcome = Outcome::RequeueAfter(kPollInterval, step.reason, step.message);
    outcome.operation = Operation(*step.adopt, step.progress);
    return outcome;
  }

  /// The gates, then the precheck (nullopt: plan again with it) or the one mutating call.
  std::optional<Outcome> Mutate(const Step& step) {
    if (!context_.InWindow()) {
      Outcome outcome =
          Outcome::OutsideWindow("next step: " + step.message + ", once policy.window opens");
      if (context_.DryRun()) outcome.plan = step.plan;
      return outcome;
    }
    if (context_.DryRun()) {
      Outcome outcome =
          Outcome::RequeueAfter(kPollInterval, step.reason, "would start " + step.message);
      outcome.plan = step.plan;
      return outcome;
    }
    if (!slot_taken_) {
      if (!context_.TryBeginMutation()) {
        Outcome outcome = Outcome::RequeueAfter(
            kTargetBusyRetry, reasons::kTargetBusy,
            "next step: " + step.message + ", once the target has a free mutation slot");
        outcome.phase = Phase::kWaiting;
        return outcome;
      }
      slot_taken_ = true;
    }
    if (step.precheck_first) {
      auto precheck = target_.appliance->PrecheckUpdate(desired_.version);
      if (!precheck) {
        if (precheck.Error().IsUnreachable()) return ReadFailure(precheck.Error());
        return MutationFailure(reasons::kPrecheckFailed, precheck.Error());
      }
      live_.precheck = std::move(precheck).Value();
      return std::nullopt;
    }

    std::string task;
    bool already_done = false;
    const auto failed = [&already_done](const ports::ApiError& error) {
      already_done = IsAlreadyDone(error);
      return !already_done;
    };
    switch (step.mutation) {
      case Mutation::kStage: {
        auto result = target_.appliance->StageUpdate(desired_.version);
        if (!result && failed(result.Error()))
          return MutationFailure(reasons::kStageFailed, result.Error());
        break;
      }
      case Mutation::kInstall: {
        // vsrd answers no question: an install whose questions lack a default stalled already.
        auto result = target_.appliance->InstallUpdate(desired_.version, {});
        if (!result && failed(result.Error())) {
          return MutationFailure(reasons::kInstallFailed, result.Error());
        }
        break;
      }
      case Mutation::kRetrieveUpdates: {
        auto result = target_.update_manager->RetrieveUpdates();
        if (!result && failed(result.Error())) {
          return MutationFailure(reasons::kRetrieveFailed, result.Error());
        }
        if (result) task = result->id;
        break;
      }
      case Mutation::kUpdateManagerInstall: {
        auto result = target_.update_manager->InstallUpdate(desired_.version);
        if (!result && failed(result.Error())) {
          return MutationFailure(reasons::kInstallFailed, result.Error());
        }
        if (result) task = result->id;
        break;
      }
    }
    const bool has_task = desired_.flavor == Flavor::kVcenter || !task.empty();
    if (already_done && !has_task) {
      // The appliance says the work is done but gave no task to follow: the next pass's reads
      // decide.
      return Outcome::RequeueAfter(kPollInterval, step.reason,
                                   step.message + ": the appliance reports it already done");
    }
    record_.in_flight = InFlight{std::string(OperationName(step.mutation)), task,
                                 desired_.generation, now_, desired_.version};
    if (step.counts_attempt) CountAttempt();
    if (!Save()) return JournalFailure();
    Outcome outcome = Outcome::RequeueAfter(kPollInterval, step.reason, "started " + step.message);
    outcome.operation = Operation(*record_.in_flight, std::nullopt);
    return outcome;
  }

  void CountAttempt() {
    record_.attempts = record_.AttemptsFor(desired_.generation) + 1;
    record_.attempts_generation = desired_.generation;
  }

  /// Writes the journal entry; a dry run keeps its changes to itself.
  bool Save() { return context_.DryRun() || context_.SaveRecord(record_); }

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
  bool slot_taken_ = false;
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
