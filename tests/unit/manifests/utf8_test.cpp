#include "manifests/utf8.hpp"

#include <string>
#include <vector>

#include <gtest/gtest.h>

// IsUtf8 and Utf8SequenceLength against RFC 3629 section 4's table: the first and last code point
// of every range of well-formed sequences, and the byte just outside each bound.

namespace vsrd::manifests {
namespace {

struct Row {
  std::string name;
  std::string input;
  std::size_t first_length;  // Utf8SequenceLength(input, 0)
};

TEST(Utf8, AcceptsExactlyTheWellFormedSequencesOfRfc3629) {
  const std::vector<Row> well_formed{
      {"ASCII NUL", std::string("\0", 1), 1},
      {"ASCII DEL", "\x7f", 1},
      {"U+0080, the first two-byte code point", "\xc2\x80", 2},
      {"U+07FF, the last two-byte code point", "\xdf\xbf", 2},
      {"U+0800, the first three-byte code point", "\xe0\xa0\x80", 3},
      {"U+D7FF, just below the surrogates", "\xed\x9f\xbf", 3},
      {"U+E000, just above the surrogates", "\xee\x80\x80", 3},
      {"U+FFFF", "\xef\xbf\xbf", 3},
      {"U+10000, the first four-byte code point", "\xf0\x90\x80\x80", 4},
      {"U+10FFFF, the last code point", "\xf4\x8f\xbf\xbf", 4},
  };
  for (const auto& row : well_formed) {
    EXPECT_TRUE(IsUtf8(row.input)) << row.name;
    EXPECT_TRUE(IsUtf8("a" + row.input + "z")) << row.name << ", between ASCII";
    EXPECT_EQ(Utf8SequenceLength(row.input, 0), row.first_length) << row.name;
  }
  EXPECT_TRUE(IsUtf8(""));

  const std::vector<Row> ill_formed{
      {"a lone continuation byte", "\x80", 0},
      {"C0, an overlong lead", "\xc0\xaf", 0},
      {"C1, an overlong lead", "\xc1\xbf", 0},
      {"E0 9F, an overlong three-byte form", "\xe0\x9f\xbf", 0},
      {"ED A0, a high surrogate", "\xed\xa0\x80", 0},
      {"ED BF, a low surrogate", "\xed\xbf\xbf", 0},
      {"F0 8F, an overlong four-byte form", "\xf0\x8f\xbf\xbf", 0},
      {"F4 90, beyond U+10FFFF", "\xf4\x90\x80\x80", 0},
      {"F5, never a lead", "\xf5\x80\x80\x80", 0},
      {"FF, never a lead", "\xff", 0},
      {"a two-byte sequence cut short", "\xc3", 0},
      {"a four-byte sequence cut short", "\xf0\x9f\x98", 0},
      {"a third byte that is not a continuation", "\xe2\x82z", 0},
      {"a fourth byte that is not a continuation", "\xf0\x9f\x98z", 0},
  };
  for (const auto& row : ill_formed) {
    EXPECT_FALSE(IsUtf8(row.input)) << row.name;
    EXPECT_FALSE(IsUtf8("ok " + row.input)) << row.name << ", after text";
    EXPECT_EQ(Utf8SequenceLength(row.input, 0), 0U) << row.name;
  }
}

TEST(Utf8, ASequenceLengthLooksOnlyFromItsStart) {
  const std::string text = "a\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80";  // a é € 😀
  EXPECT_EQ(Utf8SequenceLength(text, 0), 1U);
  EXPECT_EQ(Utf8SequenceLength(text, 1), 2U);
  EXPECT_EQ(Utf8SequenceLength(text, 2), 0U);  // the middle of é
  EXPECT_EQ(Utf8SequenceLength(text, 3), 3U);
  EXPECT_EQ(Utf8SequenceLength(text, 6), 4U);
  EXPECT_EQ(Utf8SequenceLength(text.substr(0, 9), 6), 0U);  // 😀 cut by the end of the text
}

}  // namespace
}  // namespace vsrd::manifests
