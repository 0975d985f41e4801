// Reasons are named constants (reconcilers/reasons.hpp, reconcilers/<kind>/reasons.hpp): this
// test reads those headers as text, so a constant added anywhere is checked without being listed
// here. Every reason is CamelCase and spelled once; docs/operations.md "Reasons" lists exactly
// the constants (the shared table, and one row per kind); and product code writes no reason as a
// string literal, so a new reason cannot bypass the constants and go undocumented.

#include "reconcilers/appliance_update/reasons.hpp"

#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "manifests/common.hpp"
#include "manifests/object.hpp"
#include "reconcilers/api_outcomes.hpp"
#include "reconcilers/reasons.hpp"

namespace vsrd::reconcilers {
namespace {

namespace fs = std::filesystem;

const fs::path kSource = VSRD_SOURCE_DIR;

std::string Read(const fs::path& path) {
  std::ifstream in(path);
  EXPECT_TRUE(in.good()) << path;
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

/// "VchaPassiveNode" -> "vcha_passive_node", the kind's folder under reconcilers/.
std::string Folder(std::string_view kind) {
  std::string out;
  for (const char c : kind) {
    if (c >= 'A' && c <= 'Z') {
      if (!out.empty()) out += '_';
      out += static_cast<char>(c - 'A' + 'a');
    } else {
      out += c;
    }
  }
  return out;
}

struct Constant {
  std::string name;   ///< e.g. "kOutsideWindow"
  std::string value;  ///< e.g. "OutsideWindow"
};

/// The `inline constexpr std::string_view kX = "X";` lines of one reasons.hpp.
std::vector<Constant> ConstantsIn(const fs::path& header) {
  const std::string text = Read(header);
  static const std::regex kLine(R"re(inline constexpr std::string_view (\w+) = "([^"]*)";)re");
  std::vector<Constant> out;
  for (auto it = std::sregex_iterator(text.begin(), text.end(), kLine);
       it != std::sregex_iterator(); ++it) {
    out.push_back({(*it)[1].str(), (*it)[2].str()});
  }
  return out;
}

std::set<std::string> Values(const std::vector<Constant>& constants) {
  std::set<std::string> out;
  for (const auto& constant : constants) out.insert(constant.value);
  return out;
}

/// reasons.hpp of every kind by kind name, and "" for the shared one.
std::map<std::string, std::vector<Constant>> AllConstants() {
  std::map<std::string, std::vector<Constant>> out;
  out[""] = ConstantsIn(kSource / "reconcilers" / "reasons.hpp");
  for (const auto kind : manifests::kKindNames) {
    out[std::string(kind)] = ConstantsIn(kSource / "reconcilers" / Folder(kind) / "reasons.hpp");
  }
  return out;
}

TEST(Reasons, TheHeadersAreReadAsCompiled) {
  // Guards the text parsing below: two constants as the compiler sees them.
  EXPECT_TRUE(Values(ConstantsIn(kSource / "reconcilers" / "reasons.hpp"))
                  .contains(std::string(reasons::kOutsideWindow)));
  EXPECT_TRUE(Values(ConstantsIn(kSource / "reconcilers" / "appliance_update" / "reasons.hpp"))
                  .contains(std::string(appliance_update::reasons::kUpdateInstalling)));
}

TEST(Reasons, AreCamelCaseNamedAfterTheirValueAndSpelledOnce) {
  static const std::regex kCamelCase("([A-Z][a-z0-9]+)+");
  std::map<std::string, std::string> where;  // value -> the header defining it
  for (const auto& [kind, constants] : AllConstants()) {
    const std::string header = kind.empty() ? "reasons.hpp" : Folder(kind) + "/reasons.hpp";
    EXPECT_FALSE(constants.empty()) << header;
    for (const auto& constant : constants) {
      SCOPED_TRACE(header + ": " + constant.name);
      EXPECT_TRUE(std::regex_match(constant.value, kCamelCase)) << constant.value;
      EXPECT_EQ(constant.name, "k" + constant.value);
      const auto [it, inserted] = where.emplace(constant.value, header);
      EXPECT_TRUE(inserted) << constant.value << " is also defined in " << it->second;
    }
  }
}

TEST(Reasons, DocsOperationsListsExactlyTheConstants) {
  const std::string doc = Read(kSource / "docs" / "operations.md");
  const auto start = doc.find("\n### Reasons\n");
  ASSERT_NE(start, std::string::npos) << "docs/operations.md has no \"### Reasons\" section";
  const auto end = doc.find("\n## ", start);
  const std::string section = doc.substr(start, end - start);

  // Rows "| Reason | Phase | ... |" of the shared table, and "| Kind | `A`, `B` |" per kind.
  std::map<std::string, std::set<std::string>> documented;
  static const std::regex kRow(R"re(\n\| (\w+) \|([^\n]*))re");
  static const std::regex kTicked("`(\\w+)`");
  const std::set<std::string> kinds(manifests::kKindNames.begin(), manifests::kKindNames.end());
  for (auto it = std::sregex_iterator(section.begin(), section.end(), kRow);
       it != std::sregex_iterator(); ++it) {
    const std::string first = (*it)[1].str();
    if (first == "Reason" || first == "Kind") continue;  // header rows
    if (!kinds.contains(first)) {
      documented[""].insert(first);
      continue;
    }
    const std::string rest = (*it)[2].str();
    for (auto word = std::sregex_iterator(rest.begin(), rest.end(), kTicked);
         word != std::sregex_iterator(); ++word) {
      documented[first].insert((*word)[1].str());
    }
  }
  for (const auto& [kind, constants] : AllConstants()) {
    SCOPED_TRACE(kind.empty() ? "the shared reasons" : kind);
    EXPECT_EQ(documented[kind], Values(constants));
  }
}

TEST(Reasons, ProductCodeWritesNoReasonAsAStringLiteral) {
  std::set<std::string> values;
  for (const auto& [kind, constants] : AllConstants()) {
    for (const auto& value : Values(constants)) values.insert(value);
  }
  // Literals that happen to equal a reason but are something else.
  const std::set<std::pair<std::string, std::string>> allowed{
      {"reconcilers/outcome.hpp", "Suspended"},  // kPhaseNames: the phase, not the reason
  };
  for (const char* folder : {"reconcilers", "daemon", "manifests"}) {
    for (const auto& entry : fs::recursive_directory_iterator(kSource / folder)) {
      const auto extension = entry.path().extension();
      if (extension != ".cpp" && extension != ".hpp") continue;
      if (entry.path().filename() == "reasons.hpp") continue;
      const std::string relative = fs::relative(entry.path(), kSource).string();
      const std::string text = Read(entry.path());
      for (const auto& value : values) {
        if (allowed.contains({relative, value})) continue;
        EXPECT_EQ(text.find('"' + value + '"'), std::string::npos)
            << relative << " spells the reason \"" << value << "\"; use its constant";
      }
    }
  }
}

TEST(Reasons, AWrongSpecTypeIsOneStalledKindMismatch) {
  manifests::Object object;
  object.kind = manifests::Kind::kApplianceUpdate;
  object.metadata.name = "vc01-update";
  object.spec = manifests::ApplianceUpdateSpec{};
  const Outcome outcome = KindMismatch(object, manifests::Kind::kVchaPassiveNode);
  EXPECT_EQ(outcome.kind, Outcome::Kind::kStalled);
  EXPECT_EQ(outcome.phase, Phase::kStalled);
  EXPECT_EQ(outcome.reason, "KindMismatch");
  EXPECT_EQ(outcome.message,
            "the VchaPassiveNode reconciler was given ApplianceUpdate/vc01-update");
}

}  // namespace
}  // namespace vsrd::reconcilers
