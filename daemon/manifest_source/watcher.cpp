#include "daemon/manifest_source/watcher.hpp"

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <optional>
#include <stdexcept>
#include <system_error>

#include <poll.h>
#include <spdlog/spdlog.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

namespace vsrd::daemon {
namespace {

namespace fs = std::filesystem;

constexpr std::uint32_t kParentMask = IN_CREATE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE;
constexpr std::uint32_t kTreeMask = IN_CREATE | IN_MODIFY | IN_CLOSE_WRITE | IN_ATTRIB |
                                    IN_MOVED_FROM | IN_MOVED_TO | IN_DELETE | IN_DELETE_SELF |
                                    IN_MOVE_SELF | IN_ONLYDIR;
constexpr std::uint32_t kGitMask =
    IN_CREATE | IN_CLOSE_WRITE | IN_MOVED_FROM | IN_MOVED_TO | IN_DELETE | IN_ONLYDIR;

bool IsHidden(const std::string& name) { return name.starts_with("."); }

bool IsYaml(const std::string& name) { return name.ends_with(".yaml") || name.ends_with(".yml"); }

/// True when `path` is `dir` or below it.
bool IsUnder(const fs::path& path, const fs::path& dir) {
  const auto mismatch = std::mismatch(dir.begin(), dir.end(), path.begin(), path.end());
  return mismatch.first == dir.end();
}

std::string ErrnoMessage(int error) {
  return std::error_code(error, std::system_category()).message();
}

}  // namespace

ManifestWatcher::ManifestWatcher(std::filesystem::path root, std::chrono::milliseconds debounce,
                                 std::chrono::milliseconds max_delay,
                                 std::function<void()> on_change,
                                 std::shared_ptr<spdlog::logger> logger)
    : root_(std::move(root)),
      debounce_(debounce),
      max_delay_(max_delay),
      on_change_(std::move(on_change)),
      logger_(logger ? std::move(logger) : spdlog::default_logger()) {
  std::error_code error;  // only without a current directory; root_ then stays as given
  if (auto absolute = fs::absolute(root_, error); !error) root_ = std::move(absolute);
  root_ = root_.lexically_normal();
  if (!root_.has_filename() && root_.has_parent_path() && root_ != root_.root_path()) {
    root_ = root_.parent_path();  // "dir/" names the same directory as "dir"
  }
  parent_ = root_.parent_path();
  root_name_ = root_.filename().string();
}

ManifestWatcher::~ManifestWatcher() { Stop(); }

void ManifestWatcher::Start() {
  const std::lock_guard lock(mutex_);
  if (thread_.joinable()) return;
  inotify_fd_ = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if (inotify_fd_ < 0) {
    throw std::runtime_error("cannot watch the manifests directory: inotify unavailable: " +
                             ErrnoMessage(errno));
  }
  wake_fd_ = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (wake_fd_ < 0) {
    const int error = errno;
    CloseFds();
    throw std::runtime_error("cannot watch the manifests directory: eventfd: " +
                             ErrnoMessage(error));
  }
  parent_wd_ = ::inotify_add_watch(inotify_fd_, parent_.c_str(), kParentMask | IN_ONLYDIR);
  if (parent_wd_ < 0) {
    const int error = errno;
    CloseFds();
    throw std::runtime_error(
        "cannot watch " + parent_.string() +
        " (the directory holding the manifests directory): " + ErrnoMessage(error));
  }
  Rescan();
  if (tree_root_.empty()) {
    logger_->warn("manifests directory {} does not exist yet; waiting for it", root_.string());
  }
  thread_ = std::thread([this] { Run(); });
}

void ManifestWatcher::Stop() {
  const std::lock_guard lock(mutex_);
  if (thread_.joinable()) {
    const std::uint64_t one = 1;
    // An eventfd write of 1 only fails when the counter would overflow, which cannot happen here.
    [[maybe_unused]] const auto written = ::write(wake_fd_, &one, sizeof one);
    thread_.join();
  }
  CloseFds();
}

void ManifestWatcher::CloseFds() {
  if (inotify_fd_ >= 0) ::close(inotify_fd_);
  if (wake_fd_ >= 0) ::close(wake_fd_);
  inotify_fd_ = -1;
  wake_fd_ = -1;
  parent_wd_ = -1;
  watches_.clear();
  tree_root_.clear();
}

void ManifestWatcher::Run() {
  using Clock = std::chrono::steady_clock;
  std::optional<Clock::time_point> burst_start;
  Clock::time_point last_event;
  while (true) {
    int timeout_ms = -1;
    if (burst_start) {
      const auto deadline = std::min(last_event + debounce_, *burst_start + max_delay_);
      const auto now = Clock::now();
      if (now >= deadline) {
        burst_start.reset();
        try {
          on_change_();
        } catch (const std::exception& error) {
          logger_->error("manifest change handler failed: {}", error.what());
        } catch (...) {
          logger_->error("manifest change handler failed");
        }
        changes_.fetch_add(1);
        continue;
      }
      // Rounded up: waking before the deadline would only spin.
      timeout_ms =
          static_cast<int>(std::chrono::ceil<std::chrono::milliseconds>(deadline - now).count());
    }
    std::array<pollfd, 2> fds{pollfd{inotify_fd_, POLLIN, 0}, pollfd{wake_fd_, POLLIN, 0}};
    const int ready = ::poll(fds.data(), fds.size(), timeout_ms);
    if (ready < 0) {
      if (errno == EINTR) continue;
      logger_->error("manifest watcher stopped: poll: {}", ErrnoMessage(errno));
      return;
    }
    if (fds[1].revents != 0) return;
    if ((fds[0].revents & POLLIN) != 0 && ReadEvents()) {
      last_event = Clock::now();
      if (!burst_start) burst_start = last_event;
    }
  }
}

bool ManifestWatcher::ReadEvents() {
  bool changed = false;
  alignas(inotify_event) std::array<char, std::size_t{64} * 1024> buffer{};
  while (true) {
    const ssize_t length = ::read(inotify_fd_, buffer.data(), buffer.size());
    if (length <= 0) {
      if (length < 0 && errno == EINTR) continue;
      if (length < 0 && errno != EAGAIN) {
        logger_->error("reading manifest watch events: {}", ErrnoMessage(errno));
      }
      return changed;
    }
    const auto end = static_cast<std::size_t>(length);
    for (std::size_t offset = 0; offset < end;) {
      inotify_event event{};
      std::memcpy(&event, buffer.data() + offset, sizeof event);
      const char* name_start = buffer.data() + offset + sizeof event;
      const std::string name(name_start, ::strnlen(name_start, event.len));
      offset += sizeof event + event.len;
      if (HandleEvent(event.wd, event.mask, name)) changed = true;
    }
  }
}

bool ManifestWatcher::HandleEvent(int wd, std::uint32_t mask, const std::string& name) {
  if ((mask & IN_Q_OVERFLOW) != 0) {
    logger_->warn("manifest watch queue overflowed; rescanning {}", root_.string());
    Rescan();
    return true;
  }
  if (wd == parent_wd_) {
    if ((mask & IN_IGNORED) != 0) {
      logger_->error("{} was removed; the manifests directory is no longer watched for a swap",
                     parent_.string());
      parent_wd_ = -1;
      return false;
    }
    if (name != root_name_) return false;
    Rescan();
    logger_->info("manifests directory {} {}", root_.string(),
                  tree_root_.empty() ? "disappeared" : "replaced; now " + tree_root_.string());
    return true;
  }
  const auto found = watches_.find(wd);
  // Events of a watch already removed (an old target after a swap) are no change.
  if (found == watches_.end()) return false;
  if ((mask & IN_IGNORED) != 0) {
    watches_.erase(found);
    return false;
  }
  const Watch watch = found->second;
  const bool is_dir = (mask & IN_ISDIR) != 0;
  const bool appeared = (mask & (IN_CREATE | IN_MOVED_TO)) != 0;
  std::set<std::pair<std::uint64_t, std::uint64_t>> visited;
  switch (watch.kind) {
    case WatchKind::kTree:
      if ((mask & (IN_DELETE_SELF | IN_MOVE_SELF)) != 0) {
        // A subdirectory's removal is reported by its parent; only the root's own matters.
        return watch.path == tree_root_;
      }
      if (name == ".git" && is_dir && appeared && watch.path == tree_root_) {
        AddGitWatches(watch.path / name, watches_);
        return true;
      }
      if (name.empty() || IsHidden(name)) return false;
      if (is_dir) {
        if (appeared) AddWatches(watch.path / name, WatchKind::kTree, watches_, visited);
        if ((mask & IN_MOVED_FROM) != 0) RemoveWatchesUnder(watch.path / name);
        return (mask & (IN_CREATE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE)) != 0;
      }
      if (IsYaml(name)) return true;
      // A symlink to a directory makes no IN_ISDIR event, but the loading walk follows it.
      if ((mask & (IN_DELETE | IN_MOVED_FROM)) != 0) return RemoveWatchesUnder(watch.path / name);
      if (appeared) {
        std::error_code error;
        if (fs::is_directory(watch.path / name, error)) {
          AddWatches(watch.path / name, WatchKind::kTree, watches_, visited);
          return true;
        }
      }
      return false;
    case WatchKind::kGitDir:
      if (name == "refs" && is_dir && appeared) {
        AddWatches(watch.path / name, WatchKind::kGitRefs, watches_, visited);
        return true;
      }
      return (name == "HEAD" || name == "packed-refs") &&
             (mask & (IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE)) != 0;
    case WatchKind::kGitRefs:
      if (is_dir) {
        if (appeared) AddWatches(watch.path / name, WatchKind::kGitRefs, watches_, visited);
        return true;
      }
      // git writes `<ref>.lock` and renames it over `<ref>`: the rename is the change.
      return !name.ends_with(".lock") &&
             (mask & (IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE)) != 0;
  }
  return false;
}

void ManifestWatcher::Rescan() {
  std::map<int, Watch> fresh;
  std::error_code error;
  tree_root_ = fs::canonical(root_, error);
  if (error || !fs::is_directory(tree_root_, error)) {
    tree_root_.clear();
  } else {
    std::set<std::pair<std::uint64_t, std::uint64_t>> visited;
    AddWatches(tree_root_, WatchKind::kTree, fresh, visited);
    if (fs::is_directory(tree_root_ / ".git", error)) AddGitWatches(tree_root_ / ".git", fresh);
  }
  // A directory still in the tree keeps its watch descriptor (inotify returns the same one for
  // the same inode); the others are removed.
  for (const auto& [wd, watch] : watches_) {
    if (!fresh.contains(wd)) ::inotify_rm_watch(inotify_fd_, wd);
  }
  watches_ = std::move(fresh);
  logger_->debug("watching {} directories under {}", watches_.size(), root_.string());
}

void ManifestWatcher::AddWatches(const fs::path& dir, WatchKind kind, std::map<int, Watch>& into,
                                 std::set<std::pair<std::uint64_t, std::uint64_t>>& visited) {
  struct stat info {};
  if (::stat(dir.c_str(), &info) != 0 || !S_ISDIR(info.st_mode)) return;
  // Symlinked directories are followed, as the walk that loads manifests follows them; the
  // visited set stops symlink loops.
  if (!visited.emplace(info.st_dev, info.st_ino).second) return;
  const std::uint32_t mask = kind == WatchKind::kTree ? kTreeMask : kGitMask;
  const int wd = ::inotify_add_watch(inotify_fd_, dir.c_str(), mask);
  if (wd < 0) {
    // ENOSPC: fs.inotify.max_user_watches is exhausted. Carry on with the watches we have.
    logger_->error("cannot watch {}: {}", dir.string(), ErrnoMessage(errno));
    return;
  }
  // inotify gives an inode already watched its existing descriptor: that directory and the ones
  // below it are watched already (a symlink back into the tree).
  if (!into.try_emplace(wd, Watch{kind, dir}).second) return;
  std::error_code error;
  for (fs::directory_iterator it(dir, error), end; !error && it != end; it.increment(error)) {
    const std::string name = it->path().filename().string();
    if (IsHidden(name)) continue;
    if (it->is_directory(error)) AddWatches(it->path(), kind, into, visited);
  }
}

void ManifestWatcher::AddGitWatches(const fs::path& git_dir, std::map<int, Watch>& into) {
  const int wd = ::inotify_add_watch(inotify_fd_, git_dir.c_str(), kGitMask);
  if (wd < 0) {
    logger_->error("cannot watch {}: {}", git_dir.string(), ErrnoMessage(errno));
    return;
  }
  into[wd] = Watch{WatchKind::kGitDir, git_dir};
  std::set<std::pair<std::uint64_t, std::uint64_t>> visited;
  AddWatches(git_dir / "refs", WatchKind::kGitRefs, into, visited);
}

bool ManifestWatcher::RemoveWatchesUnder(const fs::path& dir) {
  bool removed = false;
  for (auto it = watches_.begin(); it != watches_.end();) {
    if (IsUnder(it->second.path, dir)) {
      ::inotify_rm_watch(inotify_fd_, it->first);
      it = watches_.erase(it);
      removed = true;
    } else {
      ++it;
    }
  }
  return removed;
}

}  // namespace vsrd::daemon
