#include "net/response_writer.hpp"

#include <array>
#include <cstddef>

namespace vsrd::net {

namespace asio = boost::asio;
namespace http = boost::beast::http;

HttpResponse MakeResponse(int status, unsigned version, bool keep_alive, std::string_view server,
                          const std::vector<std::pair<std::string, std::string>>& headers,
                          std::string body) {
  const int checked = status >= 100 && status <= 599 ? status : 500;
  HttpResponse out;
  out.version(version);
  out.result(static_cast<unsigned>(checked));
  out.set(http::field::server, server);
  for (const auto& [name, value] : headers) out.insert(name, value);
  const bool no_body = checked < 200 || checked == 204 || checked == 304;
  if (!no_body) out.body() = std::move(body);
  out.keep_alive(keep_alive);
  out.prepare_payload();
  return out;
}

asio::awaitable<void> LingeringClose(boost::beast::tcp_stream& lowest,
                                     std::chrono::milliseconds timeout) {
  boost::system::error_code ignored;
  lowest.socket().shutdown(asio::ip::tcp::socket::shutdown_send, ignored);
  lowest.expires_after(timeout);  // one deadline for all the reads below
  std::array<char, std::size_t{16} * 1024> scratch{};
  for (;;) {
    const auto [error, bytes] =
        co_await lowest.async_read_some(asio::buffer(scratch), asio::as_tuple(asio::use_awaitable));
    if (error) break;
  }
  lowest.close();
}

}  // namespace vsrd::net
