#include "daemon/http/client.hpp"

#include <cctype>
#include <exception>
#include <optional>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <fmt/format.h>

#include "daemon/http/api_access.hpp"
#include "daemon/http/server.hpp"

namespace vsrd::daemon::http {
namespace {

namespace beast = boost::beast;
namespace bhttp = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;
using ErrorCode = boost::system::error_code;
using reconcilers::ports::MakeUnexpected;

constexpr auto kUseTuple = net::as_tuple(net::use_awaitable);
// /metrics and /status of a large installation stay far below this.
constexpr std::uint64_t kBodyLimit = std::uint64_t{64} * 1024 * 1024;

std::string FormatTimeout(std::chrono::milliseconds timeout) {
  if (timeout.count() % 1000 == 0) return fmt::format("{}s", timeout.count() / 1000);
  return fmt::format("{}ms", timeout.count());
}

std::string Describe(const ErrorCode& error, std::chrono::milliseconds timeout) {
  if (error == beast::error::timeout) return "timed out after " + FormatTimeout(timeout);
  if (error == bhttp::error::end_of_stream || error == bhttp::error::partial_message ||
      error == bhttp::error::short_read) {
    return "the connection closed before a complete response";
  }
  std::string message = error.message();
  if (!message.empty()) {
    message.front() = static_cast<char>(std::tolower(static_cast<unsigned char>(message.front())));
  }
  return message;
}

// One exchange on one connection, under one deadline; `response` is set on success.
net::awaitable<ErrorCode> Exchange(const tcp::endpoint& endpoint,
                                   bhttp::request<bhttp::string_body>& request,
                                   std::chrono::milliseconds timeout, ClientResponse& response) {
  const auto executor = co_await net::this_coro::executor;
  beast::tcp_stream stream(executor);
  stream.expires_after(timeout);
  const auto [connect_error] = co_await stream.async_connect(endpoint, kUseTuple);
  if (connect_error) co_return connect_error;
  const auto [write_error, written] = co_await bhttp::async_write(stream, request, kUseTuple);
  if (write_error) co_return write_error;
  beast::flat_buffer buffer;
  bhttp::response_parser<bhttp::string_body> parser;
  parser.body_limit(kBodyLimit);
  const auto [read_error, read] = co_await bhttp::async_read(stream, buffer, parser, kUseTuple);
  if (read_error) co_return read_error;
  response.status = static_cast<int>(parser.get().result_int());
  response.body = std::move(parser.get().body());
  ErrorCode ignored;
  stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
  co_return ErrorCode{};
}

}  // namespace

std::string ClientAddress(const std::string& listen) {
  const auto parsed = ParseListenAddress(listen);
  if (!parsed) return listen;
  ListenAddress address = *parsed;
  if (address.host == "0.0.0.0") address.host = "127.0.0.1";
  if (address.host == "::") address.host = "::1";
  return FormatListenAddress(address);
}

reconcilers::ports::Expected<ClientResponse, std::string> Fetch(const std::string& address,
                                                                const std::string& method,
                                                                const std::string& target,
                                                                std::chrono::milliseconds timeout,
                                                                const std::string& body) {
  const std::string effective = ClientAddress(address);
  const auto parsed = ParseListenAddress(effective);
  if (!parsed) return MakeUnexpected("not an address: " + address);
  const bhttp::verb verb = bhttp::string_to_verb(method);
  if (verb == bhttp::verb::unknown) return MakeUnexpected("unknown HTTP method " + method);
  const tcp::endpoint endpoint(net::ip::make_address(parsed->host), parsed->port);

  bhttp::request<bhttp::string_body> request{verb, target, 11};
  // Host names the address connected to, which the daemon accepts (api_access.hpp); the
  // X-Vsrd-Request header is what the daemon wants on a POST, as proof that no web page sent it.
  request.set(bhttp::field::host, effective);
  request.set(bhttp::field::user_agent, "vsrd");
  request.set(kRequestHeader, "1");
  request.keep_alive(false);
  request.body() = body;
  request.prepare_payload();

  net::io_context io{1};
  ClientResponse response;
  ErrorCode error;
  std::exception_ptr failure;
  net::co_spawn(io, Exchange(endpoint, request, timeout, response),
                [&](const std::exception_ptr& thrown, ErrorCode result) {
                  failure = thrown;
                  error = result;
                });
  try {
    io.run();
    if (failure) std::rethrow_exception(failure);
  } catch (const std::exception& thrown) {
    return MakeUnexpected(std::string(thrown.what()));
  }
  if (error) return MakeUnexpected(Describe(error, timeout));
  return response;
}

}  // namespace vsrd::daemon::http
