#include "manifests/duration.hpp"

#include <gtest/gtest.h>

namespace vsrd::manifests {
namespace {

using std::chrono::hours;
using std::chrono::milliseconds;
using std::chrono::minutes;
using std::chrono::seconds;

struct ParseCase {
  const char* text;
  std::optional<Duration> expected;
};

TEST(ParseDuration, AcceptsEveryUnitAndDecreasingCombinations) {
  const ParseCase cases[] = {
      {"300ms", milliseconds(300)},
      {"30s", seconds(30)},
      {"5m", minutes(5)},
      {"2h", hours(2)},
      {"1d", hours(24)},
      {"0s", Duration{0}},
      {"1h30m", minutes(90)},
      {"2m30s500ms", milliseconds(150'500)},
      {"1d2h", hours(26)},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(ParseDuration(c.text), c.expected) << c.text;
  }
}

TEST(ParseDuration, RejectsEverythingElse) {
  for (const char* text : {"", "5", "s", "5x", "5 m", " 5m", "5m ", "-5m", "+5m", "1.5h", "5M",
                           "30m1h", "1m1m", "5ms3s", "99999999999d", "1h-30m", "5mm"}) {
    EXPECT_EQ(ParseDuration(text), std::nullopt) << '"' << text << '"';
  }
}

TEST(FormatDuration, PrintsTheCanonicalSpelling) {
  EXPECT_EQ(FormatDuration(Duration{0}), "0s");
  EXPECT_EQ(FormatDuration(minutes(90)), "1h30m");
  EXPECT_EQ(FormatDuration(milliseconds(1500)), "1s500ms");
  EXPECT_EQ(FormatDuration(hours(49)), "2d1h");
}

TEST(FormatDuration, RoundTripsThroughParse) {
  for (const char* text : {"300ms", "30s", "5m", "2h", "1d", "1h30m", "2d1h1m1s1ms"}) {
    const auto parsed = ParseDuration(text);
    ASSERT_TRUE(parsed) << text;
    EXPECT_EQ(FormatDuration(*parsed), text);
  }
}

}  // namespace
}  // namespace vsrd::manifests
