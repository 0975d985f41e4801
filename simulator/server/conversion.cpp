#include "simulator/server/conversion.hpp"

#include <algorithm>
#include <cctype>

#include "manifests/utf8.hpp"
#include "net/response_writer.hpp"

namespace vsrd::simulator::server {
namespace {

namespace http = boost::beast::http;
using manifests::IsUtf8;

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
