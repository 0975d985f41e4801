#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "manifests/kinds/offline_depot_from_host.hpp"
#include "reconcilers/context.hpp"
#include "reconcilers/outcome.hpp"
#include "reconcilers/ports/api_error.hpp"
#include "reconcilers/ports/depots_port.hpp"
#include "reconcilers/ports/operations.hpp"
#include "reconcilers/ports/secret.hpp"
#include "reconcilers/record.hpp"

// OfflineDepotFromHost's decisions, as pure functions: no I/O, no clock. The reconciler
// (reconciler.hpp) polls the in-flight task or reads the recorded depot through the ports, asks
// Plan what to do, and makes the one call Plan names. The reason table is in reconciler.hpp.
//
// What the journal keeps (ObjectRecord::facts), because live state cannot give it back: the
// depot list does not say which depot came from which host (Offline.Summary has no software
// spec), so the depot id a createFromHost task returned is the only link.
//   depot               the depot id from DepotExtractInfo.result.depot; "" when the content was
//                       already present in vLCM (the task names no depot)
//   generation          the object generation that extraction was made for
//   base_image_version  DepotExtractInfo.software_spec.base_image.version (for status)

namespace vsrd::reconcilers::offline_depot_from_host {

/// The fixed operation name of the extraction, as journaled (reconcilers/ports/operations.hpp).
inline constexpr std::string_view kCreateOperation = ports::operations::kDepotsCreateFromHost;
/// The cis task list's service and operation of a createFromHost task (docs/vsphere-api.md
/// "Tasks"): where a submission whose outcome is unknown is looked for.
inline ports::TaskFilter CreateTaskFilter() {
  return {{"com.vmware.esx.settings.depots.offline"}, {"create_from_host"}};
}
/// How long to wait when every mutation slot of the target is taken.
inline constexpr Duration kBusyRetryAfter = std::chrono::seconds(15);

inline constexpr std::string_view kDepotFact = "depot";
inline constexpr std::string_view kGenerationFact = "generation";
inline constexpr std::string_view kBaseImageFact = "base_image_version";

/// What polling the journaled createFromHost task (GET /api/cis/tasks/{task}) found.
struct TaskPoll {
  enum class Kind {
    kFound,  ///< `task` is the task's current state (with its result once it has one)
    kLost,   ///< 404: vCenter no longer knows the task (e.g. lost in a vCenter restart)
  };
  Kind kind = Kind::kFound;
  ports::DepotExtractTask task;
};

/// What GET /api/esx/settings/depots/offline/{depot} said about the recorded depot.
enum class DepotLookup {
  kNotRead,  ///< not asked: DepotToRead named none
  kPresent,  ///< 200
  kMissing,  ///< 404: deleted out of band
};

/// Everything Plan decides from.
struct PlanInput {
  manifests::OfflineDepotFromHostSpec spec;
  std::string generation;  ///< the object's current generation
  ObjectRecord record;
  /// Set exactly when record.in_flight is: the result of polling its task in this pass.
  std::optional<TaskPoll> poll;
  /// Set when DepotToRead(record, generation) named a depot and it was read in this pass.
  DepotLookup depot = DepotLookup::kNotRead;
  WallTime now;
  EffectivePolicy policy;
};

/// One decision.
struct Step {
  enum class Kind {
    kReady,    ///< the depot (or its content) is in vLCM: Done, phase Ready
    kStalled,  ///< retrying cannot help until the manifest changes
    kFailed,   ///< the extraction failed (or its result is unknown): counts towards max_failures
    kPoll,     ///< the extraction task still runs: poll it again (when: the reconciler's NextPoll,
               ///< reconcilers/poll_delay.hpp)
    kExtract,  ///< the one mutation: createFromHost
  };
  Kind kind = Kind::kReady;
  std::string reason;
  std::string message;
  /// The record to write before anything else happens in this pass (a task ended: in_flight
  /// cleared, and the facts of a successful extraction recorded).
  std::optional<ObjectRecord> save;
  /// The recorded depot was deleted out of band: drift, reported (Context::ObserveDrift) when
  /// the extraction that repairs it is submitted.
  bool drift = false;
  /// kPoll: the task's progress in percent, when vCenter reports it.
  std::optional<std::int64_t> progress;

  friend bool operator==(const Step&, const Step&) = default;
};

/// The depot to read before planning: the one recorded for `generation`. None while an
/// extraction is in flight, when nothing was recorded for this generation, or when the recorded
/// extraction named no depot (content already present).
std::optional<std::string> DepotToRead(const ObjectRecord& record, const std::string& generation);

/// Decides from the journal, the in-flight task and the recorded depot. Rules (reasons in
/// reconciler.hpp):
///  - an in-flight extraction is polled to its end, whatever the generation: running → kPoll
///    (OperationOverdue past policy.timeout); FAILED → kFailed; 404 → kFailed (ExtractTaskLost);
///    SUCCEEDED → its DepotExtractInfo.result.depot is recorded with the generation it was made
///    for, then judged as below (so a spec that changed meanwhile is extracted again at once);
///  - nothing recorded for the current generation → kExtract (NotExtracted / SpecChanged);
///  - recorded depot "" (content already present) → kReady (ContentAlreadyPresent), never read:
///    such a depot cannot be checked for out-of-band deletion;
///  - recorded depot present → kReady (DepotPresent); missing (404) → drift, kExtract
///    (DepotDeleted).
Step Plan(const PlanInput& input);

/// A failed createFromHost call. `record` is the journal entry as it stands in this pass.
///  - ALREADY_* → kReady with the depot named in the error data (or "") recorded;
///  - UNVERIFIED_PEER → kStalled (HostCertificateUnverified), naming the thumbprint the host
///    presented (error data) when known: retrying cannot fix a wrong or missing ssl_thumb_print;
///  - INVALID_ARGUMENT → kStalled (HostCredentialsRejected); NOT_FOUND → kStalled (HostNotFound);
///  - anything else (5xx, unreachable, a reset after the request was sent) → kFailed
///    (ExtractFailed): retried with backoff, Stalled after max_failures.
Step JudgeCreateError(const ports::ApiError& error, const manifests::OfflineDepotFromHostSpec& spec,
                      const ObjectRecord& record, const std::string& generation);

/// The thumbprint an UNVERIFIED_PEER error's data carries ("ssl_thumb_print" or
/// "ssl_thumbprint"; the field name is UNCONFIRMED, docs/vsphere-api.md "Offline depots"), if any.
std::optional<std::string> ThumbprintFromErrorData(const std::string& data);

/// Offline.ConnectionSpec of `spec`: EXISTING with `host`, or USERNAME_PASSWORD with the
/// host_credential and `password` (read by the caller from host_credential.password).
ports::DepotConnectionSpec MakeConnectionSpec(const manifests::OfflineDepotFromHostSpec& spec,
                                              ports::Secret password);

/// `vsrd plan` text of the createFromHost call; the password is "(sensitive)".
std::string DescribeCreate(const manifests::OfflineDepotFromHostSpec& spec);

/// The percentage a task reports (completed / total), if any.
std::optional<std::int64_t> ProgressPercent(const ports::TaskInfo& task);

/// "host-101", or "esx-edge01.example.com" for a host reached with credentials.
std::string HostLabel(const manifests::OfflineDepotFromHostSpec& spec);

/// Status details from the record: host, depot, base_image_version (those known).
std::map<std::string, std::string> Details(const manifests::OfflineDepotFromHostSpec& spec,
                                           const ObjectRecord& record);

}  // namespace vsrd::reconcilers::offline_depot_from_host
