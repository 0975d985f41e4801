#include "manifests/bounded_file.hpp"

#include <cerrno>
#include <cstring>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace vsrd::manifests {

UniqueFd& UniqueFd::operator=(UniqueFd&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = other.fd_;
    other.fd_ = -1;
  }
  return *this;
}

UniqueFd::~UniqueFd() {
  if (fd_ >= 0) ::close(fd_);
}

BoundedRead ReadBoundedFile(const std::filesystem::path& path, std::size_t max_bytes,
                            int extra_flags) {
  // O_NONBLOCK: opening a FIFO without a writer returns at once (then refused as not regular).
  const UniqueFd fd(
      ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY | extra_flags));
  if (!fd.Valid()) {
    const int code = errno;
    return BoundedRead{std::nullopt, std::strerror(code), 0, code};
  }
  return ReadBoundedFd(fd.Get(), max_bytes);
}

BoundedRead ReadBoundedFd(int fd, std::size_t max_bytes) {
  BoundedRead out;
  struct stat info {};
  if (::fstat(fd, &info) != 0) {
    const int code = errno;
    out.error = std::strerror(code);
    return out;
  }
  out.mode = info.st_mode;
  if (!S_ISREG(info.st_mode)) {
    out.error = "is not a regular file";
    return out;
  }
  const std::string too_large = "is larger than " + std::to_string(max_bytes) + " bytes";
  if (static_cast<std::size_t>(info.st_size) > max_bytes) {
    out.error = too_large;
    return out;
  }
  std::string content(static_cast<std::size_t>(info.st_size) + 1, '\0');
  std::size_t used = 0;
  for (;;) {
    if (used == content.size()) {
      if (content.size() > max_bytes) {
        out.error = too_large;
        return out;
      }
      content.resize(std::min(max_bytes + 1, content.size() * 2 + 1));
    }
    const ssize_t got = ::read(fd, content.data() + used, content.size() - used);
    if (got < 0) {
      if (errno == EINTR) continue;
      const int code = errno;
      out.error = std::string("read error: ") + std::strerror(code);
      return out;
    }
    if (got == 0) break;
    used += static_cast<std::size_t>(got);
  }
  if (used > max_bytes) {
    out.error = too_large;
    return out;
  }
  content.resize(used);
  out.content = std::move(content);
  return out;
}

std::optional<std::string> ReadTextFile(const std::filesystem::path& path,
                                        const std::string& display, std::size_t max_bytes,
                                        Diagnostics& diagnostics, std::string_view what) {
  BoundedRead read = ReadBoundedFile(path, max_bytes);
  if (!read.content) {
    diagnostics.push_back(Diagnostic{SourceLocation{display, 0, 0}, Diagnostic::Severity::kError,
                                     std::string(what) + ": " + read.error});
    return std::nullopt;
  }
  return std::move(read.content);
}

}  // namespace vsrd::manifests
