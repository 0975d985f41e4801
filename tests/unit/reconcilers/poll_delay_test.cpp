#include "reconcilers/poll_delay.hpp"

#include <string>
#include <vector>

#include <gtest/gtest.h>

// NextPoll: the backoff, its bounds, and the end an operation predicts (progress, estimate).

namespace vsrd::reconcilers {
namespace {

using std::chrono::milliseconds;
using std::chrono::minutes;
using std::chrono::seconds;

TEST(NextPoll, DecidesTheNextLookFromRunningTimeProgressAndEstimate) {
  struct Case {
    std::string name;
    Duration running;
    std::optional<std::int64_t> progress;
    std::optional<Duration> estimated_left;
    Duration expected;
  };
  const std::vector<Case> cases{
      {"just submitted: a second later", seconds(0), {}, {}, seconds(1)},
      {"a clock skewed backwards counts as just submitted", seconds(-30), {}, {}, seconds(1)},
      {"the first 20 s: every second", seconds(19), {}, {}, seconds(1)},
      {"then 5 % of the running time", seconds(100), {}, {}, seconds(5)},
      {"ten minutes in: 30 s", minutes(10), {}, {}, seconds(30)},
      {"never more than two minutes", minutes(90), {}, {}, minutes(2)},
      {"half done after 100 s: the end is 100 s away, later than the backoff's look",
       seconds(100),
       50,
       {},
       seconds(5)},
      {"90 % after 10 min: the end expected in 67 s is later than 30 s",
       minutes(10),
       90,
       {},
       seconds(30)},
      {"99 % after 10 min: looks at the expected end, 6.06 s away",
       minutes(10),
       99,
       {},
       milliseconds(6060)},
      {"99.x % of a short task: never sooner than a second", seconds(30), 99, {}, seconds(1)},
      {"0 % tells nothing of the rate", minutes(10), 0, {}, seconds(30)},
      {"100 % tells nothing either (the task state decides)", minutes(10), 100, {}, seconds(30)},
      {"the vendor's estimate: 10 s left, sooner than the backoff's 30 s",
       minutes(10),
       {},
       seconds(10),
       seconds(10)},
      {"an estimate past its end tells nothing", minutes(10), {}, seconds(-5), seconds(30)},
      {"an estimate later than the backoff's look changes nothing",
       minutes(10),
       {},
       minutes(5),
       seconds(30)},
      {"of estimate and progress, the sooner end", minutes(10), 99, seconds(3), seconds(3)},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(NextPoll(c.running, c.progress, c.estimated_left), c.expected) << c.name;
  }
}

// The promise of docs/reconcilers.md "Polling": the end of an operation is noticed within
// max(1 s, 5 % of its running time), with the looks counted for tasks of 5 s to 1 h.
TEST(NextPoll, NoticesTheEndWithinFivePercentOfTheRunningTimeAndCountsItsLooks) {
  struct Case {
    Duration length;
    int looks;
  };
  for (const auto& [length, looks] : std::vector<Case>{
           {seconds(5), 5}, {minutes(1), 43}, {minutes(10), 90}, {minutes(60), 129}}) {
    Duration at{0};
    int count = 0;
    while (at < length) {
      at += NextPoll(at);
      ++count;
    }
    const Duration allowed = std::max<Duration>(seconds(1), length / kPollShare);
    EXPECT_LE(at - length, allowed) << length.count() << " ms";
    EXPECT_EQ(count, looks) << length.count() << " ms";
  }
}

}  // namespace
}  // namespace vsrd::reconcilers
