#pragma once

// Writing answers and ending connections, over a plain (beast::tcp_stream) or a TLS
// (ssl::stream<beast::tcp_stream>) stream.

#include <chrono>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace vsrd::net {

using HttpResponse = boost::beast::http::response<boost::beast::http::string_body>;

/// True for a plain TCP stream, false for a TLS stream over one.
template <class Stream>
constexpr bool kIsPlainStream = std::is_same_v<Stream, boost::beast::tcp_stream>;

/// A response to an HTTP/1.`version` request: `status` (outside 100-599 it becomes 500), a
/// Server field `server`, `headers` in order, `body` (dropped for 1xx, 204 and 304, which
/// carry none: RFC 9110 sections 6.4.1, 15.3.5, 15.4.5), Content-Length, and Connection per
/// `keep_alive`. Pure.
HttpResponse MakeResponse(int status, unsigned version, bool keep_alive, std::string_view server,
                          const std::vector<std::pair<std::string, std::string>>& headers,
                          std::string body);

/// Writes `response` within `timeout`. For a HEAD request (`head`) only the header is sent,
/// with the Content-Length a GET would get (RFC 9110 section 9.3.2). Returns the write error.
template <class Stream>
boost::asio::awaitable<boost::system::error_code> WriteResponse(Stream& stream,
                                                                HttpResponse& response, bool head,
                                                                std::chrono::milliseconds timeout) {
  namespace http = boost::beast::http;
  constexpr auto kUseTuple = boost::asio::as_tuple(boost::asio::use_awaitable);
  boost::beast::get_lowest_layer(stream).expires_after(timeout);
  if (head) {
    http::response_serializer<http::string_body> serializer(response);
    const auto [error, bytes] = co_await http::async_write_header(stream, serializer, kUseTuple);
    co_return error;
  }
  const auto [error, bytes] = co_await http::async_write(stream, response, kUseTuple);
  co_return error;
}

/// A clean end of the connection: on TLS a close_notify (waiting at most `timeout` for the
/// peer's), then FIN and close. Never fails (errors only mean the peer is gone already).
template <class Stream>
boost::asio::awaitable<void> Close(Stream& stream, std::chrono::milliseconds timeout) {
  boost::beast::tcp_stream& lowest = boost::beast::get_lowest_layer(stream);
  if constexpr (!kIsPlainStream<Stream>) {
    lowest.expires_after(timeout);
    co_await stream.async_shutdown(boost::asio::as_tuple(boost::asio::use_awaitable));
  }
  boost::system::error_code ignored;
  lowest.socket().shutdown(boost::asio::ip::tcp::socket::shutdown_send, ignored);
  lowest.close();
}

/// Closes after an error answer while the peer may still be sending (the rest of an oversized
/// body): closing with unread bytes would send a RST that can destroy the answer in flight
/// (RFC 9112 section 9.6), so send FIN first and discard what arrives until the peer closes or
/// `timeout` passes (one deadline for all of it), as nginx's lingering_close does.
boost::asio::awaitable<void> LingeringClose(boost::beast::tcp_stream& lowest,
                                            std::chrono::milliseconds timeout);

/// Answers a request that could not be read (or is refused, e.g. a 503 at the connection cap)
/// with `response` (which should say Connection: close) within `write_timeout`, then
/// LingeringClose with `linger_timeout`. On TLS the close is at the TCP level: a client that
/// sent too much is not owed a close_notify.
template <class Stream>
boost::asio::awaitable<void> AnswerAndClose(Stream& stream, HttpResponse& response,
                                            std::chrono::milliseconds write_timeout,
                                            std::chrono::milliseconds linger_timeout) {
  const boost::system::error_code error =
      co_await WriteResponse(stream, response, false, write_timeout);
  if (!error) co_await LingeringClose(boost::beast::get_lowest_layer(stream), linger_timeout);
}

}  // namespace vsrd::net
