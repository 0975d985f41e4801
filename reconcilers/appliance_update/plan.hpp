#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "manifests/kinds/appliance_update.hpp"
#include "reconcilers/context.hpp"
#include "reconcilers/mutation.hpp"
#include "reconcilers/outcome.hpp"
#include "reconcilers/ports/appliance_port.hpp"
#include "reconcilers/ports/operations.hpp"
#include "reconcilers/ports/update_manager_port.hpp"
#include "reconcilers/record.hpp"

// The pure decisions of ApplianceUpdate (docs/manifests.md "ApplianceUpdate", docs/reconcilers.md
// "Reconcile rules"): given the desired version, what one pass has read so far, the journal entry,
// the time and the policy, what to do next. No I/O and no clock: the reconciler (reconciler.hpp)
// does the reads the plan asks for, the one mutation it chooses, and turns the step into an
// Outcome.
//
// vcenter flavor (docs/vsphere-api.md "Appliance updates"): pending list -> precheck -> stage ->
// install; stage and install have no task id and are followed through GET /api/appliance/update.
// update-manager flavor (docs/vsphere-api.md "The update-manager appliance API"): retrieve-updates
// (a task) -> install (a task)
// -> the appliance restarts and its tasks are gone; GET /appliance decides.

namespace vsrd::reconcilers::appliance_update {

/// How often a stage, install or retrieve that is not ours (ApplianceBusy) is looked at again;
/// ours are looked at on their own clock (NextPoll, reconcilers/poll_delay.hpp).
inline constexpr Duration kPollInterval = std::chrono::seconds(10);
/// How long to wait when the target's mutation slots are all taken.
inline constexpr Duration kTargetBusyRetry = std::chrono::seconds(15);

// Fixed operation names recorded in InFlight::operation and shown in status
// (reconcilers/ports/operations.hpp).
inline constexpr std::string_view kStageOperation = ports::operations::kAppliancePendingStage;
inline constexpr std::string_view kInstallOperation = ports::operations::kAppliancePendingInstall;
inline constexpr std::string_view kRetrieveOperation = ports::operations::kUmRetrieveUpdates;
inline constexpr std::string_view kUpdateManagerInstallOperation = ports::operations::kUmInstall;

/// The target's API flavor, from which ports it has (TargetPorts::appliance or update_manager).
enum class Flavor { kVcenter, kUpdateManager };

/// What the manifest asks for.
struct Desired {
  Flavor flavor = Flavor::kVcenter;
  std::string version;     ///< spec.version
  std::string generation;  ///< the object's spec hash
  /// vcenter only: where GET /api/appliance/update/pending looks (spec.source_type, url).
  ports::PendingQuery query;
};

/// What the pass has read so far. The reconciler fills the first two fields on every pass and
/// the optional ones when a step of kind kRead asks for them.
struct Live {
  /// The version read failed (vcenter: GET /api/appliance/system/version or
  /// GET /api/appliance/update; update-manager: GET /appliance). current_version and update are
  /// then meaningless.
  std::optional<ports::ApiError> read_error;
  /// vcenter: VersionStruct.version (the build is not compared); update-manager:
  /// ApplianceInfo.appliance_version.
  std::string current_version;
  /// vcenter: GET /api/appliance/update.
  std::optional<ports::UpdateInfo> update;
  /// The versions that can be installed: vcenter, the pending list (a 404 "source has nothing"
  /// is an empty list); update-manager, the `result` of a finished retrieve-updates task.
  std::optional<std::vector<std::string>> available;
  /// vcenter: Pending.Info.staged of the desired version (asked only after INSTALL_FAILED, when
  /// the update state no longer says whether the update is still staged).
  std::optional<bool> staged;
  /// vcenter: the precheck of the desired version, run right before a stage or an install.
  std::optional<ports::PrecheckResult> precheck;
  /// update-manager: GET /tasks/{id} of the in-flight task (an error such as 404 included).
  std::optional<ports::Result<ports::UpdateManagerTask>> task;
};

enum class StepKind {
  kInSync,      ///< Ready: the appliance runs the desired version
  kRead,        ///< read `read` into Live, then plan again
  kPoll,        ///< something runs: look again (phase `phase`): ours on its own clock
                ///< (reconcilers/poll_delay.hpp), another's after kPollInterval
  kFinished,    ///< the in-flight operation is over: clear in_flight, then plan again
  kFailed,      ///< the in-flight operation failed: clear in_flight, a failed mutation
  kReadFailed,  ///< a read failed: transient, `error`
  kBlocked,     ///< Stalled: retrying cannot help until the manifest or the appliance changes
  kAdopt,       ///< an operation for the desired version runs that the journal does not know:
                ///< record `adopt` and follow it
  kMutate,      ///< start `mutation` (after the window, slot and dry-run gates)
};

/// The reads a plan may ask for beyond the version.
enum class ReadKind {
  kPendingList,  ///< GET /api/appliance/update/pending?source_type=..[&url=..]
  kPendingInfo,  ///< GET /api/appliance/update/pending/{version} (for `staged`)
  kTask,         ///< GET /tasks/{id} of the in-flight update-manager task
};

/// The mutating calls.
enum class Mutation {
  kStage,                 ///< POST /api/appliance/update/pending/{V}?action=stage
  kInstall,               ///< POST /api/appliance/update/pending/{V}?action=install
  kRetrieveUpdates,       ///< POST /appliance/update-manager/actions/retrieve-updates
  kUpdateManagerInstall,  ///< POST /appliance/update-manager/updates/{V}/actions/install
};

/// One decision. Only the fields of its kind are meaningful.
struct Step {
  StepKind kind = StepKind::kInSync;
  std::string reason;                 ///< CamelCase, from the table in reconciler.hpp
  std::string message;                ///< for people
  Phase phase = Phase::kProgressing;  ///< kPoll: Progressing, or Waiting (ApplianceBusy)
  ReadKind read = ReadKind::kPendingList;
  std::optional<ports::ApiError> error;  ///< kReadFailed
  std::optional<std::int64_t> progress;  ///< kPoll: percent, when the appliance reports it
  /// kFinished after a retrieve-updates task: its result (Live::available for the next plan).
  std::optional<std::vector<std::string>> available;
  std::optional<InFlight> adopt;  ///< kAdopt
  Mutation mutation = Mutation::kStage;
  /// kMutate (vcenter): run the precheck first and plan again with its result; the mutation is
  /// made only when that plan still says so.
  bool precheck_first = false;
  /// kMutate and kAdopt: the operation is an install, counted in ObjectRecord::attempts.
  bool counts_attempt = false;
  /// kMutate: the API calls apply makes from here, in order, as `vsrd plan` prints them
  /// (no secrets: the install's user_data is always empty).
  std::vector<std::string> plan;
};

/// Decides the next step. Pure: `now` and `policy` come from the caller.
///
/// Rules (the issue's): at the desired version -> kInSync; a lower desired version -> kBlocked
/// `DowngradeRefused`; an in-flight operation (of any generation) is followed to its end and
/// never started twice; an install is attempted at most policy.max_failures times per generation
/// (ObjectRecord::AttemptsFor) -> kBlocked `AttemptsExhausted`; an update that is not available
/// -> kBlocked `UpdateNotAvailable`; precheck errors or questions without a default answer ->
/// kBlocked. While an install runs and the appliance is unreachable (refused, 503, or its task
/// gone: 404), kPoll `ApplianceRestarting` until policy.timeout after in_flight.started_at, then
/// the version read decides (kFailed `UpdateTimedOut` / `UpdateFailed` unless it is the desired
/// version).
Step Plan(const Desired& desired, const Live& live, const ObjectRecord& record, WallTime now,
          const EffectivePolicy& policy);

/// The request line `vsrd plan` shows for a mutation of `version` (paths percent-encoded).
std::string DescribeCall(Mutation mutation, std::string_view version);
/// "POST /api/appliance/update/pending/{V}?action=precheck".
std::string DescribePrecheck(std::string_view version);
/// The fixed operation name of a mutation (InFlight::operation).
std::string_view OperationName(Mutation mutation);

/// Pure: what live state says about a submission whose outcome is unknown (reconcilers/
/// mutation.hpp). vcenter: the update state shows the operation running for the desired version
/// -> Running (followed by state); its result is there (staged; the desired version runs) ->
/// Done; another operation runs -> Undetermined; nothing -> Absent. update-manager: the desired
/// version runs -> Done; a retrieve-updates left no trace -> Absent; an install is otherwise
/// Undetermined (its task id is unknown, and the appliance restarts while it installs) until
/// policy.timeout. A failed read that is not "unreachable" -> Undetermined.
Evidence EvidenceFromLive(const Desired& desired, const Live& live, const InFlight& intent);

}  // namespace vsrd::reconcilers::appliance_update
