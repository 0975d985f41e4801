#pragma once

#include <chrono>
#include <limits>
#include <optional>
#include <string>
#include <string_view>

// RFC 3339 date-times, the one reader and writer of them: the journal and status (the daemon),
// the times vSphere answers with (daemon/vsphere/codec/), the messages and plan output
// (reconcilers/wall_time.hpp), the log lines (daemon/logging.cpp) and vsrd-sim's clock
// (simulator/clock.hpp). Here, below all of them, because each used to carry its own parser and
// each had its own bugs (signs and spaces taken as digits, 1969-12-31T23:59:59Z refused, years
// that overflow the nanosecond clock).

namespace vsrd::manifests {

/// A UTC time to the nanosecond; what std::chrono::system_clock::time_point is with libstdc++.
/// It holds 1677-09-21T00:12:44Z to 2262-04-11T23:47:16Z.
using Rfc3339Time = std::chrono::sys_time<std::chrono::nanoseconds>;

enum class Rfc3339Form {
  /// What vsrd and vsrd-sim write: "YYYY-MM-DDTHH:MM:SS", an optional "." and 1 to 9 digits of
  /// fraction, then "Z".
  kUtc,
  /// What a server may send (RFC 3339 section 5.6, ISO 8601): also a lower-case "t" or "z", ","
  /// before the fraction, any number of fraction digits (those beyond nanoseconds dropped), a
  /// "+hh:mm", "-hh:mm", "+hhmm" or "-hhmm" offset, or no designator at all (read as UTC; vAPI
  /// always sends one).
  kAnyOffset,
};

/// The years a reader accepts, on top of what Rfc3339Time can hold.
struct YearRange {
  int first = std::numeric_limits<int>::min();
  int last = std::numeric_limits<int>::max();
};

/// Parses `text` in `form`: digits only where digits belong (no sign, no space), every field in
/// its range (second 60 is a leap second, RFC 3339 section 5.7, counted as the next second), a
/// date the calendar has. nullopt for anything else, for a year outside `years`, and for a time
/// Rfc3339Time cannot hold (refused, never wrapped into another time).
std::optional<Rfc3339Time> ParseRfc3339(std::string_view text, Rfc3339Form form,
                                        YearRange years = {});

/// The year of a text that starts like a date-time ("YYYY-"), for a message that says why
/// ParseRfc3339 refused it; nullopt otherwise.
std::optional<int> Rfc3339Year(std::string_view text);

/// "2026-01-01T00:00:00Z" (fraction_digits 0), "2026-01-01T00:00:00.123Z" (3), up to 9. The
/// time is rounded down to that precision, before 1970 too, so ParseRfc3339(kUtc) reads back
/// exactly the written time.
std::string FormatRfc3339(Rfc3339Time time, int fraction_digits);
/// The same for a time in milliseconds (vsrd-sim's clock), which can lie past 2262.
std::string FormatRfc3339(std::chrono::sys_time<std::chrono::milliseconds> time,
                          int fraction_digits);

}  // namespace vsrd::manifests
