#pragma once

#include <cstddef>
#include <string_view>

// Well-formed UTF-8 as RFC 3629 section 4 defines it: no overlong form, no UTF-16 surrogate,
// nothing above U+10FFFF, no truncated sequence. One definition for everything that must decide
// whether bytes are text: the log and diagnostic escaper (manifests/escape.cpp), the JSON writer
// of GET /status (daemon/http/status_json.cpp, whose output must equal nlohmann's) and the
// simulator's request check (simulator/server/conversion.cpp). Pure and thread-safe.

namespace vsrd::manifests {

/// The length (1 to 4) of the well-formed UTF-8 sequence starting at text[at], or 0 when the
/// bytes there are not one. ASCII is 1. Precondition: at < text.size().
std::size_t Utf8SequenceLength(std::string_view text, std::size_t at);

/// Whether all of `text` is well-formed UTF-8 (the empty string is).
bool IsUtf8(std::string_view text);

}  // namespace vsrd::manifests
