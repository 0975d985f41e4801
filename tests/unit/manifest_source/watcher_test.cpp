#include "daemon/manifest_source/watcher.hpp"

#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <spdlog/sinks/null_sink.h>

#include "tests/unit/manifest_source/test_files.hpp"

// ManifestWatcher on real directories. Callbacks are awaited, not slept for; the only sleeps are
// the quiet periods after which a test asserts that no further callback came.

namespace vsrd::daemon {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;
using testing::TempDir;
using testing::WriteFile;

constexpr milliseconds kDebounce{50};
constexpr milliseconds kMaxDelay{1000};
/// Long enough for any callback still due to have come (several debounce periods).
constexpr milliseconds kSettle{300};
/// A generous bound for a callback that is due; only a broken watcher takes this long.
constexpr milliseconds kDue{5000};

/// Records the time of every callback.
class Recorder {
 public:
  void Record() {
    const std::lock_guard lock(mutex_);
    times_.push_back(Clock::now());
    changed_.notify_all();
  }
  /// Waits until at least `n` callbacks came; false after kDue.
  bool WaitFor(std::size_t n) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, kDue, [&] { return times_.size() >= n; });
  }
  /// The number of callbacks once the watcher has been quiet for kSettle.
  std::size_t Settled() {
    std::this_thread::sleep_for(kSettle);
    const std::lock_guard lock(mutex_);
    return times_.size();
  }
  Clock::time_point At(std::size_t i) {
    const std::lock_guard lock(mutex_);
    return times_.at(i);
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<Clock::time_point> times_;
};

std::shared_ptr<spdlog::logger> QuietLogger() {
  return std::make_shared<spdlog::logger>("watcher-test",
                                          std::make_shared<spdlog::sinks::null_sink_mt>());
}

class ManifestWatcherTest : public ::testing::Test {
 protected:
  fs::path Root() const { return dir_.Path() / "manifests"; }
  std::unique_ptr<ManifestWatcher> Make(const fs::path& root, milliseconds debounce = kDebounce,
                                        milliseconds max_delay = kMaxDelay) {
    return std::make_unique<ManifestWatcher>(
        root, debounce, max_delay, [this] { recorder_.Record(); }, QuietLogger());
  }

  TempDir dir_;
  Recorder recorder_;
};

TEST_F(ManifestWatcherTest, AWrittenFileIsOneChangeAfterTheDebounce) {
  fs::create_directories(Root());
  auto watcher = Make(Root());
  watcher->Start();
  const auto written = Clock::now();
  WriteFile(Root() / "a.yaml", "kind: x\n");
  ASSERT_TRUE(recorder_.WaitFor(1));
  const auto latency = std::chrono::duration_cast<milliseconds>(recorder_.At(0) - written);
  std::cout << "[ measured ] file write -> on_change: " << latency.count() << " ms (debounce "
            << kDebounce.count() << " ms)\n";
  EXPECT_GE(latency, kDebounce);
  EXPECT_LT(latency, milliseconds(2000));
  EXPECT_EQ(recorder_.Settled(), 1U);
  EXPECT_EQ(watcher->Changes(), 1U);

  // Each later burst is one more change: an edit, a rename over, a removal.
  WriteFile(Root() / "a.yaml", "kind: y\n");
  ASSERT_TRUE(recorder_.WaitFor(2));
  WriteFile(Root() / ".a.yaml.tmp", "kind: z\n");
  fs::rename(Root() / ".a.yaml.tmp", Root() / "a.yaml");
  ASSERT_TRUE(recorder_.WaitFor(3));
  fs::remove(Root() / "a.yaml");
  ASSERT_TRUE(recorder_.WaitFor(4));
  EXPECT_EQ(recorder_.Settled(), 4U);
}

TEST_F(ManifestWatcherTest, ABurstOf500FilesIsOneChange) {
  fs::create_directories(Root());
  // The debounce is longer than any pause between two writes of the burst can be, even on a
  // loaded machine, and max_delay far longer than the burst: exactly one callback is due.
  auto watcher = Make(Root(), milliseconds(400), milliseconds(30000));
  watcher->Start();
  const auto start = Clock::now();
  for (int i = 0; i < 500; ++i) {
    WriteFile(Root() / ("dir" + std::to_string(i % 10)) / ("f" + std::to_string(i) + ".yaml"),
              "kind: x\n");
  }
  const auto burst = std::chrono::duration_cast<milliseconds>(Clock::now() - start);
  std::cout << "[ measured ] 500 files in 10 new directories written in " << burst.count()
            << " ms\n";
  ASSERT_TRUE(recorder_.WaitFor(1));
  std::this_thread::sleep_for(milliseconds(400));
  EXPECT_EQ(recorder_.Settled(), 1U);
}

