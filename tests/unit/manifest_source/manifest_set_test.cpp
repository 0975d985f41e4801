#include "daemon/manifest_source/manifest_set.hpp"

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "manifests/decode.hpp"
#include "tests/unit/manifest_source/test_files.hpp"

// ManifestSet: the manifests directory merged per file with its last good version.

namespace vsrd::daemon {
namespace {

namespace fs = std::filesystem;
using testing::TempDir;
using testing::WriteFile;

/// A config with the targets vc01, vc02 (vcenter) and vr01 (update-manager), reading
/// `manifests`.
Config MakeConfig(const fs::path& manifests) {
  const std::string text = "manifests: \"" + manifests.string() +
                           "\"\n"
                           "targets:\n"
                           "  vc01: {api: vcenter, url: \"https://vc01\", username: u, "
                           "password_env: P}\n"
                           "  vc02: {api: vcenter, url: \"https://vc02\", username: u, "
                           "password_env: P}\n"
                           "  vr01: {api: update-manager, url: \"https://vr01\", username: u, "
                           "password_env: P}\n";
  auto result = DecodeConfig(text, "/nonexistent/vsrd.yaml");
  EXPECT_TRUE(result.config.has_value());
  return result.config.value_or(Config{});
}

/// One ApplianceInstall document.
std::string Install(const std::string& name, const std::string& max_duration = "4h",
                    const std::string& target = "vc01") {
  return "apiVersion: vsrd/v1\nkind: ApplianceInstall\nmetadata: {name: " + name +
         "}\nspec: {target: " + target + ", max_duration: " + max_duration + "}\n";
}

std::vector<std::string> Keys(const ManifestLoad& load) {
  std::vector<std::string> keys;
  for (const auto& object : load.objects) keys.push_back(object->Key().ToString());
  return keys;
}

const manifests::Object* Find(const ManifestLoad& load, const std::string& key) {
  const auto found =
      std::find_if(load.objects.begin(), load.objects.end(),
                   [&](const auto& object) { return object->Key().ToString() == key; });
  return found == load.objects.end() ? nullptr : found->get();
}

std::string Generation(const ManifestLoad& load, const std::string& key) {
  const auto* object = Find(load, key);
  return object == nullptr ? "<absent>" : object->generation;
}

std::vector<std::string> Messages(const ManifestLoad& load) {
  std::vector<std::string> out;
  for (const auto& diagnostic : load.diagnostics) {
    out.push_back(manifests::FormatDiagnostic(diagnostic));
  }
  return out;
}

class ManifestSetTest : public ::testing::Test {
 protected:
  fs::path Root() const { return dir_.Path() / "manifests"; }
  void Write(const std::string& relative, const std::string& text) {
    WriteFile(Root() / relative, text);
  }
  ManifestLoad Reload() { return set_.Reload(MakeConfig(Root())); }

