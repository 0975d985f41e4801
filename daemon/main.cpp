// vsrd entry point: wiring only; the command line lives in cli.cpp.
#include <iostream>
#include <string_view>
#include <vector>

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

}  // namespace

int main(int argc, char** argv) {
  KeepSecretsOutOfCoreFiles();
  std::vector<std::string_view> args;
  args.reserve(static_cast<std::size_t>(argc));
  for (int i = 1; i < argc; ++i) args.emplace_back(argv[i]);
  return vsrd::daemon::RunCli(args, std::cout, std::cerr);
}
