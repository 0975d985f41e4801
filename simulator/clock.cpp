#include "simulator/clock.hpp"

#include <array>
#include <cstdio>
#include <string_view>

#include <fmt/format.h>

namespace vsrd::simulator {

SimClock::SimClock(TimePoint start, double time_scale)
    : start_(start), time_scale_(time_scale), real_start_(std::chrono::steady_clock::now()) {}

TimePoint SimClock::Now() const {
  const std::lock_guard lock(mutex_);
  Duration scaled{0};
  if (time_scale_ > 0) {
    const auto real = std::chrono::duration_cast<std::chrono::duration<double, std::milli>>(
        std::chrono::steady_clock::now() - real_start_);
    scaled = Duration{static_cast<Duration::rep>(real.count() * time_scale_)};
  }
  return start_ + advanced_ + scaled;
}

void SimClock::Advance(Duration by) {
  const std::lock_guard lock(mutex_);
  if (by.count() > 0) advanced_ += by;
}

std::string FormatTime(TimePoint time) {
  const auto days = std::chrono::floor<std::chrono::days>(time);
  const std::chrono::year_month_day date{days};
  const auto of_day = time - days;
  const std::chrono::hh_mm_ss<Duration> clock{of_day};
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", static_cast<int>(date.year()),
                     static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()),
                     clock.hours().count(), clock.minutes().count(), clock.seconds().count(),
                     clock.subseconds().count());
}

std::string FormatHttpDate(TimePoint time) {
  static constexpr std::array<std::string_view, 7> kDays{"Sun", "Mon", "Tue", "Wed",
                                                         "Thu", "Fri", "Sat"};
  static constexpr std::array<std::string_view, 12> kMonths{
      "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  const auto days = std::chrono::floor<std::chrono::days>(time);
  const std::chrono::year_month_day date{days};
  const std::chrono::weekday weekday{days};
  const std::chrono::hh_mm_ss<std::chrono::seconds> clock{
      std::chrono::floor<std::chrono::seconds>(time - days)};
  return fmt::format("{}, {:02} {} {:04} {:02}:{:02}:{:02} GMT", kDays.at(weekday.c_encoding()),
                     static_cast<unsigned>(date.day()),
                     kMonths.at(static_cast<unsigned>(date.month()) - 1),
                     static_cast<int>(date.year()), clock.hours().count(), clock.minutes().count(),
                     clock.seconds().count());
}

bool ParseTime(std::string_view text, TimePoint& out) {
  int year = 0;
  unsigned month = 0;
  unsigned day = 0;
  int hour = 0;
  int minute = 0;
  int second = 0;
  int consumed = 0;
  const std::string copy(text);
  if (std::sscanf(copy.c_str(), "%4d-%2u-%2uT%2d:%2d:%2d%n", &year, &month, &day, &hour, &minute,
                  &second, &consumed) != 6 ||
      consumed != 19) {
    return false;
  }
  std::string_view rest = text.substr(19);
  int millis = 0;
  if (rest.starts_with(".")) {
    rest.remove_prefix(1);
    int digits = 0;
    while (!rest.empty() && rest.front() >= '0' && rest.front() <= '9') {
      if (digits < 3) millis = millis * 10 + (rest.front() - '0');
      ++digits;
      rest.remove_prefix(1);
    }
    if (digits == 0) return false;
    for (int i = digits; i < 3; ++i) millis *= 10;
  }
  if (rest != "Z") return false;
  const std::chrono::year_month_day date{std::chrono::year{year}, std::chrono::month{month},
                                         std::chrono::day{day}};
  if (!date.ok() || hour > 23 || minute > 59 || second > 60) return false;
  out = TimePoint{std::chrono::sys_days{date}.time_since_epoch() + std::chrono::hours(hour) +
                  std::chrono::minutes(minute) + std::chrono::seconds(second) + Duration(millis)};
  return true;
}

}  // namespace vsrd::simulator
