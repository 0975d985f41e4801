#include "daemon/systemd_notify.hpp"

#include <cerrno>
#include <cstddef>
#include <cstdlib>
#include <cstring>

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

namespace vsrd::daemon {

namespace {

std::string Env(const char* name) {
  const char* value = std::getenv(name);  // NOLINT(concurrency-mt-unsafe): read once at start
  return value == nullptr ? std::string() : std::string(value);
}

std::optional<std::chrono::microseconds> WatchdogFromEnvironment() {
  const std::string usec = Env("WATCHDOG_USEC");
  if (usec.empty()) return std::nullopt;
  const std::string pid = Env("WATCHDOG_PID");
  if (!pid.empty() && pid != std::to_string(::getpid())) return std::nullopt;
  char* end = nullptr;
  const unsigned long long value = std::strtoull(usec.c_str(), &end, 10);
  if (end == usec.c_str() || *end != '\0' || value == 0) return std::nullopt;
  return std::chrono::microseconds(static_cast<std::chrono::microseconds::rep>(value));
}

}  // namespace

SystemdNotifier::SystemdNotifier()
    : SystemdNotifier(Env("NOTIFY_SOCKET"), WatchdogFromEnvironment()) {}

SystemdNotifier::SystemdNotifier(std::string socket,
                                 std::optional<std::chrono::microseconds> watchdog)
    : socket_(std::move(socket)), watchdog_(watchdog) {}

bool SystemdNotifier::Notify(std::string_view message) const {
  if (socket_.empty()) return false;
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  if (socket_.size() >= sizeof(address.sun_path)) return false;
  std::memcpy(address.sun_path, socket_.data(), socket_.size());
  // "@name" is Linux's abstract namespace: the address starts with a NUL byte.
  if (socket_.front() == '@') address.sun_path[0] = '\0';
  const auto length = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + socket_.size());
  const int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  const ssize_t sent = ::sendto(fd, message.data(), message.size(), MSG_NOSIGNAL,
                                reinterpret_cast<const sockaddr*>(&address), length);
  ::close(fd);
  return sent == static_cast<ssize_t>(message.size());
}

bool SystemdNotifier::Ready(std::string_view status) const {
  return Notify("READY=1\nSTATUS=" + OneLine(status));
}

bool SystemdNotifier::Status(std::string_view status) const {
  return Notify("STATUS=" + OneLine(status));
}

std::string OneLine(std::string_view text) {
  std::string line(text);
  for (char& c : line) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  return line;
}

bool WatchdogDue(std::optional<std::chrono::steady_clock::time_point> last_sent,
                 std::chrono::steady_clock::time_point now, std::chrono::microseconds interval) {
  return !last_sent || now - *last_sent >= interval / 2;
}

}  // namespace vsrd::daemon
