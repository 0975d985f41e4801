#include "manifests/net_address.hpp"

#include <array>
#include <cstdint>
#include <string>

#include <arpa/inet.h>

namespace vsrd::manifests {
namespace {

bool ParseIpv4(std::string_view text, std::uint32_t& out) {
  std::uint32_t value = 0;
  int octets = 0;
  std::size_t i = 0;
  while (octets < 4) {
    const std::size_t start = i;
    unsigned octet = 0;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9' && i - start < 3) {
      octet = octet * 10 + static_cast<unsigned>(text[i] - '0');
      ++i;
    }
    const std::size_t length = i - start;
    if (length == 0 || octet > 255 || (length > 1 && text[start] == '0')) return false;
    value = (value << 8) | octet;
    ++octets;
    if (octets < 4) {
      if (i >= text.size() || text[i] != '.') return false;
      ++i;
    }
  }
  if (i != text.size()) return false;
  out = value;
  return true;
}

bool IsDnsLabelChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
}

}  // namespace

bool IsIpv4Address(std::string_view text) {
  std::uint32_t ignored = 0;
  return ParseIpv4(text, ignored);
}

bool IsIpv6Address(std::string_view text) {
  if (text.empty() || text.size() > 45 || text.find('%') != std::string_view::npos) return false;
  std::array<unsigned char, 16> buffer{};
  const std::string copy(text);
  return inet_pton(AF_INET6, copy.c_str(), buffer.data()) == 1;
}

bool IsIpv4SubnetMask(std::string_view text) {
  std::uint32_t mask = 0;
  if (!ParseIpv4(text, mask)) return false;
  const std::uint32_t inverted = ~mask;
  // Contiguous ones followed by zeros <=> the inverted mask is of the form 0...01...1.
  return (inverted & (inverted + 1)) == 0;
}

bool IsHostName(std::string_view text) {
  if (IsIpv4Address(text) || IsIpv6Address(text)) return true;
  if (text.empty() || text.size() > 253) return false;
  if (text.back() == '.') text.remove_suffix(1);
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t end = text.find('.', start);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view label = text.substr(start, end - start);
    if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-') {
      return false;
    }
    for (const char c : label) {
      if (!IsDnsLabelChar(c)) return false;
    }
    start = end + 1;
  }
  return true;
}

}  // namespace vsrd::manifests
