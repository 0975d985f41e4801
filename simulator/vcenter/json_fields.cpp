#include "simulator/vcenter/json_fields.hpp"

#include <algorithm>
#include <cctype>

#include <fmt/format.h>

namespace vsrd::simulator {

std::string JoinField(std::string_view parent, std::string_view key) {
  return parent.empty() ? std::string(key) : fmt::format("{}.{}", parent, key);
}

const nlohmann::json* FindMember(const nlohmann::json& object, std::string_view key) {
  if (!object.is_object()) return nullptr;
  const auto it = object.find(key);
  return it == object.end() || it->is_null() ? nullptr : &*it;
}

std::string StringMember(const nlohmann::json& object, std::string_view key) {
  const nlohmann::json* value = FindMember(object, key);
  return value != nullptr && value->is_string() ? value->get<std::string>() : "";
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

std::string NormalizeThumbprint(std::string_view text) {
  std::string out;
  for (const char c : text) {
    if (c != ':') out += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  return out;
}

std::string NormalizeCertificate(std::string_view text) {
  std::string out;
  for (const char c : text) {
    if (std::isspace(static_cast<unsigned char>(c)) == 0) out += c;
  }
  return out;
}

}  // namespace vsrd::simulator
