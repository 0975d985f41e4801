#pragma once

#include <ostream>
#include <span>
#include <string_view>

namespace vsrd::simulator::server {

/// The `vsrd-sim` command line (simulator/server/README.md). `args` excludes the
/// program name. Blocks serving until SIGINT or SIGTERM. Returns the exit status: 0 after a clean
/// stop or --help; 1 for bad arguments, an invalid scenario (every problem on `err` as
/// FILE:LINE:COL: error: ...), an unusable certificate or an address that cannot be bound.
int RunSimCli(std::span<const std::string_view> args, std::ostream& out, std::ostream& err);

}  // namespace vsrd::simulator::server
