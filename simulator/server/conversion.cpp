#include "simulator/server/conversion.hpp"

#include <algorithm>
#include <cctype>

#include "net/response_writer.hpp"

namespace vsrd::simulator::server {
namespace {

namespace http = boost::beast::http;

// RFC 3629 UTF-8: no overlong forms, no surrogates, nothing above U+10FFFF.
bool IsUtf8(std::string_view text) {
  std::size_t i = 0;
  while (i < text.size()) {
    const auto lead = static_cast<unsigned char>(text[i]);
    std::size_t length = 0;
    unsigned char low = 0x80;
    unsigned char high = 0xBF;
    if (lead < 0x80) {
      ++i;
      continue;
    } else if (lead >= 0xC2 && lead <= 0xDF) {
      length = 2;
    } else if (lead >= 0xE0 && lead <= 0xEF) {
      length = 3;
      if (lead == 0xE0) low = 0xA0;   // overlong
      if (lead == 0xED) high = 0x9F;  // surrogates
    } else if (lead >= 0xF0 && lead <= 0xF4) {
      length = 4;
      if (lead == 0xF0) low = 0x90;   // overlong
      if (lead == 0xF4) high = 0x8F;  // above U+10FFFF
    } else {
      return false;
    }
    if (text.size() - i < length) return false;
    for (std::size_t k = 1; k < length; ++k) {
      const auto next = static_cast<unsigned char>(text[i + k]);
      if (next < (k == 1 ? low : 0x80) || next > (k == 1 ? high : 0xBF)) return false;
    }
    i += length;
  }
  return true;
}

}  // namespace

std::optional<Request> ToSimulatorRequest(BeastRequest&& message, std::string remote_address) {
  const std::string_view target = message.target();
  // Request::FromTarget keeps a malformed escape as it is; a server must not guess.
  if (target.empty() || target.front() != '/' || !PercentDecode(target)) return std::nullopt;
  Request request =
      Request::FromTarget(std::string(message.method_string()), target, std::move(message.body()));
  for (const auto& field : message) {
    std::string name(field.name_string());
    std::transform(name.begin(), name.end(), name.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    const auto [it, inserted] = request.headers.emplace(std::move(name), field.value());
    if (!inserted) {
      it->second += ", ";
      it->second += field.value();
    }
  }
  // The simulator logs paths and queries and echoes them in JSON error messages: bytes that
  // are not UTF-8 cannot be JSON strings. vSphere's paths and ids are ASCII.
  if (!IsUtf8(request.path)) return std::nullopt;
  for (const auto& [key, value] : request.query) {
    if (!IsUtf8(key) || !IsUtf8(value)) return std::nullopt;
  }
  request.remote_address = std::move(remote_address);
  return request;
}

BeastResponse ToBeastResponse(const Response& response, unsigned version, bool keep_alive) {
  return net::MakeResponse(response.status, version, keep_alive, "vsrd-sim", response.headers,
                           response.body);
}

}  // namespace vsrd::simulator::server
