#include "daemon/http/api_access.hpp"

#include <algorithm>
#include <cctype>
#include <stdexcept>

#include <boost/asio/ip/address.hpp>
#include <nlohmann/json.hpp>

#include "manifests/net_address.hpp"
#include "net/listen_address.hpp"

namespace vsrd::daemon::http {
namespace {

constexpr unsigned short kHttpPort = 80;
constexpr unsigned short kHttpsPort = 443;

std::string Lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

// "1" to "65535", decimal digits only.
std::optional<unsigned short> ParsePort(std::string_view text) {
  if (text.empty() || text.size() > 5) return std::nullopt;
  unsigned value = 0;
  for (const char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + static_cast<unsigned>(c - '0');
  }
  if (value == 0 || value > 65535) return std::nullopt;
  return static_cast<unsigned short>(value);
}

// The canonical text of an IP address: what two spellings of one address (e.g. "::1" and
// "0:0:0:0:0:0:0:1", or "::ffff:127.0.0.1" and "127.0.0.1") have in common.
std::optional<std::string> CanonicalIp(std::string_view text) {
  boost::system::error_code error;
  const auto address = boost::asio::ip::make_address(std::string(text), error);
  if (error) return std::nullopt;
  if (address.is_v6() && address.to_v6().is_v4_mapped()) {
    return boost::asio::ip::make_address_v4(boost::asio::ip::v4_mapped, address.to_v6())
        .to_string();
  }
  return address.to_string();
}

Response JsonError(int status, const std::string& message) {
  // The message may echo header values: replace bytes that are not UTF-8 instead of throwing.
  return Response{status,
                  "application/json",
                  nlohmann::json{{"error", message}}.dump(
                      -1, ' ', false, nlohmann::json::error_handler_t::replace) +
                      "\n",
                  {}};
}

const std::string* Header(const Request& request, const std::string& lower_name) {
  const auto found = request.headers.find(lower_name);
  return found == request.headers.end() ? nullptr : &found->second;
}

bool SameHost(const HostAuthority& a, const HostAuthority& b) {
  return a.ip == b.ip && a.host == b.host;
}

// True when `host` (Host, already parsed) names the connection's own address `local`.
bool NamesLocalAddress(const HostAuthority& host, const std::string& local) {
  const auto address = net::ParseListenAddress(local);
  if (!address) return false;
  const auto local_ip = CanonicalIp(address->host);
  if (!local_ip) return false;
  if (host.port.value_or(kHttpPort) != address->port) return false;
  if (host.ip) return host.host == *local_ip;
  // "localhost" never leaves the machine (browsers resolve it to loopback themselves, RFC 6761
  // section 6.3), so no other site can be behind it.
  if (host.host != "localhost") return false;
  boost::system::error_code error;
  const auto local_address = boost::asio::ip::make_address(*local_ip, error);
  return !error && local_address.is_loopback();
}

// True when Origin `origin` is the origin of a page served at Host `host` (over http, or https
// behind a TLS proxy): same host, same port (each side's default being the Origin scheme's).
bool SameOrigin(std::string_view origin, const HostAuthority& host) {
  unsigned short default_port = 0;
  if (origin.starts_with("http://")) {
    origin.remove_prefix(7);
    default_port = kHttpPort;
  } else if (origin.starts_with("https://")) {
    origin.remove_prefix(8);
    default_port = kHttpsPort;
  } else {
    return false;  // "null" (sandboxed frames, file: pages, redirects) and any other scheme
  }
  const auto authority = ParseHostAuthority(origin);
  return authority && SameHost(*authority, host) &&
         authority->port.value_or(default_port) == host.port.value_or(default_port);
}

}  // namespace

std::optional<HostAuthority> ParseHostAuthority(std::string_view text) {
  HostAuthority out;
  std::string_view port;
  if (text.starts_with('[')) {
    const std::size_t close = text.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    const std::string_view inside = text.substr(1, close - 1);
    if (!manifests::IsIpv6Address(inside)) return std::nullopt;  // no zone id either
    const auto canonical = CanonicalIp(inside);
    if (!canonical) return std::nullopt;
    out.host = *canonical;
    out.ip = true;
    const std::string_view rest = text.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') return std::nullopt;
      port = rest.substr(1);
      if (port.empty()) return std::nullopt;
    }
  } else {
    const std::size_t colon = text.find(':');
    std::string_view host = text.substr(0, colon);
    if (colon != std::string_view::npos) {
      port = text.substr(colon + 1);
      if (port.empty()) return std::nullopt;  // also a second ':' (an IPv6 address unbracketed)
    }
    if (manifests::IsIpv4Address(host)) {
      out.host = std::string(host);
      out.ip = true;
    } else {
      if (host.ends_with('.')) host.remove_suffix(1);  // "name." is the same DNS name
      // IsHostName also takes IP addresses; the IPv4 form went above and an IPv6 one has ':'.
      if (host.empty() || !manifests::IsHostName(host)) return std::nullopt;
      out.host = Lower(host);
    }
  }
  if (!port.empty()) {
    out.port = ParsePort(port);
    if (!out.port) return std::nullopt;
  }
  return out;
}

ApiAccess::ApiAccess(const std::vector<std::string>& allowed_hosts) {
  for (const std::string& entry : allowed_hosts) {
    auto parsed = ParseHostAuthority(entry);
    if (!parsed) throw std::invalid_argument("not an allowed host: \"" + entry + "\"");
    allowed_hosts_.push_back(std::move(*parsed));
  }
}

std::optional<Response> ApiAccess::Check(const Request& request) const {
  const std::string* host_text = Header(request, "host");
  if (host_text == nullptr || host_text->empty()) {
    return JsonError(400, "the request has no Host header (RFC 9112 section 3.2)");
  }
  const auto host = ParseHostAuthority(*host_text);
  if (!host) {
    return JsonError(400, "Host \"" + *host_text + "\" is not HOST[:PORT], or is given twice");
  }
  const bool allowed =
      NamesLocalAddress(*host, request.local_address) ||
      std::any_of(allowed_hosts_.begin(), allowed_hosts_.end(), [&](const HostAuthority& entry) {
        return SameHost(entry, *host) &&
               (!entry.port || *entry.port == host->port.value_or(kHttpPort));
      });
  if (!allowed) {
    return JsonError(421, "Host \"" + *host_text + "\" does not name this daemon (" +
                              request.local_address +
                              "); other names must be listed in http.allowed_hosts");
  }
  if (const std::string* origin = Header(request, "origin")) {
    if (!SameOrigin(*origin, *host)) {
      return JsonError(403, "cross-origin request refused: Origin \"" + *origin +
                                "\" is not this daemon's origin");
    }
  }
  const std::string* marker = Header(request, Lower(kRequestHeader));
  if (request.method != "GET" && (marker == nullptr || marker->empty())) {
    return JsonError(403, request.method + " needs the header " + std::string(kRequestHeader) +
                              ": 1 (what keeps web pages from sending it)");
  }
  return std::nullopt;
}

}  // namespace vsrd::daemon::http
