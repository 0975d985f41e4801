#pragma once

// Runs the real `vsrd` binary for a test: `vsrd run` as a long-lived child (VsrdProcess) and
// the short commands (`vsrd status`, `vsrd reconcile`, promtool) to completion (RunCommand).
// Children get the test's environment minus every variable vsrd reads (so a test run under
// systemd or with VSRD_CONFIG set does not leak into them), plus the variables the test gives.
// A VsrdProcess is always ended: its destructor kills it if the test did not.

#include <algorithm>
#include <array>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace vsrd::integration {

/// Environment variables vsrd (or systemd's protocols it speaks) reads; a child has them only
/// when the test passes them.
inline constexpr std::array<std::string_view, 9> kVsrdEnvironment{
    "VSRD_CONFIG",        "NOTIFY_SOCKET",  "WATCHDOG_USEC",
    "WATCHDOG_PID",       "JOURNAL_STREAM", "CREDENTIALS_DIRECTORY",
    "VSRD_VC02_PASSWORD", "LISTEN_FDS",     "LISTEN_PID"};

/// "NAME=value" strings: this process's environment without kVsrdEnvironment and without the
/// names in `env`, then `env`.
inline std::vector<std::string> ChildEnvironment(const std::map<std::string, std::string>& env) {
  std::vector<std::string> out;
  for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry) {
    const std::string_view text(*entry);
    const std::string_view name = text.substr(0, text.find('='));
    const bool ours =
        std::find(kVsrdEnvironment.begin(), kVsrdEnvironment.end(), name) != kVsrdEnvironment.end();
    if (!ours && !env.contains(std::string(name))) out.emplace_back(text);
  }
  for (const auto& [name, value] : env) {
    std::string entry = name;
    entry += '=';
    entry += value;
    out.push_back(std::move(entry));
  }
  return out;
}

/// Exit status in the shell's convention: the exit code, or 128 + the signal that ended it.
inline int ShellStatus(int wait_status) {
  if (WIFEXITED(wait_status)) return WEXITSTATUS(wait_status);
  if (WIFSIGNALED(wait_status)) return 128 + WTERMSIG(wait_status);
  return -1;
}

inline std::string ReadWholeFile(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::ostringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

namespace detail {

/// posix_spawnp of `binary args...` with `env` (see ChildEnvironment); stdin from `stdin_path`,
/// stdout and stderr to the given files, truncated first ("" = /dev/null for any of the three).
/// Throws std::runtime_error when the binary cannot be started.
inline pid_t Spawn(const std::string& binary, const std::vector<std::string>& args,
                   const std::map<std::string, std::string>& env, const std::string& stdin_path,
                   const std::string& stdout_path, const std::string& stderr_path) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  const auto out_or_null = [](const std::string& path) {
    return path.empty() ? std::string("/dev/null") : path;
  };
  const std::string in = stdin_path.empty() ? std::string("/dev/null") : stdin_path;
  const std::string out = out_or_null(stdout_path);
  const std::string err = out_or_null(stderr_path);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, in.c_str(), O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, out.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, err.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0644);
  std::vector<std::string> argv_strings{binary};
  argv_strings.insert(argv_strings.end(), args.begin(), args.end());
  std::vector<char*> argv;
  argv.reserve(argv_strings.size() + 1);
  for (auto& arg : argv_strings) argv.push_back(arg.data());
  argv.push_back(nullptr);
  std::vector<std::string> env_strings = ChildEnvironment(env);
  std::vector<char*> envp;
  envp.reserve(env_strings.size() + 1);
  for (auto& entry : env_strings) envp.push_back(entry.data());
  envp.push_back(nullptr);
  pid_t pid = -1;
  const int spawned =
      ::posix_spawnp(&pid, binary.c_str(), &actions, nullptr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  if (spawned != 0) throw std::runtime_error("cannot start " + binary);
  return pid;
}

/// Waits for `pid` up to `timeout`; its ShellStatus, or nullopt when it is still running.
inline std::optional<int> WaitFor(pid_t pid, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    int status = 0;
    const pid_t done = ::waitpid(pid, &status, WNOHANG);
    if (done == pid) return ShellStatus(status);
    if (done < 0) return -1;  // not our child any more: nothing to wait for
    if (std::chrono::steady_clock::now() >= deadline) return std::nullopt;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
}

}  // namespace detail

struct CommandResult {
  int status = -1;  ///< ShellStatus; -1 when it did not finish in time (it was killed)
  std::string out;
  std::string err;
};

