#include "reconcilers/plan_text.hpp"

#include <cstdio>

namespace vsrd::reconcilers {

std::string Quote(std::string_view text) {
  std::string out = "\"";
  for (const char c : text) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
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
        if (static_cast<unsigned char>(c) < 0x20) {
          char escaped[8];
          std::snprintf(escaped, sizeof escaped, "\\u%04x", static_cast<unsigned>(c));
          out += escaped;
        } else {
          out += c;
        }
    }
  }
  out += '"';
  return out;
}

ObjectText& ObjectText::String(std::string_view key, std::string_view value) {
  return Raw(key, Quote(value));
}

ObjectText& ObjectText::Number(std::string_view key, std::int64_t value) {
  return Raw(key, std::to_string(value));
}

ObjectText& ObjectText::Object(std::string_view key, const ObjectText& value) {
  return Raw(key, value.Str());
}

ObjectText& ObjectText::Strings(std::string_view key, const std::vector<std::string>& values) {
  std::string list = "[";
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (i > 0) list += ", ";
    list += Quote(values[i]);
  }
  return Raw(key, list + "]");
}

ObjectText& ObjectText::Raw(std::string_view key, const std::string& value) {
  if (!text_.empty()) text_ += ", ";
  text_ += Quote(key) + ": " + value;
  return *this;
}

}  // namespace vsrd::reconcilers
