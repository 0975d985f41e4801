#include "daemon/engine/status_store.hpp"

#include <chrono>
#include <string>

#include <gtest/gtest.h>

// ObjectStatus::Record: the status history docs/operations.md "Status fields" describes: passes
// in a row with one outcome share an entry, and the last kHistory different outcomes are kept,
// oldest first.

namespace vsrd::daemon {
namespace {

OutcomeEntry Pass(int second, const std::string& message) {
  const WallTime at{std::chrono::seconds(1'790'000'000 + second)};
  return OutcomeEntry{at, at, 1, "success", reconcilers::Phase::kReady, "InSync", message};
}

TEST(ObjectStatusHistory, KeepsTheLastFiveDifferentOutcomesOldestFirst) {
  ObjectStatus status;
  for (int i = 0; i < 7; ++i) status.Record(Pass(i, "outcome " + std::to_string(i)));
  ASSERT_EQ(status.history.size(), ObjectStatus::kHistory);
  for (std::size_t i = 0; i < ObjectStatus::kHistory; ++i) {
    EXPECT_EQ(status.history[i].message, "outcome " + std::to_string(i + 2)) << i;
  }
}

TEST(ObjectStatusHistory, PassesInARowWithOneOutcomeShareAnEntry) {
  ObjectStatus status;
  status.Record(Pass(0, "in sync"));
  status.Record(Pass(30, "in sync"));
  status.Record(Pass(60, "in sync"));
  ASSERT_EQ(status.history.size(), 1U);
  EXPECT_EQ(status.history[0].count, 3);
  EXPECT_EQ(status.history[0].since, Pass(0, "").at);
  EXPECT_EQ(status.history[0].at, Pass(60, "").at);

  OutcomeEntry failed = Pass(90, "read failed");
  failed.result = "error";
  status.Record(failed);
  status.Record(Pass(120, "in sync"));
  ASSERT_EQ(status.history.size(), 3U) << "the same outcome after another one is a new entry";
  EXPECT_EQ(status.history[2].count, 1);
  EXPECT_EQ(status.history[2].since, Pass(120, "").at);
}

}  // namespace
}  // namespace vsrd::daemon
