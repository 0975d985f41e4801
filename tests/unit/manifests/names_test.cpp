#include "manifests/names.hpp"

#include <array>

#include <gtest/gtest.h>

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

}  // namespace
}  // namespace vsrd::manifests
