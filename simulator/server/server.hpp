#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/ip/tcp.hpp>

#include "simulator/simulator.hpp"

// The transport of vsrd-sim: HTTPS (or plain HTTP) on one listener per persona, around the pure
// Simulator::Handle. It turns each Reply's Disposition into what a broken or restarting server
// does on the wire (a reset, a close without answer, a cut-short body, garbage, a refused
// connection), so clients meet those failures over real sockets. Beast and OpenSSL stay inside
// server.cpp.

namespace vsrd::simulator::server {

struct ServerOptions {
  /// TLS with this certificate (a chain, leaf first) and private key, both PEM. Plain HTTP
  /// when both are empty.
  std::string certificate_pem;
  std::string private_key_pem;
  /// Threads running the io_context (>= 1).
  int threads = 2;
  /// A request body larger than this is answered 413 and the connection closed.
  std::size_t body_limit = std::size_t{1024} * 1024;
  /// A request line plus headers larger than this is answered 431 and the connection closed.
  std::uint32_t header_limit = 16 * 1024;
  /// A connection that sends no byte of its next request for this long is closed (the idle
  /// limit of keep-alive).
  std::chrono::milliseconds idle_timeout = std::chrono::seconds(60);
  /// Limit for the TLS handshake, for writing, and for a whole request once its first byte
  /// arrived (one deadline for the request line, headers and body: net::ReadRequest).
  std::chrono::milliseconds io_timeout = std::chrono::seconds(30);
  /// After a stop, requests still in flight this much later are cut off.
  std::chrono::milliseconds stop_grace = std::chrono::seconds(5);
  /// While a persona refuses connections, how often to ask whether it is up again.
  std::chrono::milliseconds refuse_poll = std::chrono::milliseconds(50);
};

struct ListenerSpec {
  /// The persona served on this address; "" for an admin-only listener that serves /sim/ and
  /// answers 404 to everything else (it stays up while personas restart).
  std::string persona;
  /// "127.0.0.1:8443", "[::1]:8443" or "localhost:8443"; port 0 lets the kernel choose. The
  /// forms of net::ParseListenAddress, the parser vsrd's `listen` uses too.
  std::string address;
};

struct BoundListener {
  std::string persona;
  boost::asio::ip::tcp::endpoint endpoint;  ///< with the kernel's port when 0 was asked for
};

/// "127.0.0.1:8443" or "[::1]:8443".
std::string FormatAddress(const boost::asio::ip::tcp::endpoint& endpoint);

class Server {
 public:
  /// Sets up TLS (unless options ask for plain HTTP) and binds every listener, so that ports are
  /// known (Listeners()) before a Simulator is built. Throws std::runtime_error naming the
  /// address or the TLS problem.
  Server(ServerOptions options, const std::vector<ListenerSpec>& listeners);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  /// The bound listeners, in the order given to the constructor.
  const std::vector<BoundListener>& Listeners() const;
  /// True unless serving plain HTTP.
  bool Tls() const;

  /// Serves `simulator` until Stop() or SIGINT/SIGTERM, on options.threads threads (the caller's
  /// being one of them). A stop closes the listeners and idle connections at once, lets requests
  /// in flight finish up to options.stop_grace, then returns. Call at most once; `simulator`
  /// must outlive the call.
  void Run(Simulator& simulator);

  /// Begins the stop described at Run. Thread-safe and idempotent; does not wait.
  void Stop();

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace vsrd::simulator::server
