#include "simulator/vcenter/body_reader.hpp"

#include <algorithm>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "simulator/vapi_error.hpp"
#include "simulator/vcenter/json_fields.hpp"

namespace vsrd::simulator {

using nlohmann::json;

void BodyReader::Fail(std::string_view error_type, const std::string& message) {
  if (!error_) error_ = VapiError(error_type, message);
}

bool BodyReader::Struct(const json& value, const std::string& path,
                        std::initializer_list<std::string_view> fields) {
  if (!Ok()) return false;
  if (!value.is_object()) {
    Invalid(path.empty() ? "The request body must be a JSON object."
                         : fmt::format("{}: must be an object.", path));
    return false;
  }
  for (const auto& [key, member] : value.items()) {
    if (member.is_null()) continue;
    if (std::find(fields.begin(), fields.end(), key) == fields.end()) {
      Fail("UNEXPECTED_INPUT",
           fmt::format("{}: unexpected field; the structure does not define it.",
                       JoinField(path, key)));
      return false;
    }
  }
  return true;
}

const json* BodyReader::Require(const json& object, std::string_view key, const std::string& path) {
  const json* value = FindMember(object, key);
  if (value == nullptr)
    Invalid(fmt::format("{}: required field is missing.", JoinField(path, key)));
  return value;
}

std::optional<std::string> BodyReader::String(const json& object, std::string_view key,
                                              const std::string& path, bool required) {
  const json* value = required ? Require(object, key, path) : FindMember(object, key);
  if (value == nullptr || !Ok()) return std::nullopt;
  if (!value->is_string()) {
    Invalid(fmt::format("{}: must be a string, got {}.", JoinField(path, key), value->dump()));
    return std::nullopt;
  }
  return value->get<std::string>();
}

std::optional<std::int64_t> BodyReader::Integer(const json& object, std::string_view key,
                                                const std::string& path, std::int64_t min,
                                                std::int64_t max, bool required) {
  const json* value = required ? Require(object, key, path) : FindMember(object, key);
  if (value == nullptr || !Ok()) return std::nullopt;
  std::optional<std::int64_t> number;
  if (value->is_number_unsigned()) {
    const auto unsigned_number = value->get<std::uint64_t>();
    if (unsigned_number <= static_cast<std::uint64_t>(max)) {
      number = static_cast<std::int64_t>(unsigned_number);
    }
  } else if (value->is_number_integer()) {
    number = value->get<std::int64_t>();
  }
  if (!number || *number < min || *number > max) {
    Invalid(fmt::format("{}: must be an integer from {} to {}, got {}.", JoinField(path, key), min,
                        max, value->dump()));
    return std::nullopt;
  }
  return number;
}

std::optional<bool> BodyReader::Bool(const json& object, std::string_view key,
                                     const std::string& path) {
  const json* value = FindMember(object, key);
  if (value == nullptr || !Ok()) return std::nullopt;
  if (!value->is_boolean()) {
    Invalid(fmt::format("{}: must be a boolean, got {}.", JoinField(path, key), value->dump()));
    return std::nullopt;
  }
  return value->get<bool>();
}

std::optional<std::vector<std::string>> BodyReader::Strings(
    const json& object, std::string_view key, const std::string& path,
    std::span<const std::string_view> values) {
  const json* value = FindMember(object, key);
  if (!Ok()) return std::nullopt;
  std::vector<std::string> out;
  if (value == nullptr) return out;
  const std::string field = JoinField(path, key);
  if (!value->is_array()) {
    Invalid(fmt::format("{}: must be a list of strings, got {}.", field, value->dump()));
    return std::nullopt;
  }
  for (const json& item : *value) {
    if (!item.is_string()) {
      Invalid(fmt::format("{}: must be a list of strings, got an item {}.", field, item.dump()));
      return std::nullopt;
    }
    std::string text = item.get<std::string>();
    if (!values.empty() && std::find(values.begin(), values.end(), text) == values.end()) {
      Invalid(fmt::format("{}: each item must be one of {}, got \"{}\".", field,
                          fmt::join(values, ", "), text));
      return std::nullopt;
    }
    out.push_back(std::move(text));
  }
  return out;
}

std::optional<std::string> BodyReader::Enum(const json& object, std::string_view key,
                                            const std::string& path,
                                            std::span<const std::string_view> values,
                                            bool required) {
  auto text = String(object, key, path, required);
  if (!text) return std::nullopt;
  if (std::find(values.begin(), values.end(), *text) == values.end()) {
    Invalid(fmt::format("{}: must be one of {}, got \"{}\".", JoinField(path, key),
                        fmt::join(values, ", "), *text));
    return std::nullopt;
  }
  return text;
}

}  // namespace vsrd::simulator
