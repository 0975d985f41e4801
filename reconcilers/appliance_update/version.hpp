#pragma once

#include <compare>
#include <string_view>

// Appliance version order for ApplianceUpdate: decides "already there", "newer" and "never
// downgrade". Pure; no allocation beyond the comparison itself.

namespace vsrd::reconcilers::appliance_update {

/// Orders two appliance versions.
///
/// A version is a dotted part with an optional "-BUILD" suffix: "8.0.2.00100" (vCenter's
/// VersionStruct.version), "9.0.2.0-24522545" (an update-manager appliance). Dotted components
/// compare numerically ("8.0.10" > "8.0.9", "00100" == "100"), a missing trailing component
/// counts as 0 ("8.0" == "8.0.0"), and a component that is not all digits compares as text.
/// The builds compare numerically after the dotted part, and only when both versions carry one:
/// an appliance that reports "9.0.2.0" runs update "9.0.2.0-24522545" as far as vsrd can tell.
/// Never fails; numbers of any length are compared without overflow.
std::strong_ordering CompareVersions(std::string_view left, std::string_view right);

}  // namespace vsrd::reconcilers::appliance_update
