#include "net/bounded_json.hpp"

namespace vsrd::net {

bool JsonDeeperThan(std::string_view text, std::size_t max_depth) {
  std::size_t depth = 0;
  bool in_string = false;
  bool escaped = false;
  for (const char c : text) {
    if (in_string) {
      // A string ends at the first quote not escaped by a backslash (RFC 8259 section 7);
      // brackets inside it are text.
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    switch (c) {
      case '"':
        in_string = true;
        break;
      case '[':
      case '{':
        if (++depth > max_depth) return true;
        break;
      case ']':
      case '}':
        if (depth > 0) --depth;  // unbalanced: invalid, the parser says so
        break;
      default:
        break;
    }
  }
  return false;
}

std::optional<nlohmann::json> ParseJsonBounded(std::string_view text, JsonError* error,
                                               std::size_t max_depth) {
  if (JsonDeeperThan(text, max_depth)) {
    if (error != nullptr) {
      *error = JsonError{true, "JSON nested deeper than " + std::to_string(max_depth) + " levels"};
    }
    return std::nullopt;
  }
  try {
    return nlohmann::json::parse(text.begin(), text.end());
  } catch (const nlohmann::json::exception& failure) {
    // parse_error, and out_of_range for a number beyond a double ("1e999"). nlohmann's message
    // is "[json.exception.parse_error.101] parse error at line 1, column 2: syntax error while
    // parsing value - invalid literal; last read: '<body bytes>'": keep the position and the
    // reason, drop the id prefix and the echoed bytes.
    if (error != nullptr) {
      std::string message = failure.what();
      if (const auto end = message.find("] ");
          message.starts_with("[json.exception.") && end != std::string::npos) {
        message.erase(0, end + 2);
      }
      if (const auto echoed = message.find("; last read: "); echoed != std::string::npos) {
        message.erase(echoed);
      }
      *error = JsonError{false, std::move(message)};
    }
    return std::nullopt;
  }
}

}  // namespace vsrd::net
