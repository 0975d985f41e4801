#include "manifests/escape.hpp"

#include <array>
#include <cstddef>

#include "manifests/utf8.hpp"

namespace vsrd::manifests {
namespace {

constexpr std::array<char, 16> kHex{'0', '1', '2', '3', '4', '5', '6', '7',
                                    '8', '9', 'a', 'b', 'c', 'd', 'e', 'f'};

void AppendHex(std::string& out, std::string_view prefix, unsigned char byte) {
  out += prefix;
  out += kHex.at(byte >> 4U);
  out += kHex.at(byte & 0x0FU);
}

bool NeedsEscape(std::string_view text) {
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20U || byte >= 0x7FU) return true;  // a control, or not ASCII: look closer
  }
  return false;
}

}  // namespace

std::string EscapeControls(std::string_view text) {
  if (!NeedsEscape(text)) return std::string(text);
  std::string out;
  out.reserve(text.size() + 16);
  std::size_t at = 0;
  while (at < text.size()) {
    const auto byte = static_cast<unsigned char>(text[at]);
    const std::size_t length = Utf8SequenceLength(text, at);
    if (length == 0) {
      AppendHex(out, "\\x", byte);  // not UTF-8: each byte on its own
      ++at;
    } else if (length == 1) {
      switch (byte) {
        case '\n':
          out += "\\n";
          break;
        case '\r':
          out += "\\r";
          break;
        case '\t':
          out += "\\t";
          break;
        default:
          if (byte < 0x20U || byte == 0x7FU) {
            AppendHex(out, "\\x", byte);
          } else {
            out += static_cast<char>(byte);
          }
      }
      ++at;
    } else if (length == 2 && byte == 0xC2U && static_cast<unsigned char>(text[at + 1]) <= 0x9FU) {
      // U+0080..U+009F, the C1 controls: NEL (U+0085) ends a line for some readers.
      AppendHex(out, "\\u00", static_cast<unsigned char>(text[at + 1]));
      at += 2;
    } else {
      out.append(text.substr(at, length));
      at += length;
    }
  }
  return out;
}

}  // namespace vsrd::manifests
