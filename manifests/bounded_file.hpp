#pragma once

#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include <sys/types.h>

#include "manifests/diagnostic.hpp"

// The one way vsrd reads a whole file: bounded in size, a regular file only, opened without
// blocking (a FIFO or a device in the place of a manifest, config or password file cannot stall
// or exhaust the process). Used for manifests, the config, password files and vsrd-sim's
// scenarios.

namespace vsrd::manifests {

/// An owned file descriptor, closed on destruction.
class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  UniqueFd(UniqueFd&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }
  UniqueFd& operator=(UniqueFd&& other) noexcept;
  ~UniqueFd();

  int Get() const { return fd_; }
  bool Valid() const { return fd_ >= 0; }

 private:
  int fd_ = -1;
};

struct BoundedRead {
  std::optional<std::string> content;  ///< set on success
  /// Why not, without the path: "No such file or directory", "is not a regular file",
  /// "is larger than 1048576 bytes", "read error: ...".
  std::string error;
  mode_t mode = 0;     ///< st_mode of the file read (0 when it could not be stat'ed)
  int open_errno = 0;  ///< errno of a failed open (ENOENT: there is no such file); 0 otherwise
};

/// Opens `path` (O_RDONLY, O_NONBLOCK, O_CLOEXEC, O_NOCTTY, plus `extra_flags` such as
/// O_NOFOLLOW) and reads it with ReadBoundedFd.
BoundedRead ReadBoundedFile(const std::filesystem::path& path, std::size_t max_bytes,
                            int extra_flags = 0);

/// Reads the whole regular file open on `fd`: refused if it is not a regular file or holds
/// more than `max_bytes` (checked by size and again while reading, for a file that grows).
BoundedRead ReadBoundedFd(int fd, std::size_t max_bytes);

/// ReadBoundedFile for a text vsrd decodes (a manifest, the config, a scenario): the content, or
/// nullopt after adding the error `display: WHAT: WHY` to `diagnostics`.
std::optional<std::string> ReadTextFile(const std::filesystem::path& path,
                                        const std::string& display, std::size_t max_bytes,
                                        Diagnostics& diagnostics,
                                        std::string_view what = "cannot read");

}  // namespace vsrd::manifests
