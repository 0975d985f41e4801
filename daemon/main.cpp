// vsrd entry point: wiring only; the command line lives in cli.cpp.
#include <iostream>
#include <string_view>
#include <vector>

#include <malloc.h>
#include <sys/prctl.h>
#include <sys/resource.h>

#include "daemon/cli/cli.hpp"

namespace {

/// Passwords and session ids live in this process's memory, so it never writes a core file
/// (nor lets a same-user process ptrace it). Sanitizer builds stay dumpable: LeakSanitizer
/// attaches to the process with ptrace at exit.
void KeepSecretsOutOfCoreFiles() {
  const rlimit no_core{0, 0};
  ::setrlimit(RLIMIT_CORE, &no_core);
#if !defined(__SANITIZE_ADDRESS__) && !defined(__SANITIZE_THREAD__)
  ::prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
#endif
}

/// Large buffers (a GET /status or /metrics body at 10,000 objects is 8 MB) come from mmap and
/// go back to the system when freed. glibc's default raises its mmap threshold each time such a
/// buffer is freed, after which they come from the heap, where they stay as free memory the
/// process keeps: at 10,000 objects RSS stood at 85 MB rather than 70 MB for minutes after the
/// status polls of a cold start (bench/README.md "scale.sh"). Setting the threshold fixes it
/// (and the trim threshold with it); mallopt(3). Before any thread starts.
void ReturnLargeBuffersToTheSystem() {
#if defined(__GLIBC__)
  ::mallopt(M_MMAP_THRESHOLD, 256 * 1024);
#endif
}

}  // namespace

int main(int argc, char** argv) {
  KeepSecretsOutOfCoreFiles();
  ReturnLargeBuffersToTheSystem();
  std::vector<std::string_view> args;
  args.reserve(static_cast<std::size_t>(argc));
  for (int i = 1; i < argc; ++i) args.emplace_back(argv[i]);
  return vsrd::daemon::RunCli(args, std::cout, std::cerr);
}
