#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace vsrd::manifests {

using Duration = std::chrono::milliseconds;

/// Parses "300ms", "30s", "5m", "2h", "1d" and concatenations in strictly decreasing unit order
/// ("1h30m", "2m30s"). Returns nullopt for anything else: no bare numbers, no signs, no spaces,
/// no fractions, no repeated units, and no value above 10 years (an overflow guard).
std::optional<Duration> ParseDuration(std::string_view text);

/// The canonical spelling: largest units first, zero parts omitted ("1h30m", "0s").
std::string FormatDuration(Duration duration);

}  // namespace vsrd::manifests