/// Runs `binary args...` to completion (at most `timeout`, then SIGKILL) with `env` added to the
/// environment and `stdin_path` (or nothing) as stdin; `scratch` is a directory for its output
/// files. `binary` without a slash is looked up in PATH.
inline CommandResult RunCommand(const std::string& binary, const std::vector<std::string>& args,
                                const std::map<std::string, std::string>& env,
                                const std::filesystem::path& scratch,
                                std::chrono::milliseconds timeout = std::chrono::seconds(20),
                                const std::string& stdin_path = "") {
  static int runs = 0;
  const std::string stem = "command-" + std::to_string(runs++);
  const auto out_path = scratch / (stem + ".out");
  const auto err_path = scratch / (stem + ".err");
  const pid_t pid =
      detail::Spawn(binary, args, env, stdin_path, out_path.string(), err_path.string());
  CommandResult result;
  if (const auto status = detail::WaitFor(pid, timeout)) {
    result.status = *status;
  } else {
    ::kill(pid, SIGKILL);
    int ignored = 0;
    ::waitpid(pid, &ignored, 0);
  }
  result.out = ReadWholeFile(out_path);
  result.err = ReadWholeFile(err_path);
  std::error_code ignored;
  std::filesystem::remove(out_path, ignored);
  std::filesystem::remove(err_path, ignored);
  return result;
}

/// `vsrd run` (or any vsrd command that runs until signalled) as a child process. Its stdout
/// is discarded; its stderr (the daemon log) goes to `log_path`, which the test reads.
class VsrdProcess {
 public:
  /// Starts `binary args...` with `env` added to the environment (see ChildEnvironment). Throws
  /// std::runtime_error when it cannot be started.
  VsrdProcess(const std::string& binary, const std::vector<std::string>& args,
              const std::map<std::string, std::string>& env, std::filesystem::path log_path)
      : log_path_(std::move(log_path)) {
    pid_ = detail::Spawn(binary, args, env, "", "", log_path_.string());
  }

  /// Kills the process (SIGKILL) unless it already exited.
  ~VsrdProcess() { Kill(); }

  VsrdProcess(const VsrdProcess&) = delete;
  VsrdProcess& operator=(const VsrdProcess&) = delete;

  /// Waits until the log has the start-up line "... listening on http://HOST:PORT" and returns
  /// PORT. Throws std::runtime_error with the log when the process exits or `timeout` passes.
  unsigned short WaitForPort(std::chrono::milliseconds timeout = std::chrono::seconds(20)) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    constexpr std::string_view kMarker = "listening on http://";
    for (;;) {
      const std::string log = Log();
      if (const auto at = log.find(kMarker); at != std::string::npos) {
        const auto start = at + kMarker.size();
        const auto end = log.find_first_of(" \n", start);
        const std::string address = log.substr(start, end - start);
        port_ = static_cast<unsigned short>(std::stoi(address.substr(address.rfind(':') + 1)));
        return port_;
      }
      if (const auto status = WaitExit(std::chrono::milliseconds(0))) {
        throw std::runtime_error("vsrd exited with status " + std::to_string(*status) +
                                 " before listening; log:\n" + log);
      }
      if (std::chrono::steady_clock::now() >= deadline) {
        throw std::runtime_error("vsrd did not start listening; log:\n" + log);
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }

  /// The HTTP port read by WaitForPort (0 before).
  unsigned short Port() const { return port_; }
  /// "127.0.0.1:PORT", for daemon::http::Fetch.
  std::string Address() const { return "127.0.0.1:" + std::to_string(port_); }
  pid_t Pid() const { return pid_; }

  /// Sends `signal` (no effect once the process has been reaped).
  void Signal(int signal) const {
    if (pid_ > 0) ::kill(pid_, signal);
  }

  /// Waits up to `timeout` for the process to exit: its ShellStatus (0 for a clean exit, 137
  /// after SIGKILL), or nullopt while it is still running. Once reaped, every call returns the
  /// same status.
  std::optional<int> WaitExit(std::chrono::milliseconds timeout) {
    if (pid_ <= 0) return exit_status_;
    const auto status = detail::WaitFor(pid_, timeout);
    if (status) {
      pid_ = -1;
      exit_status_ = *status;
    }
    return status;
  }

  /// SIGKILL and reap; the exit status (137), or the earlier one when it had already exited.
  int Kill() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      int status = 0;
      ::waitpid(pid_, &status, 0);
      pid_ = -1;
      exit_status_ = ShellStatus(status);
    }
    return exit_status_.value_or(-1);
  }

  /// Everything the process logged so far.
  std::string Log() const { return ReadWholeFile(log_path_); }

  /// The number of log lines containing `needle`.
  std::size_t CountLines(std::string_view needle) const {
    std::istringstream lines(Log());
    std::size_t count = 0;
    for (std::string line; std::getline(lines, line);) {
      if (line.find(needle) != std::string::npos) ++count;
    }
    return count;
  }

  const std::filesystem::path& LogPath() const { return log_path_; }

 private:
  std::filesystem::path log_path_;
  pid_t pid_ = -1;
  std::optional<int> exit_status_;
  unsigned short port_ = 0;
};

}  // namespace vsrd::integration
