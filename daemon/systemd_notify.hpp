#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

// systemd's notification protocol (sd_notify(3)) without libsystemd: one datagram per message
// to the AF_UNIX socket named by $NOTIFY_SOCKET (a path, or "@name" for the abstract
// namespace). Used for READY=1, STATUS=..., WATCHDOG=1 and STOPPING=1 (vsrd.service is
// Type=notify). Outside systemd (no NOTIFY_SOCKET) every call does nothing.

namespace vsrd::daemon {

class SystemdNotifier {
 public:
  /// Reads NOTIFY_SOCKET, WATCHDOG_USEC and WATCHDOG_PID from the environment once.
  SystemdNotifier();
  /// For tests: a given socket address (empty: disabled) and watchdog interval.
  SystemdNotifier(std::string socket, std::optional<std::chrono::microseconds> watchdog);

  /// True when a notification socket is configured.
  bool Enabled() const { return !socket_.empty(); }

  /// Sends `message` ("READY=1\nSTATUS=..."). False when disabled or the send failed (errors
  /// are not fatal: systemd may be gone during shutdown). Thread-safe.
  bool Notify(std::string_view message) const;

  bool Ready(std::string_view status) const;
  bool Status(std::string_view status) const;
  bool Watchdog() const { return Notify("WATCHDOG=1"); }
  bool Stopping() const { return Notify("STOPPING=1"); }

  /// The watchdog interval systemd expects pings within (WATCHDOG_USEC, when WATCHDOG_PID is
  /// unset or this process); vsrd pings at half of it. nullopt: no watchdog.
  std::optional<std::chrono::microseconds> WatchdogInterval() const { return watchdog_; }

 private:
  std::string socket_;
  std::optional<std::chrono::microseconds> watchdog_;
};

/// The watchdog decision of Daemon::Tick, pure: WATCHDOG=1 is due when it was never sent or
/// when half of systemd's interval has passed since the last one (sd_watchdog_enabled(3)
/// advises sending at half the interval). `now` comes from the injected Clock
/// (daemon/engine/clock.hpp), so tests step it.
bool WatchdogDue(std::optional<std::chrono::steady_clock::time_point> last_sent,
                 std::chrono::steady_clock::time_point now, std::chrono::microseconds interval);

/// A STATUS= line must be one line: newlines become spaces.
std::string OneLine(std::string_view text);

}  // namespace vsrd::daemon
