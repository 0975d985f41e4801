#include "daemon/vsphere/codec/json_reader.hpp"

#include <algorithm>
#include <array>
#include <limits>
#include <string>

#include "manifests/rfc3339.hpp"
#include "net/bounded_json.hpp"

namespace vsrd::daemon::vsphere::codec {
namespace {

/// The JSON type of `value` as messages name it; integers are told apart from other numbers.
std::string_view TypeName(const nlohmann::json& value) {
  switch (value.type()) {
    case nlohmann::json::value_t::null:
      return "null";
    case nlohmann::json::value_t::boolean:
      return "boolean";
    case nlohmann::json::value_t::number_integer:
    case nlohmann::json::value_t::number_unsigned:
      return "integer";
    case nlohmann::json::value_t::number_float:
      return "number";
    case nlohmann::json::value_t::string:
      return "string";
    case nlohmann::json::value_t::array:
      return "array";
    case nlohmann::json::value_t::object:
      return "object";
    default:
      return "unknown";
  }
}

}  // namespace

std::optional<JsonReader> JsonReader::Optional(std::string_view key) const {
  ExpectObject();
  const auto it = value_->find(key);
  if (it == value_->end() || it->is_null()) return std::nullopt;
  return JsonReader(*it, ChildPath(key));
}

JsonReader JsonReader::Required(std::string_view key) const {
  auto member = Optional(key);
  if (!member) {
    throw DecodeFailure("missing required field \"" + ChildPath(key) + "\"");
  }
  return *member;
}

std::vector<JsonReader> JsonReader::Elements() const {
  if (!value_->is_array()) FailType("array");
  std::vector<JsonReader> out;
  out.reserve(value_->size());
  for (std::size_t i = 0; i < value_->size(); ++i) {
    out.emplace_back((*value_)[i], path_ + "[" + std::to_string(i) + "]");
  }
  return out;
}

std::vector<std::pair<std::string, JsonReader>> JsonReader::Members() const {
  ExpectObject();
  std::vector<std::pair<std::string, JsonReader>> out;
  out.reserve(value_->size());
  for (const auto& [key, member] : value_->items()) {
    out.emplace_back(key, JsonReader(member, ChildPath(key)));
  }
  return out;
}

void JsonReader::ExpectObject() const {
  if (!value_->is_object()) FailType("object");
}

std::string JsonReader::String() const {
  if (!value_->is_string()) FailType("string");
  return value_->get<std::string>();
}

bool JsonReader::Bool() const {
  if (!value_->is_boolean()) FailType("boolean");
  return value_->get<bool>();
}

std::int64_t JsonReader::Integer() const {
  if (value_->is_number_unsigned()) {
    const auto value = value_->get<std::uint64_t>();
    if (value > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
      Fail("integer out of range");
    }
    return static_cast<std::int64_t>(value);
  }
  if (!value_->is_number_integer()) FailType("integer");
  return value_->get<std::int64_t>();
}

ports::WallTime JsonReader::Time() const {
  const std::string text = String();
  const auto time = ParseDateTime(text);
  if (!time) {
    // A date-time whose year is out of range gets its own message; anything else (a
    // number of seconds, say) is the format error.
    const auto year = manifests::Rfc3339Year(text);
    if (year && (*year < kMinYear || *year > kMaxYear)) {
      Fail("the date-time \"" + text + "\" is in the year " + std::to_string(*year) +
           ", outside the years " + std::to_string(kMinYear) + " to " + std::to_string(kMaxYear) +
           " vsrd accepts");
    }
    Fail("expected an ISO-8601 date-time, got \"" + text + "\"");
  }
  return *time;
}

std::size_t JsonReader::EnumIndex(std::span<const std::string_view> names) const {
  const std::string text = String();
  const auto it = std::find(names.begin(), names.end(), text);
  if (it != names.end()) return static_cast<std::size_t>(it - names.begin());
  std::string expected;
  for (const auto& name : names) {
    if (!expected.empty()) expected += ", ";
    expected += name;
  }
  Fail("expected one of " + expected + ", got \"" + text + "\"");
}

std::optional<std::string> JsonReader::OptionalString(std::string_view key) const {
  const auto member = Optional(key);
  if (!member) return std::nullopt;
  return member->String();
}

std::optional<bool> JsonReader::OptionalBool(std::string_view key) const {
  const auto member = Optional(key);
  if (!member) return std::nullopt;
  return member->Bool();
}

std::optional<std::int64_t> JsonReader::OptionalInteger(std::string_view key) const {
  const auto member = Optional(key);
  if (!member) return std::nullopt;
  return member->Integer();
}

std::optional<ports::WallTime> JsonReader::OptionalTime(std::string_view key) const {
  const auto member = Optional(key);
  if (!member) return std::nullopt;
  return member->Time();
}

void JsonReader::Fail(std::string_view problem) const {
  if (path_.empty()) throw DecodeFailure("body: " + std::string(problem));
  throw DecodeFailure("field \"" + path_ + "\": " + std::string(problem));
}

void JsonReader::FailType(std::string_view expected) const {
  Fail("expected " + std::string(expected) + ", got " + std::string(TypeName(*value_)));
}

std::string JsonReader::ChildPath(std::string_view key) const {
  if (path_.empty()) return std::string(key);
  std::string out = path_;
  out += '.';
  out += key;
  return out;
}

std::optional<ports::WallTime> ParseDateTime(std::string_view text) {
  return manifests::ParseRfc3339(text, manifests::Rfc3339Form::kAnyOffset, {kMinYear, kMaxYear});
}

std::optional<ports::WallTime> ParseHttpDate(std::string_view text) {
  static constexpr std::array<std::string_view, 7> kDays{"Mon", "Tue", "Wed", "Thu",
                                                         "Fri", "Sat", "Sun"};
  static constexpr std::array<std::string_view, 12> kMonths{
      "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  // "Sun, 06 Nov 1994 08:49:37 GMT": fixed width, 29 characters.
  if (text.size() != 29 || text.substr(3, 2) != ", " || text[7] != ' ' || text[11] != ' ' ||
      text[16] != ' ' || text.substr(25) != " GMT") {
    return std::nullopt;
  }
  if (std::find(kDays.begin(), kDays.end(), text.substr(0, 3)) == kDays.end()) return std::nullopt;
  const auto month_it = std::find(kMonths.begin(), kMonths.end(), text.substr(8, 3));
  if (month_it == kMonths.end()) return std::nullopt;
  const auto month = static_cast<unsigned>(month_it - kMonths.begin()) + 1;
  std::string iso;
  iso += text.substr(12, 4);
  iso += '-';
  iso += static_cast<char>('0' + month / 10);
  iso += static_cast<char>('0' + month % 10);
  iso += '-';
  iso += text.substr(5, 2);
  iso += 'T';
  iso += text.substr(17, 8);
  iso += 'Z';
  // The digits, the calendar date, the time of day and the year range: ParseDateTime's checks.
  return ParseDateTime(iso);
}

std::string DumpCompact(const nlohmann::json& value) {
  return value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::optional<ports::ApiError> ParseBody(std::string_view operation, std::string_view body,
                                         nlohmann::json& document) {
  net::JsonError problem;
  auto parsed = net::ParseJsonBounded(body, &problem);
  if (parsed) {
    document = std::move(*parsed);
    return std::nullopt;
  }
  ports::ApiError error;
  error.kind = ports::ErrorKind::kBadJson;
  error.operation = std::string(operation);
  error.detail =
      (problem.too_deep ? "response refused: " : "response is not JSON: ") + problem.message;
  return error;
}

ports::ApiError DecodeError(std::string_view operation, std::string detail) {
  ports::ApiError error;
  error.kind = ports::ErrorKind::kDecode;
  error.operation = std::string(operation);
  error.detail = std::move(detail);
  return error;
}

ports::LocalizableMessage ReadMessage(const JsonReader& reader) {
  ports::LocalizableMessage message;
  message.id = reader.RequiredString("id");
  message.default_message = reader.RequiredString("default_message");
  if (const auto args = reader.Optional("args")) {
    for (const auto& arg : args->Elements()) message.args.push_back(arg.String());
  }
  return message;
}

std::vector<ports::LocalizableMessage> ReadMessageList(const JsonReader& reader) {
  std::vector<ports::LocalizableMessage> out;
  for (const auto& element : reader.Elements()) out.push_back(ReadMessage(element));
  return out;
}

ports::TaskProgress ReadProgress(const JsonReader& reader) {
  ports::TaskProgress progress;
  progress.total = reader.Required("total").Integer();
  progress.completed = reader.Required("completed").Integer();
  progress.message = ReadMessage(reader.Required("message")).default_message;
  return progress;
}

std::vector<ports::Notification> ReadNotificationList(const JsonReader& reader) {
  std::vector<ports::Notification> out;
  for (const auto& element : reader.Elements()) {
    ports::Notification notification;
    notification.id = element.RequiredString("id");
    notification.message = ReadMessage(element.Required("message")).default_message;
    out.push_back(std::move(notification));
  }
  return out;
}

void ReadNotifications(const JsonReader& reader, std::vector<ports::Notification>& info,
                       std::vector<ports::Notification>& warnings,
                       std::vector<ports::Notification>& errors) {
  if (const auto list = reader.Optional("info")) info = ReadNotificationList(*list);
  if (const auto list = reader.Optional("warnings")) warnings = ReadNotificationList(*list);
  if (const auto list = reader.Optional("errors")) errors = ReadNotificationList(*list);
}

}  // namespace vsrd::daemon::vsphere::codec
