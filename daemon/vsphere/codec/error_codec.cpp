#include "daemon/vsphere/codec/error_codec.hpp"

#include <algorithm>
#include <cctype>
#include <string>

#include <nlohmann/json.hpp>

#include "daemon/vsphere/codec/json_reader.hpp"
#include "net/bounded_json.hpp"

// Error bodies are read leniently, unlike success bodies: the error's status is already known,
// and whatever part of the body can be read only adds to it. Nothing here fails or throws.

namespace vsrd::daemon::vsphere::codec {
namespace {

using nlohmann::json;

/// A string member, or nullptr when absent or not a string.
const std::string* StringMember(const json& object, std::string_view key) {
  const auto it = object.find(key);
  if (it == object.end() || !it->is_string()) return nullptr;
  return it->get_ptr<const std::string*>();
}

/// The LocalizableMessages of `messages` that have a string id and default_message; other
/// entries, and args that are not strings, are left out.
std::vector<ports::LocalizableMessage> LenientMessages(const json& messages) {
  std::vector<ports::LocalizableMessage> out;
  if (!messages.is_array()) return out;
  for (const auto& entry : messages) {
    if (!entry.is_object()) continue;
    const std::string* id = StringMember(entry, "id");
    const std::string* text = StringMember(entry, "default_message");
    if (id == nullptr || text == nullptr) continue;
    ports::LocalizableMessage message{*id, *text, {}};
    if (const auto args = entry.find("args"); args != entry.end() && args->is_array()) {
      for (const auto& arg : *args) {
        if (arg.is_string()) message.args.push_back(arg.get<std::string>());
      }
    }
    out.push_back(std::move(message));
  }
  return out;
}

/// Fills error_type, messages and data from a vAPI std-error object; other shapes add nothing.
void ReadVapiError(const json& body, ports::ApiError& error) {
  if (!body.is_object()) return;
  if (const std::string* type = StringMember(body, "error_type")) error.error_type = *type;
  if (const auto messages = body.find("messages"); messages != body.end()) {
    error.messages = LenientMessages(*messages);
  }
  if (const auto data = body.find("data"); data != body.end() && !data->is_null()) {
    error.data = DumpCompact(*data);
  }
}

/// Fills error_type, messages and detail from an update-manager ResponseError.
void ReadResponseError(const json& body, ports::ApiError& error) {
  if (!body.is_object()) return;
  if (const std::string* code = StringMember(body, "error_code")) error.error_type = *code;
  if (const std::string* message = StringMember(body, "message")) {
    error.messages.push_back(ports::LocalizableMessage{"", *message, {}});
  }
  if (const std::string* op_id = StringMember(body, "op_id")) error.detail = "op_id " + *op_id;
}

bool IsBlank(std::string_view text) {
  return std::all_of(text.begin(), text.end(),
                     [](char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; });
}

}  // namespace

ports::ApiError StdErrorFromJson(std::string_view operation, const json& value) {
  ports::ApiError error;
  error.kind = ports::ErrorKind::kApi;
  error.operation = std::string(operation);
  if (value.is_string()) {
    // The Swagger 2.0 files type a task's error as a string: keep it as the one message.
    error.messages.push_back(ports::LocalizableMessage{"", value.get<std::string>(), {}});
  } else if (value.is_object()) {
    ReadVapiError(value, error);
  } else {
    error.detail = "the error is not a std-error object";
  }
  return error;
}

ports::ApiError DecodeErrorResponse(std::string_view operation, int http_status,
                                    std::string_view body, ErrorDialect dialect) {
  ports::ApiError error;
  error.kind = ports::ErrorKind::kApi;
  error.operation = std::string(operation);
  error.http_status = http_status;
  if (IsBlank(body)) {
    error.detail = "no error body";
    return error;
  }
  // Bounded: `data` is kept as JSON text (a recursive dump), and a server's 500 nesting 200,000
  // levels once crashed vsrd here (issue 14).
  net::JsonError problem;
  const auto document = net::ParseJsonBounded(body, &problem);
  if (!document) {
    // Nothing of the body: an error page may echo request content.
    error.detail =
        problem.too_deep ? "error body refused: " + problem.message : "error body is not JSON";
    return error;
  }
  const json& parsed = *document;
  if (!parsed.is_object()) {
    error.detail = "error body is not a JSON object";
    return error;
  }
  if (dialect == ErrorDialect::kVapi) {
    ReadVapiError(parsed, error);
  } else {
    ReadResponseError(parsed, error);
  }
  return error;
}

ports::ApiError DecodeStdError(std::string_view operation, std::string_view json_text) {
  net::JsonError problem;
  const auto parsed = net::ParseJsonBounded(json_text, &problem);
  if (!parsed) {
    ports::ApiError error;
    error.operation = std::string(operation);
    error.detail =
        problem.too_deep ? "the error is refused: " + problem.message : "the error is not JSON";
    return error;
  }
  return StdErrorFromJson(operation, *parsed);
}

}  // namespace vsrd::daemon::vsphere::codec
