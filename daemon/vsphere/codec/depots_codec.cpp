#include "daemon/vsphere/codec/depots_codec.hpp"

#include <algorithm>
#include <string>
#include <utility>

#include <nlohmann/json.hpp>

#include "daemon/vsphere/codec/json_reader.hpp"

// Offline.Summary {description*, source_type*, location?, file_id?, owner?, ownerdata?} and
// Offline.Info (+ create_time*), Swagger 8.0.2 EsxSettingsDepotsOffline*. source_type is kept as
// text (PULL | PUSH) without checking the value: the port holds a string. The ConnectionSpec
// follows EsxSettingsDepotsOfflineConnectionSpec / HostCredentials; ssl_certificate is the 9.0
// addition (docs/vsphere-api.md "What the vendored Swagger files do not cover"), written only when
// set.

namespace vsrd::daemon::vsphere::codec {
namespace {

using nlohmann::json;

ports::OfflineDepot ReadSummary(const std::string& id, const JsonReader& reader) {
  ports::OfflineDepot depot;
  depot.id = id;
  depot.description = reader.RequiredString("description");
  depot.source_type = reader.RequiredString("source_type");
  depot.location = reader.OptionalString("location");
  depot.file_id = reader.OptionalString("file_id");
  depot.owner = reader.OptionalString("owner");
  depot.ownerdata = reader.OptionalString("ownerdata");
  return depot;
}

}  // namespace

ports::Result<std::vector<ports::OfflineDepot>> DecodeOfflineDepotMap(std::string_view operation,
                                                                      std::string_view body) {
  return DecodeDocument<std::vector<ports::OfflineDepot>>(
      operation, body, [](const JsonReader& root) {
        std::vector<ports::OfflineDepot> depots;
        for (const auto& [id, summary] : root.Members()) {
          depots.push_back(ReadSummary(id, summary));
        }
        std::sort(depots.begin(), depots.end(),
                  [](const auto& a, const auto& b) { return a.id < b.id; });
        return depots;
      });
}

ports::Result<ports::OfflineDepot> DecodeOfflineDepotInfo(std::string_view operation,
                                                          const std::string& id,
                                                          std::string_view body) {
  return DecodeDocument<ports::OfflineDepot>(operation, body, [&id](const JsonReader& root) {
    ports::OfflineDepot depot = ReadSummary(id, root);
    depot.create_time = root.Required("create_time").Time();
    return depot;
  });
}

std::string EncodeDepotConnectionSpec(const ports::DepotConnectionSpec& spec) {
  json out = {
      {"auth_type", manifests::kDepotAuthTypeNames.at(static_cast<std::size_t>(spec.auth_type))}};
  if (spec.host_credential) {
    const ports::DepotHostCredentials& credential = *spec.host_credential;
    json host_credential = {{"host_name", credential.host_name},
                            {"user_name", credential.user_name},
                            {"password", credential.password.Reveal()}};
    if (credential.port) host_credential["port"] = *credential.port;
    if (credential.ssl_thumb_print)
      host_credential["ssl_thumb_print"] = *credential.ssl_thumb_print;
    if (credential.ssl_certificate)
      host_credential["ssl_certificate"] = *credential.ssl_certificate;
    out["host_credential"] = std::move(host_credential);
  }
  if (spec.host) out["host"] = *spec.host;
  return DumpCompact(out);
}

}  // namespace vsrd::daemon::vsphere::codec
