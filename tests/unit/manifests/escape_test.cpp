#include "manifests/escape.hpp"

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "manifests/diagnostic.hpp"

// EscapeControls: what an untrusted string looks like in a log line or a CLI diagnostic. Every
// row is one kind of byte an attacker could use to end a line, forge a journald "<N>" prefix or
// drive a terminal.

namespace vsrd::manifests {
namespace {

struct Row {
  std::string name;
  std::string input;
  std::string expected;
};

TEST(EscapeControls, WritesEveryControlAndEveryInvalidByteAsAVisibleEscape) {
  const std::vector<Row> rows{
      {"plain ASCII is kept", "object=ApplianceUpdate/vr01 phase",
       "object=ApplianceUpdate/vr01 phase"},
      {"the empty string stays empty", "", ""},
      {"a newline cannot start a forged journald line", "a\n<0>vsrd[1]: forged",
       "a\\n<0>vsrd[1]: forged"},
      {"carriage return and tab have their names", "a\rb\tc", "a\\rb\\tc"},
      {"other C0 controls are hex", std::string("nul\0bel\a", 8), "nul\\x00bel\\x07"},
      {"ESC cannot reach the terminal", "\x1b[31mred", "\\x1b[31mred"},
      {"DEL is hex", "a\x7f", "a\\x7f"},
      {"NEL (U+0085) and the other C1 controls are code points", "a\xc2\x85z\xc2\x80\xc2\x9f",
       "a\\u0085z\\u0080\\u009f"},
      {"U+00A0 and other printable non-ASCII are kept",
       "caf\xc3\xa9 \xc2\xa0 \xe2\x82\xac \xf0\x9f\x98\x80",
       "caf\xc3\xa9 \xc2\xa0 \xe2\x82\xac \xf0\x9f\x98\x80"},
      {"a lone continuation byte is hex", "a\x80z", "a\\x80z"},
      {"an overlong newline (C0 8A) is two bytes of hex", "a\xc0\x8az", "a\\xc0\\x8az"},
      {"an overlong three-byte form is hex", "\xe0\x80\xaf", "\\xe0\\x80\\xaf"},
      {"a UTF-16 surrogate is hex", "\xed\xa0\x80", "\\xed\\xa0\\x80"},
      {"beyond U+10FFFF is hex", "\xf4\x90\x80\x80", "\\xf4\\x90\\x80\\x80"},
      {"F5 to FF never start a sequence", "\xf5\xff", "\\xf5\\xff"},
      {"a truncated sequence at the end is hex", "ok\xe2\x82", "ok\\xe2\\x82"},
      {"a truncated sequence before ASCII keeps the ASCII", "\xe2\x82z", "\\xe2\\x82z"},
      {"backslashes are kept, so escaping twice changes nothing", "C:\\dir\\n", "C:\\dir\\n"},
  };
  for (const auto& row : rows) {
    EXPECT_EQ(EscapeControls(row.input), row.expected) << row.name;
    EXPECT_EQ(EscapeControls(EscapeControls(row.input)), row.expected) << row.name << " (twice)";
  }
}

TEST(EscapeControls, EveryByteValueComesOutPrintableOnOneLine) {
  std::string all;
  for (int byte = 0; byte < 256; ++byte) all += static_cast<char>(byte);
  const std::string escaped = EscapeControls(all);
  for (const char c : escaped) {
    const auto byte = static_cast<unsigned char>(c);
    EXPECT_TRUE(byte >= 0x20U && byte < 0x7FU) << "byte " << static_cast<int>(byte);
  }
}

TEST(FormatDiagnostic, IsOneLineWhateverTheFileNameAndMessageHold) {
  const Diagnostic diagnostic{{"dir/a\n<0>vsrd[1]: forged.yaml", 3, 7},
                              Diagnostic::Severity::kError,
                              "metadata.name: \"x\r\n<0>vsrd[1]: forged\" is not a DNS-1123 label"};
  EXPECT_EQ(FormatDiagnostic(diagnostic),
            "dir/a\\n<0>vsrd[1]: forged.yaml:3:7: error: metadata.name: \"x\\r\\n<0>vsrd[1]: "
            "forged\" is not a DNS-1123 label");
}

}  // namespace
}  // namespace vsrd::manifests
