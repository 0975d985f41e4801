#include "manifests/yaml_reader.hpp"

#include <chrono>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace vsrd::manifests {
namespace {

// Formats every diagnostic of one read without the file prefix.
class YamlReaderTest : public ::testing::Test {
 protected:
  std::vector<std::string> Messages() const {
    std::vector<std::string> out;
    for (const auto& d : diagnostics_) out.push_back(FormatDiagnostic(d).substr(2));
    return out;
  }

  Diagnostics diagnostics_;
  ReadContext context_{"f", diagnostics_};
};

using Lines = std::vector<std::string>;

TEST_F(YamlReaderTest, MapReaderReportsUnknownKeysWithAHintAtTheKey) {
  const auto node = YAML::Load("name: a\nfodler: b\nzzz: c\n");
  const MapReader map(context_, node, "spec.placement", {"name", "folder"});
  EXPECT_TRUE(map.IsValid());
  EXPECT_EQ(Messages(), (Lines{
                            "2:1: error: spec.placement.fodler: unknown field; did you mean "
                            "\"folder\"?",
                            "3:1: error: spec.placement.zzz: unknown field (known fields: name, "
                            "folder)",
                        }));
}

TEST_F(YamlReaderTest, MapReaderReportsDuplicateKeysNamingTheFirst) {
  const auto node = YAML::Load("name: a\nname: b\n");
  const MapReader map(context_, node, "", {"name"});
  EXPECT_EQ(Messages(), Lines{"2:1: error: name: duplicate key; first defined at f:1:1"});
}

TEST_F(YamlReaderTest, MapReaderRejectsNonMappingsAndFindsNothingInThem) {
  const auto node = YAML::Load("key: [1, 2]");
  const MapReader map(context_, node["key"], "spec", {"a"});
  EXPECT_FALSE(map.IsValid());
  EXPECT_FALSE(map.Get("a"));
  EXPECT_EQ(Messages(), Lines{"1:6: error: spec: must be a mapping, got a sequence"});
}

TEST_F(YamlReaderTest, RequireReportsMissingFieldsAtTheMapping) {
  const auto node = YAML::Load("outer:\n  a: 1\n");
  const MapReader map(context_, node["outer"], "outer", {"a", "b"});
  EXPECT_TRUE(map.Require("a"));
  EXPECT_FALSE(map.Require("b"));
  EXPECT_EQ(Messages(), Lines{"2:3: error: outer.b: required field is missing"});
}

TEST_F(YamlReaderTest, ExplicitNullIsPresentAndRejectedByTypedReads) {
  const auto node = YAML::Load("a:\nb: ~\n");
  const MapReader map(context_, node, "", {"a", "b"});
  ASSERT_TRUE(map.Get("a"));
  EXPECT_FALSE(ReadString(context_, *map.Get("a"), "a"));
  EXPECT_FALSE(ReadString(context_, *map.Get("b"), "b"));
  EXPECT_EQ(Messages(), (Lines{"1:1: error: a: must be a string, got null",
                               "2:1: error: b: must be a string, got null"}));
}

TEST_F(YamlReaderTest, ReadIntAcceptsPlainIntegersInRangeOnly) {
  const auto node = YAML::Load("[443, \"443\", 70000, 4.5, -1, 0x10]");
  EXPECT_EQ(ReadInt(context_, node[0], "p", 1, 65535), 443);
  EXPECT_FALSE(ReadInt(context_, node[1], "p", 1, 65535));
  EXPECT_FALSE(ReadInt(context_, node[2], "p", 1, 65535));
  EXPECT_FALSE(ReadInt(context_, node[3], "p", 1, 65535));
  EXPECT_FALSE(ReadInt(context_, node[4], "p", 1, 65535));
  EXPECT_FALSE(ReadInt(context_, node[5], "p", 1, 65535));
  EXPECT_EQ(Messages(),
            (Lines{
                "1:7: error: p: must be an integer, got \"443\" (a quoted string; remove the "
                "quotes)",
                "1:14: error: p: must be between 1 and 65535, got 70000",
                "1:21: error: p: must be an integer, got \"4.5\"",
                "1:26: error: p: must be between 1 and 65535, got -1",
                "1:30: error: p: must be an integer, got \"0x10\"",
            }));
}

TEST_F(YamlReaderTest, ReadBoolAcceptsTrueAndFalseOnly) {
  const auto node = YAML::Load("[true, False, yes, \"true\", 1]");
  EXPECT_EQ(ReadBool(context_, node[0], "b"), true);
  EXPECT_EQ(ReadBool(context_, node[1], "b"), false);
  EXPECT_FALSE(ReadBool(context_, node[2], "b"));
  EXPECT_FALSE(ReadBool(context_, node[3], "b"));
  EXPECT_FALSE(ReadBool(context_, node[4], "b"));
  EXPECT_EQ(Messages().size(), 3U);
  EXPECT_EQ(Messages()[0], "1:15: error: b: must be true or false, got \"yes\"");
}

TEST_F(YamlReaderTest, ReadNumberAcceptsPositiveDecimals) {
  const auto node = YAML::Load("[10, 2.5, 0, -3, abc, \"5\"]");
  EXPECT_EQ(ReadNumber(context_, node[0], "n", 0), 10.0);
  EXPECT_EQ(ReadNumber(context_, node[1], "n", 0), 2.5);
  EXPECT_FALSE(ReadNumber(context_, node[2], "n", 0));
  EXPECT_FALSE(ReadNumber(context_, node[3], "n", 0));
  EXPECT_FALSE(ReadNumber(context_, node[4], "n", 0));
  EXPECT_FALSE(ReadNumber(context_, node[5], "n", 0));
  EXPECT_EQ(Messages()[0], "1:11: error: n: must be greater than 0, got 0");
}

TEST_F(YamlReaderTest, ReadDurationExplainsBareNumbersAndBadUnits) {
  const auto node = YAML::Load("[5m, 30, 5 minutes, 0s, 0s]");
  EXPECT_EQ(ReadDuration(context_, node[0], "d", Duration{1}), std::chrono::minutes(5));
  EXPECT_FALSE(ReadDuration(context_, node[1], "d", Duration{1}));
  EXPECT_FALSE(ReadDuration(context_, node[2], "d", Duration{1}));
  EXPECT_FALSE(ReadDuration(context_, node[3], "d", Duration{1}));
  EXPECT_EQ(ReadDuration(context_, node[4], "d", Duration{0}), Duration{0});
  EXPECT_EQ(Messages(),
            (Lines{
                "1:6: error: d: invalid duration \"30\": add a unit, e.g. 30s or 30m",
                "1:10: error: d: invalid duration \"5 minutes\": use a number and a unit (ms, s, "
                "m, h, d), e.g. 300ms, 30s, 5m, 1h30m",
                "1:21: error: d: must be greater than 0s, got 0s",
            }));
}

TEST_F(YamlReaderTest, ReadOneOfHintsAtCaseAndSpellingSlips) {
  constexpr std::array<std::string_view, 2> kValues{"IPV4", "IPV6"};
  const auto node = YAML::Load("[IPV4, ipv4, IPv9, {}]");
  EXPECT_EQ(ReadOneOf(context_, node[0], "f", kValues), "IPV4");
  EXPECT_FALSE(ReadOneOf(context_, node[1], "f", kValues));
  EXPECT_FALSE(ReadOneOf(context_, node[2], "f", kValues));
  EXPECT_FALSE(ReadOneOf(context_, node[3], "f", kValues));
  EXPECT_EQ(Messages(),
            (Lines{
                "1:8: error: f: must be one of IPV4, IPV6, got \"ipv4\"; did you mean \"IPV4\"?",
                "1:14: error: f: must be one of IPV4, IPV6, got \"IPv9\"",
                "1:20: error: f: must be one of IPV4, IPV6, got a mapping",
            }));
}

TEST_F(YamlReaderTest, ReadStringListReportsEachBadItemAtItsPosition) {
  const auto node = YAML::Load("[vm-1, {}, \"\", vm-4]");
  EXPECT_FALSE(ReadStringList(context_, node, "spec.vms"));
  EXPECT_EQ(Messages(), (Lines{"1:8: error: spec.vms[1]: must be a string, got a mapping",
                               "1:12: error: spec.vms[2]: must not be empty"}));
}

TEST_F(YamlReaderTest, RejectInlineSecretsFindsPasswordKeysAnywhereWithoutEchoingThem) {
  const auto node = YAML::Load(
      "spec:\n  list:\n    - {Password: hunter2}\n  deep: {deeper: {password: hunter2}}\n");
  RejectInlineSecrets(context_, node, "");
  const auto messages = Messages();
  ASSERT_EQ(messages.size(), 2U);
  EXPECT_EQ(messages[0],
            "3:8: error: spec.list[0].Password: secrets are not allowed here; use password_file, "
            "password_env or password_credential");
  EXPECT_EQ(messages[1].substr(0, 39), "4:19: error: spec.deep.deeper.password:");
  for (const auto& m : messages) EXPECT_EQ(m.find("hunter2"), std::string::npos);
}

TEST_F(YamlReaderTest, LongValuesAreTruncatedInMessages) {
  const auto node = YAML::Load(std::string(100, 'x'));
  EXPECT_FALSE(ReadInt(context_, node, "n", 0, 1));
  EXPECT_EQ(Messages()[0],
            "1:1: error: n: must be an integer, got \"" + std::string(60, 'x') + "...\"");
}

/// A "billion laughs" document: `levels` anchors, each aliasing the previous one ten times.
std::string AliasBomb(int levels, const std::string& indent = "") {
  std::string text = indent + "a0: &a0 [x]\n";
  for (int i = 1; i <= levels; ++i) {
    text += indent + "a" + std::to_string(i) + ": &a" + std::to_string(i) + " [";
    for (int j = 0; j < 10; ++j) text += std::string(j ? ", " : "") + "*a" + std::to_string(i - 1);
    text += "]\n";
  }
  return text;
}

// Issue 14, defect 2: a 10^9-leaf alias bomb cost 90 s of CPU in `vsrd validate` and 1.97 GB
// (the walkers expand aliases). Documents are measured as expanded before any node is built.
TEST_F(YamlReaderTest, LoadYamlDocumentsRefusesAnAliasBombBeforeBuildingIt) {
  const auto started = std::chrono::steady_clock::now();
  const auto bomb = LoadYamlDocuments(context_, "kind: X\nspec:\n" + AliasBomb(9, "  "));
  EXPECT_FALSE(bomb);
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(2));
  ASSERT_EQ(Messages().size(), 1U);
  EXPECT_NE(Messages()[0].find("error: the document starting at line 1 expands to more than "
                               "100000 nodes with its aliases resolved (an alias bomb?)"),
            std::string::npos)
      << Messages()[0];
}

