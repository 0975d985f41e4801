#include "reconcilers/appliance_update/plan.hpp"

#include <algorithm>
#include <cctype>
#include <utility>

#include "manifests/duration.hpp"
#include "reconcilers/appliance_update/reasons.hpp"
#include "reconcilers/appliance_update/version.hpp"

namespace vsrd::reconcilers::appliance_update {
namespace {

using ports::UpdateState;

std::string_view StateName(UpdateState state) {
  return ports::kUpdateStateNames.at(static_cast<std::size_t>(state));
}

/// A duration for messages, to the second ("1h2m3s").
std::string Text(WallTime::duration duration) {
  return manifests::FormatDuration(std::chrono::duration_cast<Duration>(
      std::chrono::duration_cast<std::chrono::seconds>(std::max(duration, WallTime::duration{0}))));
}

std::string Join(const std::vector<std::string>& items, std::string_view separator) {
  std::string out;
  for (const auto& item : items) {
    if (!out.empty()) out += separator;
    out += item;
  }
  return out;
}

/// Percent-encodes a path segment (RFC 3986 unreserved characters stay), as the clients do.
std::string EncodeSegment(std::string_view text) {
  static constexpr std::string_view kHex = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (std::isalnum(byte) != 0 || c == '-' || c == '.' || c == '_' || c == '~') {
      out += c;
    } else {
      out += '%';
      out += kHex.at(byte >> 4U);
      out += kHex.at(byte & 0x0FU);
    }
  }
  return out;
}

bool Overdue(const InFlight& in_flight, WallTime now, const EffectivePolicy& policy) {
  return now - in_flight.started_at >= policy.timeout;
}

/// "<error_type>: <first message>" of a task's std-error (Summary() would print HTTP status 0).
std::string TaskErrorText(const ports::ApiError& error) {
  std::string text = error.error_type.empty() ? std::string("ERROR") : error.error_type;
  if (!error.messages.empty() && !error.messages.front().default_message.empty()) {
    text += ": " + error.messages.front().default_message;
  }
  return text;
}

std::optional<std::int64_t> Percent(const std::optional<ports::ApplianceTask>& task) {
  if (!task || !task->progress || task->progress->total <= 0) return std::nullopt;
  return std::clamp<std::int64_t>(task->progress->completed * 100 / task->progress->total, 0, 100);
}

// ---------------------------------------------------------------------------------------------
// Step builders

Step Make(StepKind kind, std::string_view reason, std::string message) {
  Step step;
  step.kind = kind;
  step.reason = reason;
  step.message = std::move(message);
  return step;
}

Step InSync(std::string message) {
  return Make(StepKind::kInSync, reasons::kUpToDate, std::move(message));
}

Step Blocked(std::string_view reason, std::string message) {
  return Make(StepKind::kBlocked, reason, std::move(message));
}

Step Failed(std::string_view reason, std::string message) {
  return Make(StepKind::kFailed, reason, std::move(message));
}

Step Finished(std::string message) { return Make(StepKind::kFinished, "", std::move(message)); }

Step Read(ReadKind read) {
  Step step = Make(StepKind::kRead, "", "");
  step.read = read;
  return step;
}

Step ReadFailed(const ports::ApiError& error) {
  Step step = Make(StepKind::kReadFailed, "", error.Summary());
  step.error = error;
  return step;
}

Step Poll(std::string_view reason, std::string message, Phase phase = Phase::kProgressing) {
  Step step = Make(StepKind::kPoll, reason, std::move(message));
  step.phase = phase;
  return step;
}

/// An operation that the appliance reports as running: its own reason, or
/// reasons::kOperationOverdue once it has run longer than policy.timeout (still polled: it is
/// visibly alive).
Step Running(const InFlight& in_flight, std::string_view reason, std::string_view what,
             std::optional<std::int64_t> progress, WallTime now, const EffectivePolicy& policy) {
  const std::string elapsed = Text(now - in_flight.started_at);
  Step step = Overdue(in_flight, now, policy)
                  ? Poll(reasons::kOperationOverdue, std::string(what) + " has been running for " +
                                                         elapsed + ", longer than policy.timeout " +
                                                         manifests::FormatDuration(policy.timeout) +
                                                         "; still following it")
                  : Poll(reason, std::string(what) + " (running for " + elapsed + ")");
  step.progress = progress;
  return step;
}

/// The install's appliance cannot be followed (unreachable, or its task gone): Progressing
/// until policy.timeout, then a failure named `timeout_reason`.
Step AwaitRestart(const InFlight& in_flight, const std::string& why,
                  std::string_view timeout_reason, WallTime now, const EffectivePolicy& policy) {
  const std::string elapsed = Text(now - in_flight.started_at);
  const std::string timeout = manifests::FormatDuration(policy.timeout);
  if (!Overdue(in_flight, now, policy)) {
    return Poll(reasons::kApplianceRestarting,
                "installing " + in_flight.detail + ": " + why + "; waiting up to policy.timeout " +
                    timeout + " from the install's start (" + elapsed + " so far)");
  }
  return Failed(timeout_reason, "installing " + in_flight.detail + ": " + why + " " + elapsed +
                                    " after the install started (policy." + "timeout " + timeout +
                                    ")");
}

std::string AvailableText(const std::vector<std::string>& available) {
  return available.empty() ? std::string("none") : Join(available, ", ");
}

// ---------------------------------------------------------------------------------------------
// An operation in flight

Step PlanVcenterInFlight(const Live& live, const InFlight& in_flight, WallTime now,
                         const EffectivePolicy& policy) {
  const bool install = in_flight.operation == kInstallOperation;
  if (!install && in_flight.operation != kStageOperation) {
    return Finished("dropped in-flight operation " + in_flight.operation +
                    ", which a vcenter target cannot follow");
  }
  if (live.read_error) {
    // An install ends in a restart: refused connections and 503s are expected (docs/reconcilers.md
    // "Reconcile rules"). A stage does not restart anything, so there it is an ordinary read
    // failure.
    if (install && live.read_error->IsUnreachable()) {
      return AwaitRestart(in_flight,
                          "the appliance is unreachable (" + live.read_error->Summary() + ")",
                          reasons::kUpdateTimedOut, now, policy);
    }
    return ReadFailed(*live.read_error);
  }
  const ports::UpdateInfo update = live.update.value_or(ports::UpdateInfo{});
  const auto order = CompareVersions(live.current_version, in_flight.detail);
  const std::string reported = std::string(StateName(update.state)) + " " + update.version;
  if (install) {
    if (order >= 0) return Finished("the appliance runs " + live.current_version);
    if (update.state == UpdateState::kInstallInProgress && update.version == in_flight.detail) {
      return Running(in_flight, reasons::kUpdateInstalling, "installing " + in_flight.detail,
                     Percent(update.task), now, policy);
    }
    if (update.state == UpdateState::kInstallFailed && update.version == in_flight.detail) {
      std::string message = "the install of " + in_flight.detail + " failed";
      if (update.task && update.task->error) message += ": " + TaskErrorText(*update.task->error);
      return Failed(reasons::kInstallFailed, message);
    }
    // GET /api/appliance/update is conclusive once the appliance answers: nothing runs and the
    // version is not the one installed.
    return Failed(reasons::kUpdateFailed,
                  "the install of " + in_flight.detail + " ended, but the appliance runs " +
                      live.current_version + " (update state " + reported + ")");
  }
  if (update.state == UpdateState::kStageInProgress && update.version == in_flight.detail) {
    return Running(in_flight, reasons::kUpdateStaging, "staging " + in_flight.detail,
                   Percent(update.task), now, policy);
  }
  if (update.state == UpdateState::kUpdatesPending && update.version == in_flight.detail) {
    return Finished(in_flight.detail + " is staged");
  }
  if (order >= 0) return Finished("the appliance runs " + live.current_version);
  std::string message =
      "staging " + in_flight.detail + " ended without it staged (update state " + reported + ")";
  if (update.task && update.task->status == ports::TaskStatus::kFailed && update.task->error) {
    message += ": " + TaskErrorText(*update.task->error);
  }
  return Failed(reasons::kStageFailed, message);
}

Step PlanUpdateManagerInFlight(const Live& live, const InFlight& in_flight, WallTime now,
                               const EffectivePolicy& policy) {
  const bool install = in_flight.operation == kUpdateManagerInstallOperation;
  if (!install && in_flight.operation != kRetrieveOperation) {
    return Finished("dropped in-flight operation " + in_flight.operation +
                    ", which an update-manager target cannot follow");
  }
  if (live.read_error) {
    if (install && live.read_error->IsUnreachable()) {
      return AwaitRestart(in_flight,
                          "the appliance is unreachable (" + live.read_error->Summary() + ")",
                          reasons::kUpdateTimedOut, now, policy);
    }
    return ReadFailed(*live.read_error);
  }
  if (install && CompareVersions(live.current_version, in_flight.detail) >= 0) {
    return Finished("the appliance runs " + live.current_version);
  }
  if (!live.task) return Read(ReadKind::kTask);
  if (!live.task->HasValue()) {
    const ports::ApiError& error = live.task->Error();
    // docs/vsphere-api.md "The update-manager appliance API": after the restart the appliance has
    // forgotten its tasks (404).
    const bool gone = error.kind == ports::ErrorKind::kApi && error.http_status == 404;
    if (install && (gone || error.IsUnreachable())) {
      const std::string why =
          gone ? "its task is gone (the appliance restarted) and it runs " + live.current_version
               : "its task cannot be read (" + error.Summary() + ")";
      return AwaitRestart(in_flight, why, gone ? reasons::kUpdateFailed : reasons::kUpdateTimedOut,
                          now, policy);
    }
    if (gone) return Finished("the retrieve-updates task is gone; retrieving again");
    return ReadFailed(error);
  }
  const ports::UpdateManagerTask& task = live.task->Value();
  const std::string what = install ? "installing " + in_flight.detail : "retrieving the updates";
  switch (task.status) {
    case ports::UpdateManagerTaskStatus::kQueued:
    case ports::UpdateManagerTaskStatus::kRunning:
      return Running(in_flight, install ? reasons::kUpdateInstalling : reasons::kRetrievingUpdates,
                     what, task.progress, now, policy);
    case ports::UpdateManagerTaskStatus::kError:
    case ports::UpdateManagerTaskStatus::kCancelled: {
      std::string message = what + ": task " + in_flight.task + " ended " +
                            std::string(ports::kUpdateManagerTaskStatusNames.at(
                                static_cast<std::size_t>(task.status)));
      if (task.error_message) message += ": " + *task.error_message;
      if (task.error_details) message += " (" + *task.error_details + ")";
      return Failed(install ? reasons::kInstallFailed : reasons::kRetrieveFailed, message);
    }
    case ports::UpdateManagerTaskStatus::kSuccess:
      break;
  }
  if (!install) {
    Step step = Finished("the appliance lists " + AvailableText(task.available_versions));
    step.available = task.available_versions;
    return step;
  }
  // The task succeeded but the appliance still reports the old version: the restart that
  // switches versions may still come. The version decides at policy.timeout.
  return AwaitRestart(in_flight,
                      "its task succeeded but the appliance still runs " + live.current_version,
                      reasons::kUpdateFailed, now, policy);
}

// ---------------------------------------------------------------------------------------------
// Nothing in flight

Step PlanVcenterStart(const Desired& desired, const Live& live) {
  const ports::UpdateInfo update = live.update.value_or(ports::UpdateInfo{});
  if (!live.available) return Read(ReadKind::kPendingList);
  const auto& available = *live.available;
  if (std::find(available.begin(), available.end(), desired.version) == available.end()) {
    std::string source(
        manifests::kUpdateSourceTypeNames.at(static_cast<std::size_t>(desired.query.source_type)));
    if (desired.query.url) source += " at " + *desired.query.url;
    return Blocked(reasons::kUpdateNotAvailable,
                   desired.version + " is not in the appliance's pending " + "updates from " +
                       source + " (available: " + AvailableText(available) + ")");
  }
  bool staged = update.state == UpdateState::kUpdatesPending && update.version == desired.version;
  if (!staged && update.state == UpdateState::kInstallFailed && update.version == desired.version) {
    // After a failed install the update state no longer says whether the update is still
    // staged (the simulator keeps it staged; docs/vsphere-api.md "Appliance updates" is silent):
    // ask.
    if (!live.staged) return Read(ReadKind::kPendingInfo);
    staged = *live.staged;
  }
  Step step = Make(StepKind::kMutate, "", "");
  step.mutation = staged ? Mutation::kInstall : Mutation::kStage;
  step.counts_attempt = staged;
  step.reason = staged ? reasons::kUpdateInstalling : reasons::kUpdateStaging;
  step.message = (staged ? "installing " : "staging ") + desired.version + " (the appliance runs " +
                 live.current_version + ")";
  if (!live.precheck) {
    step.precheck_first = true;
    step.plan.push_back(DescribePrecheck(desired.version));
  }
  if (!staged) step.plan.push_back(DescribeCall(Mutation::kStage, desired.version));
  step.plan.push_back(DescribeCall(Mutation::kInstall, desired.version));
  if (!live.precheck) return step;

  const ports::PrecheckResult& precheck = *live.precheck;
  if (!precheck.issues_errors.empty()) {
    std::vector<std::string> errors;
    errors.reserve(precheck.issues_errors.size());
    for (const auto& issue : precheck.issues_errors) errors.push_back(issue.message);
    return Blocked(reasons::kPrecheckIssues,
                   "the precheck of " + desired.version + " reports: " + Join(errors, "; "));
  }
  std::vector<std::string> questions;
  for (const auto& question : precheck.questions) {
    if (!question.default_answer)
      questions.push_back(question.data_item + " (" + question.text + ")");
  }
  if (!questions.empty()) {
    return Blocked(reasons::kUnansweredQuestions,
                   "the install of " + desired.version + " asks questions without a default " +
                       "answer, which vsrd cannot answer: " + Join(questions, "; "));
  }
  step.precheck_first = false;
  return step;
}

Step PlanUpdateManagerStart(const Desired& desired, const Live& live) {
  if (!live.available) {
    Step step = Make(StepKind::kMutate, reasons::kRetrievingUpdates,
                     "retrieving the available updates before installing " + desired.version);
    step.mutation = Mutation::kRetrieveUpdates;
    step.plan = {DescribeCall(Mutation::kRetrieveUpdates, desired.version),
                 DescribeCall(Mutation::kUpdateManagerInstall, desired.version)};
    return step;
  }
  const auto& available = *live.available;
  if (std::find(available.begin(), available.end(), desired.version) == available.end()) {
    return Blocked(reasons::kUpdateNotAvailable,
                   desired.version + " is not among the updates the appliance retrieved " +
                       "(available: " + AvailableText(available) + ")");
  }
  Step step =
      Make(StepKind::kMutate, reasons::kUpdateInstalling,
           "installing " + desired.version + " (the appliance runs " + live.current_version + ")");
  step.mutation = Mutation::kUpdateManagerInstall;
  step.counts_attempt = true;
  step.plan = {DescribeCall(Mutation::kUpdateManagerInstall, desired.version)};
  return step;
}

Step PlanIdle(const Desired& desired, const Live& live, WallTime now) {
  if (live.read_error) return ReadFailed(*live.read_error);
  const auto order = CompareVersions(live.current_version, desired.version);
  if (order == 0) return InSync("the appliance runs " + live.current_version);
  if (order > 0) {
    return Blocked(reasons::kDowngradeRefused, "the appliance runs " + live.current_version +
                                                   ", newer than spec.version " + desired.version +
                                                   "; vsrd never downgrades an appliance");
  }
  if (desired.flavor == Flavor::kVcenter) {
    const ports::UpdateInfo update = live.update.value_or(ports::UpdateInfo{});
    const bool staging = update.state == UpdateState::kStageInProgress;
    if (staging || update.state == UpdateState::kInstallInProgress) {
      const std::string what = (staging ? "staging " : "installing ") + update.version;
      if (update.version == desired.version) {
        // Ours after a journal write failed, or an operator's: follow it rather than start a
        // second one (the appliance would refuse it anyway).
        Step step =
            Make(StepKind::kAdopt, staging ? reasons::kUpdateStaging : reasons::kUpdateInstalling,
                 what + ", which the journal did not know; following it");
        step.adopt = InFlight::Accepted(
            std::string(staging ? kStageOperation : kInstallOperation), "", desired.generation,
            update.task && update.task->start_time ? *update.task->start_time : now,
            desired.version);
        step.counts_attempt = !staging;
        step.progress = Percent(update.task);
        return step;
      }
      return Poll(reasons::kApplianceBusy,
                  "the appliance is " + what + ", not started for " + desired.version +
                      "; waiting for it to end",
                  Phase::kWaiting);
    }
    if (update.state == UpdateState::kRollbackInProgress) {
      return Poll(reasons::kApplianceBusy,
                  "the appliance is rolling back " + update.version + "; waiting for it to end",
                  Phase::kWaiting);
    }
  }
  // The attempts of this generation are bounded by the mutation protocol's gate
  // (MaxFailuresReached, reconcilers/mutation.hpp), as for every kind.
  return desired.flavor == Flavor::kVcenter ? PlanVcenterStart(desired, live)
                                            : PlanUpdateManagerStart(desired, live);
}

}  // namespace

