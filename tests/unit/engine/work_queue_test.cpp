#include "daemon/engine/work_queue.hpp"

#include <atomic>
#include <thread>

#include <gtest/gtest.h>

#include "tests/unit/engine/manual_clock.hpp"

namespace vsrd::daemon {
namespace {

using manifests::Kind;
using std::chrono::milliseconds;
using std::chrono::seconds;

const Key kA{Kind::kVchaPassiveNode, "a"};
const Key kB{Kind::kApplianceUpdate, "b"};

class WorkQueueTest : public ::testing::Test {
 protected:
  std::optional<Key> Next() { return queue_.TryGet(clock_.SteadyNow()); }
  testing::ManualClock clock_{WallTime(seconds(1000)), SteadyTime(seconds(1000))};
  WorkQueue queue_{clock_};
};

TEST_F(WorkQueueTest, AddingAQueuedKeyAgainQueuesItOnce) {
  queue_.Add(kA);
  queue_.Add(kA);
  queue_.Add(kB);
  EXPECT_EQ(queue_.ReadyCount(), 2U);
  EXPECT_EQ(Next(), kA);
  EXPECT_EQ(Next(), kB);
  EXPECT_EQ(Next(), std::nullopt);
}

TEST_F(WorkQueueTest, AKeyBeingProcessedIsNotHandedOutAgainUntilDone) {
  queue_.Add(kA);
  ASSERT_EQ(Next(), kA);
  queue_.Add(kA);  // a manifest change while a worker reconciles it
  EXPECT_EQ(Next(), std::nullopt) << "one worker per key at a time";
  queue_.Done(kA);
  EXPECT_EQ(Next(), kA) << "the change is not lost";
  queue_.Done(kA);
  EXPECT_EQ(Next(), std::nullopt);
}

TEST_F(WorkQueueTest, DelayedAddsComeDueOnTheClock) {
  queue_.AddAfter(kA, seconds(10));
  EXPECT_EQ(Next(), std::nullopt);
  EXPECT_EQ(queue_.DelayedCount(), 1U);
  clock_.Advance(seconds(9));
  EXPECT_EQ(Next(), std::nullopt);
  clock_.Advance(seconds(1));
  EXPECT_EQ(Next(), kA);
}

TEST_F(WorkQueueTest, TheEarliestOfSeveralDelaysWinsAndAnImmediateAddBeatsThem) {
  queue_.AddAfter(kA, seconds(60));
  queue_.AddAfter(kA, seconds(5));
  queue_.AddAfter(kA, seconds(30));
  clock_.Advance(seconds(5));
  EXPECT_EQ(Next(), kA);
  queue_.Done(kA);
  EXPECT_EQ(queue_.DelayedCount(), 0U);

  queue_.AddAfter(kB, seconds(60));
  queue_.Add(kB);
  EXPECT_EQ(Next(), kB);
  queue_.Done(kB);
  clock_.Advance(seconds(60));
  EXPECT_EQ(Next(), std::nullopt) << "the delayed add was superseded";
}

TEST_F(WorkQueueTest, ADelayedKeyDueWhileProcessingRunsAfterDone) {
  queue_.Add(kA);
  ASSERT_EQ(Next(), kA);
  queue_.AddAfter(kA, seconds(1));
  clock_.Advance(seconds(2));
  EXPECT_EQ(Next(), std::nullopt);
  queue_.Done(kA);
  EXPECT_EQ(Next(), kA);
}

TEST_F(WorkQueueTest, ForgetDropsPendingDelayAndFailures) {
  queue_.AddAfter(kA, seconds(10));
  queue_.SetFailures(kA, 2);
  EXPECT_EQ(queue_.Failures(kA), 2);
  queue_.Forget(kA);
  clock_.Advance(seconds(10));
  EXPECT_EQ(Next(), std::nullopt);
  EXPECT_EQ(queue_.Failures(kA), 0);
}

TEST_F(WorkQueueTest, NextDueReportsNowForReadyAndTheDelayOtherwise) {
  queue_.Add(kA);
  queue_.AddAfter(kB, seconds(30));
  EXPECT_EQ(queue_.NextDue(kA), clock_.SteadyNow());
  EXPECT_EQ(queue_.NextDue(kB), clock_.SteadyNow() + seconds(30));
  EXPECT_EQ(queue_.NextDue(Key{Kind::kApplianceInstall, "none"}), std::nullopt);
}

TEST_F(WorkQueueTest, ShutDownWakesABlockedGetAndIgnoresLaterAdds) {
  std::atomic<bool> woke{false};
  std::thread worker([&] {
    EXPECT_EQ(queue_.Get(), std::nullopt);
    woke = true;
  });
  std::this_thread::sleep_for(milliseconds(20));
  queue_.ShutDown();
  worker.join();
  EXPECT_TRUE(woke);
  queue_.Add(kA);
  EXPECT_EQ(Next(), std::nullopt);
}

TEST_F(WorkQueueTest, ABlockedGetReturnsAKeyAddedFromAnotherThread) {
  std::optional<Key> got;
  std::thread worker([&] { got = queue_.Get(); });
  std::this_thread::sleep_for(milliseconds(20));
  queue_.Add(kB);
  worker.join();
  EXPECT_EQ(got, kB);
}

}  // namespace
}  // namespace vsrd::daemon
