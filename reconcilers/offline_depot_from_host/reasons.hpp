#pragma once

#include <string_view>

#include "reconcilers/reasons.hpp"

// The reasons only OfflineDepotFromHost gives (phase: meaning); what an operator does about each is
// at the top of reconciler.hpp. The shared ones are in reconcilers/reasons.hpp.

namespace vsrd::reconcilers::offline_depot_from_host::reasons {

// The shared reasons are reachable here too, so a kind writes reasons::kX for both.
using namespace vsrd::reconcilers::reasons;  // NOLINT(google-build-using-namespace)

/// Ready: the depot recorded for this generation exists (or was just extracted).
inline constexpr std::string_view kDepotPresent = "DepotPresent";
/// Ready: the extraction named no depot: the content was already in vLCM.
inline constexpr std::string_view kContentAlreadyPresent = "ContentAlreadyPresent";
/// Progressing (plan only): nothing extracted for this object yet.
inline constexpr std::string_view kNotExtracted = "NotExtracted";
/// Progressing (plan only): the spec changed since the last extraction.
inline constexpr std::string_view kSpecChanged = "SpecChanged";
/// Progressing (plan only): the recorded depot was deleted out of band (drift).
inline constexpr std::string_view kDepotDeleted = "DepotDeleted";
/// Progressing: the createFromHost task runs.
inline constexpr std::string_view kExtractRunning = "ExtractRunning";
/// Progressing (counts towards max_failures): createFromHost or its task failed.
inline constexpr std::string_view kExtractFailed = "ExtractFailed";
/// Progressing (counts): the journaled task is unknown to vCenter (404).
inline constexpr std::string_view kExtractTaskLost = "ExtractTaskLost";
/// Progressing (counts): the task succeeded without a DepotExtractInfo.
inline constexpr std::string_view kExtractResultMissing = "ExtractResultMissing";
/// Stalled: UNVERIFIED_PEER: the host's certificate could not be verified.
inline constexpr std::string_view kHostCertificateUnverified = "HostCertificateUnverified";
/// Stalled: INVALID_ARGUMENT: the host's credentials or address were rejected.
inline constexpr std::string_view kHostCredentialsRejected = "HostCredentialsRejected";
/// Stalled: NOT_FOUND: spec.host is not in vCenter's inventory.
inline constexpr std::string_view kHostNotFound = "HostNotFound";

}  // namespace vsrd::reconcilers::offline_depot_from_host::reasons
