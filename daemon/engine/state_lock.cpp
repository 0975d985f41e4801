#include "daemon/engine/state_lock.hpp"

#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstring>
#include <fstream>
#include <iterator>
#include <thread>

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

namespace vsrd::daemon {

namespace {

/// The holder writes its pid right after flock; a reader that comes in between sees an empty
/// file, so it reads again for up to this long before it says "pid unknown".
constexpr int kHolderReads = 50;
constexpr std::chrono::milliseconds kHolderReadPause{10};

std::string Errno(const std::string& what, int error) { return what + ": " + std::strerror(error); }

bool WritePid(int fd, std::string* error, const std::filesystem::path& path) {
  const std::string text = std::to_string(::getpid()) + "\n";
  if (::ftruncate(fd, 0) != 0) {
    *error = Errno("cannot write the pid into " + path.string(), errno);
    return false;
  }
  std::size_t written = 0;
  while (written < text.size()) {
    const ssize_t n =
        ::pwrite(fd, text.data() + written, text.size() - written, static_cast<off_t>(written));
    if (n < 0) {
      if (errno == EINTR) continue;
      *error = Errno("cannot write the pid into " + path.string(), errno);
      return false;
    }
    written += static_cast<std::size_t>(n);
  }
  return true;
}

}  // namespace

std::optional<pid_t> StateLock::ReadHolder(const std::filesystem::path& lock_file) {
  std::ifstream in(lock_file, std::ios::binary);
  if (!in) return std::nullopt;
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const auto end = text.find('\n');
  const std::string_view digits =
      std::string_view(text).substr(0, end == std::string::npos ? text.size() : end);
  pid_t pid = 0;
  const auto [rest, status] = std::from_chars(digits.data(), digits.data() + digits.size(), pid);
  if (status != std::errc{} || rest != digits.data() + digits.size() || pid <= 0) {
    return std::nullopt;
  }
  return pid;
}

std::unique_ptr<StateLock> StateLock::Acquire(const std::filesystem::path& state_dir,
                                              std::string* error) {
  std::string ignored;
  if (error == nullptr) error = &ignored;
  std::error_code created;
  std::filesystem::create_directories(state_dir, created);
  if (created) {
    *error = "cannot create the state directory " + state_dir.string() + ": " + created.message();
    return nullptr;
  }
  auto path = state_dir / kFileName;
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
  if (fd < 0) {
    *error = Errno("cannot open the lock file " + path.string(), errno);
    return nullptr;
  }
  int locked = 0;
  do {
    locked = ::flock(fd, LOCK_EX | LOCK_NB);
  } while (locked != 0 && errno == EINTR);
  if (locked != 0) {
    const int lock_error = errno;
    ::close(fd);
    if (lock_error != EWOULDBLOCK) {
      *error = Errno("cannot lock " + path.string(), lock_error);
      return nullptr;
    }
    std::optional<pid_t> holder;
    for (int read = 0; read < kHolderReads && !holder; ++read) {
      if (read > 0) std::this_thread::sleep_for(kHolderReadPause);
      holder = ReadHolder(path);
    }
    *error = path.string() + " is locked by another vsrd (" +
             (holder ? "pid " + std::to_string(*holder) : std::string("pid unknown")) +
             "): only one `vsrd run` or `vsrd apply` may use the state directory " +
             state_dir.string() + " at a time; wait for it to finish or stop it first";
    return nullptr;
  }
  if (!WritePid(fd, error, path)) {
    ::close(fd);
    return nullptr;
  }
  return std::unique_ptr<StateLock>(new StateLock(std::move(path), fd));
}

StateLock::~StateLock() {
  if (fd_ >= 0) ::close(fd_);
}

}  // namespace vsrd::daemon
