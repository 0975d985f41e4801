#pragma once

#include <chrono>
#include <optional>

// The per-target request rate limit: a token bucket refilled at `rate` tokens per second up to
// a burst of max(1, rate), full at the start. Pure: the caller passes the time, so tests step
// through it with tables and the transport decides how to wait (an asynchronous timer).
//
// Tokens are reserved, not polled: each reservation takes the next token whether or not it has
// been refilled yet (the bucket goes into debt) and says when that token is due. Concurrent
// callers therefore get distinct, ordered times and never wake up to find their token taken.

namespace vsrd::daemon::vsphere {

class RateLimiter {
 public:
  using Clock = std::chrono::steady_clock;

  /// A bucket for `requests_per_second`, full at `now`. A rate <= 0 (or NaN, or infinite)
  /// means unlimited: every reservation is due at once.
  RateLimiter(double requests_per_second, Clock::time_point now);

  /// Takes the next token and returns when it may be used: `now` (or earlier) when one is
  /// available, else the time it will have been refilled. Never fails.
  Clock::time_point Reserve(Clock::time_point now);

  /// Like Reserve, but only if the token is due no later than `deadline`; otherwise takes
  /// nothing and returns nullopt (the request cannot be sent in time, and leaving the token
  /// keeps later requests unaffected by it).
  std::optional<Clock::time_point> TryReserve(Clock::time_point now, Clock::time_point deadline);

  /// True when the rate is unlimited.
  bool Unlimited() const { return rate_ <= 0; }
  /// Tokens per second; 0 when unlimited.
  double Rate() const { return rate_; }
  /// The bucket size: max(1, rate); 0 when unlimited.
  double Burst() const { return burst_; }

 private:
  /// Adds the tokens refilled between last_ and `now` (capped at the burst). Time never moves
  /// backwards for the bucket: an earlier `now` than already seen adds nothing.
  void Refill(Clock::time_point now);
  /// When a balance of `tokens` (after taking one) makes the taken token due, from last_.
  Clock::time_point DueTime(double tokens) const;

  double rate_ = 0;
  double burst_ = 0;
  double tokens_ = 0;  ///< may be negative: tokens reserved ahead of their refill
  Clock::time_point last_;
};

}  // namespace vsrd::daemon::vsphere
