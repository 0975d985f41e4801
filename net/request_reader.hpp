#pragma once

// Reading one HTTP/1.1 request with limits on its size and one deadline for all of it, over a
// plain (beast::tcp_stream) or a TLS (ssl::stream<beast::tcp_stream>) stream: the Stream
// template parameter is the only difference between the two.

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <tuple>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace vsrd::net {

using HttpRequest = boost::beast::http::request<boost::beast::http::string_body>;

/// The limits of one request.
struct RequestLimits {
  /// Request line plus header fields, in bytes; more is ReadFailure::kHeaderTooLarge.
  std::size_t header_limit = std::size_t{8} * 1024;
  /// Body bytes (after removing chunked framing); more is ReadFailure::kBodyTooLarge.
  std::size_t body_limit = std::size_t{64} * 1024;
  /// The whole request (request line, headers, body, and the "100 Continue" answered on the
  /// way) must arrive within this, counted from the call to ReadRequest: one deadline, not a
  /// timer restarted per read, so a client that trickles a byte at a time cannot hold a
  /// connection longer than this.
  std::chrono::milliseconds timeout{10000};
};

/// Why a request could not be read, for choosing the answer.
enum class ReadFailure {
  kGone,            ///< the peer left, the deadline passed, a socket or TLS error: nobody to answer
  kMalformed,       ///< not HTTP/1.1 (bad request line, header, chunk, Content-Length): 400
  kBodyTooLarge,    ///< 413
  kHeaderTooLarge,  ///< 431 (RFC 6585 section 5)
};

/// The ReadFailure of an error from ReadRequest (or any Beast HTTP read). Pure.
ReadFailure ClassifyReadError(const boost::system::error_code& error);

/// The answer owed to a request that could not be read.
struct ReadRefusal {
  int status = 400;    ///< 400, 413 or 431
  std::string reason;  ///< one line for the body, e.g. "request body too large"
};

/// The refusal for a read error: "malformed HTTP request: <Beast's message>" (400), "request
/// body too large" (413), "request header fields too large" (431); nullopt for kGone, when
/// nobody waits for an answer. Pure; the caller writes it with AnswerAndClose.
std::optional<ReadRefusal> RefusalFor(const boost::system::error_code& error);

/// Waits until the first byte of the next request is in `buffer` (at once when pipelined bytes
/// are already there), for at most `idle_timeout`: the idle limit of a keep-alive connection,
/// kept apart from the request's own deadline. Returns the read error (timeout, end_of_stream,
/// operation_aborted on a cancel); the caller then closes without an answer.
template <class Stream>
boost::asio::awaitable<boost::system::error_code> WaitForRequest(
    Stream& stream, boost::beast::flat_buffer& buffer, std::chrono::milliseconds idle_timeout) {
  if (buffer.size() > 0) co_return boost::system::error_code{};
  boost::beast::get_lowest_layer(stream).expires_after(idle_timeout);
  const auto [error, bytes] = co_await stream.async_read_some(
      buffer.prepare(std::size_t{4} * 1024), boost::asio::as_tuple(boost::asio::use_awaitable));
  buffer.commit(bytes);
  co_return error;
}

/// Reads one request into `request` under `limits`: one deadline (limits.timeout) from this
/// call for all of it; every parser has both limits; "Expect: 100-continue" is answered
/// "100 Continue" (curl and others wait for it before sending a body). `buffer` keeps bytes
/// read past this request (pipelining) for the next call. Returns the error, if any, to be
/// classified by ClassifyReadError; `request` is then unspecified. Runs on the stream's
/// executor; the stream's deadline is left set (set one before the next network step).
template <class Stream>
boost::asio::awaitable<boost::system::error_code> ReadRequest(Stream& stream,
                                                              boost::beast::flat_buffer& buffer,
                                                              const RequestLimits& limits,
                                                              HttpRequest& request) {
  namespace http = boost::beast::http;
  constexpr auto kUseTuple = boost::asio::as_tuple(boost::asio::use_awaitable);
  http::request_parser<http::string_body> parser;
  parser.header_limit(static_cast<std::uint32_t>(
      std::min<std::size_t>(limits.header_limit, std::numeric_limits<std::uint32_t>::max())));
  parser.body_limit(limits.body_limit);

  boost::beast::get_lowest_layer(stream).expires_after(limits.timeout);  // for all of it
  auto [error, bytes] = co_await http::async_read_header(stream, buffer, parser, kUseTuple);
  if (!error && !parser.is_done() &&
      boost::beast::iequals(parser.get()[http::field::expect], "100-continue")) {
    http::response<http::empty_body> go_on{http::status::continue_, parser.get().version()};
    std::tie(error, bytes) = co_await http::async_write(stream, go_on, kUseTuple);
  }
  if (!error && !parser.is_done()) {
    std::tie(error, bytes) = co_await http::async_read(stream, buffer, parser, kUseTuple);
  }
  if (!error) request = parser.release();
  co_return error;
}

}  // namespace vsrd::net
