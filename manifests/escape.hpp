#pragma once

#include <string>
#include <string_view>

// Untrusted text (manifest values and file names, server messages, peers' answers) made safe for
// line-oriented output: log lines, journald's "<N>" priority prefix and every CLI diagnostic.

namespace vsrd::manifests {

/// `text` with every byte that could end a line, move the cursor or be misread by a terminal or
/// journald written as a visible escape, so that it prints as part of one line:
/// - C0 controls: `\n`, `\r`, `\t` by name, the others as `\xNN` (ESC is `\x1b`);
/// - DEL as `\x7f`;
/// - C1 controls (U+0080 to U+009F, NEL among them) as `\u0085`;
/// - bytes that are not well-formed UTF-8 (RFC 3629: overlong forms, surrogates, beyond U+10FFFF,
///   truncated sequences) as `\xNN`, one per byte.
/// Everything else, backslashes included, is kept as is. The escaping is for reading, not
/// reversible: a literal `\n` in the input looks like an escaped newline. In exchange it is
/// idempotent (escaping twice equals escaping once), so text escaped where it is formatted (a
/// diagnostic) and again where it is written (the log formatter) does not double its
/// backslashes. Pure and thread-safe.
std::string EscapeControls(std::string_view text);

}  // namespace vsrd::manifests
