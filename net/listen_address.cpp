#include "net/listen_address.hpp"

#include <charconv>
#include <system_error>

#include <boost/asio/ip/address.hpp>

namespace vsrd::net {
namespace {

using ErrorCode = boost::system::error_code;

// A decimal port: digits only (no sign, no spaces), at most 65535.
std::optional<unsigned short> ParsePort(std::string_view text) {
  if (text.empty() || text.size() > 5) return std::nullopt;
  unsigned value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || value > 65535) {
    return std::nullopt;
  }
  return static_cast<unsigned short>(value);
}

bool IsIpv4(std::string_view host) {
  ErrorCode error;
  // inet_pton(AF_INET): exactly four decimal parts, no leading zeros.
  boost::asio::ip::make_address_v4(std::string(host), error);
  return !error;
}

std::optional<ListenAddress> Fail(std::string& error, std::string message) {
  error = std::move(message);
  return std::nullopt;
}

}  // namespace

boost::asio::ip::tcp::endpoint ListenAddress::Endpoint() const {
  return {boost::asio::ip::make_address(host), port};
}

std::optional<ListenAddress> ParseListenAddress(std::string_view text, std::string& error) {
  constexpr std::string_view kForms = "IPV4:PORT, [IPV6]:PORT or localhost:PORT";
  if (text.empty()) return Fail(error, "empty; write " + std::string(kForms));
  std::string_view host;
  std::string_view port_text;
  bool bracketed = false;
  if (text.front() == '[') {
    const auto close = text.find(']');
    if (close == std::string_view::npos) return Fail(error, "'[' without a closing ']'");
    if (close + 1 >= text.size() || text[close + 1] != ':') {
      return Fail(error, "no :PORT after the ']'");
    }
    host = text.substr(1, close - 1);
    port_text = text.substr(close + 2);
    bracketed = true;
  } else {
    const auto colon = text.rfind(':');
    if (colon == std::string_view::npos) {
      return Fail(error, "no port; write " + std::string(kForms));
    }
    host = text.substr(0, colon);
    port_text = text.substr(colon + 1);
  }
  const auto port = ParsePort(port_text);
  if (!port) {
    return Fail(error,
                "the port \"" + std::string(port_text) + "\" is not a number from 0 to 65535");
  }
  if (host.empty()) return Fail(error, "no host; write " + std::string(kForms));

  if (bracketed) {
    if (host == "localhost" || IsIpv4(host)) {
      // RFC 3986 section 3.2.2: IP-literal = "[" ( IPv6address / IPvFuture ) "]".
      return Fail(error, "brackets are only for IPv6 addresses (RFC 3986 section 3.2.2); write " +
                             std::string(host) + ":" + std::string(port_text));
    }
    if (host.find('%') != std::string_view::npos) {
      return Fail(error, "an IPv6 zone id (\"%\") is not supported");
    }
    ErrorCode parse_error;
    const auto ip = boost::asio::ip::make_address_v6(std::string(host), parse_error);
    if (parse_error) {
      return Fail(error, "\"" + std::string(host) + "\" in brackets is not an IPv6 address");
    }
    return ListenAddress{ip.to_string(), *port, true};
  }
  if (host.find(':') != std::string_view::npos) {
    return Fail(error, "an IPv6 address needs brackets, e.g. [::1]:" + std::string(port_text));
  }
  if (host == "localhost") return ListenAddress{"127.0.0.1", *port, false};
  if (!IsIpv4(host)) {
    return Fail(error, "\"" + std::string(host) +
                           "\" is not an IPv4 address or localhost (host names are not resolved)");
  }
  return ListenAddress{boost::asio::ip::make_address_v4(std::string(host)).to_string(), *port,
                       false};
}

std::optional<ListenAddress> ParseListenAddress(std::string_view text) {
  std::string ignored;
  return ParseListenAddress(text, ignored);
}

std::string FormatListenAddress(const ListenAddress& address) {
  if (address.v6) return "[" + address.host + "]:" + std::to_string(address.port);
  return address.host + ":" + std::to_string(address.port);
}

std::string FormatListenAddress(const boost::asio::ip::tcp::endpoint& endpoint) {
  return FormatListenAddress(
      {endpoint.address().to_string(), endpoint.port(), endpoint.address().is_v6()});
}

}  // namespace vsrd::net
