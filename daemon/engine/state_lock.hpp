#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <sys/types.h>

// The exclusive lock of a state_dir (docs/reconcilers.md "The journal"): only one process at a
// time writes a journal. `vsrd run` and `vsrd apply` take it before they load the journal and
// hold it until they exit; `vsrd plan`, `vsrd journal` and the clients of the daemon take none.
// It is flock(2) on `<state_dir>/vsrd.lock`, so the kernel releases it when the process ends,
// however it ends (SIGKILL included): a lock file left behind is never stale. The holder's pid is
// written into the file after locking, for the error message of the next process.

namespace vsrd::daemon {

class StateLock {
 public:
  /// The lock file's name in state_dir.
  static constexpr std::string_view kFileName = "vsrd.lock";

  /// Creates `state_dir` when it is missing, opens (creating) `<state_dir>/vsrd.lock` with
  /// O_CLOEXEC, takes flock(LOCK_EX | LOCK_NB) and writes this process's pid into the file.
  /// Never blocks for the lock: when another open file description holds it (another process,
  /// or another StateLock of this one), returns nullptr with `*error` naming the lock file and
  /// the holder's pid ("... is locked by another vsrd (pid 1234) ..."; "pid unknown" when the
  /// holder has not written it yet). Any other failure (state_dir not creatable, EACCES, a
  /// read-only file system) returns nullptr with `*error` saying what failed on which path.
  /// Thread-safe.
  static std::unique_ptr<StateLock> Acquire(const std::filesystem::path& state_dir,
                                            std::string* error);

  /// The pid written in `lock_file`; nullopt when the file is missing, empty or not a pid.
  /// Reads only: says nothing about whether that process still holds the lock.
  static std::optional<pid_t> ReadHolder(const std::filesystem::path& lock_file);

  /// Releases the lock (closes the file; the file itself stays, with the last holder's pid).
  ~StateLock();
  StateLock(const StateLock&) = delete;
  StateLock& operator=(const StateLock&) = delete;

  /// `<state_dir>/vsrd.lock`.
  const std::filesystem::path& Path() const { return path_; }

 private:
  StateLock(std::filesystem::path path, int fd) : path_(std::move(path)), fd_(fd) {}

  std::filesystem::path path_;
  int fd_ = -1;
};

}  // namespace vsrd::daemon
