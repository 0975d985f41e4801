#pragma once

// A test client that speaks raw bytes to a server on 127.0.0.1, with a deadline on every read,
// for the cases a well-behaved client cannot produce (half a header, garbage, idling).

#include <array>
#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace vsrd::daemon::http::testing {

class RawConnection {
 public:
  using Response = boost::beast::http::response<boost::beast::http::string_body>;

  /// Connects at once (throws when it cannot).
  explicit RawConnection(unsigned short port,
                         std::chrono::milliseconds timeout = std::chrono::seconds(5))
      : stream_(io_), timeout_(timeout) {
    stream_.socket().connect({boost::asio::ip::make_address("127.0.0.1"), port});
  }

  /// Writes every byte; false when the server already closed.
  bool Send(std::string_view bytes) {
    boost::system::error_code error;
    boost::asio::write(stream_.socket(), boost::asio::buffer(bytes.data(), bytes.size()), error);
    return !error;
  }

  /// Reads one response (headers only when `head`); nullopt with `error` set on a close, a
  /// reset or the timeout.
  std::optional<Response> Read(boost::system::error_code* error = nullptr, bool head = false) {
    boost::beast::http::response_parser<boost::beast::http::string_body> parser;
    parser.skip(head);
    boost::system::error_code result;
    stream_.expires_after(timeout_);
    boost::beast::http::async_read(stream_, buffer_, parser,
                                   [&](boost::system::error_code ec, std::size_t) { result = ec; });
    Run();
    if (error != nullptr) *error = result;
    if (result) return std::nullopt;
    return parser.release();
  }

  /// Reads until the server closes the connection. True when it did (a FIN or a reset) before
  /// the timeout; `received` gets every byte read.
  bool WaitForClose(std::string* received = nullptr) {
    std::string bytes(static_cast<const char*>(buffer_.data().data()), buffer_.size());
    buffer_.consume(buffer_.size());
    boost::system::error_code result;
    stream_.expires_after(timeout_);
    std::array<char, 4096> chunk{};
    std::function<void(boost::system::error_code, std::size_t)> on_read =
        [&](boost::system::error_code ec, std::size_t n) {
          bytes.append(chunk.data(), n);
          if (ec) {
            result = ec;
            return;
          }
          stream_.async_read_some(boost::asio::buffer(chunk), on_read);
        };
    stream_.async_read_some(boost::asio::buffer(chunk), on_read);
    Run();
    if (received != nullptr) *received = bytes;
    return result != boost::beast::error::timeout;
  }

  void Close() { stream_.close(); }

 private:
  void Run() {
    io_.restart();
    io_.run();
  }

  boost::asio::io_context io_;
  boost::beast::tcp_stream stream_;
  boost::beast::flat_buffer buffer_;
  std::chrono::milliseconds timeout_;
};

}  // namespace vsrd::daemon::http::testing
