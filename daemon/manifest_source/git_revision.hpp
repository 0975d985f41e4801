#pragma once

#include <filesystem>
#include <optional>
#include <string>

// The git commit the manifests directory is at: the `revision` of status and of
// vsrd_last_applied_revision_info. Read with libgit2; no git process is started.

namespace vsrd::daemon {

/// The commit HEAD points at (40 lowercase hex digits) for the git work tree containing `dir`,
/// searching upwards from `dir` after resolving symlinks; linked worktrees (a `.git` file, as
/// git-sync makes) and detached HEADs work. The search does not cross file systems, as git's
/// own default.
///
/// nullopt when `dir` does not exist, is not inside a work tree, or HEAD is unborn (no commit
/// yet) or unreadable. Never throws. Thread-safe: libgit2 is initialized once, and each call
/// opens its own repository handle. Blocks on a few small file reads.
///
/// libgit2's owner check (git's `safe.directory`) is turned off for this process: git-sync
/// commonly runs as another user than vsrd, only HEAD and refs are read, and nothing from the
/// repository's config is ever executed.
std::optional<std::string> GitRevision(const std::filesystem::path& dir);

}  // namespace vsrd::daemon
