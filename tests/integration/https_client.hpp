#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <openssl/evp.h>
#include <openssl/x509.h>

// A small HTTP/1.1 client over TLS as vsrd will use one: verify_peer always on, trusting a CA
// file, host name (here IP address) verification, one keep-alive connection, a timeout on every
// step. Every operation runs its io_context until the step completes or times out, so a test
// never hangs on a misbehaving server.

namespace vsrd::integration {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
namespace ssl = net::ssl;
using tcp = net::ip::tcp;
using ErrorCode = boost::system::error_code;
using HttpResponse = http::response<http::string_body>;

struct Result {
  ErrorCode error;  ///< the first failing step's error; the response is valid only without one
  HttpResponse response;
};

class HttpsClient {
 public:
  /// A client of 127.0.0.1:`port`, trusting `ca_file` (TLS), or plain HTTP when it is empty.
  HttpsClient(unsigned short port, const std::string& ca_file,
              std::chrono::milliseconds timeout = std::chrono::seconds(10))
      : port_(port), tls_(!ca_file.empty()), timeout_(timeout), context_(ssl::context::tls_client) {
    if (tls_) {
      context_.set_verify_mode(ssl::verify_peer);
      context_.load_verify_file(ca_file);
    }
  }

  /// Opens a new connection (closing the current one): TCP connect, then the TLS handshake.
  ErrorCode Connect() {
    Close();
    stream_.emplace(tcp::socket(io_), context_);
    buffer_.clear();
    if (tls_) {
      // Verifies that the certificate names 127.0.0.1 (an IP SAN); no SNI for an IP address.
      stream_->set_verify_callback(ssl::host_name_verification("127.0.0.1"));
    }
    Lowest().expires_after(timeout_);
    ErrorCode error =
        Run([&](auto handler) { Lowest().async_connect(Endpoint(), std::move(handler)); });
    if (error || !tls_) return error;
    Lowest().expires_after(timeout_);
    return Run([&](auto handler) {
      stream_->async_handshake(ssl::stream_base::client, std::move(handler));
    });
  }

  /// Sends one request on the current connection (connecting first when there is none) and
  /// reads the response.
  Result Send(http::verb method, const std::string& target, const std::string& body = "",
              const std::map<std::string, std::string>& headers = {}) {
    http::request<http::string_body> request{method, target, 11};
    request.set(http::field::host, "127.0.0.1:" + std::to_string(port_));
    for (const auto& [name, value] : headers) request.set(name, value);
    if (!body.empty()) {
      request.set(http::field::content_type, "application/json");
      request.body() = body;
    }
    request.prepare_payload();
    Result result;
    if (!stream_) result.error = Connect();
    if (result.error) return result;
    Lowest().expires_after(timeout_);
    result.error = Run([&](auto handler) {
      if (tls_) {
        http::async_write(*stream_, request, std::move(handler));
      } else {
        http::async_write(Lowest(), request, std::move(handler));
      }
    });
    if (result.error) return result;
    return Receive();
  }

  /// Writes raw bytes on the current connection (a malformed request).
  ErrorCode SendRaw(const std::string& bytes) {
    if (!stream_) {
      if (const ErrorCode error = Connect()) return error;
    }
    Lowest().expires_after(timeout_);
    return Run([&](auto handler) {
      if (tls_) {
        net::async_write(*stream_, net::buffer(bytes), std::move(handler));
      } else {
        net::async_write(Lowest(), net::buffer(bytes), std::move(handler));
      }
    });
  }

  /// Reads one response from the current connection.
  Result Receive() {
    Result result;
    http::response_parser<http::string_body> parser;
    parser.body_limit(std::uint64_t{16} * 1024 * 1024);
    Lowest().expires_after(timeout_);
    result.error = Run([&](auto handler) {
      if (tls_) {
        http::async_read(*stream_, buffer_, parser, std::move(handler));
      } else {
        http::async_read(Lowest(), buffer_, parser, std::move(handler));
      }
    });
    if (!result.error) result.response = parser.release();
    return result;
  }

  /// Reads whatever arrives until the peer closes or `timeout` passes; the bytes and how it
  /// ended.
  std::pair<std::string, ErrorCode> ReadToEnd() {
    std::string bytes(static_cast<const char*>(buffer_.data().data()), buffer_.size());
    buffer_.clear();
    ErrorCode error;
    while (!error) {
      char chunk[4096];
      std::size_t got = 0;
      Lowest().expires_after(timeout_);
      error = Run([&](auto handler) {
        auto done = [&got, handler = std::move(handler)](ErrorCode e, std::size_t n) mutable {
          got = n;
          handler(e, n);
        };
        if (tls_) {
          stream_->async_read_some(net::buffer(chunk), std::move(done));
        } else {
          Lowest().async_read_some(net::buffer(chunk), std::move(done));
        }
      });
      bytes.append(chunk, got);
    }
    return {bytes, error};
  }

  /// SHA-256 of the DER of the certificate the server presented, "AB:CD:..."; "" without TLS.
  std::string PeerThumbprint() {
    if (!tls_ || !stream_) return "";
    X509* certificate = SSL_get1_peer_certificate(stream_->native_handle());
    if (certificate == nullptr) return "";
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int size = 0;
    X509_digest(certificate, EVP_sha256(), digest, &size);
    X509_free(certificate);
    std::string out;
    static constexpr char kHex[] = "0123456789ABCDEF";
    for (unsigned int i = 0; i < size; ++i) {
      if (i != 0) out += ':';
      out += kHex[digest[i] >> 4];
      out += kHex[digest[i] & 0xF];
    }
    return out;
  }

  void Close() {
    if (!stream_) return;
    ErrorCode ignored;
    Lowest().socket().close(ignored);
    stream_.reset();
  }

  bool Connected() const { return stream_.has_value(); }

 private:
  beast::tcp_stream& Lowest() { return beast::get_lowest_layer(*stream_); }
  tcp::endpoint Endpoint() const { return {net::ip::make_address("127.0.0.1"), port_}; }

  // Starts one asynchronous step and runs the io_context until it completes; the step's
  // expires_after bounds it.
  template <class Start>
  ErrorCode Run(Start start) {
    ErrorCode result;
    start([&result](ErrorCode error, auto&&...) { result = error; });
    io_.restart();
    io_.run();
    return result;
  }

  unsigned short port_;
  bool tls_;
  std::chrono::milliseconds timeout_;
  net::io_context io_;
  ssl::context context_;
  std::optional<ssl::stream<beast::tcp_stream>> stream_;
  beast::flat_buffer buffer_;
};

}  // namespace vsrd::integration
