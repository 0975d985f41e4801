#pragma once

#include <string_view>

namespace vsrd::manifests {

/// Dotted-quad IPv4 address: four decimal octets 0-255, no leading zeros (they read as octal to
/// some tools), no surrounding spaces.
bool IsIpv4Address(std::string_view text);

/// IPv6 address in any RFC 4291 text form ("2001:db8::1", "::ffff:192.0.2.1"); no zone id, no
/// brackets, no prefix.
bool IsIpv6Address(std::string_view text);

/// A valid IPv4 address whose bits are contiguous ones then zeros ("255.255.255.0").
bool IsIpv4SubnetMask(std::string_view text);

/// A DNS host name (RFC 1123: dot-separated labels of letters, digits and '-') or an IP address.
bool IsHostName(std::string_view text);

}  // namespace vsrd::manifests
