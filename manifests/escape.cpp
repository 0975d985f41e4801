#include "manifests/escape.hpp"

#include <array>
#include <cstddef>

namespace vsrd::manifests {
namespace {

constexpr std::array<char, 16> kHex{'0', '1', '2', '3', '4', '5', '6', '7',
                                    '8', '9', 'a', 'b', 'c', 'd', 'e', 'f'};

void AppendHex(std::string& out, std::string_view prefix, unsigned char byte) {
  out += prefix;
  out += kHex.at(byte >> 4U);
  out += kHex.at(byte & 0x0FU);
}

bool IsContinuation(unsigned char byte) { return (byte & 0xC0U) == 0x80U; }

/// The length of the well-formed UTF-8 sequence starting at text[at] (RFC 3629, section 4), or
/// 0 when the bytes there are not one. ASCII is 1.
std::size_t SequenceLength(std::string_view text, std::size_t at) {
  const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(text[at + i]); };
  const unsigned char lead = byte(0);
  if (lead < 0x80U) return 1;
  std::size_t length = 0;
  // The allowed range of the second byte excludes overlong forms (E0, F0), UTF-16 surrogates
  // (ED) and code points beyond U+10FFFF (F4).
  unsigned char low = 0x80U;
  unsigned char high = 0xBFU;
  if (lead >= 0xC2U && lead <= 0xDFU) {
    length = 2;
  } else if (lead >= 0xE0U && lead <= 0xEFU) {
    length = 3;
    if (lead == 0xE0U) low = 0xA0U;
    if (lead == 0xEDU) high = 0x9FU;
  } else if (lead >= 0xF0U && lead <= 0xF4U) {
    length = 4;
    if (lead == 0xF0U) low = 0x90U;
    if (lead == 0xF4U) high = 0x8FU;
  } else {
    return 0;  // a continuation byte without a lead, C0/C1 (overlong), or F5..FF
  }
  if (at + length > text.size()) return 0;
  if (byte(1) < low || byte(1) > high) return 0;
  for (std::size_t i = 2; i < length; ++i) {
    if (!IsContinuation(byte(i))) return 0;
  }
  return length;
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
    const std::size_t length = SequenceLength(text, at);
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
