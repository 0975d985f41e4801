#pragma once

// JSON read from the network (vSphere responses and error bodies, the daemon's answers to
// `vsrd status`, the requests vsrd-sim serves), parsed with a bound on its nesting. nlohmann's
// parser is iterative, but dump, copy, comparison and every recursive walk of ours (redaction,
// error decoding) recurse once per level: a 500 whose `data` nested 200,000 levels crashed
// `vsrd plan` with a stack overflow (issue 14). Refusing the document before any tree is built
// keeps every later walk shallow.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace vsrd::net {

/// The deepest nesting of arrays and objects accepted from the network. The vSphere responses
/// vsrd reads nest fewer than 10 levels (docs/vsphere-api.md); 64 leaves room for any `data`
/// a server adds to an error, and 64 frames of any recursive walk fit every stack.
inline constexpr std::size_t kMaxJsonDepth = 64;

/// True when the arrays and objects of `text` nest deeper than `max_depth` (`[]` is depth 1,
/// a scalar 0). A scan of brackets outside strings, stopped at the first level too deep: it
/// allocates nothing, and on text that is valid JSON it counts exactly what the parser would
/// build. On invalid text it may say either; the parser refuses such text anyway. Pure.
bool JsonDeeperThan(std::string_view text, std::size_t max_depth);

/// Why ParseJsonBounded refused a text.
struct JsonError {
  /// Nested deeper than the limit: refused before parsing, nothing was built.
  bool too_deep = false;
  /// "JSON nested deeper than 64 levels", or the parser's reason and position, e.g. "parse error
  /// at line 1, column 2: syntax error while parsing value - invalid literal", without the bytes
  /// nlohmann echoes ("last read: ...": they may be a secret).
  std::string message;
};

/// The one way vsrd and vsrd-sim parse JSON that came over a socket: `text` as a JSON document,
/// or nullopt with the reason in `*error` (when given) if it is not JSON or nests deeper than
/// `max_depth` (JsonDeeperThan; checked first, so a deep document costs one scan and no tree).
/// Never throws a nlohmann exception. Pure and thread-safe.
std::optional<nlohmann::json> ParseJsonBounded(std::string_view text, JsonError* error = nullptr,
                                               std::size_t max_depth = kMaxJsonDepth);

}  // namespace vsrd::net
