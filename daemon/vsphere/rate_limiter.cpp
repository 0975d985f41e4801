#include "daemon/vsphere/rate_limiter.hpp"

#include <algorithm>
#include <cmath>

namespace vsrd::daemon::vsphere {

namespace {

constexpr double kTolerance = 1e-9;

}  // namespace

RateLimiter::RateLimiter(double requests_per_second, Clock::time_point now) : last_(now) {
  // `!(rate > 0)` also catches NaN; an infinite rate is unlimited as well.
  if (!(requests_per_second > 0) || std::isinf(requests_per_second)) return;
  rate_ = requests_per_second;
  burst_ = std::max(1.0, rate_);
  tokens_ = burst_;
}

void RateLimiter::Refill(Clock::time_point now) {
  if (now <= last_) return;
  const std::chrono::duration<double> elapsed = now - last_;
  tokens_ = std::min(burst_, tokens_ + elapsed.count() * rate_);
  last_ = now;
}

RateLimiter::Clock::time_point RateLimiter::DueTime(double tokens) const {
  if (tokens >= 0) return last_;
  // Rounded up to the clock's tick, so that waiting until the returned time never leaves the
  // token a fraction short.
  const std::chrono::duration<double> wait(-tokens / rate_);
  return last_ + std::chrono::ceil<Clock::duration>(wait);
}

bool RateLimiter::TryTake(Clock::time_point now) {
  if (Unlimited()) return true;
  Refill(now);
  // A token refilled in steps (a wake at each NextToken) may add up a hair short of 1 in
  // floating point; it is there all the same (the debt left is below a nanosecond's worth).
  if (tokens_ < 1 - kTolerance) return false;
  tokens_ -= 1;
  return true;
}

RateLimiter::Clock::time_point RateLimiter::NextToken(Clock::time_point now) {
  return WhenAvailable(now, 1);
}

RateLimiter::Clock::time_point RateLimiter::WhenAvailable(Clock::time_point now, double count) {
  if (Unlimited()) return now;
  Refill(now);
  if (tokens_ >= count) return std::max(now, last_);
  // The balance after taking them all, as DueTime reads it: rounded up to the clock's tick.
  return std::max(now, DueTime(tokens_ - count));
}

}  // namespace vsrd::daemon::vsphere
