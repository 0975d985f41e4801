#pragma once

#include <chrono>

#include <signal.h>

// The signals `vsrd run` and `vsrd apply` handle (SIGHUP, SIGTERM, SIGINT), taken synchronously
// by the main thread with sigtimedwait: they are blocked before any thread starts, so no other
// thread ever receives them.

namespace vsrd::daemon {

/// SIGHUP, SIGTERM and SIGINT.
sigset_t HandledSignals();
/// Blocks HandledSignals() in the calling thread (and every thread it starts later), and ignores
/// SIGPIPE (a peer closing a socket is an error code, not a death). Call before any thread starts.
sigset_t BlockHandledSignals();
/// Waits up to `timeout` for one of `set`; 0 when none arrived.
int WaitForSignal(const sigset_t& set, std::chrono::milliseconds timeout);
/// "SIGHUP", "SIGTERM", "SIGINT" or "signal".
const char* SignalName(int signal);

}  // namespace vsrd::daemon
