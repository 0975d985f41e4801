#include "manifests/spec_hash.hpp"

#include <gtest/gtest.h>

namespace vsrd::manifests {
namespace {

std::string Hash(const char* yaml, Kind kind = Kind::kVchaPassiveNode) {
  return SpecHash(kind, YAML::Load(yaml));
}

TEST(SpecHash, IgnoresKeyOrderQuotingCommentsAndLayout) {
  const std::string base = Hash("{target: vc01, placement: {name: a, folder: f}}");
  EXPECT_EQ(Hash("{placement: {folder: f, name: a}, target: vc01}"), base);
  EXPECT_EQ(Hash("target: 'vc01'\nplacement:\n  folder: \"f\"  # a comment\n  name: a\n"), base);
}

TEST(SpecHash, ChangesWithAnyValueKeyListOrderOrKind) {
  const std::string base = Hash("{target: vc01, vms: [a, b]}");
  EXPECT_NE(Hash("{target: vc02, vms: [a, b]}"), base);
  EXPECT_NE(Hash("{target: vc01, vms: [b, a]}"), base);
  EXPECT_NE(Hash("{target: vc01, vms: [a, b, c]}"), base);
  EXPECT_NE(Hash("{target: vc01, vmz: [a, b]}"), base);
  EXPECT_NE(Hash("{target: vc01, vms: [a, b]}", Kind::kGuestCustomizationCheck), base);
  EXPECT_NE(Hash("{target: vc01, vms: [ab]}"), Hash("{target: vc01, vms: [a, b]}"));
  EXPECT_NE(Hash("{a: ~}"), Hash("{a: ''}"));
}

TEST(SpecHash, IsAStableSixteenDigitHex) {
  // Pinned: the generation is persisted in the journal and must not change across builds.
  EXPECT_EQ(Hash("{target: vc01, max_duration: 4h}", Kind::kApplianceInstall),
            Hash("{max_duration: 4h, target: vc01}", Kind::kApplianceInstall));
  const std::string hash = Hash("{target: vc01, max_duration: 4h}", Kind::kApplianceInstall);
  EXPECT_EQ(hash.size(), 16U);
  EXPECT_EQ(hash.find_first_not_of("0123456789abcdef"), std::string::npos);
  EXPECT_EQ(CanonicalYaml(YAML::Load("{b: [x, ~], a: y}")), "{1:as1:y1:b[s1:x~]}");
}

}  // namespace
}  // namespace vsrd::manifests
