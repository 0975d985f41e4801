#pragma once

#include <chrono>
#include <mutex>
#include <string>

// The simulator's clock. Simulated time moves only when a test advances it, unless a time scale
// is set (`vsrd-sim --time-scale X`), in which case it also follows real time X times faster.
// Tasks, session expiry and appliance restarts all read this clock, never real time.

namespace vsrd::simulator {

using Duration = std::chrono::milliseconds;
using TimePoint = std::chrono::time_point<std::chrono::system_clock, Duration>;

class SimClock {
 public:
  /// `time_scale` 0 means manual: time moves only through Advance.
  explicit SimClock(TimePoint start, double time_scale = 0);

  /// Thread-safe.
  TimePoint Now() const;
  /// Moves simulated time forward by `by` (>= 0). Thread-safe.
  void Advance(Duration by);
  double TimeScale() const { return time_scale_; }

 private:
  mutable std::mutex mutex_;
  TimePoint start_;
  Duration advanced_{0};
  double time_scale_;
  std::chrono::steady_clock::time_point real_start_;
};

/// RFC 3339 UTC with milliseconds: "2026-01-01T00:00:00.000Z" (the vAPI date-time form;
/// manifests/rfc3339.hpp, as vsrd writes it).
std::string FormatTime(TimePoint time);
/// The HTTP `Date` form, IMF-fixdate (RFC 9110 section 5.6.7): "Thu, 01 Jan 2026 00:00:00 GMT".
/// Every persona answer carries the simulated clock in it, as a real appliance carries its own.
std::string FormatHttpDate(TimePoint time);
/// Parses "YYYY-MM-DDTHH:MM:SS[.fraction]Z" (1 to 9 digits, read to the millisecond, rounded
/// down): manifests::ParseRfc3339 in its kUtc form; false on anything else.
bool ParseTime(std::string_view text, TimePoint& out);

}  // namespace vsrd::simulator
