#include "manifests/rfc3339.hpp"

#include <cstdint>
#include <cstdio>

namespace vsrd::manifests {
namespace {

constexpr std::int64_t kNanosPerSecond = 1'000'000'000;

/// A reading position in the text; each Read advances only on success.
class Cursor {
 public:
  explicit Cursor(std::string_view text) : text_(text) {}

  /// Exactly `count` decimal digits.
  bool Digits(std::size_t count, int& out) {
    if (pos_ + count > text_.size()) return false;
    int value = 0;
    for (std::size_t i = pos_; i < pos_ + count; ++i) {
      if (!IsDigit(text_[i])) return false;
      value = value * 10 + (text_[i] - '0');
    }
    pos_ += count;
    out = value;
    return true;
  }

  /// One of the characters of `accepted`.
  bool Char(std::string_view accepted) {
    if (pos_ >= text_.size() || accepted.find(text_[pos_]) == std::string_view::npos) return false;
    ++pos_;
    return true;
  }

  /// The digits of a fraction after its separator, as nanoseconds (those beyond 9 dropped);
  /// `count` is how many there were (0: none).
  std::int64_t Fraction(std::size_t& count) {
    const std::size_t start = pos_;
    std::int64_t nanos = 0;
    while (pos_ < text_.size() && IsDigit(text_[pos_])) {
      if (pos_ - start < 9) nanos = nanos * 10 + (text_[pos_] - '0');
      ++pos_;
    }
    count = pos_ - start;
    for (std::size_t digits = count; digits < 9; ++digits) nanos *= 10;
    return nanos;
  }

  bool AtEnd() const { return pos_ == text_.size(); }

 private:
  static bool IsDigit(char c) { return c >= '0' && c <= '9'; }

  std::string_view text_;
  std::size_t pos_ = 0;
};

/// `count` ticks of 1/`per_second` second since 1970 (per_second: a power of ten up to 10^9).
std::string Format(std::int64_t count, std::int64_t per_second, int fraction_digits) {
  // Whole seconds and ticks by integer division rounded down: std::chrono::floor to seconds
  // and back would overflow for a time in the first second a nanosecond clock holds.
  std::int64_t seconds = count / per_second;
  std::int64_t ticks = count % per_second;
  if (ticks < 0) {
    seconds -= 1;
    ticks += per_second;
  }
  const std::chrono::sys_seconds whole{std::chrono::seconds(seconds)};
  const auto days = std::chrono::floor<std::chrono::days>(whole);
  const std::chrono::year_month_day date{days};
  const std::chrono::hh_mm_ss<std::chrono::seconds> clock{whole - days};
  char buffer[48];
  int length = std::snprintf(
      buffer, sizeof buffer, "%04d-%02u-%02uT%02d:%02d:%02d", static_cast<int>(date.year()),
      static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()),
      static_cast<int>(clock.hours().count()), static_cast<int>(clock.minutes().count()),
      static_cast<int>(clock.seconds().count()));
  std::string out(buffer, static_cast<std::size_t>(length));
  if (fraction_digits > 0) {
    const int digits = fraction_digits > 9 ? 9 : fraction_digits;
    std::int64_t nanos = ticks * (kNanosPerSecond / per_second);
    for (int i = digits; i < 9; ++i) nanos /= 10;
    length = std::snprintf(buffer, sizeof buffer, ".%0*lld", digits, static_cast<long long>(nanos));
    out.append(buffer, static_cast<std::size_t>(length));
  }
  out += 'Z';
  return out;
}

}  // namespace

