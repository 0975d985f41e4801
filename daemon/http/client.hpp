#pragma once

// A minimal blocking HTTP/1.1 client for the commands that talk to a running daemon
// (`vsrd status`, `vsrd reconcile`): one request per connection, plain HTTP on loopback.

#include <chrono>
#include <string>

#include "reconcilers/ports/expected.hpp"

namespace vsrd::daemon::http {

struct ClientResponse {
  int status = 0;
  std::string body;
};

/// The address a client uses for the config's `listen` value: 0.0.0.0 becomes 127.0.0.1 and
/// [::] becomes [::1] (a wildcard is not something to connect to); others are unchanged.
std::string ClientAddress(const std::string& listen);

/// Sends `method target` (e.g. "GET", "/status") with `body` to `address` (the config's listen
/// value, see ClientAddress) and reads the whole response. The request carries what the daemon
/// API asks of a caller (api_access.hpp): Host = the address connected to, and
/// "X-Vsrd-Request: 1". The entire exchange (connect, write,
/// read) must finish within `timeout`. Blocks; thread-safe (no shared state). The error is a
/// lowercase description for "cannot reach the daemon at ADDRESS: ...", e.g. "connection
/// refused", "timed out after 10s", "not an address: foo".
reconcilers::ports::Expected<ClientResponse, std::string> Fetch(const std::string& address,
                                                                const std::string& method,
                                                                const std::string& target,
                                                                std::chrono::milliseconds timeout,
                                                                const std::string& body = {});

}  // namespace vsrd::daemon::http
