#pragma once

// How http::Server turns a request Beast has read into the Request its Handler sees: the target
// percent-decoded and checked, the header fields by lower-case name. Pure, so that it is tested
// and fuzzed (fuzz/daemon_api_fuzz.cpp) without a socket; server.cpp is its one production
// caller.

#include <optional>
#include <string>

#include "daemon/http/server.hpp"
#include "net/request_reader.hpp"

namespace vsrd::daemon::http {

/// Fills `request` from `message` (its body is moved out) and `local_address`: method (HEAD as
/// "GET"), path and query (Request's contract), body, headers, local_address. Returns nullopt,
/// or the reason the target is refused (Server's contract: not an absolute path, a fragment, a
/// malformed %-escape, a control character or an encoded '/' once decoded, a "." or ".."
/// segment); then only `request.method` (as sent, HEAD included) is set. Never throws except
/// std::bad_alloc.
std::optional<std::string> ToRequest(net::HttpRequest& message, const std::string& local_address,
                                     Request& request);

}  // namespace vsrd::daemon::http
