#pragma once

#include <string_view>

#include "reconcilers/reasons.hpp"

// The reasons only ApplianceInstall gives (phase: meaning); what an operator does about each is at
// the top of reconciler.hpp. The shared ones are in reconcilers/reasons.hpp.

namespace vsrd::reconcilers::appliance_install::reasons {

// The shared reasons are reachable here too, so a kind writes reasons::kX for both.
using namespace vsrd::reconcilers::reasons;  // NOLINT(google-build-using-namespace)

/// Ready: the deployment is not CONFIG_IN_PROGRESS.
inline constexpr std::string_view kNoInstallRunning = "NoInstallRunning";
/// Ready: an install runs, within max_duration; looked at again when the limit is reached.
inline constexpr std::string_view kInstallWithinLimit = "InstallWithinLimit";
/// Ready: an install ran for max_duration or longer and was cancelled (plan: would be).
inline constexpr std::string_view kInstallCancelled = "InstallCancelled";
/// Degraded: an install runs without a start_time, so max_duration cannot be judged.
inline constexpr std::string_view kInstallStartUnknown = "InstallStartUnknown";
/// Progressing (counts towards max_failures): the cancel call failed.
inline constexpr std::string_view kCancelFailed = "CancelFailed";

}  // namespace vsrd::reconcilers::appliance_install::reasons
