#include "reconcilers/poll_delay.hpp"

#include <algorithm>

namespace vsrd::reconcilers {

Duration NextPoll(Duration running, std::optional<std::int64_t> progress,
                  std::optional<Duration> estimated_left) {
  running = std::max(running, Duration::zero());
  Duration delay = std::clamp(running / kPollShare, kMinPoll, kMaxPoll);
  // The end as the operation itself predicts it: sooner than the backoff's look, look then.
  std::optional<Duration> expected_left = estimated_left;
  if (progress && *progress > 0 && *progress < 100) {
    // At a steady rate, what is left takes (100 - p) / p of what has run.
    const Duration by_rate = running * (100 - *progress) / *progress;
    expected_left = expected_left ? std::min(*expected_left, by_rate) : by_rate;
  }
  if (expected_left && *expected_left > Duration::zero()) {
    delay = std::min(delay, std::max(*expected_left, kMinPoll));
  }
  return delay;
}

}  // namespace vsrd::reconcilers