TEST_F(ManifestWatcherTest, MaxDelayBoundsAnEndlessBurst) {
  fs::create_directories(Root());
  auto watcher = Make(Root(), milliseconds(200), milliseconds(300));
  watcher->Start();
  const auto start = Clock::now();
  // Writes every 20 ms for 1 s: never 200 ms quiet, so only max_delay ends bursts.
  while (Clock::now() - start < milliseconds(1000)) {
    WriteFile(Root() / "a.yaml", "kind: x\n");
    std::this_thread::sleep_for(milliseconds(20));
  }
  ASSERT_TRUE(recorder_.WaitFor(2));
  EXPECT_LT(recorder_.At(0) - start, milliseconds(1000));
}

TEST_F(ManifestWatcherTest, NewSubdirectoriesAreWatchedAtOnce) {
  fs::create_directories(Root());
  auto watcher = Make(Root());
  watcher->Start();
  fs::create_directory(Root() / "sub");
  ASSERT_TRUE(recorder_.WaitFor(1));
  ASSERT_EQ(recorder_.Settled(), 1U);
  WriteFile(Root() / "sub" / "a.yaml", "kind: x\n");
  ASSERT_TRUE(recorder_.WaitFor(2));

  // A deep tree created at once, with a file in it before any watch can exist.
  WriteFile(Root() / "x" / "y" / "z" / "f.yaml", "kind: x\n");
  ASSERT_TRUE(recorder_.WaitFor(3));
  ASSERT_EQ(recorder_.Settled(), 3U);
  WriteFile(Root() / "x" / "y" / "z" / "g.yaml", "kind: x\n");
  ASSERT_TRUE(recorder_.WaitFor(4));

  // A directory moved in from outside is watched too; one moved out is not any more.
  WriteFile(dir_.Path() / "outside" / "m" / "a.yaml", "kind: x\n");
  fs::rename(dir_.Path() / "outside", Root() / "moved-in");
  ASSERT_TRUE(recorder_.WaitFor(5));
  ASSERT_EQ(recorder_.Settled(), 5U);
  WriteFile(Root() / "moved-in" / "m" / "b.yaml", "kind: x\n");
  ASSERT_TRUE(recorder_.WaitFor(6));
  fs::rename(Root() / "moved-in", dir_.Path() / "moved-out");
  ASSERT_TRUE(recorder_.WaitFor(7));
  ASSERT_EQ(recorder_.Settled(), 7U);
  WriteFile(dir_.Path() / "moved-out" / "m" / "c.yaml", "kind: x\n");
  EXPECT_EQ(recorder_.Settled(), 7U);

  // A symlink to a directory is followed, as the loading walk follows it.
  WriteFile(dir_.Path() / "linked" / "a.yaml", "kind: x\n");
  fs::create_directory_symlink(dir_.Path() / "linked", Root() / "link");
  ASSERT_TRUE(recorder_.WaitFor(8));
  ASSERT_EQ(recorder_.Settled(), 8U);
  WriteFile(dir_.Path() / "linked" / "b.yaml", "kind: x\n");
  ASSERT_TRUE(recorder_.WaitFor(9));
  fs::remove(Root() / "link");
  ASSERT_TRUE(recorder_.WaitFor(10));
  ASSERT_EQ(recorder_.Settled(), 10U);
  WriteFile(dir_.Path() / "linked" / "c.yaml", "kind: x\n");
  EXPECT_EQ(recorder_.Settled(), 10U);
}

TEST_F(ManifestWatcherTest, SymlinkSwapIsOneChangeAndMovesTheWatchesToTheNewTarget) {
  const fs::path link = dir_.Path() / "current";
  WriteFile(dir_.Path() / "rev1" / "sub" / "a.yaml", "kind: x\n");
  fs::create_directory_symlink("rev1", link);
  auto watcher = Make(link);
  watcher->Start();
  WriteFile(dir_.Path() / "rev2" / "sub" / "a.yaml", "kind: y\n");  // not the target yet
  EXPECT_EQ(recorder_.Settled(), 0U);

  // git-sync: ln -s rev2 tmp && mv -T tmp current, then the old checkout is removed.
  fs::create_directory_symlink("rev2", dir_.Path() / "tmp-link");
  fs::rename(dir_.Path() / "tmp-link", link);
  ASSERT_TRUE(recorder_.WaitFor(1));
  EXPECT_EQ(recorder_.Settled(), 1U);

  WriteFile(dir_.Path() / "rev1" / "sub" / "a.yaml", "kind: old\n");
  fs::remove_all(dir_.Path() / "rev1");
  EXPECT_EQ(recorder_.Settled(), 1U);

  WriteFile(dir_.Path() / "rev2" / "sub" / "b.yaml", "kind: new\n");
  ASSERT_TRUE(recorder_.WaitFor(2));
  EXPECT_EQ(recorder_.Settled(), 2U);
}

