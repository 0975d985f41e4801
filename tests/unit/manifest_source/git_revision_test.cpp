#include "daemon/manifest_source/git_revision.hpp"

#include <filesystem>
#include <string>

#include <gtest/gtest.h>

#include "tests/unit/manifest_source/test_files.hpp"

// GitRevision against repositories made with the git CLI.

namespace vsrd::daemon {
namespace {

namespace fs = std::filesystem;
using testing::Git;
using testing::TempDir;

/// A repository at `dir` with one commit.
void MakeRepository(const fs::path& dir) {
  fs::create_directories(dir / "manifests");
  testing::WriteFile(dir / "manifests" / "a.yaml", "kind: x\n");
  ASSERT_NE(Git(dir, "init -q"), "<failed>");
  ASSERT_NE(Git(dir, "add -A"), "<failed>");
  ASSERT_NE(Git(dir, "commit -q -m first"), "<failed>");
}

TEST(GitRevision, IsTheCommitHeadPointsAtFromTheWorkTreeAndItsSubdirectories) {
  TempDir temp;
  const fs::path repo = temp.Path() / "repo";
  MakeRepository(repo);
  const std::string head = Git(repo, "rev-parse HEAD");
  ASSERT_EQ(head.size(), 40U);
  EXPECT_EQ(GitRevision(repo), head);
  EXPECT_EQ(GitRevision(repo / "manifests"), head);

  ASSERT_NE(Git(repo, "commit -q --allow-empty -m second"), "<failed>");
  const std::string second = Git(repo, "rev-parse HEAD");
  EXPECT_NE(second, head);
  EXPECT_EQ(GitRevision(repo / "manifests"), second);

  // A detached HEAD, as git-sync leaves it.
  ASSERT_NE(Git(repo, "checkout -q --detach " + head), "<failed>");
  EXPECT_EQ(GitRevision(repo), head);
}

TEST(GitRevision, FollowsSymlinksIntoLinkedWorktrees) {
  TempDir temp;
  const fs::path repo = temp.Path() / "repo";
  MakeRepository(repo);
  const std::string first = Git(repo, "rev-parse HEAD");
  ASSERT_NE(Git(repo, "commit -q --allow-empty -m second"), "<failed>");
  const std::string second = Git(repo, "rev-parse HEAD");
  // The git-sync layout: a worktree per revision, and a symlink to the current one.
  const fs::path worktree = temp.Path() / "worktrees" / "rev1";
  ASSERT_NE(Git(repo, "worktree add -q --detach '" + worktree.string() + "' " + first), "<failed>");
  fs::create_directory_symlink(worktree, temp.Path() / "current");
  EXPECT_EQ(GitRevision(worktree / "manifests"), first);
  EXPECT_EQ(GitRevision(temp.Path() / "current" / "manifests"), first);
  EXPECT_EQ(GitRevision(repo), second);
}

TEST(GitRevision, IsNulloptOutsideAWorkTreeOrBeforeTheFirstCommit) {
  TempDir temp;
  EXPECT_EQ(GitRevision(temp.Path()), std::nullopt);
  EXPECT_EQ(GitRevision(temp.Path() / "does-not-exist"), std::nullopt);
  const fs::path empty = temp.Path() / "empty";
  fs::create_directories(empty);
  ASSERT_NE(Git(empty, "init -q"), "<failed>");
  EXPECT_EQ(GitRevision(empty), std::nullopt);
}

}  // namespace
}  // namespace vsrd::daemon
