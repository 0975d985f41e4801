#pragma once

// Process exit codes shared by every subcommand (docs/operations.md "Command line and exit codes").

namespace vsrd::daemon {

inline constexpr int kExitSuccess = 0;   ///< success and nothing pending
inline constexpr int kExitError = 1;     ///< bad input, unreachable target, failed operation
inline constexpr int kExitChanges = 2;   ///< `plan` found changes to make
inline constexpr int kExitNotReady = 3;  ///< `apply` ended with objects still not Ready

}  // namespace vsrd::daemon
