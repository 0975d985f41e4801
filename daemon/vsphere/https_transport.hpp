#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "daemon/config.hpp"
#include "daemon/vsphere/transport.hpp"

// HTTPS to one target with Boost.Beast and OpenSSL, written like Beast's awaitable examples: a
// deadline before every network step, SNI and host-name verification, verify_peer always on,
// a body limit on every read. Connections are kept alive in a small pool shared by all calling
// threads; the I/O runs on the transport's own io_context thread, callers block on a future.

namespace vsrd::daemon::vsphere {

struct TransportOptions {
  std::string url;  ///< https://host[:port] (no path); port 443 when absent
  TlsConfig tls;    ///< trust: ca_file or the system store; optional SHA-256 pin
  /// Token bucket rate; a burst of max(1, rate) requests is allowed. <= 0: unlimited.
  double requests_per_second = 10;
  std::size_t max_connections = 4;  ///< idle + busy connections kept to the target
  std::size_t body_limit = std::size_t{16} * 1024 * 1024;
  std::string user_agent = "vsrd";
};

/// Counters for tests and diagnostics.
struct TransportStats {
  std::uint64_t connections_opened = 0;  ///< TCP connections established (before TLS)
  std::uint64_t requests_sent = 0;       ///< requests written, a transparent retry included
};

/// Host and port of a target URL, as the transport reads it.
struct HttpsEndpoint {
  std::string host;           ///< without brackets: "vc01.lab", "127.0.0.1", "::1"
  unsigned short port = 443;  ///< 443 when the URL names none
};

/// Parses "https://host[:port]" (an IPv6 host in brackets). Throws std::runtime_error naming
/// the URL and what is wrong with it.
HttpsEndpoint ParseHttpsUrl(const std::string& url);

class HttpsTransport final : public Transport {
 public:
  /// Builds the TLS context (reads tls.ca_file) and starts the I/O thread. Throws
  /// std::runtime_error naming the url or the CA file when either is unusable.
  explicit HttpsTransport(TransportOptions options);
  ~HttpsTransport() override;  ///< cancels what is in flight (kCancelled) and joins the thread
  HttpsTransport(const HttpsTransport&) = delete;
  HttpsTransport& operator=(const HttpsTransport&) = delete;

  /// Transport::Send: blocking, thread-safe (any number of callers; at most max_connections
  /// requests are on the wire, the others wait for a connection within their timeout). Errors,
  /// `operation` empty and `detail` naming host:port: kDns, kRefused, kReset (closed or reset
  /// before an answer began), kTlsVerification (chain, name or pin; the detail carries the
  /// presented certificate's SHA-256 thumbprint), kTls, kTimeout (including waiting for the
  /// rate limit or a connection), kTruncated, kProtocol (not HTTP, or a body over body_limit),
  /// kCancelled (the transport is being destroyed). Must not be called from its own I/O thread.
  Result<HttpResponse> Send(const HttpRequest& request, std::chrono::milliseconds timeout) override;

  /// A snapshot of the counters. Thread-safe.
  TransportStats Stats() const;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace vsrd::daemon::vsphere
