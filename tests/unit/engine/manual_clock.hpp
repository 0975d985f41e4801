#pragma once

#include <atomic>
#include <chrono>

#include "daemon/engine/clock.hpp"

namespace vsrd::daemon::testing {

/// The engine's Clock (daemon/engine/clock.hpp) moved by the test by hand. Worker threads read
/// it while the test advances it, so the offset is atomic (a plain duration is a data race that
/// ThreadSanitizer reports: scripts/tsan). Wall and steady time start at the given points and
/// move together.
class ManualClock final : public Clock {
 public:
  /// Wall time starts in 2026 (56 years after the epoch), steady time at its zero.
  ManualClock() : ManualClock(WallTime(std::chrono::hours(24 * 365 * 56)), SteadyTime{}) {}
  ManualClock(WallTime wall_start, SteadyTime steady_start)
      : wall_start_(wall_start), steady_start_(steady_start) {}

  WallTime Now() const override { return wall_start_ + Offset(); }
  SteadyTime SteadyNow() const override { return steady_start_ + Offset(); }
  void Advance(std::chrono::milliseconds by) { offset_ms_ += by.count(); }

 private:
  std::chrono::milliseconds Offset() const { return std::chrono::milliseconds(offset_ms_.load()); }

  const WallTime wall_start_;
  const SteadyTime steady_start_;
  std::atomic<std::chrono::milliseconds::rep> offset_ms_{0};
};

}  // namespace vsrd::daemon::testing
