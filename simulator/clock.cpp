#include "simulator/clock.hpp"

#include <array>
#include <string_view>

#include <fmt/format.h>

#include "manifests/rfc3339.hpp"

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

std::string FormatTime(TimePoint time) { return manifests::FormatRfc3339(time, 3); }

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
  const auto time = manifests::ParseRfc3339(text, manifests::Rfc3339Form::kUtc);
  if (!time) return false;
  out = std::chrono::floor<Duration>(*time);
  return true;
}

}  // namespace vsrd::simulator
