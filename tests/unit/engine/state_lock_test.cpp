#include "daemon/engine/state_lock.hpp"

#include <csignal>
#include <filesystem>
#include <fstream>

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

// The state_dir lock between processes: children made with fork(2) hold it, die by SIGKILL,
// and the parent takes it again.

namespace vsrd::daemon {
namespace {

namespace fs = std::filesystem;

class StateLockTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("vsrd-state-lock-test-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
};

/// A child process that takes the lock of `dir`, says so on a pipe and waits to be killed.
class Holder {
 public:
  explicit Holder(const fs::path& dir) {
    int fds[2];
    if (::pipe(fds) != 0) throw std::runtime_error("pipe");
    pid_ = ::fork();
    if (pid_ == 0) {
      ::close(fds[0]);
      std::string error;
      const auto lock = StateLock::Acquire(dir, &error);
      const char answer = lock ? 'L' : 'F';
      if (::write(fds[1], &answer, 1) != 1) ::_exit(2);
      for (;;) ::pause();
    }
    ::close(fds[1]);
    char answer = 0;
    locked_ = ::read(fds[0], &answer, 1) == 1 && answer == 'L';
    ::close(fds[0]);
  }
  ~Holder() { Kill(); }
  Holder(const Holder&) = delete;
  Holder& operator=(const Holder&) = delete;

  bool Locked() const { return locked_; }
  pid_t Pid() const { return pid_; }
  /// SIGKILL and reap: the wait status.
  int Kill() {
    int status = 0;
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, &status, 0);
      pid_ = -1;
    }
    return status;
  }

 private:
  pid_t pid_ = -1;
  bool locked_ = false;
};

TEST_F(StateLockTest, CreatesTheStateDirectoryAndWritesItsPid) {
  std::string error;
  const auto lock = StateLock::Acquire(dir_ / "nested", &error);
  ASSERT_NE(lock, nullptr) << error;
  EXPECT_EQ(lock->Path(), dir_ / "nested" / "vsrd.lock");
  EXPECT_EQ(StateLock::ReadHolder(lock->Path()), ::getpid());
}

TEST_F(StateLockTest, ASecondLockFailsAtOnceNamingTheFileAndTheHolder) {
  std::string error;
  const auto first = StateLock::Acquire(dir_, &error);
  ASSERT_NE(first, nullptr) << error;
  // Another open file description, even in this process, is another holder for flock(2).
  EXPECT_EQ(StateLock::Acquire(dir_, &error), nullptr);
  EXPECT_NE(error.find((dir_ / "vsrd.lock").string() + " is locked by another vsrd (pid " +
                       std::to_string(::getpid()) + ")"),
            std::string::npos)
      << error;
}

TEST_F(StateLockTest, AnotherProcessHoldingItIsNamedByPidUntilItIsKilled) {
  Holder holder(dir_);
  ASSERT_TRUE(holder.Locked());
  std::string error;
  EXPECT_EQ(StateLock::Acquire(dir_, &error), nullptr);
  EXPECT_NE(error.find("(pid " + std::to_string(holder.Pid()) + ")"), std::string::npos) << error;
  EXPECT_NE(error.find("vsrd.lock"), std::string::npos) << error;

  // SIGKILL gives no chance to clean up: the kernel releases the lock with the process.
  const int status = holder.Kill();
  ASSERT_TRUE(WIFSIGNALED(status));
  const auto lock = StateLock::Acquire(dir_, &error);
  ASSERT_NE(lock, nullptr) << error;
  EXPECT_EQ(StateLock::ReadHolder(lock->Path()), ::getpid()) << "the dead holder's pid replaced";
}

TEST_F(StateLockTest, AChildCannotTakeItFromItsParentAndItIsFreeAfterRelease) {
  std::string error;
  auto lock = StateLock::Acquire(dir_, &error);
  ASSERT_NE(lock, nullptr) << error;
  {
    Holder child(dir_);
    EXPECT_FALSE(child.Locked());
  }
  lock.reset();
  Holder child(dir_);
  EXPECT_TRUE(child.Locked());
}

TEST_F(StateLockTest, TheLockFileIsClosedOnExec) {
  std::string error;
  const auto lock = StateLock::Acquire(dir_, &error);
  ASSERT_NE(lock, nullptr) << error;
  int found = 0;
  for (const auto& entry : fs::directory_iterator("/proc/self/fd")) {
    std::error_code ignored;
    if (fs::read_symlink(entry.path(), ignored) != lock->Path()) continue;
    const int fd = std::stoi(entry.path().filename().string());
    EXPECT_NE(::fcntl(fd, F_GETFD) & FD_CLOEXEC, 0);
    ++found;
  }
  EXPECT_EQ(found, 1);
}

TEST_F(StateLockTest, AnUnusableStateDirectoryIsAnError) {
  fs::create_directories(dir_.parent_path());
  std::ofstream(dir_.string()) << "a file where the state directory should be";
  std::string error;
  EXPECT_EQ(StateLock::Acquire(dir_, &error), nullptr);
  EXPECT_NE(error.find("cannot create the state directory " + dir_.string()), std::string::npos)
      << error;
  fs::remove(dir_);
}

TEST_F(StateLockTest, ReadHolderReadsOnlyAPid) {
  fs::create_directories(dir_);
  const auto path = dir_ / "vsrd.lock";
  EXPECT_EQ(StateLock::ReadHolder(path), std::nullopt) << "missing";
  for (const char* text : {"", "abc\n", "12x\n", "-5\n", "0\n"}) {
    std::ofstream(path) << text;
    EXPECT_EQ(StateLock::ReadHolder(path), std::nullopt) << text;
  }
  std::ofstream(path) << "4242\n";
  EXPECT_EQ(StateLock::ReadHolder(path), 4242);
}

}  // namespace
}  // namespace vsrd::daemon