std::optional<Rfc3339Time> ParseRfc3339(std::string_view text, Rfc3339Form form, YearRange years) {
  const bool any = form == Rfc3339Form::kAnyOffset;
  Cursor cursor(text);
  int year = 0;
  int month = 0;
  int day = 0;
  int hour = 0;
  int minute = 0;
  int second = 0;
  if (!cursor.Digits(4, year) || !cursor.Char("-") || !cursor.Digits(2, month) ||
      !cursor.Char("-") || !cursor.Digits(2, day) || !cursor.Char(any ? "Tt" : "T") ||
      !cursor.Digits(2, hour) || !cursor.Char(":") || !cursor.Digits(2, minute) ||
      !cursor.Char(":") || !cursor.Digits(2, second)) {
    return std::nullopt;
  }
  std::int64_t fraction = 0;
  if (cursor.Char(any ? ".," : ".")) {
    std::size_t count = 0;
    fraction = cursor.Fraction(count);
    if (count == 0 || (!any && count > 9)) return std::nullopt;
  }
  std::chrono::minutes offset{0};
  if (cursor.Char(any ? "Zz" : "Z")) {
    // UTC
  } else if (any && !cursor.AtEnd()) {
    const bool east = cursor.Char("+");
    if (!east && !cursor.Char("-")) return std::nullopt;
    int offset_hours = 0;
    int offset_minutes = 0;
    if (!cursor.Digits(2, offset_hours)) return std::nullopt;
    (void)cursor.Char(":");
    if (!cursor.Digits(2, offset_minutes)) return std::nullopt;
    if (offset_hours > 23 || offset_minutes > 59) return std::nullopt;
    offset = std::chrono::hours(offset_hours) + std::chrono::minutes(offset_minutes);
    if (!east) offset = -offset;
  } else if (!any) {
    return std::nullopt;
  }
  if (!cursor.AtEnd()) return std::nullopt;

  if (year < years.first || year > years.last) return std::nullopt;
  const std::chrono::year_month_day date{std::chrono::year(year),
                                         std::chrono::month(static_cast<unsigned>(month)),
                                         std::chrono::day(static_cast<unsigned>(day))};
  if (!date.ok() || hour > 23 || minute > 59 || second > 60) return std::nullopt;
  // In whole seconds first (a 4-digit year cannot overflow them), then checked against what
  // Rfc3339Time holds before any nanosecond arithmetic.
  const std::chrono::sys_seconds utc = std::chrono::sys_days(date) + std::chrono::hours(hour) +
                                       std::chrono::minutes(minute) + std::chrono::seconds(second) -
                                       offset;
  constexpr auto kFirstWhole = std::chrono::ceil<std::chrono::seconds>(Rfc3339Time::min());
  constexpr auto kLastWhole = std::chrono::floor<std::chrono::seconds>(Rfc3339Time::max());
  if (utc < kFirstWhole - std::chrono::seconds(1) || utc > kLastWhole) return std::nullopt;
  if (utc < kFirstWhole) {
    // The second before the first whole one: only its last part is held (what FormatRfc3339
    // writes for Rfc3339Time::min() reads back).
    const std::int64_t before_first_whole = kNanosPerSecond - fraction;
    if (before_first_whole > (Rfc3339Time(kFirstWhole) - Rfc3339Time::min()).count()) {
      return std::nullopt;
    }
    return Rfc3339Time(kFirstWhole) - std::chrono::nanoseconds(before_first_whole);
  }
  const Rfc3339Time whole(utc);
  if (whole > Rfc3339Time::max() - std::chrono::nanoseconds(fraction)) return std::nullopt;
  return whole + std::chrono::nanoseconds(fraction);
}

std::optional<int> Rfc3339Year(std::string_view text) {
  Cursor cursor(text);
  int year = 0;
  if (!cursor.Digits(4, year) || !cursor.Char("-")) return std::nullopt;
  return year;
}

std::string FormatRfc3339(Rfc3339Time time, int fraction_digits) {
  return Format(time.time_since_epoch().count(), kNanosPerSecond, fraction_digits);
}

std::string FormatRfc3339(std::chrono::sys_time<std::chrono::milliseconds> time,
                          int fraction_digits) {
  return Format(time.time_since_epoch().count(), 1000, fraction_digits);
}

}  // namespace vsrd::manifests
