#include "manifests/object_key.hpp"

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace vsrd::manifests {
namespace {

struct ParseCase {
  std::string text;
  std::optional<ObjectKey> key;  ///< nullopt: rejected
  std::string problem;           ///< a substring of ObjectKeyProblem's message when rejected
};

TEST(ObjectKey, ParsesKindSlashNameAndRejectsEverythingElse) {
  const std::vector<ParseCase> cases = {
      {"VchaPassiveNode/vc01-passive", ObjectKey{Kind::kVchaPassiveNode, "vc01-passive"}, ""},
      {"OfflineDepotFromHost/esx01-golden", ObjectKey{Kind::kOfflineDepotFromHost, "esx01-golden"},
       ""},
      {"ApplianceUpdate/vr01", ObjectKey{Kind::kApplianceUpdate, "vr01"}, ""},
      {"ApplianceInstall/a", ObjectKey{Kind::kApplianceInstall, "a"}, ""},
      {"GuestCustomizationCheck/web-tier", ObjectKey{Kind::kGuestCustomizationCheck, "web-tier"},
       ""},
      // no slash
      {"VchaPassiveNode", std::nullopt, "is not KIND/NAME"},
      {"", std::nullopt, "is not KIND/NAME"},
      // unknown kind (kinds are case-sensitive)
      {"Vm/web-01", std::nullopt, "unknown kind \"Vm\""},
      {"vchapassivenode/vc01", std::nullopt, "unknown kind"},
      {"/vc01", std::nullopt, "unknown kind \"\""},
      // bad name
      {"VchaPassiveNode/", std::nullopt, "is not a valid name"},
      {"VchaPassiveNode/VC01", std::nullopt, "is not a valid name"},
      {"VchaPassiveNode/vc_01", std::nullopt, "is not a valid name"},
      {"VchaPassiveNode/a/b", std::nullopt, "is not a valid name"},
      {"VchaPassiveNode/" + std::string(64, 'a'), std::nullopt, "is not a valid name"},
  };
  for (const auto& test : cases) {
    SCOPED_TRACE(test.text);
    EXPECT_EQ(ObjectKey::Parse(test.text), test.key);
    const auto problem = ObjectKeyProblem(test.text);
    if (test.key) {
      EXPECT_EQ(problem, std::nullopt);
    } else {
      ASSERT_TRUE(problem.has_value());
      EXPECT_NE(problem->find(test.problem), std::string::npos) << *problem;
    }
  }
}

TEST(ObjectKey, RoundTripsThroughItsText) {
  for (std::size_t i = 0; i < kKindNames.size(); ++i) {
    const ObjectKey key{static_cast<Kind>(i), "obj-" + std::to_string(i)};
    EXPECT_EQ(key.ToString(), std::string(kKindNames.at(i)) + "/obj-" + std::to_string(i));
    EXPECT_EQ(ObjectKey::Parse(key.ToString()), key);
  }
}

TEST(ObjectKey, OrdersLikeItsText) {
  std::vector<ObjectKey> keys = {
      {Kind::kVchaPassiveNode, "b"},        {Kind::kVchaPassiveNode, "a"},
      {Kind::kOfflineDepotFromHost, "z"},   {Kind::kApplianceUpdate, "x"},
      {Kind::kApplianceInstall, "y"},       {Kind::kGuestCustomizationCheck, "c"},
      {Kind::kOfflineDepotFromHost, "a-1"},
  };
  std::vector<std::string> texts;
  texts.reserve(keys.size());
  for (const auto& key : keys) texts.push_back(key.ToString());
  std::sort(keys.begin(), keys.end());
  std::sort(texts.begin(), texts.end());
  for (std::size_t i = 0; i < keys.size(); ++i) EXPECT_EQ(keys[i].ToString(), texts[i]);
  EXPECT_EQ((ObjectKey{Kind::kApplianceUpdate, "a"}), (ObjectKey{Kind::kApplianceUpdate, "a"}));
  EXPECT_NE((ObjectKey{Kind::kApplianceUpdate, "a"}), (ObjectKey{Kind::kApplianceInstall, "a"}));
}

}  // namespace
}  // namespace vsrd::manifests
