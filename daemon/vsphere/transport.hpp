#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "reconcilers/ports/api_error.hpp"

// The seam between the API layer (sessions, operations, codecs) and the network. One Transport
// serves one target; HttpsTransport (https_transport.hpp) is the production one. Errors are
// ApiError with `kind` naming the failure and `operation` left empty for the caller to fill.

namespace vsrd::daemon::vsphere {

namespace ports = reconcilers::ports;
using ports::Result;

using HeaderField = std::pair<std::string, std::string>;

struct HttpRequest {
  std::string method;  ///< "GET", "POST", "PUT", "DELETE"
  std::string target;  ///< origin-form path and query, e.g. "/api/cis/tasks/t-1"
  std::vector<HeaderField> headers;
  std::string body;  ///< sent with Content-Type: application/json when not empty
};

struct HttpResponse {
  int status = 0;
  std::vector<HeaderField> headers;  ///< names lower-case
  std::string body;

  /// The first header with this (lower-case) name.
  std::optional<std::string> FindHeader(std::string_view name) const {
    for (const auto& [key, value] : headers) {
      if (key == name) return value;
    }
    return std::nullopt;
  }
};

class Transport {
 public:
  virtual ~Transport() = default;
  /// Sends one request and reads the whole answer, within `timeout` in total (waiting for the
  /// rate limit, connecting, TLS, writing and reading). Blocking; thread-safe. Any HTTP status
  /// is a value; only a failure to get a complete answer is an error. Never retries a request
  /// that may have reached the server, except on a kept-alive connection that the server had
  /// already closed before the request was written.
  virtual Result<HttpResponse> Send(const HttpRequest& request,
                                    std::chrono::milliseconds timeout) = 0;
};

}  // namespace vsrd::daemon::vsphere
