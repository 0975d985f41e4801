#include "net/bounded_json.hpp"

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

// ParseJsonBounded: the nesting bound of every JSON document read from a socket (issue 14: a
// 500 whose `data` nested 200,000 levels crashed `vsrd plan`).

namespace vsrd::net {
namespace {

std::string Nested(std::size_t depth, char open = '[', char close = ']') {
  return std::string(depth, open) + std::string(depth, close);
}

// {"a":{"a":...{}...}} with `depth` objects.
std::string NestedObjects(std::size_t depth) {
  std::string text;
  for (std::size_t i = 1; i < depth; ++i) text += R"({"a":)";
  text += "{}";
  text += std::string(depth - 1, '}');
  return text;
}

TEST(ParseJsonBounded, AcceptsUpToTheLimitAndRefusesDeeperBeforeParsing) {
  struct Case {
    std::string name;
    std::string text;
    bool accepted;
    bool too_deep;
  };
  const std::size_t limit = kMaxJsonDepth;
  const std::vector<Case> cases{
      {"a scalar has depth 0", "42", true, false},
      {"arrays exactly at the limit are accepted", Nested(limit), true, false},
      {"arrays one beyond the limit are refused", Nested(limit + 1), false, true},
      {"objects exactly at the limit are accepted", NestedObjects(limit), true, false},
      {"objects one beyond the limit are refused", NestedObjects(limit + 1), false, true},
      {"arrays and objects count together",
       std::string(limit / 2, '[') + NestedObjects(limit / 2 + 1) + std::string(limit / 2, ']'),
       false, true},
      {"siblings do not add up", "[" + Nested(limit - 1) + "," + Nested(limit - 1) + "]", true,
       false},
      {"brackets inside strings are text",
       R"({"data": ")" + std::string(1000, '[') + std::string(1000, '{') + R"("})", true, false},
      {"an escaped quote does not end the string",
       R"(["\")" + std::string(limit + 1, '[') + R"("])", true, false},
      {"an escaped backslash before a quote ends the string", R"(["\\",)" + Nested(limit) + "]",
       false, true},
      {"a deep prefix of invalid JSON is refused as too deep", std::string(limit + 1, '['), false,
       true},
      {"invalid JSON within the limit is a syntax error", "[1,", false, false},
  };
  for (const auto& c : cases) {
    JsonError error;
    const auto parsed = ParseJsonBounded(c.text, &error);
    EXPECT_EQ(parsed.has_value(), c.accepted) << c.name << ": " << error.message;
    EXPECT_EQ(error.too_deep, c.too_deep) << c.name << ": " << error.message;
    if (c.too_deep) {
      EXPECT_EQ(error.message, "JSON nested deeper than 64 levels") << c.name;
    }
    if (!c.accepted) {
      EXPECT_FALSE(error.message.empty()) << c.name;
    }
  }
}

TEST(ParseJsonBounded, TheLimitIsAParameter) {
  EXPECT_TRUE(ParseJsonBounded("[[1]]", nullptr, 2));
  JsonError error;
  EXPECT_FALSE(ParseJsonBounded("[[[1]]]", &error, 2));
  EXPECT_EQ(error.message, "JSON nested deeper than 2 levels");
}

TEST(ParseJsonBounded, TwoHundredThousandLevelsAreRefusedQuicklyWithoutATree) {
  const std::string data = Nested(200'000);
  const std::string body =
      R"({"error_type":"INTERNAL_SERVER_ERROR","messages":[],"data":)" + data + "}";
  const auto start = std::chrono::steady_clock::now();
  JsonError error;
  EXPECT_FALSE(ParseJsonBounded(body, &error));
  EXPECT_TRUE(error.too_deep);
  // The scan stops at level 65: far below a millisecond even under sanitizers and load.
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(1));
  EXPECT_TRUE(JsonDeeperThan(body, kMaxJsonDepth));
  EXPECT_FALSE(JsonDeeperThan(body, 200'001));
}

TEST(ParseJsonBounded, SyntaxErrorsGiveThePositionButNotTheBytesAndNeverThrow) {
  JsonError error;
  EXPECT_FALSE(ParseJsonBounded(R"({"password": "hunter2" x})", &error));
  EXPECT_FALSE(error.too_deep);
  EXPECT_EQ(error.message.rfind("parse error at line 1, column ", 0), 0U) << error.message;
  EXPECT_EQ(error.message.find("hunter2"), std::string::npos) << error.message;
  // A number beyond a double is nlohmann's out_of_range, not a parse_error: caught all the same.
  EXPECT_FALSE(ParseJsonBounded("[1e999]", &error));
  EXPECT_FALSE(error.message.empty());
  EXPECT_FALSE(ParseJsonBounded("", &error));
}

}  // namespace
}  // namespace vsrd::net
