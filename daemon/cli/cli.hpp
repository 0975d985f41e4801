#pragma once

#include <ostream>
#include <span>
#include <string_view>

namespace vsrd::daemon {

/// The `vsrd` command line (docs/operations.md "Command line and exit codes"). `args` excludes the
/// program name. Returns the process exit code; writes results to `out` and problems to `err`.
int RunCli(std::span<const std::string_view> args, std::ostream& out, std::ostream& err);

/// "vsrd 0.1.0 (commit abcdef123456)".
std::string_view VersionLine();

}  // namespace vsrd::daemon
