#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace vsrd::simulator {

/// Standard base64 (RFC 4648, with padding). nullopt on malformed input.
std::optional<std::string> Base64Decode(std::string_view text);
std::string Base64Encode(std::string_view bytes);

}  // namespace vsrd::simulator
