#include "daemon/engine/window.hpp"

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "daemon/engine/journal.hpp"

// Maintenance windows: days, start and duration in a time zone, windows across midnight, and
// real tzdata offsets (Europe/Amsterdam: +01:00 in winter, +02:00 in summer).

namespace vsrd::daemon {
namespace {

using Day = manifests::Window::Day;

manifests::Window Window(std::vector<Day> days, int start_minute, std::chrono::minutes duration,
                         std::string timezone = "UTC") {
  manifests::Window window;
  window.days = std::move(days);
  window.start_minute = start_minute;
  window.duration = duration;
  window.timezone = std::move(timezone);
  return window;
}

std::chrono::system_clock::time_point At(const std::string& text) { return *ParseWallTime(text); }

TEST(Window, DecidesWhetherAMomentIsInsideTheWindow) {
  using std::chrono::hours;
  struct Case {
    std::string name;
    manifests::Window window;
    std::string now;  // 2026-01-03 is a Saturday
    bool inside;
  };
  const std::vector<Case> cases{
      {"inside a daily window", Window({}, 2 * 60, hours(4)), "2026-01-05T03:00:00Z", true},
      {"at the opening minute", Window({}, 2 * 60, hours(4)), "2026-01-05T02:00:00Z", true},
      {"at the closing minute it is closed", Window({}, 2 * 60, hours(4)), "2026-01-05T06:00:00Z",
       false},
      {"before the opening", Window({}, 2 * 60, hours(4)), "2026-01-05T01:59:59Z", false},
      {"on a listed day", Window({Day::kSat, Day::kSun}, 2 * 60, hours(4)), "2026-01-03T03:00:00Z",
       true},
      {"not on an unlisted day", Window({Day::kSat, Day::kSun}, 2 * 60, hours(4)),
       "2026-01-05T03:00:00Z", false},
      {"a window crossing midnight is open after midnight", Window({Day::kSat}, 22 * 60, hours(4)),
       "2026-01-04T01:00:00Z", true},
      {"a window crossing midnight belongs to the day it starts",
       Window({Day::kSun}, 22 * 60, hours(4)), "2026-01-04T01:00:00Z", false},
      {"Amsterdam in winter is UTC+1", Window({}, 2 * 60, hours(1), "Europe/Amsterdam"),
       "2026-01-05T01:30:00Z", true},
      {"Amsterdam in winter: 02:30 UTC is 03:30 local, closed",
       Window({}, 2 * 60, hours(1), "Europe/Amsterdam"), "2026-01-05T02:30:00Z", false},
      {"Amsterdam in summer is UTC+2", Window({}, 2 * 60, hours(1), "Europe/Amsterdam"),
       "2026-07-06T00:30:00Z", true},
      {"an unreadable zone counts as UTC", Window({}, 2 * 60, hours(1), "Nowhere/Special"),
       "2026-01-05T02:30:00Z", true},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(InWindow(c.window, At(c.now)), c.inside) << c.name;
  }
}

TEST(Window, ReadsOffsetsFromTzdata) {
  EXPECT_EQ(UtcOffset("UTC", At("2026-01-05T00:00:00Z")), std::chrono::seconds(0));
  EXPECT_EQ(UtcOffset("Europe/Amsterdam", At("2026-01-05T00:00:00Z")), std::chrono::hours(1));
  EXPECT_EQ(UtcOffset("Europe/Amsterdam", At("2026-07-05T00:00:00Z")), std::chrono::hours(2));
  EXPECT_EQ(UtcOffset("America/New_York", At("2026-01-05T00:00:00Z")), std::chrono::hours(-5));
  EXPECT_EQ(UtcOffset("Nowhere/Special", At("2026-01-05T00:00:00Z")), std::nullopt);
  EXPECT_EQ(UtcOffset("../../etc/passwd", At("2026-01-05T00:00:00Z")), std::nullopt);
}

}  // namespace
}  // namespace vsrd::daemon
