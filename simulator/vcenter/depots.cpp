// Offline depots of vLCM (docs/vsphere-api.md "Offline depots"; Swagger 8.0.2 esx.json,
// EsxSettingsDepots*):   GET    /api/esx/settings/depots/offline[/{depot}]
//   DELETE /api/esx/settings/depots/offline/{depot}
//   POST   /api/esx/settings/depots/offline?action=createFromHost&vmw-task=true
// The last extracts the software specification of an ESXi host into a new depot.
//
// State shape (also the scenario's `state.depots`, with defaults filled in):
//   {offline: {DEPOT_ID: Offline.Info {description, source_type: PULL|PUSH, location?, file_id?,
//                                      owner?, ownerdata?, create_time (null: clock.start)}
//                        + software_spec?: SoftwareSpec (simulator only: the content the depot
//                          holds, never answered)},
//    host_software: {HOST_ID: SoftwareSpec}       (inventory hosts, auth_type EXISTING),
//    standalone_hosts: {HOST_NAME: {user_name, password, ssl_thumbprint, ssl_certificate?, port,
//                                   software: SoftwareSpec}}   (auth_type USERNAME_PASSWORD),
//    create_from_host: {pending: "0s", duration: "2m", fail: false, error_type, error},
//    last_depot_number: 0}
// SoftwareSpec = {base_image: {version}, add_on?: {name, version}, components?: {name: version}}.
// A host without a declared software spec runs the base image kDefaultBaseImage. New depots are
// named "depot-N" with N = ++last_depot_number, so that an id is never reused (the format of
// real depot ids is not documented).
#include <algorithm>
#include <array>
#include <cctype>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include <fmt/format.h>

#include "manifests/common.hpp"
#include "simulator/vapi_error.hpp"
#include "simulator/vcenter/areas.hpp"
#include "simulator/vcenter/body_reader.hpp"
#include "simulator/vcenter/json_fields.hpp"
#include "simulator/vcenter/vcenter_persona.hpp"

