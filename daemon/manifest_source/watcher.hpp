#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <utility>

#include <spdlog/logger.h>

// Tells `vsrd run` when the manifests directory changed: inotify on the whole tree, bursts of
// events debounced into one call, and the git-sync layout (the directory is a symlink replaced
// atomically by a new checkout) handled as one change.

namespace vsrd::daemon {

/// Watches `root` recursively with inotify and calls `on_change`, from the watcher's own thread,
/// once per burst of changes: after `debounce` without a new relevant event, but at most
/// `max_delay` after the first event of the burst. No polling: the thread sleeps in poll(2)
/// until an event, the debounce deadline or Stop.
///
/// What counts as a change:
/// - creating, writing, renaming, deleting or changing the attributes of a `*.yaml`/`*.yml`
///   file, and creating, renaming or deleting a directory, anywhere under `root`. New
///   subdirectories are watched as soon as their creation is read; their creation is itself a
///   change, so files written into them before the watch existed are read by the reload.
///   Symlinks to directories are followed, as the loading walk follows them.
/// - `root` (a directory or a symlink to one) appearing, disappearing or being replaced. The
///   parent directory is watched for the name of `root`; git-sync's swap
///   (`ln -s new tmp && mv -T tmp root`) is one rename there, so it is one change. On it every
///   watch is re-established on the new target, and the old target's watches are removed, so
///   later edits in the old target are not changes.
/// - When `root` is itself a work tree with a `.git` directory, a move of HEAD: `.git/HEAD`,
///   `.git/packed-refs` and every ref under `.git/refs` are watched (not the rest of `.git`, so
///   `git status` or a fetch of objects is no change). A commit or `git pull` in place therefore
///   refreshes the revision even when no manifest file changed. When `root` is a subdirectory of
///   the work tree, or a linked worktree (a `.git` file), only manifest changes are seen; the
///   revision is read again on every reload anyway, and git-sync changes it with a swap.
/// - IN_Q_OVERFLOW (the kernel dropped events): every watch is re-established and a change is
///   reported.
///
/// Ignored: hidden entries (names starting with "."; editor swap files such as `.x.yaml.swp` and
/// `.#x.yaml` included, and the rest of `.git`), names with other extensions (`x.yaml~`,
/// `x.yaml.swp`, `4913`), reads of any file, and events of other names in the parent directory.
///
/// When `root` is missing at Start, only the parent is watched; its appearance is a change.
/// A burst still pending at Stop is dropped.
class ManifestWatcher {
 public:
  /// `logger` may be null (spdlog's default logger is used). A relative `root` is made absolute
  /// against the current directory now. Does not touch the file system otherwise.
  ManifestWatcher(std::filesystem::path root, std::chrono::milliseconds debounce,
                  std::chrono::milliseconds max_delay, std::function<void()> on_change,
                  std::shared_ptr<spdlog::logger> logger);
  /// Stops the watcher.
  ~ManifestWatcher();
  ManifestWatcher(const ManifestWatcher&) = delete;
  ManifestWatcher& operator=(const ManifestWatcher&) = delete;

  /// Establishes every watch, then starts the thread; a change made after Start returns is never
  /// missed, so start the watcher before the first load. Throws std::runtime_error when inotify
  /// is unavailable (or out of instances) or the parent directory of `root` cannot be watched
  /// (it must exist). A no-op while running.
  void Start();
  /// Wakes the thread and joins it. Idempotent; returns within milliseconds unless `on_change`
  /// is running, which it waits for. Must not be called from `on_change`. Thread-safe.
  void Stop();
  /// How many `on_change` calls have returned so far (for tests and metrics). Thread-safe.
  std::uint64_t Changes() const { return changes_.load(); }

 private:
  enum class WatchKind { kTree, kGitDir, kGitRefs };
  struct Watch {
    WatchKind kind = WatchKind::kTree;
    std::filesystem::path path;
  };

  void Run();
  /// Reads every pending event; true when one of them is a change.
  bool ReadEvents();
  bool HandleEvent(int wd, std::uint32_t mask, const std::string& name);
  /// Resolves `root_` again and watches its whole tree, dropping watches no longer in it.
  void Rescan();
  /// Watches `dir` and, for tree and ref watches, every non-hidden directory below it.
  void AddWatches(const std::filesystem::path& dir, WatchKind kind, std::map<int, Watch>& into,
                  std::set<std::pair<std::uint64_t, std::uint64_t>>& visited);
  /// Watches `.git` (HEAD, packed-refs) and `.git/refs` recursively.
  void AddGitWatches(const std::filesystem::path& git_dir, std::map<int, Watch>& into);
  /// Removes the watches of `dir` and everything below it (a directory moved away, a symlink to
  /// a directory removed); true when there were any.
  bool RemoveWatchesUnder(const std::filesystem::path& dir);
  void CloseFds();

  std::filesystem::path root_;    ///< absolute, normalized; may be a symlink
  std::filesystem::path parent_;  ///< watched for the name of root_
  std::string root_name_;
  std::filesystem::path tree_root_;  ///< root_ resolved at the last rescan; empty if missing
  std::chrono::milliseconds debounce_;
  std::chrono::milliseconds max_delay_;
  std::function<void()> on_change_;
  std::shared_ptr<spdlog::logger> logger_;

  std::mutex mutex_;  ///< serializes Start and Stop
  std::thread thread_;
  int inotify_fd_ = -1;
  int wake_fd_ = -1;  ///< eventfd written by Stop
  int parent_wd_ = -1;
  std::map<int, Watch> watches_;  ///< by watch descriptor; touched only by the thread once started
  std::atomic<std::uint64_t> changes_{0};
};

}  // namespace vsrd::daemon