Step Plan(const Desired& desired, const Live& live, const ObjectRecord& record, WallTime now,
          const EffectivePolicy& policy) {
  if (record.in_flight) {
    return desired.flavor == Flavor::kVcenter
               ? PlanVcenterInFlight(live, *record.in_flight, now, policy)
               : PlanUpdateManagerInFlight(live, *record.in_flight, now, policy);
  }
  return PlanIdle(desired, live, now);
}

std::string DescribePrecheck(std::string_view version) {
  return "POST /api/appliance/update/pending/" + EncodeSegment(version) + "?action=precheck";
}

std::string DescribeCall(Mutation mutation, std::string_view version) {
  const std::string segment = EncodeSegment(version);
  switch (mutation) {
    case Mutation::kStage:
      return "POST /api/appliance/update/pending/" + segment + "?action=stage";
    case Mutation::kInstall:
      // user_data stays empty: vsrd answers no precheck question (questions without a default
      // answer stall the object instead).
      return "POST /api/appliance/update/pending/" + segment +
             "?action=install {\"user_data\": {}}";
    case Mutation::kRetrieveUpdates:
      return "POST /appliance/update-manager/actions/retrieve-updates";
    case Mutation::kUpdateManagerInstall:
      return "POST /appliance/update-manager/updates/" + segment + "/actions/install";
  }
  return {};
}

