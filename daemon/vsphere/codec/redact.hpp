#pragma once

#include <string>
#include <string_view>

// What debug logs show of a request or response body or header: secrets replaced.

namespace vsrd::daemon::vsphere::codec {

/// A body for a log line: JSON with the value of every key containing "password" (any case),
/// every value under "user_data", and every "session_id" replaced by "(sensitive)"; a body
/// that is not JSON is shown as "(N bytes, not JSON)" so nothing unparsed leaks, and one nested
/// deeper than net::kMaxJsonDepth as "(N bytes, JSON nested deeper than 64 levels)".
std::string RedactBodyForLog(std::string_view body);

/// A header value for a log line: "(sensitive)" for authorization, vmware-api-session-id,
/// x-dr-session, cookie and set-cookie (any case); the value itself otherwise.
std::string RedactHeaderForLog(std::string_view name, std::string_view value);

}  // namespace vsrd::daemon::vsphere::codec