// Found by the long fuzz run (manifest_fuzz, 337 bytes): an alias inside the collection its
// anchor names made yaml-cpp build a cycle, and the inline-secret check recursed on it until
// it ran out of memory. Refused before a node is built, at the alias.
TEST_F(YamlReaderTest, LoadYamlDocumentsRefusesAnAliasOfACollectionThatContainsIt) {
  EXPECT_FALSE(LoadYamlDocuments(context_, "spec: &a\n  target: vc01\n  again: *a\n"));
  ASSERT_EQ(Messages().size(), 1U);
  EXPECT_NE(Messages()[0].find("3:10: error: an alias refers to a collection that contains it "
                               "(a cycle)"),
            std::string::npos)
      << Messages()[0];
  EXPECT_FALSE(LoadYamlDocuments(context_, "- &s [1, [2, *s]]\n"));
  // An alias of a finished collection, also one nested in another, is fine.
  EXPECT_TRUE(LoadYamlDocuments(context_, "a: &a {x: 1}\nb: {c: *a, d: [*a]}\n"));
}

TEST_F(YamlReaderTest, LoadYamlDocumentsCountsExpandedNodesExactlyAtTheLimit) {
  // The map (1), four keys (4), a0 (the sequence and x: 2), and each level a sequence of ten
  // aliases of the previous one: 1 + 10 × 2 = 21, 211, 2111.
  const std::string text = AliasBomb(3);
  const std::size_t expanded = 1 + 4 + 2 + 21 + 211 + 2111;
  EXPECT_TRUE(LoadYamlDocuments(
      context_, text,
      YamlLimits{.max_documents = 1, .max_expanded_nodes = expanded, .max_depth = 8}));
  EXPECT_FALSE(LoadYamlDocuments(
      context_, text,
      YamlLimits{.max_documents = 1, .max_expanded_nodes = expanded - 1, .max_depth = 8}));
}