  TempDir dir_;
  ManifestSet set_;
};

TEST_F(ManifestSetTest, LoadsNewFilesInFileThenPositionOrder) {
  Write("b.yaml", Install("b1") + "---\n" + Install("b2"));
  Write("a/z.yml", Install("az"));
  Write("rules.yaml", "groups: []\n");  // not a manifest: skipped, not counted
  const auto load = Reload();
  EXPECT_EQ(Keys(load), (std::vector<std::string>{"ApplianceInstall/az", "ApplianceInstall/b1",
                                                  "ApplianceInstall/b2"}));
  EXPECT_TRUE(load.diagnostics.empty()) << ::testing::PrintToString(Messages(load));
  EXPECT_TRUE(load.errors_by_file.empty());
  EXPECT_TRUE(load.kept_last_good.empty());
  EXPECT_EQ(load.files, 2U);
  EXPECT_FALSE(load.root_missing);
  EXPECT_EQ(load.revision, "");
  EXPECT_EQ(load.objects[1]->location.file, (Root() / "b.yaml").string());
}

TEST_F(ManifestSetTest, GenerationChangesWithTheSpecOnly) {
  struct Case {
    const char* name;
    std::string after;
    bool same_generation;
  };
  const std::string before = Install("x", "4h");
  const std::vector<Case> cases{
      {"an edited spec value", Install("x", "5h"), false},
      {"a comment and reformatting",
       "# a comment\napiVersion: vsrd/v1\nkind: ApplianceInstall\nmetadata:\n  name: x\n"
       "spec:\n  max_duration: \"4h\"   # same value, quoted\n  target: vc01\n",
       true},
      {"a new label (metadata is not spec)",
       "apiVersion: vsrd/v1\nkind: ApplianceInstall\nmetadata: {name: x, labels: {team: a}}\n"
       "spec: {target: vc01, max_duration: 4h}\n",
       true},
      {"another target", Install("x", "4h", "vc02"), false},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    ManifestSet set;
    Write("x.yaml", before);
    const auto first = set.Reload(MakeConfig(Root()));
    Write("x.yaml", c.after);
    const auto second = set.Reload(MakeConfig(Root()));
    ASSERT_EQ(Keys(second), std::vector<std::string>{"ApplianceInstall/x"})
        << ::testing::PrintToString(Messages(second));
    EXPECT_EQ(Generation(first, "ApplianceInstall/x") == Generation(second, "ApplianceInstall/x"),
              c.same_generation);
    EXPECT_TRUE(second.kept_last_good.empty());
  }
}

TEST_F(ManifestSetTest, FileThatStopsParsingKeepsItsLastGoodObjectsAndReportsTheError) {
  Write("a.yaml", Install("a1", "1h") + "---\n" + Install("a2", "2h"));
  Write("b.yaml", Install("b1"));
  const auto good = Reload();
  Write("a.yaml", Install("a1", "3h") + "---\nspec: [unclosed\n");
  Write("b.yaml", Install("b1", "9h"));
  const auto load = Reload();
  EXPECT_EQ(Keys(load), (std::vector<std::string>{"ApplianceInstall/a1", "ApplianceInstall/a2",
                                                  "ApplianceInstall/b1"}));
  // The whole last good file stays in force: no document of a file that does not parse counts.
  EXPECT_EQ(Generation(load, "ApplianceInstall/a1"), Generation(good, "ApplianceInstall/a1"));
  EXPECT_EQ(Generation(load, "ApplianceInstall/a2"), Generation(good, "ApplianceInstall/a2"));
  // Other files are unaffected.
  EXPECT_NE(Generation(load, "ApplianceInstall/b1"), Generation(good, "ApplianceInstall/b1"));
  EXPECT_EQ(load.kept_last_good, (std::map<std::string, std::size_t>{{"a.yaml", 2}}));
  EXPECT_EQ(load.errors_by_file, (std::map<std::string, std::size_t>{{"a.yaml", 1}}));
  ASSERT_EQ(load.diagnostics.size(), 1U);
  const std::string message = manifests::FormatDiagnostic(load.diagnostics[0]);
  EXPECT_TRUE(message.starts_with((Root() / "a.yaml").string() + ":7:1: ")) << message;
  EXPECT_NE(message.find("error: invalid YAML"), std::string::npos) << message;

  // Still broken on the next reload: still kept (the last good version is not the broken one).
  const auto again = Reload();
  EXPECT_EQ(again.kept_last_good, (std::map<std::string, std::size_t>{{"a.yaml", 2}}));
  EXPECT_EQ(Generation(again, "ApplianceInstall/a1"), Generation(good, "ApplianceInstall/a1"));
}

TEST_F(ManifestSetTest, OneBadDocumentDoesNotStopTheOthers) {
  Write("a.yaml",
        Install("a1", "1h") + "---\n" + Install("a2", "2h") + "---\n" + Install("a3", "3h"));
  const auto good = Reload();
  // a1 edited, a2 broken (an unknown field), a3 unchanged.
  Write("a.yaml", Install("a1", "10h") + "---\n" +
                      "apiVersion: vsrd/v1\nkind: ApplianceInstall\nmetadata: {name: a2}\n"
                      "spec: {target: vc01, max_duration: 20h, bogus: 1}\n" +
                      "---\n" + Install("a3", "3h"));
  const auto load = Reload();
  EXPECT_EQ(Keys(load), (std::vector<std::string>{"ApplianceInstall/a1", "ApplianceInstall/a2",
                                                  "ApplianceInstall/a3"}));
  EXPECT_NE(Generation(load, "ApplianceInstall/a1"), Generation(good, "ApplianceInstall/a1"));
  EXPECT_EQ(Generation(load, "ApplianceInstall/a2"), Generation(good, "ApplianceInstall/a2"));
  EXPECT_EQ(Generation(load, "ApplianceInstall/a3"), Generation(good, "ApplianceInstall/a3"));
  EXPECT_EQ(load.kept_last_good, (std::map<std::string, std::size_t>{{"a.yaml", 1}}));
  EXPECT_EQ(load.errors_by_file, (std::map<std::string, std::size_t>{{"a.yaml", 1}}));
  ASSERT_EQ(load.diagnostics.size(), 1U);
  EXPECT_EQ(load.diagnostics[0].location.line, 9);
  EXPECT_NE(load.diagnostics[0].message.find("bogus"), std::string::npos);

  // A new file with a bad document: the good ones load, nothing is kept.
  Write("new.yaml", Install("n1") +
                        "---\napiVersion: vsrd/v1\nkind: ApplianceInstall\n"
                        "metadata: {name: n2}\nspec: {target: vc01}\n");
  const auto with_new = Reload();
  EXPECT_NE(Find(with_new, "ApplianceInstall/n1"), nullptr);
  EXPECT_EQ(Find(with_new, "ApplianceInstall/n2"), nullptr);
  EXPECT_EQ(with_new.kept_last_good.count("new.yaml"), 0U);
  EXPECT_EQ(with_new.errors_by_file.at("new.yaml"), 1U);
}

TEST_F(ManifestSetTest, FixedFileBringsItsNewVersion) {
  Write("a.yaml", Install("a1", "1h"));
  const auto good = Reload();
  Write("a.yaml", "apiVersion: vsrd/v1\nkind: [\n");
  ASSERT_EQ(Reload().kept_last_good.size(), 1U);
  Write("a.yaml", Install("a1", "7h"));
  const auto fixed = Reload();
  EXPECT_EQ(Keys(fixed), std::vector<std::string>{"ApplianceInstall/a1"});
  EXPECT_NE(Generation(fixed, "ApplianceInstall/a1"), Generation(good, "ApplianceInstall/a1"));
  EXPECT_TRUE(fixed.kept_last_good.empty());
  EXPECT_TRUE(fixed.errors_by_file.empty());
  EXPECT_TRUE(fixed.diagnostics.empty());
}

TEST_F(ManifestSetTest, RemovedFileAndRemovedDocumentAreForgotten) {
  Write("a.yaml", Install("a1") + "---\n" + Install("a2"));
  Write("b.yaml", Install("b1"));
  ASSERT_EQ(Reload().objects.size(), 3U);
  fs::remove(Root() / "b.yaml");
  Write("a.yaml", Install("a1"));
  const auto load = Reload();
  EXPECT_EQ(Keys(load), std::vector<std::string>{"ApplianceInstall/a1"});
  EXPECT_EQ(load.files, 1U);
  // A file removed while broken does not come back when a file of that name reappears broken.
  Write("b.yaml", "kind: [\n");
  const auto broken = Reload();
  EXPECT_EQ(Find(broken, "ApplianceInstall/b1"), nullptr);
  EXPECT_TRUE(broken.kept_last_good.empty());
}

TEST_F(ManifestSetTest, DuplicateAcrossFilesKeepsTheFirstInFileOrder) {
  Write("a.yaml", Install("dup", "1h"));
  Write("b.yaml", Install("dup", "2h") + "---\n" + Install("b1"));
  const auto load = Reload();
  EXPECT_EQ(Keys(load), (std::vector<std::string>{"ApplianceInstall/dup", "ApplianceInstall/b1"}));
  EXPECT_EQ(load.objects[0]->location.file, (Root() / "a.yaml").string());
  EXPECT_EQ(load.errors_by_file, (std::map<std::string, std::size_t>{{"b.yaml", 1}}));
  ASSERT_EQ(load.diagnostics.size(), 1U);
  EXPECT_NE(load.diagnostics[0].message.find("duplicate object ApplianceInstall/dup"),
            std::string::npos);

  // A kept last good object counts too: a.yaml broken still holds `dup`.
  Write("a.yaml", "kind: [\n");
  const auto kept = Reload();
  ASSERT_NE(Find(kept, "ApplianceInstall/dup"), nullptr);
  EXPECT_EQ(Find(kept, "ApplianceInstall/dup")->location.file, (Root() / "a.yaml").string());
  EXPECT_EQ(kept.errors_by_file, (std::map<std::string, std::size_t>{{"a.yaml", 1}, {"b.yaml", 1}}))
      << ::testing::PrintToString(Messages(kept));
}

TEST_F(ManifestSetTest, UnknownTargetIsNotLoadedUnlessItHasALastGoodVersion) {
  Write("a.yaml", Install("a1", "1h") + "---\n" + Install("new", "1h", "vc99"));
  const auto first = Reload();
  EXPECT_EQ(Keys(first), std::vector<std::string>{"ApplianceInstall/a1"});
  EXPECT_EQ(first.errors_by_file.at("a.yaml"), 1U);
  EXPECT_NE(Messages(first).at(0).find("unknown target \"vc99\""), std::string::npos);

  Write("a.yaml", Install("a1", "2h", "vc99"));
  const auto second = Reload();
  EXPECT_EQ(Keys(second), std::vector<std::string>{"ApplianceInstall/a1"});
  EXPECT_EQ(Generation(second, "ApplianceInstall/a1"), Generation(first, "ApplianceInstall/a1"));
  EXPECT_EQ(second.kept_last_good, (std::map<std::string, std::size_t>{{"a.yaml", 1}}));
  EXPECT_EQ(second.errors_by_file.at("a.yaml"), 1U);

  // A target of the wrong api flavor is treated the same way.
  Write("a.yaml", Install("a1", "3h", "vr01"));
  const auto third = Reload();
  EXPECT_EQ(Generation(third, "ApplianceInstall/a1"), Generation(first, "ApplianceInstall/a1"));
  EXPECT_EQ(third.kept_last_good, (std::map<std::string, std::size_t>{{"a.yaml", 1}}));
  EXPECT_NE(Messages(third).at(0).find("needs a target with api: vcenter"), std::string::npos);

  // Fixed: the new version replaces the last good one.
  Write("a.yaml", Install("a1", "4h", "vc02"));
  const auto fixed = Reload();
  EXPECT_NE(Generation(fixed, "ApplianceInstall/a1"), Generation(first, "ApplianceInstall/a1"));
  EXPECT_TRUE(fixed.kept_last_good.empty());
  EXPECT_TRUE(fixed.diagnostics.empty());
}

TEST_F(ManifestSetTest, MissingRootKeepsThePreviousObjects) {
  ManifestSet fresh;
  const auto never = fresh.Reload(MakeConfig(Root()));
  EXPECT_TRUE(never.root_missing);
  EXPECT_TRUE(never.objects.empty());
  ASSERT_EQ(never.diagnostics.size(), 1U);
  EXPECT_EQ(never.diagnostics[0].location.file, Root().string());

  Write("a.yaml", Install("a1"));
  const auto good = Reload();
  ASSERT_EQ(good.objects.size(), 1U);
  fs::rename(Root(), dir_.Path() / "elsewhere");
  const auto missing = Reload();
  EXPECT_TRUE(missing.root_missing);
  EXPECT_EQ(Keys(missing), Keys(good));
  EXPECT_EQ(missing.files, 1U);
  EXPECT_EQ(Messages(missing),
            std::vector<std::string>{Root().string() + ": error: no such file or directory"});

  fs::rename(dir_.Path() / "elsewhere", Root());
  const auto back = Reload();
  EXPECT_FALSE(back.root_missing);
  EXPECT_EQ(Keys(back), Keys(good));
  EXPECT_TRUE(back.diagnostics.empty());
}

TEST_F(ManifestSetTest, SymlinkSwapIsSeenAsEditsOfTheSameFiles) {
  const fs::path link = dir_.Path() / "current";
  WriteFile(dir_.Path() / "rev1" / "a.yaml", Install("a1", "1h") + "---\n" + Install("a2", "1h"));
  WriteFile(dir_.Path() / "rev1" / "sub" / "b.yaml", Install("b1", "1h"));
  fs::create_directory_symlink("rev1", link);
  ManifestSet set;
  const auto first = set.Reload(MakeConfig(link));
  ASSERT_EQ(first.objects.size(), 3U);

  // rev2: a.yaml keeps a1's spec but breaks a2's document, sub/b.yaml changes.
  WriteFile(dir_.Path() / "rev2" / "a.yaml",
            Install("a1", "1h") +
                "---\napiVersion: vsrd/v1\nkind: ApplianceInstall\nmetadata: {name: a2}\n"
                "spec: {target: vc01}\n");
  WriteFile(dir_.Path() / "rev2" / "sub" / "b.yaml", Install("b1", "2h"));
  fs::create_directory_symlink("rev2", dir_.Path() / "tmp-link");
  fs::rename(dir_.Path() / "tmp-link", link);
  fs::remove_all(dir_.Path() / "rev1");

  const auto second = set.Reload(MakeConfig(link));
  EXPECT_FALSE(second.root_missing);
  EXPECT_EQ(Keys(second), Keys(first));
  EXPECT_EQ(Generation(second, "ApplianceInstall/a1"), Generation(first, "ApplianceInstall/a1"));
  EXPECT_EQ(Generation(second, "ApplianceInstall/a2"), Generation(first, "ApplianceInstall/a2"));
  EXPECT_NE(Generation(second, "ApplianceInstall/b1"), Generation(first, "ApplianceInstall/b1"));
  EXPECT_EQ(second.kept_last_good, (std::map<std::string, std::size_t>{{"a.yaml", 1}}));
  EXPECT_EQ(second.errors_by_file, (std::map<std::string, std::size_t>{{"a.yaml", 1}}));
  // Paths are printed under the configured name, not the checkout it points at.
  EXPECT_EQ(Find(second, "ApplianceInstall/b1")->location.file, (link / "sub/b.yaml").string());
  EXPECT_EQ(second.diagnostics.at(0).location.file, (link / "a.yaml").string());
}

// Issue 15: a reload decodes only files whose bytes changed, and reuses the others' decode. An
// edit is seen however the file was written: in place with its size and times kept, or swapped
// in (new inode); a file whose bytes come back as before reads as before; a cached file that
// turns unreadable reports so.
TEST_F(ManifestSetTest, AReloadSeesEveryChangeOfBytesWhateverTheFileTimesSay) {
  Write("a.yaml", Install("a", "4h"));
  Write("b.yaml", Install("b", "4h"));
  auto load = Reload();
  const std::string a4 = Generation(load, "ApplianceInstall/a");
  const std::string b4 = Generation(load, "ApplianceInstall/b");

  // Same length, same modification time, in place.
  const auto time = fs::last_write_time(Root() / "a.yaml");
  Write("a.yaml", Install("a", "5h"));
  fs::last_write_time(Root() / "a.yaml", time);
  load = Reload();
  EXPECT_NE(Generation(load, "ApplianceInstall/a"), a4) << "an edit hidden by its file times";
  EXPECT_EQ(Generation(load, "ApplianceInstall/b"), b4);

  // Back to the old bytes through a rename, as git writes.
  WriteFile(Root() / "a.yaml.tmp", Install("a", "4h"));
  fs::rename(Root() / "a.yaml.tmp", Root() / "a.yaml");
  load = Reload();
  EXPECT_EQ(Generation(load, "ApplianceInstall/a"), a4);
  EXPECT_EQ(load.objects.size(), 2U);
  EXPECT_TRUE(load.diagnostics.empty()) << ::testing::PrintToString(Messages(load));

  // A decoded file that is now too large to read keeps its last good objects and says why.
  Write("b.yaml", std::string(manifests::kMaxManifestFileBytes + 1, '#'));
  load = Reload();
  EXPECT_EQ(Generation(load, "ApplianceInstall/b"), b4) << "the last good version stays";
  EXPECT_EQ(load.errors_by_file.count("b.yaml"), 1U) << ::testing::PrintToString(Messages(load));
}

TEST_F(ManifestSetTest, RevisionIsTheCommitOfTheCheckout) {
  Write("a.yaml", Install("a1"));
  ASSERT_NE(testing::Git(Root(), "init -q"), "<failed>");
  ASSERT_NE(testing::Git(Root(), "add a.yaml"), "<failed>");
  ASSERT_NE(testing::Git(Root(), "commit -q -m one"), "<failed>");
  const auto load = Reload();
  EXPECT_EQ(load.revision, testing::Git(Root(), "rev-parse HEAD"));
  EXPECT_EQ(load.revision.size(), 40U);
  EXPECT_EQ(load.files, 1U);  // .git is not walked
}

}  // namespace
}  // namespace vsrd::daemon