TEST_F(ManifestWatcherTest, HiddenTempAndOtherFilesAreIgnored) {
  WriteFile(Root() / "a.yaml", "kind: x\n");
  auto watcher = Make(Root());
  watcher->Start();
  WriteFile(Root() / ".a.yaml.swp", "x");
  WriteFile(Root() / ".#a.yaml", "x");
  WriteFile(Root() / "a.yaml~", "x");
  WriteFile(Root() / "a.yaml.swp", "x");
  WriteFile(Root() / "4913", "x");
  WriteFile(Root() / "README.md", "x");
  WriteFile(Root() / ".hidden" / "b.yaml", "x");
  {
    std::ifstream in(Root() / "a.yaml");  // reads (the reload's) are no change
    std::string content;
    in >> content;
  }
  EXPECT_EQ(recorder_.Settled(), 0U);
  WriteFile(Root() / "b.yml", "kind: x\n");
  ASSERT_TRUE(recorder_.WaitFor(1));
  EXPECT_EQ(recorder_.Settled(), 1U);
}

TEST_F(ManifestWatcherTest, RootAppearingAfterStartIsAChangeAndIsWatched) {
  auto watcher = Make(Root());
  watcher->Start();
  fs::create_directory(Root());
  ASSERT_TRUE(recorder_.WaitFor(1));
  ASSERT_EQ(recorder_.Settled(), 1U);
  WriteFile(Root() / "a.yaml", "kind: x\n");
  ASSERT_TRUE(recorder_.WaitFor(2));
  // Removed (e.g. a checkout being replaced by hand): a change too.
  fs::remove_all(Root());
  ASSERT_TRUE(recorder_.WaitFor(3));
  EXPECT_EQ(recorder_.Settled(), 3U);
}

TEST_F(ManifestWatcherTest, ACommitInPlaceIsAChangeButGitStatusIsNot) {
  WriteFile(Root() / "a.yaml", "kind: x\n");
  ASSERT_NE(testing::Git(Root(), "init -q"), "<failed>");
  ASSERT_NE(testing::Git(Root(), "add -A"), "<failed>");
  ASSERT_NE(testing::Git(Root(), "commit -q -m one"), "<failed>");
  auto watcher = Make(Root());
  watcher->Start();
  ASSERT_NE(testing::Git(Root(), "status --porcelain"), "<failed>");
  EXPECT_EQ(recorder_.Settled(), 0U);
  // No manifest file changes, but HEAD moves: the revision changes.
  ASSERT_NE(testing::Git(Root(), "commit -q --allow-empty -m two"), "<failed>");
  ASSERT_TRUE(recorder_.WaitFor(1));
  EXPECT_EQ(recorder_.Settled(), 1U);
  ASSERT_NE(testing::Git(Root(), "checkout -q --detach HEAD~1"), "<failed>");
  ASSERT_TRUE(recorder_.WaitFor(2));
}

TEST_F(ManifestWatcherTest, StopReturnsPromptlyAndIsIdempotent) {
  fs::create_directories(Root());
  auto watcher = Make(Root(), milliseconds(10000), milliseconds(60000));
  watcher->Start();
  WriteFile(Root() / "a.yaml", "kind: x\n");  // a burst pending for 10 s
  std::this_thread::sleep_for(milliseconds(20));
  const auto start = Clock::now();
  watcher->Stop();
  const auto took = std::chrono::duration_cast<milliseconds>(Clock::now() - start);
  EXPECT_LT(took, milliseconds(1000));
  watcher->Stop();
  EXPECT_EQ(watcher->Changes(), 0U);

  // It can start again.
  watcher = Make(Root());
  watcher->Start();
  WriteFile(Root() / "b.yaml", "kind: x\n");
  ASSERT_TRUE(recorder_.WaitFor(1));
}

TEST_F(ManifestWatcherTest, StartThrowsWhenTheParentCannotBeWatched) {
  auto watcher = Make(dir_.Path() / "no-such-parent" / "manifests");
  EXPECT_THROW(watcher->Start(), std::runtime_error);
  watcher->Stop();
}

}  // namespace
}  // namespace vsrd::daemon
