#include "daemon/vsphere/rate_limiter.hpp"

#include <algorithm>
#include <cmath>

namespace vsrd::daemon::vsphere {

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

RateLimiter::Clock::time_point RateLimiter::Reserve(Clock::time_point now) {
  if (Unlimited()) return now;
  Refill(now);
  tokens_ -= 1;
  return std::max(now, DueTime(tokens_));
}

std::optional<RateLimiter::Clock::time_point> RateLimiter::TryReserve(Clock::time_point now,
                                                                      Clock::time_point deadline) {
  if (Unlimited()) return now;
  Refill(now);
  const Clock::time_point due = std::max(now, DueTime(tokens_ - 1));
  if (due > deadline) return std::nullopt;
  tokens_ -= 1;
  return due;
}

}  // namespace vsrd::daemon::vsphere
