#pragma once

#include <memory>
#include <string>

#include <spdlog/formatter.h>
#include <spdlog/logger.h>

#include "daemon/config.hpp"

// The daemon's log lines (config `log`), on stderr:
//   text:          2026-11-23T16:00:00.123Z info object=ApplianceUpdate/vr01 phase ...
//   text, journald <6>info object=ApplianceUpdate/vr01 phase ...   (journald adds the time; the
//                  <N> prefix is the syslog priority, which journald turns into PRIORITY=)
//   json:          {"time":"...","level":"info","kind":"ApplianceUpdate","name":"vr01",
//                   "message":"object=ApplianceUpdate/vr01 phase ..."}
// A line about an object starts with "object=Kind/name"; the JSON form also carries kind and
// name as fields. Messages never contain secrets: the callers log ApiError summaries and
// redacted wire data only.
// Messages do contain untrusted text (manifest values and file names, server messages), so the
// formatters, not the callers, make each message one line: the text formats escape it with
// EscapeControls (manifests/escape.hpp: "\n", "\x1b", "\u0085", invalid UTF-8 as "\xNN"), and
// no message can start a line of its own, such as a forged "<0>" for journald. JSON escapes
// control characters itself and replaces invalid UTF-8 with U+FFFD.

namespace vsrd::daemon {

spdlog::level::level_enum SpdlogLevel(LogLevel level);

/// True when stderr is connected to the systemd journal ($JOURNAL_STREAM names stderr's
/// device and inode, as systemd.exec(5) describes).
bool StderrIsJournal();

/// A logger named "vsrd" writing to stderr in `config`'s format and level.
std::shared_ptr<spdlog::logger> MakeDaemonLogger(const LogConfig& config, bool journald);

/// Changes the level and format of a logger made by MakeDaemonLogger (SIGHUP).
void ApplyLogConfig(spdlog::logger& logger, const LogConfig& config, bool journald);

/// The formatter of `vsrd plan` and `vsrd apply`'s log on stderr: "TIME LEVEL MESSAGE" in local
/// time with the level in colour (a color sink), the message escaped as in the daemon's text
/// format.
std::unique_ptr<spdlog::formatter> MakeCommandFormatter();

/// Formats one line as MakeDaemonLogger does (exposed for tests): always exactly one line,
/// whatever the message holds.
std::string FormatLogLine(const spdlog::details::log_msg& message, LogFormat format, bool journald);

}  // namespace vsrd::daemon
