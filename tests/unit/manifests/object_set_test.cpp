#include "manifests/object_set.hpp"

#include <gtest/gtest.h>

namespace vsrd::manifests {
namespace {

Object Make(Kind kind, const std::string& name, int line,
            const std::vector<std::pair<Kind, std::string>>& depends_on = {}) {
  Object object;
  object.kind = kind;
  object.metadata.name = name;
  object.location = SourceLocation{"m.yaml", line, 9};
  for (const auto& [dep_kind, dep_name] : depends_on) {
    object.policy.depends_on.push_back(ObjectRef{dep_kind, dep_name, {"m.yaml", line + 1, 5}});
  }
  return object;
}

std::vector<std::string> Messages(const Diagnostics& diagnostics) {
  std::vector<std::string> out;
  for (const auto& d : diagnostics) out.push_back(FormatDiagnostic(d));
  return out;
}

constexpr Kind kUpdate = Kind::kApplianceUpdate;
constexpr Kind kInstall = Kind::kApplianceInstall;

TEST(CheckObjectSet, AcceptsDistinctObjectsWithSatisfiedDependencies) {
  const std::vector objects{Make(kInstall, "a", 1), Make(kUpdate, "a", 10, {{kInstall, "a"}})};
  EXPECT_TRUE(CheckObjectSet(objects).empty());
}

TEST(CheckObjectSet, NamesBothLocationsOfADuplicate) {
  const std::vector objects{Make(kInstall, "a", 1), Make(kInstall, "a", 10)};
  EXPECT_EQ(Messages(CheckObjectSet(objects)),
            std::vector<std::string>{"m.yaml:10:9: error: metadata.name: duplicate object "
                                     "ApplianceInstall/a; first defined at m.yaml:1:9"});
}

TEST(CheckObjectSet, ReportsMissingAndSelfDependencies) {
  const std::vector objects{Make(kInstall, "a", 1, {{kUpdate, "missing"}, {kInstall, "a"}})};
  EXPECT_EQ(Messages(CheckObjectSet(objects)),
            (std::vector<std::string>{
                "m.yaml:2:5: error: spec.policy.depends_on: ApplianceUpdate/missing does not exist",
                "m.yaml:2:5: error: spec.policy.depends_on: ApplianceInstall/a depends on itself",
            }));
}

TEST(CheckObjectSet, ReportsEachCycleOnceWithItsPath) {
  const std::vector objects{
      Make(kInstall, "a", 1, {{kInstall, "b"}}), Make(kInstall, "b", 10, {{kInstall, "c"}}),
      Make(kInstall, "c", 20, {{kInstall, "a"}}), Make(kInstall, "d", 30, {{kInstall, "a"}})};
  EXPECT_EQ(Messages(CheckObjectSet(objects)),
            std::vector<std::string>{
                "m.yaml:21:5: error: spec.policy.depends_on: dependency cycle: ApplianceInstall/a "
                "-> ApplianceInstall/b -> ApplianceInstall/c -> ApplianceInstall/a"});
}

}  // namespace
}  // namespace vsrd::manifests
