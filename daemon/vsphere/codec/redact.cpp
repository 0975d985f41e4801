#include "daemon/vsphere/codec/redact.hpp"

#include <algorithm>
#include <array>
#include <cctype>

#include <nlohmann/json.hpp>

#include "daemon/vsphere/codec/json_reader.hpp"
#include "net/bounded_json.hpp"
#include "reconcilers/ports/secret.hpp"

namespace vsrd::daemon::vsphere::codec {
namespace {

using nlohmann::json;

std::string Lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

/// Replaces, in place and at any depth, the values that may be secrets.
void Redact(json& value) {
  if (value.is_array()) {
    for (auto& element : value) Redact(element);
    return;
  }
  if (!value.is_object()) return;
  for (auto& [key, member] : value.items()) {
    const std::string name = Lower(key);
    if (name.find("password") != std::string::npos || name == "session_id") {
      member = ports::Secret::kRedacted;
    } else if (name == "user_data") {
      // The keys are the precheck's question ids, worth seeing; every answer may be a secret.
      if (member.is_object()) {
        for (auto& answer : member) answer = ports::Secret::kRedacted;
      } else if (!member.is_null()) {
        member = ports::Secret::kRedacted;
      }
    } else {
      Redact(member);
    }
  }
}

}  // namespace

std::string RedactBodyForLog(std::string_view body) {
  // Bounded: Redact and the dump recurse once per level.
  net::JsonError problem;
  auto parsed = net::ParseJsonBounded(body, &problem);
  if (!parsed) {
    return "(" + std::to_string(body.size()) + " bytes, " +
           (problem.too_deep ? problem.message : std::string("not JSON")) + ")";
  }
  Redact(*parsed);
  return DumpCompact(*parsed);
}

std::string RedactHeaderForLog(std::string_view name, std::string_view value) {
  static constexpr std::array<std::string_view, 5> kSensitive{
      "authorization", "vmware-api-session-id", "x-dr-session", "cookie", "set-cookie"};
  const std::string lower = Lower(name);
  if (std::find(kSensitive.begin(), kSensitive.end(), lower) != kSensitive.end()) {
    return ports::Secret::kRedacted;
  }
  return std::string(value);
}

}  // namespace vsrd::daemon::vsphere::codec
