#pragma once

#include <chrono>

// Time, injected (docs/architecture.md "Style", rule 4): the engine asks a Clock, tests give it a
// manual one. SystemClock in clock.cpp is the only code of the daemon that reads real time for
// decisions.

namespace vsrd::daemon {

using WallTime = std::chrono::system_clock::time_point;
using SteadyTime = std::chrono::steady_clock::time_point;

class Clock {
 public:
  virtual ~Clock() = default;
  /// Calendar time: task start times, status timestamps, policy windows.
  virtual WallTime Now() const = 0;
  /// Monotonic time: queue delays and timeouts.
  virtual SteadyTime SteadyNow() const = 0;
};

class SystemClock final : public Clock {
 public:
  WallTime Now() const override;
  SteadyTime SteadyNow() const override;
};

}  // namespace vsrd::daemon
