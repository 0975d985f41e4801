#include "manifests/rfc3339.hpp"

#include <chrono>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

namespace vsrd::manifests {
namespace {

using std::chrono::milliseconds;
using std::chrono::nanoseconds;
using std::chrono::sys_days;
using std::chrono::year;

Rfc3339Time At(int y, unsigned m, unsigned d) {
  return sys_days(year(y) / static_cast<int>(m) / static_cast<int>(d));
}

constexpr Rfc3339Form kUtc = Rfc3339Form::kUtc;
constexpr Rfc3339Form kAny = Rfc3339Form::kAnyOffset;

TEST(ParseRfc3339, ReadsTheUtcFormToTheNanosecond) {
  const std::vector<std::pair<std::string, Rfc3339Time>> cases{
      {"2026-01-01T00:00:00Z", At(2026, 1, 1)},
      {"2026-01-01T00:00:00.5Z", At(2026, 1, 1) + milliseconds(500)},
      {"2026-01-01T00:00:00.123Z", At(2026, 1, 1) + milliseconds(123)},
      {"2026-01-01T00:00:00.123456789Z", At(2026, 1, 1) + nanoseconds(123456789)},
      {"2024-02-29T23:59:59Z", At(2024, 3, 1) - std::chrono::seconds(1)},
      {"1969-12-31T23:59:59Z", Rfc3339Time{} - std::chrono::seconds(1)},
      {"1969-12-31T23:59:59.999Z", Rfc3339Time{} - milliseconds(1)},
      // A leap second (RFC 3339 section 5.7) counts as the first second of the next minute.
      {"2016-12-31T23:59:60Z", At(2017, 1, 1)},
  };
  for (const auto& [text, expected] : cases) {
    EXPECT_EQ(ParseRfc3339(text, kUtc), expected) << text;
    EXPECT_EQ(ParseRfc3339(text, kAny), expected) << text;
  }
}

TEST(ParseRfc3339, TheUtcFormRefusesWhatOnlyAServerMaySend) {
  for (const char* text :
       {"2026-01-01t00:00:00Z", "2026-01-01T00:00:00z", "2026-01-01T00:00:00,5Z",
        "2026-01-01T02:00:00+02:00", "2026-01-01T00:00:00", "2026-01-01T00:00:00.1234567891Z"}) {
    EXPECT_EQ(ParseRfc3339(text, kUtc), std::nullopt) << text;
    EXPECT_TRUE(ParseRfc3339(text, kAny).has_value()) << text;
  }
  EXPECT_EQ(ParseRfc3339("2026-01-01T02:30:00+02:30", kAny), At(2026, 1, 1));
  EXPECT_EQ(ParseRfc3339("2026-01-01T02:30:00+0230", kAny), At(2026, 1, 1));
  EXPECT_EQ(ParseRfc3339("2025-12-31T19:00:00-05:00", kAny), At(2026, 1, 1));
  EXPECT_EQ(ParseRfc3339("2026-01-01T00:00:00,25z", kAny), At(2026, 1, 1) + milliseconds(250));
}

// Each reader had its own version of these (vsrd-sim's read "+026-01-01..." and " 2026-...":
// sscanf's %d takes signs and spaces).
TEST(ParseRfc3339, RefusesWhatIsNotATimeInEitherForm) {
  for (const char* text : {"",
                           "yesterday",
                           "1767225600",
                           "2026-01-01",
                           "2026-13-01T00:00:00Z",
                           "2026-00-01T00:00:00Z",
                           "2026-02-29T00:00:00Z",
                           "2026-01-32T00:00:00Z",
                           "2026-01-00T00:00:00Z",
                           "2026-01-01T24:00:00Z",
                           "2026-01-01T00:60:00Z",
                           "2026-01-01T00:00:61Z",
                           "2026-01-01T-1:00:00Z",
                           "2026-01-01T00:00:00.-50Z",
                           "2026-01-01T00:00:00.Z",
                           " 2026-01-01T00:00:00Z",
                           "+2026-01-01T00:00:00Z",
                           "+026-01-01T00:00:00Z",
                           "2026-01-01 00:00:00Z",
                           "2026-1-01T00:00:00Z",
                           "26-01-01T00:00:00Z",
                           "2026-01-01T00:00Z",
                           "2026-01-01T00:00:00Zx",
                           "2026-01-01T00:00:00Z ",
                           "2026-01-01T00:00:00+2",
                           "2026-01-01T00:00:00+24:00",
                           "2026-01-01T00:00:00+01:60",
                           "2026-01-01T00:00:00+01:0",
                           "2026-01-01T00:00:00x"}) {
    EXPECT_EQ(ParseRfc3339(text, kUtc), std::nullopt) << text;
    EXPECT_EQ(ParseRfc3339(text, kAny), std::nullopt) << text;
  }
}

// std::chrono::system_clock's nanoseconds hold 1677-09-21T00:12:44.145224192Z to
// 2262-04-11T23:47:16.854775807Z: a time outside is refused, never wrapped into another one.
TEST(ParseRfc3339, RefusesATimeTheNanosecondClockCannotHoldAndAYearOutsideTheRange) {
  for (const char* text : {"0000-01-01T00:00:00Z", "1677-09-21T00:12:43Z", "2262-04-11T23:47:17Z",
                           "2262-04-11T23:47:16.854775808Z", "9999-12-31T23:59:59.999999999Z",
                           "2262-04-11T23:47:16-00:01"}) {
    EXPECT_EQ(ParseRfc3339(text, kAny), std::nullopt) << text;
  }
  EXPECT_EQ(ParseRfc3339("2262-04-11T23:47:16.854775807Z", kUtc), Rfc3339Time::max());
  EXPECT_EQ(ParseRfc3339("1677-09-21T00:12:43.145224192Z", kUtc), Rfc3339Time::min());
  EXPECT_EQ(ParseRfc3339("1677-09-21T00:12:43.145224191Z", kUtc), std::nullopt);
  EXPECT_EQ(ParseRfc3339("1677-09-21T00:12:44Z", kUtc),
            std::chrono::ceil<std::chrono::seconds>(Rfc3339Time::min()));
  constexpr YearRange kVsphere{1970, 2200};
  EXPECT_EQ(ParseRfc3339("1969-12-31T23:59:59Z", kAny, kVsphere), std::nullopt);
  EXPECT_EQ(ParseRfc3339("2201-01-01T00:00:00Z", kAny, kVsphere), std::nullopt);
  EXPECT_EQ(ParseRfc3339("1970-01-01T00:00:00Z", kAny, kVsphere), Rfc3339Time{});
  // The range applies to the year as written, before the offset moves it.
  EXPECT_EQ(ParseRfc3339("1970-01-01T00:30:00+01:00", kAny, kVsphere),
            Rfc3339Time{} - std::chrono::minutes(30));
}

TEST(Rfc3339Year, ReadsTheYearOfWhatStartsLikeADate) {
  EXPECT_EQ(Rfc3339Year("9999-12-31T23:59:59Z"), 9999);
  EXPECT_EQ(Rfc3339Year("0000-"), 0);
  EXPECT_EQ(Rfc3339Year("1767225600"), std::nullopt);
  EXPECT_EQ(Rfc3339Year("+026-01-01"), std::nullopt);
  EXPECT_EQ(Rfc3339Year(""), std::nullopt);
}

TEST(FormatRfc3339, WritesEachPrecisionRoundedDownAndReadsBackAsWritten) {
  const Rfc3339Time time = At(2026, 1, 1) + nanoseconds(123456789);
  EXPECT_EQ(FormatRfc3339(time, 0), "2026-01-01T00:00:00Z");
  EXPECT_EQ(FormatRfc3339(time, 3), "2026-01-01T00:00:00.123Z");
  EXPECT_EQ(FormatRfc3339(time, 9), "2026-01-01T00:00:00.123456789Z");
  EXPECT_EQ(FormatRfc3339(time, 12), "2026-01-01T00:00:00.123456789Z");
  // Before 1970 a fraction still counts up from its whole second.
  EXPECT_EQ(FormatRfc3339(Rfc3339Time{} - nanoseconds(1), 3), "1969-12-31T23:59:59.999Z");
  EXPECT_EQ(FormatRfc3339(Rfc3339Time{} - nanoseconds(1), 0), "1969-12-31T23:59:59Z");
  // The first and last times the clock holds, with no overflow on the way (UBSan).
  EXPECT_EQ(FormatRfc3339(Rfc3339Time::min(), 9), "1677-09-21T00:12:43.145224192Z");
  EXPECT_EQ(FormatRfc3339(Rfc3339Time::max(), 9), "2262-04-11T23:47:16.854775807Z");
  for (const Rfc3339Time written :
       {time, Rfc3339Time{}, Rfc3339Time{} - nanoseconds(1), Rfc3339Time::min(), Rfc3339Time::max(),
        At(1878, 1, 1) + milliseconds(500), At(2024, 2, 29) + nanoseconds(1)}) {
    EXPECT_EQ(ParseRfc3339(FormatRfc3339(written, 9), kUtc), written);
  }
  // vsrd-sim's millisecond clock, also past what nanoseconds hold.
  EXPECT_EQ(FormatRfc3339(std::chrono::sys_time<milliseconds>(milliseconds(-1)), 3),
            "1969-12-31T23:59:59.999Z");
  EXPECT_EQ(FormatRfc3339(std::chrono::sys_time<milliseconds>(sys_days(year(3000) / 1 / 1)), 3),
            "3000-01-01T00:00:00.000Z");
}

}  // namespace
}  // namespace vsrd::manifests
