#pragma once

#include <string_view>

#include "reconcilers/ports/api_error.hpp"

// Error answers into ApiError (docs/vsphere-api.md "Errors" for vAPI, "The update-manager appliance
// API" for update-manager).

namespace vsrd::daemon::vsphere::codec {

namespace ports = reconcilers::ports;

enum class ErrorDialect {
  kVapi,           ///< {error_type?, messages*, data?, challenge?}
  kUpdateManager,  ///< ResponseError {error_code?, message?, op_id?}; 401/404 have no body
};

/// The ApiError (kind kApi) for an error status. Never fails: an empty body, a body that is not
/// JSON or not of the dialect's shape still gives an ApiError with http_status set (and the
/// error_type empty). Unknown fields are ignored; `data` is kept as JSON text.
ports::ApiError DecodeErrorResponse(std::string_view operation, int http_status,
                                    std::string_view body, ErrorDialect dialect);

/// A vAPI std-error object already parsed, e.g. a FAILED task's `error` (http_status 0).
/// Declared with a JSON text argument so callers need not include nlohmann.
ports::ApiError DecodeStdError(std::string_view operation, std::string_view json_text);

}  // namespace vsrd::daemon::vsphere::codec
