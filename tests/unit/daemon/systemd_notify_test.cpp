#include "daemon/systemd_notify.hpp"

#include <chrono>
#include <cstddef>
#include <cstring>
#include <filesystem>
#include <optional>
#include <string>

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

// sd_notify without libsystemd: datagrams to a socket this test binds, at a path and in the
// abstract namespace, as systemd's NOTIFY_SOCKET can be either.

namespace vsrd::daemon {
namespace {

/// A datagram socket the test binds, standing in for systemd.
class FakeSystemd {
 public:
  explicit FakeSystemd(const std::string& name) : name_(name) {
    fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::memcpy(address.sun_path, name.data(), name.size());
    if (name.front() == '@') address.sun_path[0] = '\0';
    const auto length = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + name.size());
    bound_ = ::bind(fd_, reinterpret_cast<const sockaddr*>(&address), length) == 0;
    timeval timeout{1, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  }
  ~FakeSystemd() {
    ::close(fd_);
    if (name_.front() != '@') std::filesystem::remove(name_);
  }
  FakeSystemd(const FakeSystemd&) = delete;
  FakeSystemd& operator=(const FakeSystemd&) = delete;

  bool Bound() const { return bound_; }
  /// The next datagram, or "" after a second.
  std::string Receive() const {
    char buffer[4096];
    const ssize_t n = ::recv(fd_, buffer, sizeof buffer, 0);
    return n <= 0 ? std::string() : std::string(buffer, static_cast<std::size_t>(n));
  }

 private:
  std::string name_;
  int fd_ = -1;
  bool bound_ = false;
};

std::string SocketPath() {
  return (std::filesystem::temp_directory_path() /
          ("vsrd-notify-test-" + std::to_string(::getpid()) + ".sock"))
      .string();
}

TEST(SystemdNotifier, SendsReadyStatusWatchdogAndStoppingToAPathSocket) {
  const std::string path = SocketPath();
  std::filesystem::remove(path);
  FakeSystemd systemd(path);
  ASSERT_TRUE(systemd.Bound());
  const SystemdNotifier notifier(path, std::chrono::seconds(30));
  ASSERT_TRUE(notifier.Enabled());
  EXPECT_TRUE(notifier.Ready("7 objects: 4 ready,\n3 waiting"));
  EXPECT_EQ(systemd.Receive(), "READY=1\nSTATUS=7 objects: 4 ready, 3 waiting");
  EXPECT_TRUE(notifier.Status("7 objects: 7 ready"));
  EXPECT_EQ(systemd.Receive(), "STATUS=7 objects: 7 ready");
  EXPECT_TRUE(notifier.Watchdog());
  EXPECT_EQ(systemd.Receive(), "WATCHDOG=1");
  EXPECT_TRUE(notifier.Stopping());
  EXPECT_EQ(systemd.Receive(), "STOPPING=1");
  EXPECT_EQ(notifier.WatchdogInterval(), std::chrono::seconds(30));
}

TEST(SystemdNotifier, SendsToAnAbstractSocket) {
  const std::string name = "@vsrd-notify-test-" + std::to_string(::getpid());
  FakeSystemd systemd(name);
  ASSERT_TRUE(systemd.Bound());
  const SystemdNotifier notifier(name, std::nullopt);
  EXPECT_TRUE(notifier.Ready("up"));
  EXPECT_EQ(systemd.Receive(), "READY=1\nSTATUS=up");
}

TEST(SystemdNotifier, DoesNothingOutsideSystemdAndSurvivesAMissingSocket) {
  const SystemdNotifier outside("", std::nullopt);
  EXPECT_FALSE(outside.Enabled());
  EXPECT_FALSE(outside.Ready("up"));
  const SystemdNotifier gone(SocketPath() + ".absent", std::nullopt);
  EXPECT_FALSE(gone.Ready("up"));
}

TEST(SystemdNotifier, ReadsTheWatchdogFromTheEnvironmentOnlyForThisProcess) {
  ::setenv("WATCHDOG_USEC", "20000000", 1);
  ::unsetenv("WATCHDOG_PID");
  EXPECT_EQ(SystemdNotifier().WatchdogInterval(), std::chrono::seconds(20));
  ::setenv("WATCHDOG_PID", std::to_string(::getpid()).c_str(), 1);
  EXPECT_EQ(SystemdNotifier().WatchdogInterval(), std::chrono::seconds(20));
  ::setenv("WATCHDOG_PID", "1", 1);
  EXPECT_EQ(SystemdNotifier().WatchdogInterval(), std::nullopt) << "meant for another process";
  ::setenv("WATCHDOG_USEC", "soon", 1);
  ::unsetenv("WATCHDOG_PID");
  EXPECT_EQ(SystemdNotifier().WatchdogInterval(), std::nullopt);
  ::unsetenv("WATCHDOG_USEC");
  EXPECT_EQ(SystemdNotifier().WatchdogInterval(), std::nullopt);
}

// Daemon::Tick's watchdog schedule on the injected clock: the first WATCHDOG=1 at once, then one
// per half interval, measured from the last one actually sent.
TEST(WatchdogDue, SendsAtOnceThenEveryHalfInterval) {
  using std::chrono::microseconds;
  using std::chrono::seconds;
  using Time = std::chrono::steady_clock::time_point;
  const microseconds interval = seconds(30);
  const Time t0 = Time{} + seconds(1000);
  struct Case {
    const char* name;
    std::optional<Time> last_sent;
    Time now;
    bool due;
  };
  const Case cases[] = {
      {"never sent: due at once", std::nullopt, t0, true},
      {"just sent: not due", t0, t0, false},
      {"14.999 s later: not due", t0, t0 + microseconds(14'999'000), false},
      {"exactly half the interval: due", t0, t0 + seconds(15), true},
      {"a full interval late: due", t0, t0 + seconds(30), true},
      {"clock behind the last send: not due", t0, t0 - seconds(5), false},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(WatchdogDue(c.last_sent, c.now, interval), c.due) << c.name;
  }
}

}  // namespace
}  // namespace vsrd::daemon
