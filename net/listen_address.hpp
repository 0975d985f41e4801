#pragma once

// The listen address of both HTTP servers (vsrd's `listen`, vsrd-sim's `--listen` and scenario
// `listen`): one parser, so that a value one program accepts the other accepts too.

#include <optional>
#include <string>
#include <string_view>

#include <boost/asio/ip/tcp.hpp>

namespace vsrd::net {

/// A parsed listen address: a numeric host and a port.
struct ListenAddress {
  /// The address in its canonical text, without brackets: "127.0.0.1", "::1". "localhost"
  /// becomes "127.0.0.1".
  std::string host;
  unsigned short port = 0;  ///< 0 lets the kernel choose a free port
  bool v6 = false;          ///< true when `host` is an IPv6 address

  /// `host` and `port` as an endpoint. `host` must be numeric (as ParseListenAddress leaves it);
  /// throws boost::system::system_error otherwise.
  boost::asio::ip::tcp::endpoint Endpoint() const;
};

/// Parses the accepted forms, and only those:
///   IPV4:PORT         "127.0.0.1:9464", "0.0.0.0:0" (dotted decimal, no leading zeros)
///   [IPV6]:PORT       "[::1]:9464", "[::]:0" (RFC 3986 section 3.2.2 IP-literal; no zone id)
///   localhost:PORT    read as 127.0.0.1 (no name is ever resolved)
/// PORT is decimal, 0 to 65535. An IPv4 address or "localhost" in brackets is refused: RFC 3986
/// section 3.2.2 reserves brackets for IPv6 (and future) literals, and IPv4address is a form of
/// its own. On nullopt, `error` says what is wrong, e.g. "an IPv4 address takes no brackets (RFC
/// 3986 section 3.2.2): write 127.0.0.1:8443". Pure and thread-safe.
std::optional<ListenAddress> ParseListenAddress(std::string_view text, std::string& error);

/// ParseListenAddress without the reason.
std::optional<ListenAddress> ParseListenAddress(std::string_view text);

/// "127.0.0.1:9464" or "[::1]:9464": a text ParseListenAddress reads back to `address`.
std::string FormatListenAddress(const ListenAddress& address);

/// The same for an endpoint, e.g. an acceptor's local_endpoint() after binding port 0.
std::string FormatListenAddress(const boost::asio::ip::tcp::endpoint& endpoint);

}  // namespace vsrd::net
