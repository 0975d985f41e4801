#pragma once

#include <optional>
#include <string>

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include "simulator/http.hpp"

// The two pure conversions between Beast's messages and the simulator's plain HTTP types: the
// server's only knowledge of what a request means is Simulator::Handle.

namespace vsrd::simulator::server {

using BeastRequest = boost::beast::http::request<boost::beast::http::string_body>;
using BeastResponse = boost::beast::http::response<boost::beast::http::string_body>;

/// The simulator's view of `message`: method, percent-decoded path and query, lowercase header
/// names (repeated headers joined with ", " as RFC 9110 section 5.3 allows), body, and the peer's
/// address. nullopt when the target is not origin-form ("/path?query"), holds a malformed
/// percent-escape or does not decode to UTF-8: the server answers 400.
std::optional<Request> ToSimulatorRequest(BeastRequest&& message, std::string remote_address);

/// `response` as a Beast response for an HTTP/1.`version` request, with Server: vsrd-sim,
/// Content-Length, and Connection per `keep_alive`. A status outside 100-599 becomes 500; a
/// 1xx, 204 or 304 status is sent without a body, as RFC 9110 requires.
BeastResponse ToBeastResponse(const Response& response, unsigned version, bool keep_alive);

}  // namespace vsrd::simulator::server