TEST_F(YamlReaderTest, LoadYamlDocumentsBoundsDepthAndDocuments) {
  std::string deep;
  for (int i = 0; i < 65; ++i) deep += "[";
  for (int i = 0; i < 65; ++i) deep += "]";
  EXPECT_FALSE(LoadYamlDocuments(context_, deep));
  EXPECT_NE(Messages().back().find("1:65: error: nested deeper than 64 levels"), std::string::npos)
      << Messages().back();
  EXPECT_TRUE(LoadYamlDocuments(context_, deep.substr(1, 128)));

  // Far deeper than yaml-cpp's own guard: refused, not a stack overflow.
  EXPECT_FALSE(LoadYamlDocuments(context_, std::string(200000, '[')));

  std::string many;
  for (int i = 0; i < 4; ++i) many += "---\nkind: X\n";
  EXPECT_TRUE(LoadYamlDocuments(
      context_, many, YamlLimits{.max_documents = 4, .max_expanded_nodes = 100, .max_depth = 8}));
  EXPECT_FALSE(LoadYamlDocuments(
      context_, many, YamlLimits{.max_documents = 3, .max_expanded_nodes = 100, .max_depth = 8}));
  EXPECT_NE(Messages().back().find("7:1: error: more than 3 documents in one file"),
            std::string::npos)
      << Messages().back();

  EXPECT_FALSE(LoadYamlDocuments(context_, "a: [b\n"));
  EXPECT_NE(Messages().back().find("error: invalid YAML: "), std::string::npos);
}

}  // namespace
}  // namespace vsrd::manifests
