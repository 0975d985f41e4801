#include "manifests/names.hpp"

#include <array>
#include <cstdlib>
#include <string>

#include <gtest/gtest.h>
#include <sys/resource.h>

namespace vsrd::manifests {
namespace {

TEST(IsDns1123Label, AcceptsLowercaseAlphanumericsAndInnerDashes) {
  for (const char* name : {"a", "vc01", "vc01-passive", "0abc", "a-b-c", "x1"}) {
    EXPECT_TRUE(IsDns1123Label(name)) << name;
  }
  EXPECT_TRUE(IsDns1123Label(std::string(63, 'a')));
}

TEST(IsDns1123Label, RejectsUppercaseUnderscoresDotsEdgesAndLength) {
  for (const char* name : {"", "VC01", "vc_01", "vc.01", "-vc", "vc-", "vc 01", "vc01\n", "é"}) {
    EXPECT_FALSE(IsDns1123Label(name)) << name;
  }
  EXPECT_FALSE(IsDns1123Label(std::string(64, 'a')));
}

constexpr std::array<std::string_view, 5> kFields{"placement", "ha_ip", "failover_ip",
                                                  "management_vcenter", "target"};

TEST(ClosestMatch, SuggestsTheNearestCandidateForTyposAndTranspositions) {
  EXPECT_EQ(ClosestMatch("placment", kFields), "placement");
  EXPECT_EQ(ClosestMatch("plcaement", kFields), "placement");
  EXPECT_EQ(ClosestMatch("ha-ip", kFields), "ha_ip");
  EXPECT_EQ(ClosestMatch("Target", kFields), "target");
  EXPECT_EQ(ClosestMatch("failoverip", kFields), "failover_ip");
}

TEST(ClosestMatch, StaysSilentWhenNothingIsClose) {
  EXPECT_EQ(ClosestMatch("datastore", kFields), std::nullopt);
  EXPECT_EQ(ClosestMatch("x", kFields), std::nullopt);
}

TEST(ClosestMatch, StaysSilentOnATieButNotWhenOneIsCloser) {
  constexpr std::array<std::string_view, 2> kTargets{"vc01", "vc02"};
  EXPECT_EQ(ClosestMatch("vc03", kTargets), std::nullopt);
  EXPECT_EQ(ClosestMatch("vc1", kTargets), "vc01");
}

long MaxResidentKilobytes() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss;
}

// A manifest's enum value or a config key can be as long as the file (4 MiB). ClosestMatch used
// to build an edit-distance table of input length x candidate length for each candidate: 0.5 GB
// and 14 s for a 1 MiB log.level (found by config_fuzz's profile). The peak resident size is
// measured in a child process of its own, so what other tests allocated does not hide it.
TEST(ClosestMatchDeathTest, AnInputMegabytesLongCostsNoMemory) {
  EXPECT_EXIT(
      {
        const std::string input(std::size_t{4} << 20, 'x');
        const long before = MaxResidentKilobytes();
        const bool silent = !ClosestMatch(input, kFields).has_value();
        const long grown = MaxResidentKilobytes() - before;
        std::exit(silent && grown < 16L * 1024 ? 0 : 1);
      },
      testing::ExitedWithCode(0), "");
}

}  // namespace
}  // namespace vsrd::manifests
