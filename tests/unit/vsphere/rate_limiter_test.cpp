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

// A fractional burst (rate 2.5): 2.5 tokens at the start; after two, the third whole token is
// there 0.5 / 2.5 s = 200 ms later, the fourth 400 ms after that.
TEST(RateLimiterTest, FractionalBurst) {
  RateLimiter limiter(2.5, kStart);
  EXPECT_TRUE(limiter.TryTake(At(0)));
  EXPECT_TRUE(limiter.TryTake(At(0)));
  EXPECT_FALSE(limiter.TryTake(At(0)));
  EXPECT_EQ(Ms(limiter.NextToken(At(0))), 200);
  EXPECT_EQ(Ms(limiter.WhenAvailable(At(0), 2)), 600);
}

// Tokens taken one by one, each at the time NextToken gave, for 10,000 tokens at a high rate:
// every one is there when promised (no floating-point shortfall) and the last comes on schedule.
TEST(RateLimiterTest, NoDriftOverManyTokens) {
  RateLimiter limiter(100, kStart);
  EXPECT_EQ(Ms(limiter.WhenAvailable(At(0), 10100)), 100000);
  for (int i = 0; i < 100; ++i) ASSERT_TRUE(limiter.TryTake(At(0)));
  Clock::time_point now = At(0);
  for (int i = 0; i < 10000; ++i) {
    now = limiter.NextToken(now);
    ASSERT_TRUE(limiter.TryTake(now)) << "token " << i << " at " << Ms(now) << " ms";
  }
  // 10000 more at 10 ms each.
  EXPECT_EQ(Ms(now), 100000);
}

// TryTake, NextToken and WhenAvailable: the bucket the transport hands out by priority. Each
// step is (now, what, expected): "take" -> 1 taken / 0 refused; "next" -> NextToken in ms;
// "when N" -> WhenAvailable(now, N) in ms.
TEST(RateLimiterTest, TakesOnlyTokensThatAreThereAndSaysWhenTheNextCome) {
  struct Step {
    int now;
    std::string what;
    long long expected;
  };
  struct Case {
    std::string name;
    double rate;
    std::vector<Step> steps;
  };
  const std::vector<Case> cases{
      {"a burst of 5, then one every 200 ms, never in debt",
       5,
       {{0, "take", 1},
        {0, "take", 1},
        {0, "take", 1},
        {0, "take", 1},
        {0, "take", 1},
        {0, "take", 0},
        {0, "take", 0},
        {0, "next", 200},
        {0, "when 3", 600},
        {199, "take", 0},
        {200, "take", 1},
        {200, "next", 400},
        {500, "when 1", 500},
        {500, "take", 1},
        {500, "when 1", 600}}},
      {"a full bucket has its tokens now, and the rest come at the rate",
       2,
       {{0, "when 2", 0}, {0, "when 3", 500}, {0, "next", 0}}},
      {"a slow rate refills one token in 2 s",
       0.5,
       {{0, "take", 1}, {0, "next", 2000}, {1999, "take", 0}, {2000, "take", 1}}},
      {"a refill never exceeds the burst",
       2,
       {{0, "take", 1},
        {0, "take", 1},
        {10000, "take", 1},
        {10000, "take", 1},
        {10000, "take", 0},
        {10000, "next", 10500}}},
      {"unlimited: always a token, always now",
       0,
       {{0, "take", 1}, {0, "take", 1}, {5, "next", 5}, {5, "when 100", 5}}},
  };
  for (const auto& c : cases) {
    RateLimiter limiter(c.rate, kStart);
    for (std::size_t i = 0; i < c.steps.size(); ++i) {
      const Step& step = c.steps[i];
      long long got = 0;
      if (step.what == "take") {
        got = limiter.TryTake(At(step.now)) ? 1 : 0;
      } else if (step.what == "next") {
        got = Ms(limiter.NextToken(At(step.now)));
      } else {
        got = Ms(limiter.WhenAvailable(At(step.now), std::stod(step.what.substr(5))));
      }
      EXPECT_EQ(got, step.expected)
          << c.name << ", step " << i << " (" << step.what << " at " << step.now << " ms)";
    }
  }
}

}  // namespace
}  // namespace vsrd::daemon::vsphere