std::string_view OperationName(Mutation mutation) {
  switch (mutation) {
    case Mutation::kStage:
      return kStageOperation;
    case Mutation::kInstall:
      return kInstallOperation;
    case Mutation::kRetrieveUpdates:
      return kRetrieveOperation;
    case Mutation::kUpdateManagerInstall:
      return kUpdateManagerInstallOperation;
  }
  return {};
}

Evidence EvidenceFromLive(const Desired& desired, const Live& live, const InFlight& intent) {
  if (live.read_error) {
    return Evidence::Undetermined("the appliance's version cannot be read: " +
                                  live.read_error->Summary());
  }
  const bool install =
      intent.operation == kInstallOperation || intent.operation == kUpdateManagerInstallOperation;
  if (install && CompareVersions(live.current_version, desired.version) == 0) {
    return Evidence::Done("the appliance runs " + live.current_version);
  }
  if (desired.flavor == Flavor::kUpdateManager) {
    if (!install) return Evidence::Absent("retrieve-updates leaves nothing to find");
    return Evidence::Undetermined("the appliance runs " + live.current_version + ", not yet " +
                                  desired.version);
  }
  const ports::UpdateInfo update = live.update.value_or(ports::UpdateInfo{});
  const bool same_version = update.version == desired.version;
  const bool staging = update.state == UpdateState::kStageInProgress;
  const bool installing = update.state == UpdateState::kInstallInProgress;
  if (same_version && ((staging && !install) || (installing && install))) {
    return Evidence::Running(
        "", std::string(staging ? "staging " : "installing ") + update.version + " runs");
  }
  if (staging || installing || update.state == UpdateState::kRollbackInProgress) {
    return Evidence::Undetermined(
        "the appliance runs another operation (" +
        std::string(ports::kUpdateStateNames.at(static_cast<std::size_t>(update.state))) + " " +
        update.version + ")");
  }
  if (same_version && install && update.state == UpdateState::kInstallFailed) {
    // It ran and failed: followed as running, the in-flight plan reads the failure.
    return Evidence::Running("", "the install of " + update.version + " failed");
  }
  if (same_version && !install && update.state == UpdateState::kUpdatesPending) {
    return Evidence::Done(update.version + " is staged");
  }
  return Evidence::Absent("the update state shows no " + intent.operation + " of " +
                          desired.version);
}

}  // namespace vsrd::reconcilers::appliance_update
