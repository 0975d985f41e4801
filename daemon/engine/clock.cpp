#include "daemon/engine/clock.hpp"

namespace vsrd::daemon {

WallTime SystemClock::Now() const { return std::chrono::system_clock::now(); }

SteadyTime SystemClock::SteadyNow() const { return std::chrono::steady_clock::now(); }

}  // namespace vsrd::daemon
