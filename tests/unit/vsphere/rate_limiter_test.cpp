#include "daemon/vsphere/rate_limiter.hpp"

#include <chrono>
#include <cmath>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace vsrd::daemon::vsphere {
namespace {

using Clock = RateLimiter::Clock;
using std::chrono::milliseconds;

// All times are offsets in milliseconds from a fixed start; the limiter never reads a clock.
const Clock::time_point kStart = Clock::time_point{} + std::chrono::hours(1);

Clock::time_point At(int ms) { return kStart + milliseconds(ms); }

// Milliseconds after kStart, to the nearest ms (due times are rounded up to the clock's tick,
// so they may be a nanosecond past the exact value).
long long Ms(Clock::time_point time) {
  return std::chrono::round<milliseconds>(time - kStart).count();
}

struct ReserveCase {
  std::string name;
  double rate;
  std::vector<int> calls;      ///< the `now` of each Reserve, ms
  std::vector<long long> due;  ///< when each reserved token is due, ms
};

class ReserveTest : public testing::TestWithParam<ReserveCase> {};

TEST_P(ReserveTest, DueTimes) {
  const ReserveCase& c = GetParam();
  ASSERT_EQ(c.calls.size(), c.due.size());
  RateLimiter limiter(c.rate, kStart);
  for (std::size_t i = 0; i < c.calls.size(); ++i) {
    EXPECT_EQ(Ms(limiter.Reserve(At(c.calls[i]))), c.due[i]) << "call " << i;
  }
}

INSTANTIATE_TEST_SUITE_P(
    Table, ReserveTest,
    testing::Values(
        // rate 5: a burst of 5 at once, then one every 200 ms.
        ReserveCase{
            "Burst5ThenSpaced", 5, {0, 0, 0, 0, 0, 0, 0, 0}, {0, 0, 0, 0, 0, 200, 400, 600}},
        // rate 1 (burst 1): the second token a second after the first.
        ReserveCase{"OnePerSecond", 1, {0, 0, 0}, {0, 1000, 2000}},
        // rate 0.5: burst is max(1, rate) = 1, then every 2 s.
        ReserveCase{"SlowRateBurstOne", 0.5, {0, 0, 100}, {0, 2000, 4000}},
        // Waiting refills: after 1 s the bucket of 2 is full again, not fuller.
        ReserveCase{"RefillCappedAtBurst",
                    2,
                    {0, 0, 1000, 1000, 1000, 5000, 5000, 5000},
                    {0, 0, 1000, 1000, 1500, 5000, 5000, 5500}},
        // A partial refill: at 250 ms half a token is back (rate 2), due at 500 ms.
        ReserveCase{"PartialRefill", 2, {0, 0, 250}, {0, 0, 500}},
        // Calls arriving exactly when their token is due do not wait.
        ReserveCase{"OnSchedule", 4, {0, 0, 0, 0, 250, 500, 750}, {0, 0, 0, 0, 250, 500, 750}},
        // Unlimited: every reservation is due at its call.
        ReserveCase{"Zero", 0, {0, 0, 0, 0}, {0, 0, 0, 0}},
        ReserveCase{"Negative", -3, {0, 5, 5}, {0, 5, 5}},
        ReserveCase{"NaN", std::numeric_limits<double>::quiet_NaN(), {0, 0}, {0, 0}},
        ReserveCase{"Infinite", std::numeric_limits<double>::infinity(), {0, 0}, {0, 0}},
        // A `now` earlier than one already seen refills nothing and moves nothing backwards.
        ReserveCase{"ClockBehind", 1, {1000, 500, 500}, {1000, 2000, 3000}}),
    [](const testing::TestParamInfo<ReserveCase>& param_info) { return param_info.param.name; });

struct TryCase {
  std::string name;
  double rate;
  struct Step {
    int now;
    int deadline;
    std::optional<long long> due;  ///< nullopt: refused (nothing reserved)
  };
  std::vector<Step> steps;
};

class TryReserveTest : public testing::TestWithParam<TryCase> {};

TEST_P(TryReserveTest, Steps) {
  const TryCase& c = GetParam();
  RateLimiter limiter(c.rate, kStart);
  for (std::size_t i = 0; i < c.steps.size(); ++i) {
    const auto& step = c.steps[i];
    const auto due = limiter.TryReserve(At(step.now), At(step.deadline));
    ASSERT_EQ(due.has_value(), step.due.has_value()) << "step " << i;
    if (due) {
      EXPECT_EQ(Ms(*due), *step.due) << "step " << i;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(
    Table, TryReserveTest,
    testing::Values(
        // rate 1: the second token is due at 1000 ms; a 300 ms deadline is refused and takes
        // nothing, so a later call with time enough still gets the 1000 ms token.
        TryCase{"RefusedTakesNothing", 1, {{0, 300, 0}, {0, 300, std::nullopt}, {0, 1000, 1000}}},
        // The deadline is inclusive.
        TryCase{
            "DeadlineInclusive", 2, {{0, 0, 0}, {0, 0, 0}, {0, 500, 500}, {0, 999, std::nullopt}}},
        // A deadline already past is refused even with tokens in the bucket; one at `now` is
        // not.
        TryCase{"DeadlinePassed", 5, {{100, 50, std::nullopt}, {100, 100, 100}}},
        TryCase{"UnlimitedNeverRefuses", 0, {{0, 0, 0}, {0, 0, 0}, {0, 0, 0}}}),
    [](const testing::TestParamInfo<TryCase>& param_info) { return param_info.param.name; });

TEST(RateLimiterTest, RateAndBurst) {
  struct Case {
    double rate;
    double expected_rate;
    double expected_burst;
    bool unlimited;
  };
  const std::vector<Case> cases{
      {10, 10, 10, false},    {0.2, 0.2, 1, false}, {1, 1, 1, false},
      {2.5, 2.5, 2.5, false}, {0, 0, 0, true},      {-1, 0, 0, true},
  };
  for (const auto& c : cases) {
    const RateLimiter limiter(c.rate, kStart);
    EXPECT_EQ(limiter.Rate(), c.expected_rate) << c.rate;
    EXPECT_EQ(limiter.Burst(), c.expected_burst) << c.rate;
    EXPECT_EQ(limiter.Unlimited(), c.unlimited) << c.rate;
  }
}

// A fractional burst (rate 2.5): 2.5 tokens at the start; the third reservation leaves the
// bucket at -0.5 and is due after 0.5 / 2.5 s = 200 ms.
TEST(RateLimiterTest, FractionalBurst) {
  RateLimiter limiter(2.5, kStart);
  EXPECT_EQ(Ms(limiter.Reserve(At(0))), 0);
  EXPECT_EQ(Ms(limiter.Reserve(At(0))), 0);
  EXPECT_EQ(Ms(limiter.Reserve(At(0))), 200);
  EXPECT_EQ(Ms(limiter.Reserve(At(0))), 600);
}

// Many reservations at a high rate stay on schedule (no drift from floating point).
TEST(RateLimiterTest, NoDriftOverManyTokens) {
  RateLimiter limiter(100, kStart);
  Clock::time_point last;
  for (int i = 0; i < 10100; ++i) last = limiter.Reserve(At(0));
  // 100 burst tokens, then 10000 more at 10 ms each.
  EXPECT_EQ(Ms(last), 100000);
}

}  // namespace
}  // namespace vsrd::daemon::vsphere
