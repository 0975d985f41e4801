#include "manifests/kinds/offline_depot_from_host.hpp"

namespace vsrd::manifests {
namespace {

std::optional<HostCredential> DecodeHostCredential(ReadContext& context, const YAML::Node& node,
                                                   const std::string& path) {
  const MapReader map(context, node, path,
                      {"host_name", "user_name", "password_file", "password_env",
                       "password_credential", "port", "ssl_thumb_print", "ssl_certificate"});
  if (!map.IsValid()) return std::nullopt;
  const std::size_t errors = context.ErrorCount();
  HostCredential credential;
  if (const auto value = map.Require("host_name")) {
    credential.host_name = ReadHostName(context, *value, map.Path("host_name")).value_or("");
  }
  if (const auto value = map.Require("user_name")) {
    credential.user_name = ReadString(context, *value, map.Path("user_name")).value_or("");
  }
  if (auto secret = DecodeSecretRef(map, std::nullopt)) credential.password = std::move(*secret);
  if (const auto value = map.Get("port")) {
    credential.port = ReadInt(context, *value, map.Path("port"), 1, 65535);
  }
  if (const auto value = map.Get("ssl_thumb_print")) {
    if (auto text = ReadString(context, *value, map.Path("ssl_thumb_print"))) {
      if (IsSha1Thumbprint(*text)) {
        credential.ssl_thumb_print = std::move(*text);
      } else {
        context.Error(*value, map.Path("ssl_thumb_print"),
                      "must be a SHA-1 thumbprint: 40 hex digits, optionally as colon-separated "
                      "pairs");
      }
    }
  }
  if (const auto value = map.Get("ssl_certificate")) {
    if (auto text = ReadString(context, *value, map.Path("ssl_certificate"))) {
      if (text->find("-----BEGIN CERTIFICATE-----") != std::string::npos) {
        credential.ssl_certificate = std::move(*text);
      } else {
        context.Error(*value, map.Path("ssl_certificate"),
                      "must be a PEM certificate (-----BEGIN CERTIFICATE-----)");
      }
    }
    // HostCredentials: both set => InvalidArgument from vSphere 9.0; reject before the call.
    if (map.Has("ssl_thumb_print")) {
      context.Error(*value, map.Path("ssl_certificate"),
                    "set only one of ssl_thumb_print or ssl_certificate");
    }
  }
  if (context.ErrorCount() != errors) return std::nullopt;
  return credential;
}

}  // namespace

std::optional<OfflineDepotFromHostSpec> DecodeOfflineDepotFromHostSpec(const MapReader& spec) {
  ReadContext& context = spec.Context();
  const std::size_t errors = context.ErrorCount();
  OfflineDepotFromHostSpec out;
  const auto host = spec.Get("host");
  const auto credential = spec.Get("host_credential");
  if (host && credential) {
    context.Error(*credential, spec.Path("host_credential"),
                  "set either host (auth_type EXISTING) or host_credential (auth_type "
                  "USERNAME_PASSWORD), not both");
  } else if (!host && !credential) {
    context.Error(spec.MapNode(), spec.FieldPath(),
                  "set host (a host id known to the vCenter, auth_type EXISTING) or "
                  "host_credential (auth_type USERNAME_PASSWORD)");
  }
  if (host) out.host = ReadObjectId(context, *host, spec.Path("host"));
  if (credential) {
    out.host_credential = DecodeHostCredential(context, *credential, spec.Path("host_credential"));
  }
  if (context.ErrorCount() != errors) return std::nullopt;
  return out;
}

}  // namespace vsrd::manifests
