#include "daemon/vsphere/codec/session_codec.hpp"

#include <string>
#include <utility>

#include <nlohmann/json.hpp>

#include "daemon/vsphere/codec/json_reader.hpp"

// The login answers carry the session token: no error detail here quotes the body or any value
// of it, only its JSON type (ParseBody's kBadJson detail keeps the parser's position and reason
// and drops the bytes it echoes).

namespace vsrd::daemon::vsphere::codec {
namespace {

using nlohmann::json;

constexpr std::string_view kOperation = "session.create";

/// Overwrites the whole buffer of `text` (capacity, not size: a moved-from string keeps bytes).
void Wipe(std::string& text) {
  volatile char* bytes = text.data();
  for (std::size_t i = 0; i < text.capacity(); ++i) bytes[i] = 0;
  text.clear();
}

/// Moves the string `value` into a Secret, leaving no copy behind in `value`.
ports::Secret TakeSecret(json& value) {
  auto& text = value.get_ref<std::string&>();
  ports::Secret secret(std::move(text));
  Wipe(text);  // NOLINT(bugprone-use-after-move): wipes what the move may have left
  return secret;
}

}  // namespace

ports::Result<ports::Secret> DecodeVcenterSessionToken(std::string_view body) {
  json document;
  if (auto error = ParseBody(kOperation, body, document))
    return ports::MakeUnexpected(std::move(*error));
  if (!document.is_string()) {
    return ports::MakeUnexpected(
        DecodeError(kOperation, "body: expected a JSON string (the session token), got " +
                                    std::string(document.type_name())));
  }
  if (document.get_ref<const std::string&>().empty()) {
    return ports::MakeUnexpected(DecodeError(kOperation, "body: the session token is empty"));
  }
  return TakeSecret(document);
}

ports::Result<ports::Secret> DecodeUpdateManagerSessionId(std::string_view body) {
  json document;
  if (auto error = ParseBody(kOperation, body, document))
    return ports::MakeUnexpected(std::move(*error));
  if (!document.is_object()) {
    return ports::MakeUnexpected(
        DecodeError(kOperation, "body: expected object, got " + std::string(document.type_name())));
  }
  const auto it = document.find("session_id");
  if (it == document.end() || it->is_null()) {
    return ports::MakeUnexpected(DecodeError(kOperation, "missing required field \"session_id\""));
  }
  if (!it->is_string()) {
    return ports::MakeUnexpected(DecodeError(
        kOperation, "field \"session_id\": expected string, got " + std::string(it->type_name())));
  }
  if (it->get_ref<const std::string&>().empty()) {
    return ports::MakeUnexpected(
        DecodeError(kOperation, "field \"session_id\": the session id is empty"));
  }
  return TakeSecret(*it);
}

}  // namespace vsrd::daemon::vsphere::codec
