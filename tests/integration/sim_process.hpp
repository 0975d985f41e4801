#pragma once

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

// Runs the real vsrd-sim binary for a test: starts it, waits for its start-up lines (certificate
// thumbprint and PEM path, then one "listening on" line per listener) and always ends it: the
// destructor kills it if the test did not stop it. Its stderr goes to a file the test can show.

namespace vsrd::integration {

class SimProcess {
 public:
  /// Starts `binary` with `args` and waits until every listener it serves printed its line
  /// (`listeners` of them). Throws std::runtime_error with the process's output on failure.
  SimProcess(const std::string& binary, const std::vector<std::string>& args, std::size_t listeners,
             std::chrono::seconds timeout = std::chrono::seconds(30)) {
    namespace fs = std::filesystem;
    stderr_path_ = (fs::temp_directory_path() / ("vsrd-sim-test-" + std::to_string(::getpid()) +
                                                 "-" + std::to_string(NextId()) + ".stderr"))
                       .string();
    int pipe_fds[2];
    if (::pipe2(pipe_fds, O_CLOEXEC) != 0) throw std::runtime_error("pipe2 failed");
    stdout_fd_ = pipe_fds[0];

    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], STDOUT_FILENO);
    posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, stderr_path_.c_str(),
                                     O_WRONLY | O_CREAT | O_TRUNC, 0644);
    std::vector<std::string> argv_strings{binary};
    argv_strings.insert(argv_strings.end(), args.begin(), args.end());
    std::vector<char*> argv;
    argv.reserve(argv_strings.size() + 1);
    for (auto& arg : argv_strings) argv.push_back(arg.data());
    argv.push_back(nullptr);
    const int spawned =
        ::posix_spawn(&pid_, binary.c_str(), &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    ::close(pipe_fds[1]);
    if (spawned != 0) {
      pid_ = -1;
      throw std::runtime_error("cannot start " + binary);
    }

    const auto deadline = std::chrono::steady_clock::now() + timeout;
    std::size_t listening = 0;
    while (listening < listeners) {
      const auto line = ReadLine(deadline);
      if (!line) {
        throw std::runtime_error("vsrd-sim did not start; stdout:\n" + output_ + "\nstderr:\n" +
                                 Stderr());
      }
      if (const auto at = line->find(" listening on "); at != std::string::npos) {
        const std::string url = line->substr(at + 14);
        const std::string name = line->substr(10, line->find(' ', 10) - 10);  // "vsrd-sim: "
        urls_[name] = url;
        ports_[name] = static_cast<unsigned short>(std::stoi(url.substr(url.rfind(':') + 1)));
        ++listening;
      } else if (line->starts_with("vsrd-sim: certificate SHA-256 ")) {
        thumbprint_ = line->substr(30);
      } else if (line->starts_with("vsrd-sim: certificate PEM ")) {
        pem_path_ = line->substr(26);
      }
    }
  }

  ~SimProcess() {
    std::error_code ignored;
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      int status = 0;
      ::waitpid(pid_, &status, 0);
      // Killed, it could not remove the certificate file it generated.
      if (!pem_path_.empty()) std::filesystem::remove(pem_path_, ignored);
    }
    if (stdout_fd_ >= 0) ::close(stdout_fd_);
    std::filesystem::remove(stderr_path_, ignored);
  }

  SimProcess(const SimProcess&) = delete;
  SimProcess& operator=(const SimProcess&) = delete;

  /// The port a persona ("vc01") or the admin listener ("admin") listens on.
  unsigned short Port(const std::string& name) const { return ports_.at(name); }
  std::string Url(const std::string& name) const { return urls_.at(name); }
  const std::string& Thumbprint() const { return thumbprint_; }
  const std::string& PemPath() const { return pem_path_; }

  /// Sends `signal` and waits up to `timeout` for the exit; the exit status, or -1 when it did
  /// not exit in time or died of a signal.
  int Stop(int signal = SIGTERM, std::chrono::seconds timeout = std::chrono::seconds(15)) {
    if (pid_ <= 0) return -1;
    ::kill(pid_, signal);
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      int status = 0;
      const pid_t done = ::waitpid(pid_, &status, WNOHANG);
      if (done == pid_) {
        pid_ = -1;
        DrainStdout();
        return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
      }
      if (std::chrono::steady_clock::now() > deadline) return -1;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }

  /// Everything the process wrote to stderr so far.
  std::string Stderr() const {
    std::ifstream in(stderr_path_);
    std::ostringstream buffer;
    buffer << in.rdbuf();
    return buffer.str();
  }
  /// Everything read from its stdout so far.
  const std::string& Stdout() const { return output_; }

 private:
  std::optional<std::string> ReadLine(std::chrono::steady_clock::time_point deadline) {
    for (;;) {
      if (const auto newline = pending_.find('\n'); newline != std::string::npos) {
        std::string line = pending_.substr(0, newline);
        pending_.erase(0, newline + 1);
        return line;
      }
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) return std::nullopt;
      pollfd poll_fd{stdout_fd_, POLLIN, 0};
      if (::poll(&poll_fd, 1, static_cast<int>(left.count())) <= 0) return std::nullopt;
      char buffer[4096];
      const ssize_t bytes = ::read(stdout_fd_, buffer, sizeof(buffer));
      if (bytes <= 0) return std::nullopt;
      output_.append(buffer, static_cast<std::size_t>(bytes));
      pending_.append(buffer, static_cast<std::size_t>(bytes));
    }
  }

  // A number for each process started by this test program, for unique file names.
  static int NextId() {
    static int started = 0;
    return started++;
  }

  void DrainStdout() {
    char buffer[4096];
    ssize_t bytes = 0;
    while ((bytes = ::read(stdout_fd_, buffer, sizeof(buffer))) > 0) {
      output_.append(buffer, static_cast<std::size_t>(bytes));
    }
  }

  pid_t pid_ = -1;
  int stdout_fd_ = -1;
  std::string stderr_path_;
  std::string output_;
  std::string pending_;
  std::map<std::string, std::string> urls_;
  std::map<std::string, unsigned short> ports_;
  std::string thumbprint_;
  std::string pem_path_;
};

}  // namespace vsrd::integration
