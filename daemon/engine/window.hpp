#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "manifests/common.hpp"

// Maintenance windows (`policy.window`): mutations only start inside one. A window is a start
// time of day and a duration on some weekdays, in an IANA time zone read from the system's
// tzdata (/usr/share/zoneinfo, TZif files; g++ 12's standard library has no time zone
// database). A window that crosses midnight belongs to the day it starts on.

namespace vsrd::daemon {

/// The UTC offset of `timezone` at `now`: "UTC"/"Etc/UTC" without a file, otherwise from
/// `<zoneinfo_dir>/<timezone>` (the last transition at or before `now`; after the file's last
/// transition its last offset). nullopt when the zone cannot be read.
std::optional<std::chrono::seconds> UtcOffset(
    const std::string& timezone, std::chrono::system_clock::time_point now,
    const std::string& zoneinfo_dir = "/usr/share/zoneinfo");

/// True when `now` falls inside `window`. A zone that cannot be read counts as UTC (the
/// config decoder already checked its form; the daemon logs the fallback).
bool InWindow(const manifests::Window& window, std::chrono::system_clock::time_point now,
              const std::string& zoneinfo_dir = "/usr/share/zoneinfo");

}  // namespace vsrd::daemon
