#pragma once

#include <chrono>

// The per-target request rate limit: a token bucket refilled at `rate` tokens per second up to
// a burst of max(1, rate), full at the start. Pure: the caller passes the time, so tests step
// through it with tables and the transport decides how to wait (an asynchronous timer).
//
// Tokens are taken only when they are there (TryTake), never reserved ahead: the caller hands
// each refilled token to the most urgent of its waiters when it comes (HttpsTransport, by the
// priority of the pass that sent each request), so a request that arrives later but is more
// urgent is never stuck behind tokens promised to others. NextToken and WhenAvailable say when
// to look again and whether a waiter can be served before its deadline at all.

namespace vsrd::daemon::vsphere {

class RateLimiter {
 public:
  using Clock = std::chrono::steady_clock;

  /// A bucket for `requests_per_second`, full at `now`. A rate <= 0 (or NaN, or infinite)
  /// means unlimited: every TryTake succeeds.
  RateLimiter(double requests_per_second, Clock::time_point now);

  /// Takes a token if one is there at `now` (always when unlimited); never goes into debt.
  bool TryTake(Clock::time_point now);
  /// When the next whole token is there (`now` if one is, or when unlimited).
  Clock::time_point NextToken(Clock::time_point now);
  /// When `count` more tokens will have come, taken one by one as they come, from `now`
  /// (`now` when unlimited or when they are there): the earliest time the last of `count`
  /// waiters can go.
  Clock::time_point WhenAvailable(Clock::time_point now, double count);

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
  /// When a balance of `tokens` (negative: tokens still to come) reaches 0, from last_.
  Clock::time_point DueTime(double tokens) const;

  double rate_ = 0;
  double burst_ = 0;
  double tokens_ = 0;  ///< a hair below 0 at most (TryTake's tolerance)
  Clock::time_point last_;
};

}  // namespace vsrd::daemon::vsphere
