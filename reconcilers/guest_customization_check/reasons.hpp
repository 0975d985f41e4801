#pragma once

#include <string_view>

#include "reconcilers/reasons.hpp"

// The reasons only GuestCustomizationCheck gives (phase: meaning); what an operator does about each
// is at the top of reconciler.hpp. The shared ones are in reconcilers/reasons.hpp.

namespace vsrd::reconcilers::guest_customization_check::reasons {

// The shared reasons are reachable here too, so a kind writes reasons::kX for both.
using namespace vsrd::reconcilers::reasons;  // NOLINT(google-build-using-namespace)

/// Ready: every listed VM's check answered SUPPORTED.
inline constexpr std::string_view kAllCustomizable = "AllCustomizable";
/// Degraded: at least one VM answered NOT_SUPPORTED.
inline constexpr std::string_view kNotCustomizable = "NotCustomizable";
/// Degraded: at least one listed VM does not exist.
inline constexpr std::string_view kVmNotFound = "VmNotFound";

}  // namespace vsrd::reconcilers::guest_customization_check::reasons
