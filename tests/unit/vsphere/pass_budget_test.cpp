#include "daemon/vsphere/pass_budget.hpp"

#include <chrono>
#include <thread>

#include <gtest/gtest.h>

// The pass budget's contract (daemon/vsphere/pass_budget.hpp): outside a pass every call may
// start; inside, only a call whose request timeout fits in what is left; budgets are per thread
// and an inner one is undone when it closes.

namespace vsrd::daemon::vsphere {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

TEST(PassBudgetTest, OutsideAPassEveryCallMayStart) {
  EXPECT_FALSE(PassBudget::Deadline().has_value());
  EXPECT_TRUE(PassBudget::AllowsCall(seconds(3600)));
}

TEST(PassBudgetTest, InsideAPassACallStartsOnlyIfItsTimeoutFits) {
  const PassBudget budget(seconds(100));
  ASSERT_TRUE(PassBudget::Deadline().has_value());
  EXPECT_TRUE(PassBudget::AllowsCall(seconds(60)));
  EXPECT_TRUE(PassBudget::AllowsCall(seconds(99)));
  EXPECT_FALSE(PassBudget::AllowsCall(seconds(101)));
}

TEST(PassBudgetTest, AnExhaustedBudgetAllowsNoCall) {
  const PassBudget budget(milliseconds(0));
  EXPECT_FALSE(PassBudget::AllowsCall(milliseconds(1)));
}

TEST(PassBudgetTest, AnInnerBudgetIsUndoneWhenItCloses) {
  const PassBudget outer(seconds(100));
  {
    const PassBudget inner(seconds(1));
    EXPECT_FALSE(PassBudget::AllowsCall(seconds(60)));
  }
  EXPECT_TRUE(PassBudget::AllowsCall(seconds(60)));
}

TEST(PassBudgetTest, TheBudgetBelongsToItsThread) {
  const PassBudget budget(milliseconds(0));
  bool other_thread_allowed = false;
  std::thread([&] { other_thread_allowed = PassBudget::AllowsCall(seconds(60)); }).join();
  EXPECT_TRUE(other_thread_allowed);
  EXPECT_FALSE(PassBudget::AllowsCall(seconds(60)));
}

TEST(PassBudgetTest, ClosingTheLastBudgetEndsThePass) {
  { const PassBudget budget(seconds(1)); }
  EXPECT_FALSE(PassBudget::Deadline().has_value());
}

}  // namespace
}  // namespace vsrd::daemon::vsphere
