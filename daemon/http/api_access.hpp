#pragma once

// Who may call the daemon API (docs/daemon.md "Who may call the API"). The API has no
// authentication and is meant for loopback, but a browser on the same host can reach loopback
// too: a page of another site can POST to it (a "simple" cross-site request needs no CORS
// preflight), and a name the attacker controls can be re-pointed at 127.0.0.1 (DNS rebinding),
// making the daemon the page's own origin. These checks close both:
// - the Host header must name this daemon: the address the connection arrived on, localhost on
//   loopback, or a name of `http.allowed_hosts` (docs/config.md). A rebinding page sends its
//   own name, which is none of those;
// - a request with an Origin header must come from the daemon's own origin;
// - a request that is not GET (or HEAD) must carry X-Vsrd-Request, a header a browser sends
//   cross-origin only after a CORS preflight, which the daemon never grants (it sends no
//   Access-Control-* header at all).

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "daemon/http/server.hpp"

namespace vsrd::daemon::http {

/// The header a request other than GET/HEAD must carry, with any non-empty value (the vsrd
/// client sends "X-Vsrd-Request: 1").
inline constexpr std::string_view kRequestHeader = "X-Vsrd-Request";

/// A host and optional port as a Host header (RFC 9110 section 7.2, uri-host [":" port]) or an
/// `http.allowed_hosts` entry writes them.
struct HostAuthority {
  /// A DNS name in lower case without a trailing dot, or an IP address in its canonical text
  /// without brackets ("127.0.0.1", "::1"; an IPv4-mapped IPv6 address as IPv4).
  std::string host;
  bool ip = false;                     ///< `host` is an IP address
  std::optional<unsigned short> port;  ///< absent when the text has none

  bool operator==(const HostAuthority&) const = default;
};

/// Parses NAME, IPV4 or [IPV6], each optionally followed by ":PORT" (1 to 65535, decimal).
/// NAME is a DNS host name (RFC 1123 labels; compared without case). Refused: empty text,
/// userinfo, a path, an IPv6 address without brackets or with a zone id, port 0, any space.
/// Pure and thread-safe.
std::optional<HostAuthority> ParseHostAuthority(std::string_view text);

/// The daemon API's access rules, built once from the config.
class ApiAccess {
 public:
  /// `allowed_hosts`: the config's `http.allowed_hosts`, each as ParseHostAuthority accepts it
  /// (an entry without a port matches that host with any port, e.g. behind a proxy). Throws
  /// std::invalid_argument naming an entry it cannot parse (DecodeConfig refuses those first).
  explicit ApiAccess(const std::vector<std::string>& allowed_hosts = {});

  /// Nullopt when `request` may be routed; otherwise the JSON answer ({"error": "..."}) that
  /// refuses it:
  /// - 400 when Host is missing, given twice or not a host (RFC 9112 section 3.2);
  /// - 421 when Host names neither `request.local_address` (the same IP and port), nor
  ///   localhost with that port when it is a loopback address, nor an allowed host (a Host
  ///   without a port has port 80);
  /// - 403 when Origin is present and is not http:// or https:// with Host's host and port
  ///   ("null" included), or when a method other than GET carries no X-Vsrd-Request.
  /// Pure given the request; thread-safe.
  std::optional<Response> Check(const Request& request) const;

 private:
  std::vector<HostAuthority> allowed_hosts_;
};

}  // namespace vsrd::daemon::http
