#pragma once

#include <atomic>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include <unistd.h>

// Helpers of the manifest source tests: a temporary directory removed at the end of the test,
// file writes, and running the git CLI.

namespace vsrd::daemon::testing {

/// A fresh directory under the system temp directory; removed with everything in it.
class TempDir {
 public:
  TempDir() {
    static std::atomic<int> counter{0};
    path_ = std::filesystem::temp_directory_path() /
            ("vsrd-manifest-source-test-" + std::to_string(::getpid()) + "-" +
             std::to_string(counter.fetch_add(1)));
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code error;
    std::filesystem::remove_all(path_, error);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& Path() const { return path_; }

 private:
  std::filesystem::path path_;
};

/// Writes `text` to `path`, creating its directories.
inline void WriteFile(const std::filesystem::path& path, const std::string& text) {
  std::filesystem::create_directories(path.parent_path());
  std::ofstream(path, std::ios::binary | std::ios::trunc) << text;
}

/// Runs a shell command; returns its standard output with the trailing newline removed, or
/// "<failed>" when it exits non-zero.
inline std::string Run(const std::string& command) {
  std::string output;
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) return "<failed>";
  char buffer[256];
  while (std::fgets(buffer, sizeof buffer, pipe) != nullptr) output += buffer;
  if (::pclose(pipe) != 0) return "<failed>";
  while (!output.empty() && output.back() == '\n') output.pop_back();
  return output;
}

/// The git CLI on `dir`, with an identity and no user or system config, so that the tests do
/// not depend on the machine's git setup.
inline std::string Git(const std::filesystem::path& dir, const std::string& arguments) {
  return Run("env GIT_CONFIG_GLOBAL=/dev/null GIT_CONFIG_NOSYSTEM=1 git -C '" + dir.string() +
             "' -c user.name=vsrd-test -c user.email=vsrd-test@example.com -c "
             "init.defaultBranch=main " +
             arguments + " 2>/dev/null");
}

}  // namespace vsrd::daemon::testing
