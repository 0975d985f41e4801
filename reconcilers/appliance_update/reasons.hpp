#pragma once

#include <string_view>

#include "reconcilers/reasons.hpp"

// The reasons only ApplianceUpdate gives (phase: meaning); what an operator does about each is at
// the top of reconciler.hpp. The shared ones are in reconcilers/reasons.hpp.

namespace vsrd::reconcilers::appliance_update::reasons {

// The shared reasons are reachable here too, so a kind writes reasons::kX for both.
using namespace vsrd::reconcilers::reasons;  // NOLINT(google-build-using-namespace)

/// Ready: the appliance runs spec.version.
inline constexpr std::string_view kUpToDate = "UpToDate";
/// Progressing: vcenter: the update is being staged.
inline constexpr std::string_view kUpdateStaging = "UpdateStaging";
/// Progressing: the install runs or was just started.
inline constexpr std::string_view kUpdateInstalling = "UpdateInstalling";
/// Progressing: update-manager: retrieve-updates runs.
inline constexpr std::string_view kRetrievingUpdates = "RetrievingUpdates";
/// Progressing: the appliance restarts during the install (refused, 503, task gone).
inline constexpr std::string_view kApplianceRestarting = "ApplianceRestarting";
/// Waiting: vcenter: a stage, install or rollback this object did not start runs.
inline constexpr std::string_view kApplianceBusy = "ApplianceBusy";
/// Stalled: spec.version is older than the running version.
inline constexpr std::string_view kDowngradeRefused = "DowngradeRefused";
/// Stalled: spec.version is not among the available updates.
inline constexpr std::string_view kUpdateNotAvailable = "UpdateNotAvailable";
/// Stalled: vcenter: the precheck reports errors.
inline constexpr std::string_view kPrecheckIssues = "PrecheckIssues";
/// Stalled: vcenter: the precheck asks questions without a default answer.
inline constexpr std::string_view kUnansweredQuestions = "UnansweredQuestions";
/// Progressing (counts): vcenter: the precheck call failed.
inline constexpr std::string_view kPrecheckFailed = "PrecheckFailed";
/// Progressing (counts): the stage call failed, or staging ended unstaged.
inline constexpr std::string_view kStageFailed = "StageFailed";
/// Progressing (counts): the install call failed, or the appliance reports it failed.
inline constexpr std::string_view kInstallFailed = "InstallFailed";
/// Progressing (counts): update-manager: retrieve-updates failed.
inline constexpr std::string_view kRetrieveFailed = "RetrieveFailed";
/// Progressing (counts): the install ended but the appliance runs another version.
inline constexpr std::string_view kUpdateFailed = "UpdateFailed";
/// Progressing (counts): the appliance is still unreachable policy.timeout after the install
/// started.
inline constexpr std::string_view kUpdateTimedOut = "UpdateTimedOut";

}  // namespace vsrd::reconcilers::appliance_update::reasons
