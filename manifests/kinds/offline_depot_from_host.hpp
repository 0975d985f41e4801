#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "manifests/common.hpp"

// OfflineDepotFromHost: an offline depot extracted from one ESXi host exists in vLCM.
// Exactly one of `host` (ConnectionSpec auth_type EXISTING) or `host_credential`
// (auth_type USERNAME_PASSWORD) is set; see Esx.Settings.Depots.Offline.ConnectionSpec in
// docs/vsphere-api.md "Offline depots". The host password is referenced, never written inline.

namespace vsrd::manifests {

enum class DepotAuthType { kExisting, kUsernamePassword };
inline constexpr std::array<std::string_view, 2> kDepotAuthTypeNames{"EXISTING",
                                                                     "USERNAME_PASSWORD"};

/// Offline.HostCredentials with the password replaced by a reference to it.
struct HostCredential {
  std::string host_name;
  std::string user_name;
  SecretRef password;
  std::optional<std::int64_t> port;
  std::optional<std::string> ssl_thumb_print;  ///< SHA-1, deprecated in 9.0
  std::optional<std::string> ssl_certificate;  ///< PEM, 9.0+; exclusive with ssl_thumb_print
};

struct OfflineDepotFromHostSpec {
  std::optional<std::string> host;  ///< HostSystem id, auth_type EXISTING
  std::optional<HostCredential> host_credential;

  DepotAuthType AuthType() const {
    return host ? DepotAuthType::kExisting : DepotAuthType::kUsernamePassword;
  }
};

inline constexpr std::array<std::string_view, 2> kOfflineDepotFromHostFields{"host",
                                                                             "host_credential"};

/// Decodes the kind-specific fields of `spec`; nullopt when any problem was reported.
std::optional<OfflineDepotFromHostSpec> DecodeOfflineDepotFromHostSpec(const MapReader& spec);

}  // namespace vsrd::manifests
