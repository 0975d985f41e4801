#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

// Small helpers the vCenter areas use to read request bodies and state documents.

namespace vsrd::simulator {

/// "placement" + "folder" -> "placement.folder"; "" + "spec" -> "spec".
std::string JoinField(std::string_view parent, std::string_view key);

/// A member of a JSON object, or nullptr when absent or null (vAPI's unset optional field).
const nlohmann::json* FindMember(const nlohmann::json& object, std::string_view key);

/// A string member, or "" when absent, null or not a string.
std::string StringMember(const nlohmann::json& object, std::string_view key);

bool EqualsIgnoreCase(std::string_view a, std::string_view b);

/// Thumbprints compare without their colons and case: "ab:cd" is "ABCD".
std::string NormalizeThumbprint(std::string_view text);

/// PEM certificates compare without whitespace (line breaks differ between clients).
std::string NormalizeCertificate(std::string_view text);

}  // namespace vsrd::simulator
