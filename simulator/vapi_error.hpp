#pragma once

#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "simulator/http.hpp"

// vAPI std-error bodies and their HTTP statuses (docs/vsphere-api.md "Errors": where the published
// /api spec and the vAPI runtime table disagree, the spec wins, e.g. RESOURCE_BUSY -> 500).

namespace vsrd::simulator {

/// The HTTP status the /api binding uses for `error_type`; 500 for unknown types.
int StatusForErrorType(std::string_view error_type);

/// True for the 25 values of the std-error `error_type` enum.
bool IsErrorType(std::string_view error_type);

/// A LocalizableMessage {id, default_message, args: []}.
nlohmann::json Message(std::string_view id, std::string_view text);

/// The std-error body {error_type, messages: [...], data?}.
nlohmann::json ErrorBody(std::string_view error_type, std::string_view message,
                         const std::optional<nlohmann::json>& data = std::nullopt);

/// ErrorBody with StatusForErrorType as the status.
Response VapiError(std::string_view error_type, std::string_view message,
                   const std::optional<nlohmann::json>& data = std::nullopt);

/// The 401 an unknown or expired session gets, with the commonly observed message id and a
/// challenge (docs/vsphere-api.md "Sessions"; the exact text is UNCONFIRMED).
Response Unauthenticated();

}  // namespace vsrd::simulator

namespace vsrd::simulator {

/// Parses a JSON request body. An empty body gives `empty_value`; malformed JSON gives nullopt
/// and sets `error` to 400 INVALID_ARGUMENT (never an exception).
std::optional<nlohmann::json> ParseJsonBody(const Request& request, Response& error,
                                            const nlohmann::json& empty_value = nullptr);

}  // namespace vsrd::simulator