namespace vsrd::simulator {
namespace {

using manifests::MapReader;
using manifests::ReadContext;
using nlohmann::json;

constexpr std::array<std::string_view, 2> kSourceTypes{"PULL", "PUSH"};
constexpr std::array<std::string_view, 2> kAuthTypes{"USERNAME_PASSWORD", "EXISTING"};
// The task's Info.service and Info.operation: vLCM reports the vAPI operation identifier of the
// task form, "$task" included (docs/simulator.md "Tasks").
constexpr std::string_view kService = "com.vmware.esx.settings.depots.offline";
constexpr std::string_view kOperation = "create_from_host$task";
constexpr std::string_view kMessagePrefix = "com.vmware.vsrd.sim.depots.offline.";
// ESXi 8.0 Update 2 (build 22380479): what a host runs unless the scenario says otherwise.
constexpr std::string_view kDefaultBaseImage = "8.0.2-0.0.22380479";
// The Offline.Summary / Offline.Info fields; everything else in a depot's state is the
// simulator's own.
constexpr std::array<std::string_view, 6> kSummaryFields{"description", "source_type", "location",
                                                         "file_id",     "owner",       "ownerdata"};

json DepotMessage(std::string_view id, std::string_view text) {
  return Message(std::string(kMessagePrefix) + std::string(id), text);
}

json DefaultSoftware() { return {{"base_image", {{"version", kDefaultBaseImage}}}}; }

// ---------------------------------------------------------------------------------------------
// Scenario decoding.

/// {id: item} with ids checked as object ids (or host names) and `decode_item` per item.
template <typename DecodeItem>
json DecodeKeyed(ReadContext& context, const YAML::Node& node, const std::string& path,
                 bool host_names, DecodeItem decode_item) {
  json out = json::object();
  if (!node.IsMap()) {
    context.Error(node, path, "must be a mapping, got " + manifests::DescribeNode(node));
    return out;
  }
  for (const auto& entry : node) {
    const auto key = host_names ? manifests::ReadHostName(context, entry.first, path)
                                : manifests::ReadObjectId(context, entry.first, path);
    if (!key) continue;
    out[*key] = decode_item(entry.second, JoinField(path, *key));
  }
  return out;
}

json DecodeSoftware(ReadContext& context, const YAML::Node& node, const std::string& path) {
  const MapReader map(context, node, path, {"base_image", "add_on", "components"});
  json out = json::object();
  if (const auto value = map.Require("base_image")) {
    const MapReader image(context, *value, map.Path("base_image"), {"version"});
    if (const auto version = image.Require("version")) {
      out["base_image"] = {
          {"version",
           manifests::ReadString(context, *version, image.Path("version")).value_or("")}};
    }
  }
  if (const auto value = map.Get("add_on")) {
    const MapReader add_on(context, *value, map.Path("add_on"), {"name", "version"});
    json item = json::object();
    for (const char* key : {"name", "version"}) {
      if (const auto text = add_on.Require(key)) {
        item[key] = manifests::ReadString(context, *text, add_on.Path(key)).value_or("");
      }
    }
    out["add_on"] = std::move(item);
  }
  if (const auto value = map.Get("components")) {
    json components = json::object();
    for (const auto& [name, version] :
         manifests::ReadStringMap(context, *value, map.Path("components"))
             .value_or(std::map<std::string, std::string>{})) {
      components[name] = version;
    }
    out["components"] = std::move(components);
  }
  return out;
}

json DecodeDepot(ReadContext& context, const YAML::Node& node, const std::string& path) {
  const MapReader map(context, node, path,
                      {"description", "source_type", "location", "file_id", "owner", "ownerdata",
                       "create_time", "software_spec"});
  json out = {{"description", ""}, {"create_time", nullptr}};
  std::string source_type;
  if (const auto value = map.Require("source_type")) {
    source_type =
        manifests::ReadOneOf(context, *value, map.Path("source_type"), kSourceTypes).value_or("");
    out["source_type"] = source_type;
  }
  if (const auto value = map.Get("description")) {
    // "" is a valid description ("If not set during import, it will be empty").
    if (!value->IsScalar()) {
      context.Error(*value, map.Path("description"),
                    "must be a string, got " + manifests::DescribeNode(*value));
    } else {
      out["description"] = value->Scalar();
    }
  }
  for (const auto& [key, relevant_for] :
       {std::pair{"location", "PULL"}, std::pair{"file_id", "PUSH"}}) {
    if (const auto value = map.Get(key)) {
      if (!source_type.empty() && source_type != relevant_for) {
        context.Error(*value, map.Path(key),
                      fmt::format("is set only when source_type is {}", relevant_for));
      }
      if (auto text = manifests::ReadString(context, *value, map.Path(key))) out[key] = *text;
    }
  }
  for (const char* key : {"owner", "ownerdata"}) {
    if (const auto value = map.Get(key)) {
      if (auto text = manifests::ReadString(context, *value, map.Path(key))) out[key] = *text;
    }
  }
  if (const auto value = map.Get("create_time")) {
    if (auto text = manifests::ReadString(context, *value, map.Path("create_time"))) {
      TimePoint time;
      if (ParseTime(*text, time)) {
        out["create_time"] = FormatTime(time);
      } else {
        context.Error(*value, map.Path("create_time"),
                      "must be an RFC 3339 UTC time such as 2026-01-01T00:00:00Z");
      }
    }
  }
  if (const auto value = map.Get("software_spec")) {
    out["software_spec"] = DecodeSoftware(context, *value, map.Path("software_spec"));
  }
  return out;
}

json DecodeStandaloneHost(ReadContext& context, const YAML::Node& node, const std::string& path) {
  const MapReader map(
      context, node, path,
      {"user_name", "password", "ssl_thumbprint", "ssl_certificate", "port", "software"});
  json out = {{"port", 443}, {"software", DefaultSoftware()}};
  for (const char* key : {"user_name", "password"}) {
    if (const auto value = map.Require(key)) {
      out[key] = manifests::ReadString(context, *value, map.Path(key)).value_or("");
    }
  }
  if (const auto value = map.Require("ssl_thumbprint")) {
    if (auto text = manifests::ReadString(context, *value, map.Path("ssl_thumbprint"))) {
      if (!manifests::IsSha1Thumbprint(*text)) {
        context.Error(*value, map.Path("ssl_thumbprint"),
                      "must be a SHA-1 thumbprint: 40 hex digits, or 20 colon-separated hex pairs");
      }
      out["ssl_thumbprint"] = *text;
    }
  }
  if (const auto value = map.Get("ssl_certificate")) {
    if (auto text = manifests::ReadString(context, *value, map.Path("ssl_certificate"))) {
      if (text->find("-----BEGIN CERTIFICATE-----") == std::string::npos) {
        context.Error(*value, map.Path("ssl_certificate"),
                      "must be a PEM certificate (-----BEGIN CERTIFICATE-----)");
      }
      out["ssl_certificate"] = *text;
    }
  }
  if (const auto value = map.Get("port")) {
    out["port"] = manifests::ReadInt(context, *value, map.Path("port"), 1, 65535).value_or(443);
  }
  if (const auto value = map.Get("software")) {
    out["software"] = DecodeSoftware(context, *value, map.Path("software"));
  }
  return out;
}

json DecodeTaskScript(ReadContext& context, const std::optional<YAML::Node>& node,
                      const std::string& path) {
  json out = {{"pending", "0s"},
              {"duration", "2m"},
              {"fail", false},
              {"error_type", "ERROR"},
              {"error", "The software specification of the host could not be extracted."}};
  if (!node) return out;
  const MapReader map(context, *node, path, {"pending", "duration", "fail", "error_type", "error"});
  for (const char* key : {"pending", "duration"}) {
    if (const auto value = map.Get(key)) {
      if (const auto duration =
              manifests::ReadDuration(context, *value, map.Path(key), Duration{0})) {
        out[key] = manifests::FormatDuration(*duration);
      }
    }
  }
  if (const auto value = map.Get("fail")) {
    out["fail"] = manifests::ReadBool(context, *value, map.Path("fail")).value_or(false);
  }
  if (const auto value = map.Get("error_type")) {
    if (auto text = manifests::ReadString(context, *value, map.Path("error_type"))) {
      if (!IsErrorType(*text)) {
        context.Error(*value, map.Path("error_type"),
                      fmt::format("must be a vAPI std-error type such as ERROR or "
                                  "RESOURCE_BUSY, got \"{}\"",
                                  *text));
      }
      out["error_type"] = *text;
    }
  }
  if (const auto value = map.Get("error")) {
    if (auto text = manifests::ReadString(context, *value, map.Path("error"))) {
      out["error"] = *text;
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Reading request bodies (with BodyReader, simulator/vcenter/body_reader.hpp).

/// Offline.HostCredentials.
struct HostCredentials {
  std::string host_name;
  std::string user_name;
  std::string password;
  std::int64_t port = 443;
  std::optional<std::string> ssl_thumb_print;
  std::optional<std::string> ssl_certificate;
};

/// Offline.ConnectionSpec. auth_type is the union tag: the field of the other case must not be
/// set (vapi.data.structure.union.extra), the field of its own case must.
struct ConnectionSpec {
  std::string auth_type;
  std::string host;
  HostCredentials credentials;
};

std::optional<ConnectionSpec> ReadConnectionSpec(BodyReader& in, const json& body) {
  if (!in.Struct(body, "", {"auth_type", "host_credential", "host"})) return std::nullopt;
  ConnectionSpec spec;
  const auto auth_type = in.String(body, "auth_type", "", true);
  if (!auth_type) return std::nullopt;
  if (std::find(kAuthTypes.begin(), kAuthTypes.end(), *auth_type) == kAuthTypes.end()) {
    in.Invalid(fmt::format("auth_type: must be one of USERNAME_PASSWORD, EXISTING, got \"{}\".",
                           *auth_type));
    return std::nullopt;
  }
  spec.auth_type = *auth_type;
  const bool existing = spec.auth_type == "EXISTING";
  const char* own = existing ? "host" : "host_credential";
  const char* other = existing ? "host_credential" : "host";
  if (FindMember(body, other) != nullptr) {
    in.Invalid(fmt::format("{}: must not be set when auth_type is {}.", other, spec.auth_type));
    return std::nullopt;
  }
  if (FindMember(body, own) == nullptr) {
    in.Invalid(fmt::format("{}: required when auth_type is {}.", own, spec.auth_type));
    return std::nullopt;
  }
  if (existing) {
    spec.host = in.String(body, "host", "", true).value_or("");
    if (!in.Ok()) return std::nullopt;
    return spec;
  }
  const json& credential = body.at("host_credential");
  const std::string path = "host_credential";
  if (!in.Struct(
          credential, path,
          {"host_name", "user_name", "password", "port", "ssl_thumb_print", "ssl_certificate"})) {
    return std::nullopt;
  }
  HostCredentials& out = spec.credentials;
  out.host_name = in.String(credential, "host_name", path, true).value_or("");
  out.user_name = in.String(credential, "user_name", path, true).value_or("");
  out.password = in.String(credential, "password", path, true).value_or("");
  out.ssl_thumb_print = in.String(credential, "ssl_thumb_print", path, false);
  out.ssl_certificate = in.String(credential, "ssl_certificate", path, false);
  if (!in.Ok()) return std::nullopt;
  if (const json* port = FindMember(credential, "port")) {
    const bool valid = port->is_number_unsigned() && port->get<std::uint64_t>() >= 1 &&
                       port->get<std::uint64_t>() <= 65535;
    if (!valid) {
      in.Invalid(fmt::format("host_credential.port: must be an integer from 1 to 65535, got {}.",
                             port->dump()));
      return std::nullopt;
    }
    out.port = port->get<std::int64_t>();
  }
  // 9.0: "mutually exclusive ... both set => InvalidArgument" (docs/vsphere-api.md "Offline
  // depots").
  if (out.ssl_thumb_print && out.ssl_certificate) {
    in.Invalid(
        "host_credential: ssl_thumb_print and ssl_certificate are mutually exclusive; set one.");
    return std::nullopt;
  }
  return spec;
}

/// The state key of the standalone host `name` (host names compare without case), or nullopt.
std::optional<std::string> FindStandaloneHost(const json& hosts, std::string_view name) {
  if (!hosts.is_object()) return std::nullopt;
  for (const auto& [key, value] : hosts.items()) {
    if (EqualsIgnoreCase(key, name)) return key;
  }
  return std::nullopt;
}

/// Logging in to a standalone host with `credentials`: nullopt on success, else the error.
std::optional<Response> ConnectToHost(const json& host, const HostCredentials& credentials) {
  const std::string thumbprint = StringMember(host, "ssl_thumbprint");
  const std::string certificate = StringMember(host, "ssl_certificate");
  const bool verified =
      credentials.ssl_certificate
          ? !certificate.empty() && NormalizeCertificate(*credentials.ssl_certificate) ==
                                        NormalizeCertificate(certificate)
          : credentials.ssl_thumb_print && NormalizeThumbprint(*credentials.ssl_thumb_print) ==
                                               NormalizeThumbprint(thumbprint);
  if (!verified) {
    // 8.0.2: "If unset, ... this operation will throw UnverifiedPeer with the host provided
    // thumbprint as data". The data structure is not documented: the simulator names its field
    // after HostCredentials.ssl_thumb_print (UNCONFIRMED), adding the certificate when known.
    json data = {{"ssl_thumb_print", thumbprint}};
    if (!certificate.empty()) data["ssl_certificate"] = certificate;
    return VapiError(
        "UNVERIFIED_PEER",
        fmt::format("The SSL certificate of host {} cannot be verified{}.", credentials.host_name,
                    credentials.ssl_thumb_print || credentials.ssl_certificate
                        ? ": it does not match the one given"
                        : ": no thumbprint was given"),
        data);
  }
  if (credentials.user_name != StringMember(host, "user_name") ||
      credentials.password != StringMember(host, "password")) {
    return VapiError("INVALID_ARGUMENT",
                     fmt::format("host_credential: cannot log in to host {}: the user name or "
                                 "password is incorrect.",
                                 credentials.host_name));
  }
  return std::nullopt;
}

/// Offline.Summary (or Offline.Info with `create_time`) of a stored depot: only spec fields.
json DepotSummary(const json& depot, bool with_create_time, TimePoint clock_start) {
  json out = json::object();
  for (const std::string_view key : kSummaryFields) {
    if (const json* value = FindMember(depot, key)) out[std::string(key)] = *value;
  }
  if (!out.contains("description")) out["description"] = "";
  if (with_create_time) {
    const json* time = FindMember(depot, "create_time");
    out["create_time"] = time != nullptr ? *time : json(FormatTime(clock_start));
  }
  return out;
}

/// The id of a depot already holding `software`, or "".
std::string DepotWithContent(const json& depots, const json& software) {
  if (!depots.is_object()) return "";
  for (const auto& [id, depot] : depots.items()) {
    const json* content = FindMember(depot, "software_spec");
    if (content != nullptr && *content == software) return id;
  }
  return "";
}

}  // namespace

nlohmann::json DecodeDepotsState(ReadContext& context, const YAML::Node& node) {
  const MapReader map(context, node, "state.depots",
                      {"offline", "host_software", "standalone_hosts", "create_from_host"});
  json out = {{"offline", json::object()},
              {"host_software", json::object()},
              {"standalone_hosts", json::object()},
              {"last_depot_number", 0}};
  if (const auto value = map.Get("offline")) {
    out["offline"] = DecodeKeyed(context, *value, map.Path("offline"), false,
                                 [&](const YAML::Node& item, const std::string& path) {
                                   return DecodeDepot(context, item, path);
                                 });
  }
  if (const auto value = map.Get("host_software")) {
    out["host_software"] = DecodeKeyed(context, *value, map.Path("host_software"), false,
                                       [&](const YAML::Node& item, const std::string& path) {
                                         return DecodeSoftware(context, item, path);
                                       });
  }
  if (const auto value = map.Get("standalone_hosts")) {
    out["standalone_hosts"] = DecodeKeyed(context, *value, map.Path("standalone_hosts"), true,
                                          [&](const YAML::Node& item, const std::string& path) {
                                            return DecodeStandaloneHost(context, item, path);
                                          });
  }
  out["create_from_host"] =
      DecodeTaskScript(context, map.Get("create_from_host"), map.Path("create_from_host"));
  return out;
}

void AddDepotRoutes(VcenterPersona& persona) {
  Router& router = persona.MutableRoutes();

  // GET /api/esx/settings/depots/offline -> 200 map<depot id, Offline.Summary>.
  router.Add("GET", "/api/esx/settings/depots/offline", "", "depots.offline.list",
             [&persona](const Request&, const PathParams&) {
               json out = json::object();
               for (const auto& [id, depot] : persona.State().at("depots").at("offline").items()) {
                 out[id] = DepotSummary(depot, false, persona.ScenarioEntry().clock_start);
               }
               return Response::Json(200, out);
             });

  // GET /api/esx/settings/depots/offline/{depot} -> 200 Offline.Info, 404 NOT_FOUND.
  router.Add(
      "GET", "/api/esx/settings/depots/offline/{depot}", "", "depots.offline.get",
      [&persona](const Request&, const PathParams& params) {
        const json& depots = persona.State().at("depots").at("offline");
        const json* depot = FindMember(depots, params.at("depot"));
        if (depot == nullptr) {
          return VapiError("NOT_FOUND", fmt::format("There is no depot {}.", params.at("depot")));
        }
        return Response::Json(200, DepotSummary(*depot, true, persona.ScenarioEntry().clock_start));
      });

  // DELETE /api/esx/settings/depots/offline/{depot} -> 204, 404 NOT_FOUND. The deprecated
  // non-task form removes the depot's record; RESOURCE_IN_USE (content used by a desired state)
  // is not modelled. The ?vmw-task=true form is not simulated.
  router.Add("DELETE", "/api/esx/settings/depots/offline/{depot}", "", "depots.offline.delete",
             [&persona](const Request& request, const PathParams& params) {
               if (request.Query("vmw-task") == "true") {
                 return VapiError("NOT_FOUND",
                                  "vsrd-sim does not simulate DELETE "
                                  "/api/esx/settings/depots/offline/{depot}?vmw-task=true.");
               }
               json& depots = persona.State().at("depots").at("offline");
               if (FindMember(depots, params.at("depot")) == nullptr) {
                 return VapiError("NOT_FOUND",
                                  fmt::format("There is no depot {}.", params.at("depot")));
               }
               depots.erase(params.at("depot"));
               return Response::NoContent();
             });

  // POST /api/esx/settings/depots/offline?action=createFromHost&vmw-task=true, body
  // Offline.ConnectionSpec -> 202 task id. Synchronous errors, in the order the server meets
  // them: the body's form (INVALID_ARGUMENT naming the field, UNEXPECTED_INPUT), then
  // EXISTING: a host id missing from the inventory is NOT_FOUND (the 404 of the spec);
  // USERNAME_PASSWORD: a host that cannot be reached (not among the scenario's standalone hosts
  // at that port) is INVALID_ARGUMENT (the simulator's choice: the certificate check needs the
  // connection before the task starts, and the documented error set has no connection error;
  // UNCONFIRMED), then the certificate (UNVERIFIED_PEER, data {ssl_thumb_print}), then the login
  // (INVALID_ARGUMENT). The task's result is Offline.DepotExtractInfo; the new depot appears
  // when the task succeeds. When a depot already holds the host's software specification, the
  // result depot is "" ("the depot contents are already present in VC cache") and no depot is
  // added.
  router.Add(
      "POST", "/api/esx/settings/depots/offline", "createFromHost",
      "depots.offline.create_from_host$task",
      [&persona](const Request& request, const PathParams&) {
        if (request.Query("vmw-task") != "true") {
          return VapiError("NOT_FOUND",
                           "No operation POST /api/esx/settings/depots/offline?action="
                           "createFromHost without vmw-task=true: it exists only as a task.");
        }
        Response error;
        const auto body = ParseJsonBody(request, error);
        if (!body) return error;
        BodyReader in;
        const auto spec = ReadConnectionSpec(in, *body);
        if (!spec) return in.Problem();

        json& depots = persona.State().at("depots");
        json software;
        std::string host_label;
        if (spec->auth_type == "EXISTING") {
          const json& hosts = persona.State().at("inventory").at("hosts");
          const json* host = FindMember(hosts, spec->host);
          if (host == nullptr) {
            return VapiError("NOT_FOUND",
                             fmt::format("There is no host {} in the inventory.", spec->host));
          }
          host_label =
              StringMember(*host, "name").empty() ? spec->host : StringMember(*host, "name");
          const json* declared = FindMember(depots.at("host_software"), spec->host);
          software = declared != nullptr ? *declared : DefaultSoftware();
        } else {
          const HostCredentials& credentials = spec->credentials;
          const json& hosts = depots.at("standalone_hosts");
          const auto key = FindStandaloneHost(hosts, credentials.host_name);
          if (!key || hosts.at(*key).value("port", std::int64_t{443}) != credentials.port) {
            return VapiError("INVALID_ARGUMENT",
                             fmt::format("host_credential.host_name: cannot connect to host "
                                         "{}:{}.",
                                         credentials.host_name, credentials.port));
          }
          const json& host = hosts.at(*key);
          if (auto failed = ConnectToHost(host, credentials)) return *failed;
          host_label = credentials.host_name;
          software = host.contains("software") ? host.at("software") : DefaultSoftware();
        }

        const json& script = depots.at("create_from_host");
        const auto pending = manifests::ParseDuration(script.at("pending").get<std::string>());
        const auto duration = manifests::ParseDuration(script.at("duration").get<std::string>());
        if (!pending || !duration) {
          return VapiError("ERROR",
                           "vsrd-sim: state.depots.create_from_host has a malformed duration.");
        }
        const TimePoint end = persona.Now() + *pending + *duration;
        const std::string existing = DepotWithContent(depots.at("offline"), software);
        std::string depot_id;
        json notification = {{"type", "INFO"}, {"time", FormatTime(end)}};
        if (existing.empty()) {
          std::int64_t number = depots.value("last_depot_number", std::int64_t{0});
          do {
            depot_id = fmt::format("depot-{}", ++number);
          } while (depots.at("offline").contains(depot_id));
          depots["last_depot_number"] = number;
          notification["id"] = std::string(kMessagePrefix) + "extracted";
          notification["message"] = DepotMessage(
              "extracted", fmt::format("The software specification of host {} was extracted "
                                       "into depot {}.",
                                       host_label, depot_id));
        } else {
          notification["id"] = std::string(kMessagePrefix) + "present";
          notification["message"] =
              DepotMessage("present", fmt::format("The software specification of host {} is "
                                                  "already present in depot {}.",
                                                  host_label, existing));
        }

        CisTaskSpec task;
        task.service = std::string(kService);
        task.operation = std::string(kOperation);
        task.description = fmt::format("Extract the software specification of host {}", host_label);
        task.user = persona.User();
        task.pending_for = *pending;
        task.run_for = *duration;
        task.fail = script.at("fail").get<bool>();
        task.error = ErrorBody(script.at("error_type").get<std::string>(),
                               script.at("error").get<std::string>());
        task.result = {{"notifications", {{"info", json::array({notification})}}},
                       {"software_spec", software},
                       {"result", {{"depot", depot_id}}}};
        if (!depot_id.empty()) {
          // Source type of an extracted depot: the content is pushed into vLCM from the host,
          // not pulled from a URL, so PUSH (without a file_id); UNCONFIRMED.
          json depot = {{"description", fmt::format("Extracted from host {}", host_label)},
                        {"source_type", "PUSH"},
                        {"create_time", FormatTime(end)},
                        {"software_spec", software}};
          if (!persona.User().empty()) depot["owner"] = persona.User();
          // Runs inside Tick (also from Simulator::Advance, outside Handle's catch): it must not
          // throw, whatever shape a patch gave the state.
          task.on_success = [&persona, depot_id, depot = std::move(depot)]() {
            json& state = persona.State();
            if (!state.is_object() || !state.contains("depots")) return;
            json& area = state["depots"];
            if (!area.is_object() || !area.contains("offline") || !area["offline"].is_object()) {
              return;
            }
            area["offline"][depot_id] = depot;
          };
        }
        return Response::Json(202, persona.Tasks().Start(std::move(task), persona.Now()));
      });
}

}  // namespace vsrd::simulator
