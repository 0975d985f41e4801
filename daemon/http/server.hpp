#pragma once

// The daemon's plain HTTP/1.1 server (no TLS): a generic Boost.Beast listener that turns each
// request into a Request, asks a Handler, and writes its Response. Routes live elsewhere
// (daemon_api.hpp). What it shares with vsrd-sim's server (accept loop, reading
// with limits and one deadline) is in net/; Beast and Asio stay inside server.cpp.

#include <chrono>
#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <spdlog/logger.h>

#include "net/listen_address.hpp"

namespace vsrd::daemon::http {

struct Request {
  std::string method;  ///< "GET", "POST", ...; HEAD arrives as "GET" (the server drops the body)
  /// Percent-decoded path without the query, e.g. "/status/VchaPassiveNode/vc01-passive".
  std::string path;
  /// Percent-decoded query ('+' is a space): "?verbose" -> {"verbose",""}; "reset=true" ->
  /// {"reset","true"}. A key given twice keeps its last value.
  std::map<std::string, std::string> query;
  std::string body;
  /// The header fields by lower-case name, e.g. {"host", "127.0.0.1:9464"}. A field given more
  /// than once has its values joined with ", " (RFC 9110 section 5.3), so a second Host makes
  /// the value invalid instead of hiding it.
  std::map<std::string, std::string> headers;
  /// The address the connection arrived on (the socket's local end), as FormatListenAddress
  /// writes it: "127.0.0.1:9464", "[::1]:9464"; an IPv4-mapped IPv6 address as IPv4. Differs
  /// from the listen address when that is a wildcard. Empty when the socket could not say.
  std::string local_address;
};

struct Response {
  int status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
  /// Extra header fields, e.g. {"Allow", "GET"} on a 405.
  std::vector<std::pair<std::string, std::string>> headers;
};

/// Answers one request. Called on the server's thread, one request at a time, so it must be
/// fast; it may throw (the client then gets a generic 500 and the exception is logged).
using Handler = std::function<Response(const Request&)>;

struct ServerOptions {
  std::size_t body_limit = std::size_t{64} * 1024;   ///< larger bodies: 413, connection closed
  std::size_t header_limit = std::size_t{8} * 1024;  ///< larger request line + headers: 431
  /// The whole request (headers and body) must arrive within this, counted from when the
  /// server starts waiting for it; it is also the idle limit of a keep-alive connection.
  std::chrono::milliseconds read_timeout{10000};
  /// Limit for writing one response.
  std::chrono::milliseconds write_timeout{10000};
  /// Connections open at once. A connection arriving at the limit closes the open one that has
  /// waited longest on its client (idle, trickling a request, or not reading its response), so
  /// idle or slow clients can never keep a new one, e.g. a health probe, out; nothing is
  /// refused. At least 1.
  std::size_t max_connections = 64;
};

/// The `listen` forms (net/listen_address.hpp, the one parser vsrd and vsrd-sim share):
/// "127.0.0.1:9464", "[::1]:9464" or "localhost:0".
using net::FormatListenAddress;
using net::ListenAddress;
using net::ParseListenAddress;

/// Plain HTTP/1.1 with keep-alive. Behaviour on bad input: a malformed request line or header
/// gets 400, a body over the limit 413, headers over the limit 431, each followed by a close; a
/// target that is not an absolute path, has a malformed %-escape, decodes to a control
/// character (NUL included) or an encoded '/', or has a "." or ".." segment gets 400; a request
/// that does not arrive within read_timeout is closed without an answer; a Handler that throws
/// gets 500. Each request is logged at debug (method, path, status, duration), never a body.
/// The accept loop never waits for a connection: one thread serves every connection
/// asynchronously, and only a Handler call occupies it.
class Server {
 public:
  /// Parses `listen` and binds and listens at once, so the caller knows the port is bound
  /// before it signals READY=1. Port 0 picks a free port. Throws std::runtime_error with a
  /// message such as "listen 127.0.0.1:9464: address already in use". A null logger logs
  /// nothing.
  Server(const std::string& listen, Handler handler, ServerOptions options,
         std::shared_ptr<spdlog::logger> logger);
  /// Stop().
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  /// Starts serving on a thread of its own. Call once; a call after Stop() does nothing.
  void Start();
  /// Closes the listener and every connection (a request whose Handler runs is allowed to
  /// finish, its answer is dropped) and joins the thread. Blocks until then; thread-safe and
  /// idempotent. Never call it from a Handler.
  void Stop();

  /// The bound port (the kernel's choice when 0 was asked for).
  unsigned short Port() const;
  /// The bound address, "127.0.0.1:43123" or "[::1]:43123".
  std::string Address() const;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace vsrd::daemon::http
