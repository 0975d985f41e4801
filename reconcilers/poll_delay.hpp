#pragma once

#include <chrono>
#include <cstdint>
#include <optional>

#include "reconcilers/outcome.hpp"

// When to look at a running operation again (issue 15: tasks polled on their own clock). Pure:
// the reconcilers pass how long the operation has run and what it reports.
//
// - Soon after submission, then backing off with the running time: the next look is at most
//   max(kMinPoll, 5 % of the running time) away, so the end of an operation is noticed within
//   max(1 s, 5 % of its running time) (for a 30-minute install: 90 s), and never more than
//   kMaxPoll away, so status' progress stays fresh.
// - Informed by what the operation says of its end: when the vendor's estimate of the time left
//   (the appliance precheck's estimated_time_to_install) or the rate of its reported progress
//   puts the end sooner than that, the next look is at that end (never sooner than kMinPoll).
//
// A fixed interval (the 10 s of milestone 1) noticed the end of a 5-second task 5 s after it and
// looked at an hour-long install 360 times. This rule looks at the 5-second task each second (5
// looks), at a one-minute task 43 times (end noticed 1.4 s late) and at the hour-long install
// 129 times (end noticed at most 104 s late, within its 180 s): the table in
// tests/unit/reconcilers/poll_delay_test.cpp.

namespace vsrd::reconcilers {

inline constexpr Duration kMinPoll = std::chrono::seconds(1);
inline constexpr Duration kMaxPoll = std::chrono::minutes(2);
/// The share of the running time the end of an operation may go unnoticed: 1/20 = 5 %.
inline constexpr int kPollShare = 20;

/// The delay until the next look at an operation that has run for `running` (negative: 0).
/// `progress`: its percent done, when it reports one (0 and 100 tell nothing of the rate).
/// `estimated_left`: the vendor's estimate of the time left, when there is one.
Duration NextPoll(Duration running, std::optional<std::int64_t> progress = std::nullopt,
                  std::optional<Duration> estimated_left = std::nullopt);

}  // namespace vsrd::reconcilers
