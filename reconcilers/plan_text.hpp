#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

// The request bodies `vsrd plan` prints (Outcome::plan): JSON-looking text written by hand,
// because reconcilers/ carries no JSON library. Secrets never go in: callers write
// Secret::kRedacted in their place.

namespace vsrd::reconcilers {

/// A JSON string literal: quotes, backslashes and control characters escaped.
std::string Quote(std::string_view text);

/// A JSON-looking object, members in the order they are added.
class ObjectText {
 public:
  ObjectText& String(std::string_view key, std::string_view value);
  ObjectText& Number(std::string_view key, std::int64_t value);
  ObjectText& Object(std::string_view key, const ObjectText& value);
  ObjectText& Strings(std::string_view key, const std::vector<std::string>& values);
  /// A member whose value is already JSON text.
  ObjectText& Raw(std::string_view key, const std::string& value);
  bool Empty() const { return text_.empty(); }
  std::string Str() const { return "{" + text_ + "}"; }

 private:
  std::string text_;
};

}  // namespace vsrd::reconcilers
