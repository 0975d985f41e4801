#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "manifests/diagnostic.hpp"
#include "manifests/duration.hpp"
#include "manifests/yaml_reader.hpp"

// Types shared by several manifest kinds and by the daemon config.

namespace vsrd::manifests {

/// The five manifest kinds of docs/manifests.md.
enum class Kind {
  kVchaPassiveNode,
  kOfflineDepotFromHost,
  kApplianceUpdate,
  kApplianceInstall,
  kGuestCustomizationCheck,
};
inline constexpr std::array<std::string_view, 5> kKindNames{
    "VchaPassiveNode", "OfflineDepotFromHost", "ApplianceUpdate", "ApplianceInstall",
    "GuestCustomizationCheck"};
inline std::string_view KindName(Kind kind) {
  return kKindNames.at(static_cast<std::size_t>(kind));
}
std::optional<Kind> ParseKind(std::string_view name);
/// "VchaPassiveNode, OfflineDepotFromHost, ...": every kind, for "unknown kind" messages.
std::string KindNamesList();

/// A name used somewhere in a manifest, with where it was written (for cross-file errors).
struct NameRef {
  std::string name;
  SourceLocation location;
};

/// `{kind, name}` as used by `policy.depends_on`.
struct ObjectRef {
  Kind kind = Kind::kVchaPassiveNode;
  std::string name;
  SourceLocation location;
};

/// Where a secret is read from at the moment it is needed; never the secret itself.
struct SecretRef {
  enum class Source { kFile, kEnv, kCredential };

  SecretRef() = default;
  SecretRef(Source source_in, std::string value_in, SourceLocation location_in = {})
      : source(source_in), value(std::move(value_in)), location(std::move(location_in)) {}

  Source source = Source::kFile;
  /// A path (kFile), an environment variable name (kEnv) or a systemd credential name.
  std::string value;
  /// Where the field is written (for errors about the reference; not part of equality).
  SourceLocation location;

  friend bool operator==(const SecretRef& a, const SecretRef& b) {
    return a.source == b.source && a.value == b.value;
  }
};

/// An environment variable name: [A-Za-z_][A-Za-z0-9_]*.
bool IsEnvName(std::string_view text);
/// A systemd credential name: one path component (no '/', not "." or "..").
bool IsCredentialName(std::string_view text);

/// Reads exactly one of password_file / password_env / password_credential from `map`.
/// `map` must allow those three keys. A relative password_file is an error unless
/// `relative_base` is given, in which case it is resolved against it.
std::optional<SecretRef> DecodeSecretRef(const MapReader& map,
                                         const std::optional<std::string>& relative_base);
inline constexpr std::array<std::string_view, 3> kSecretRefFields{"password_file", "password_env",
                                                                  "password_credential"};

/// Mutation window of `policy.window`: mutations start only inside it.
struct Window {
  enum class Day { kMon, kTue, kWed, kThu, kFri, kSat, kSun };
  std::vector<Day> days;  ///< empty = every day
  int start_minute = 0;   ///< minutes after local midnight
  Duration duration{0};
  std::string timezone = "UTC";
};
inline constexpr std::array<std::string_view, 7> kDayNames{"mon", "tue", "wed", "thu",
                                                           "fri", "sat", "sun"};

/// The common `spec.policy`. Unset durations and max_failures take the config's `defaults`.
struct Policy {
  std::optional<Duration> interval;
  std::optional<Duration> retry_interval;
  std::optional<Duration> timeout;
  bool suspend = false;
  std::vector<ObjectRef> depends_on;
  std::optional<Window> window;
  std::optional<std::int64_t> max_failures;
};
std::optional<Policy> DecodePolicy(ReadContext& context, const YAML::Node& node,
                                   const std::string& path);

/// A SHA-1 thumbprint as vSphere prints it: 40 hex digits, optionally colon-separated pairs.
bool IsSha1Thumbprint(std::string_view text);
/// A SHA-256 thumbprint: 64 hex digits, optionally colon-separated pairs.
bool IsSha256Thumbprint(std::string_view text);

/// Reads a string that must name a host (DNS name or IP address).
std::optional<std::string> ReadHostName(ReadContext& context, const YAML::Node& node,
                                        std::string_view field);
/// Reads a string that must be a DNS-1123 label (object and target names).
std::optional<std::string> ReadDnsLabel(ReadContext& context, const YAML::Node& node,
                                        std::string_view field);
/// Reads a vSphere managed-object id such as "host-12" or "datastore-15": no spaces, no '/'.
std::optional<std::string> ReadObjectId(ReadContext& context, const YAML::Node& node,
                                        std::string_view field);

}  // namespace vsrd::manifests
