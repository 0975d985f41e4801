#include "daemon/config.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <set>
#include <sstream>
#include <vector>

#include "daemon/http/api_access.hpp"
#include "manifests/bounded_file.hpp"
#include "manifests/names.hpp"
#include "manifests/net_address.hpp"
#include "manifests/yaml_reader.hpp"
#include "net/listen_address.hpp"

namespace vsrd::daemon {
namespace {

using manifests::Diagnostic;
using manifests::Kind;
using manifests::MapReader;
using manifests::ReadContext;
using manifests::SourceLocation;

std::string ResolvePath(const std::string& base_dir, const std::string& path) {
  const std::filesystem::path p(path);
  if (p.is_absolute()) return p.lexically_normal().string();
  return (std::filesystem::path(base_dir) / p).lexically_normal().string();
}

std::optional<std::string> ReadPath(ReadContext& context, const YAML::Node& node,
                                    std::string_view field, const std::string& base_dir) {
  auto text = manifests::ReadString(context, node, field);
  if (!text) return std::nullopt;
  return ResolvePath(base_dir, *text);
}

bool IsPort(std::string_view text, bool allow_zero) {
  if (text.empty() || text.size() > 5) return false;
  int value = 0;
  for (const char c : text) {
    if (c < '0' || c > '9') return false;
    value = value * 10 + (c - '0');
  }
  return value <= 65535 && (allow_zero || value > 0);
}

// Returns an error message, or "" when the URL is acceptable: https, a host, an optional port,
// nothing else. Credentials in a URL would end up in logs, hence the explicit rule.
std::string CheckTargetUrl(std::string_view url) {
  constexpr std::string_view kScheme = "https://";
  if (!url.starts_with(kScheme)) {
    return "must start with https:// (vsrd talks to vSphere over TLS only)";
  }
  std::string_view rest = url.substr(kScheme.size());
  if (rest.ends_with("/")) rest.remove_suffix(1);
  if (rest.find('@') != std::string_view::npos) {
    return "must not contain credentials; use username and password_file";
  }
  if (rest.find_first_of("/?#") != std::string_view::npos) {
    return "must be https://HOST or https://HOST:PORT, without a path, query or fragment";
  }
  std::string_view host = rest;
  std::string_view port;
  if (rest.starts_with("[")) {
    const auto close = rest.find(']');
    if (close == std::string_view::npos) return "has an unterminated [IPv6] host";
    host = rest.substr(1, close - 1);
    const std::string_view after = rest.substr(close + 1);
    if (!after.empty()) {
      if (!after.starts_with(":")) return "has unexpected text after the [IPv6] host";
      port = after.substr(1);
      if (!IsPort(port, false)) return "has an invalid port";
    }
    if (!manifests::IsIpv6Address(host)) return "has an invalid IPv6 host";
    return "";
  }
  if (const auto colon = rest.rfind(':'); colon != std::string_view::npos) {
    host = rest.substr(0, colon);
    port = rest.substr(colon + 1);
    if (!IsPort(port, false)) return "has an invalid port";
  }
  if (!manifests::IsHostName(host)) return "has an invalid host name";
  return "";
}

std::optional<TargetConfig> DecodeTarget(ReadContext& context, const std::string& name,
                                         const YAML::Node& node, const std::string& path,
                                         const std::string& base_dir) {
  const MapReader map(
      context, node, path,
      {"api", "url", "username", "password_file", "password_env", "password_credential", "tls",
       "requests_per_second", "max_concurrent_mutations", "request_timeout"});
  if (!map.IsValid()) return std::nullopt;
  const std::size_t errors = context.ErrorCount();
  TargetConfig target;
  target.name = name;
  if (const auto value = map.Require("api")) {
    target.api = manifests::ReadEnum<ApiFlavor>(context, *value, map.Path("api"), kApiFlavorNames)
                     .value_or(ApiFlavor::kVcenter);
  }
  if (const auto value = map.Require("url")) {
    if (auto url = manifests::ReadString(context, *value, map.Path("url"))) {
      if (const auto problem = CheckTargetUrl(*url); !problem.empty()) {
        context.Error(*value, map.Path("url"), problem);
      } else {
        if (url->ends_with("/")) url->pop_back();
        target.url = std::move(*url);
      }
    }
  }
  if (const auto value = map.Require("username")) {
    target.username = manifests::ReadString(context, *value, map.Path("username")).value_or("");
  }
  if (auto secret = manifests::DecodeSecretRef(map, base_dir)) target.password = std::move(*secret);
  if (const auto value = map.Get("tls")) {
    const MapReader tls(context, *value, map.Path("tls"),
                        {"ca_file", "thumbprint_sha256", "insecure_skip_verify"});
    if (const auto ca = tls.Get("ca_file")) {
      target.tls.ca_file = ReadPath(context, *ca, tls.Path("ca_file"), base_dir);
    }
    if (const auto pin = tls.Get("thumbprint_sha256")) {
      if (auto text = manifests::ReadString(context, *pin, tls.Path("thumbprint_sha256"))) {
        if (manifests::IsSha256Thumbprint(*text)) {
          target.tls.thumbprint_sha256 = std::move(*text);
        } else {
          context.Error(*pin, tls.Path("thumbprint_sha256"),
                        "must be a SHA-256 thumbprint: 64 hex digits, optionally as "
                        "colon-separated pairs");
        }
      }
    }
    if (const auto skip = tls.Get("insecure_skip_verify")) {
      target.tls.insecure_skip_verify =
          manifests::ReadBool(context, *skip, tls.Path("insecure_skip_verify")).value_or(false);
    }
  }
  if (const auto value = map.Get("requests_per_second")) {
    target.requests_per_second =
        manifests::ReadNumber(context, *value, map.Path("requests_per_second"), 0).value_or(10);
  }
  if (const auto value = map.Get("max_concurrent_mutations")) {
    target.max_concurrent_mutations =
        manifests::ReadInt(context, *value, map.Path("max_concurrent_mutations"), 1, 64)
            .value_or(1);
  }
  if (const auto value = map.Get("request_timeout")) {
    if (const auto timeout = manifests::ReadDuration(context, *value, map.Path("request_timeout"),
                                                     std::chrono::seconds(1))) {
      // A pass starts calls only while a request timeout fits in its budget (kPassBudget, 4m;
      // daemon/vsphere/pass_budget.hpp): at most 2m leaves at least half of it for calls.
      if (*timeout > kMaxRequestTimeout) {
        context.Error(*value, map.Path("request_timeout"),
                      "at most 2m (a reconcile pass has 4m for its API calls), got " +
                          manifests::FormatDuration(*timeout));
      } else {
        target.request_timeout = *timeout;
      }
    }
  }
  if (context.ErrorCount() != errors) return std::nullopt;
  return target;
}

void DecodeDefaults(ReadContext& context, const YAML::Node& node, PolicyDefaults& defaults) {
  const MapReader map(context, node, "defaults",
                      {"interval", "retry_interval", "timeout", "max_failures"});
  for (const auto& [key, target] : {std::pair{"interval", &defaults.interval},
                                    std::pair{"retry_interval", &defaults.retry_interval},
                                    std::pair{"timeout", &defaults.timeout}}) {
    if (const auto value = map.Get(key)) {
      if (const auto d = manifests::ReadDuration(context, *value, map.Path(key), Duration{1})) {
        *target = *d;
      }
    }
  }
  if (const auto value = map.Get("max_failures")) {
    if (const auto n = manifests::ReadInt(context, *value, map.Path("max_failures"), 1, 1000)) {
      defaults.max_failures = *n;
    }
  }
}

void DecodeSecrets(ReadContext& context, const YAML::Node& node, const std::string& base_dir,
                   SecretsConfig& secrets) {
  const MapReader map(context, node, "secrets",
                      {"directories", "env", "credentials", "target_credentials"});
  if (!map.IsValid()) return;
  // Each list: its items checked one by one, each bad one reported at its own position.
  const auto read = [&](std::string_view key, const auto& valid, std::string_view rule,
                        std::vector<std::string>& out) {
    const auto value = map.Get(key);
    if (!value) return;
    const auto items = manifests::ReadSequence(context, *value, map.Path(key));
    if (!items) return;
    std::size_t index = 0;
    for (const auto& item : *items) {
      const std::string path = map.Path(key) + "[" + std::to_string(index++) + "]";
      auto text = manifests::ReadString(context, item, path);
      if (!text) continue;
      if (!valid(*text)) {
        context.Error(item, path, std::string(rule) + ", got \"" + *text + "\"");
        continue;
      }
      out.push_back(std::move(*text));
    }
  };
  read(
      "directories", [](const std::string&) { return true; }, "", secrets.directories);
  for (auto& directory : secrets.directories) directory = ResolvePath(base_dir, directory);
  read(
      "env", [](const std::string& text) { return manifests::IsEnvName(text); },
      "must be an environment variable name ([A-Za-z_][A-Za-z0-9_]*)", secrets.env);
  read(
      "credentials", [](const std::string& text) { return manifests::IsCredentialName(text); },
      "must be a systemd credential name (no '/')", secrets.credentials);
  read(
      "target_credentials", [](const std::string& text) { return manifests::IsDns1123Label(text); },
      "must be a target name", secrets.target_credentials);
}

void DecodeHttp(ReadContext& context, const YAML::Node& node, HttpConfig& http) {
  const MapReader map(context, node, "http", {"allowed_hosts"});
  const auto value = map.Get("allowed_hosts");
  if (!value) return;
  const std::string field = map.Path("allowed_hosts");
  const auto sequence = manifests::ReadSequence(context, *value, field);
  if (!sequence) return;
  for (std::size_t i = 0; i < sequence->size(); ++i) {
    const YAML::Node item = (*sequence)[i];
    const std::string path = manifests::IndexPath(field, i);
    const auto entry = manifests::ReadString(context, item, path);
    if (!entry) continue;
    // The parser the API checks Host with (daemon/http/api_access.hpp): what validates here,
    // matches there.
    if (!http::ParseHostAuthority(*entry)) {
      context.Error(item, path,
                    "must be NAME, IPV4 or [IPV6], optionally with :PORT (no scheme, path or "
                    "wildcard), got \"" +
                        *entry + "\"");
      continue;
    }
    http.allowed_hosts.push_back(*entry);
  }
}

bool NeedsVcenterApi(Kind kind) { return kind != Kind::kApplianceUpdate; }

std::string KnownTargets(const Config& config) {
  std::string out;
  for (const auto& [name, target] : config.targets) {
    if (!out.empty()) out += ", ";
    out += name;
  }
  return out.empty() ? "none" : out;
}

}  // namespace

ConfigResult DecodeConfig(std::string_view text, const std::string& file) {
  ConfigResult result;
  ReadContext context(file, result.diagnostics);
  const auto documents = manifests::LoadYamlDocuments(context, text);
  if (!documents) return result;
  // The first document, as YAML::Load reads it (none: an empty file, reported below).
  const YAML::Node root = documents->empty() ? YAML::Node() : documents->front();
  const std::string base_dir =
      std::filesystem::absolute(std::filesystem::path(file)).parent_path().string();
  Config config;
  config.path = file;
  manifests::RejectInlineSecrets(context, root, "");
  const MapReader top(context, root, "",
                      {"manifests", "state_dir", "listen", "http", "workers", "log", "defaults",
                       "secrets", "targets"});
  if (!top.IsValid()) return result;
  if (const auto value = top.Get("manifests")) {
    config.manifests = ReadPath(context, *value, "manifests", base_dir).value_or("");
  }
  if (const auto value = top.Get("state_dir")) {
    config.state_dir = ReadPath(context, *value, "state_dir", base_dir).value_or("");
  }
  if (const auto value = top.Get("listen")) {
    if (auto listen = manifests::ReadString(context, *value, "listen")) {
      // The server's own parser (net/listen_address.hpp): what validates here, binds there.
      if (net::ParseListenAddress(*listen)) {
        config.listen = std::move(*listen);
      } else {
        context.Error(*value, "listen",
                      "must be IPV4:PORT, [IPV6]:PORT or localhost:PORT, got \"" + *listen + "\"");
      }
    }
  }
  if (const auto value = top.Get("http")) DecodeHttp(context, *value, config.http);
  if (const auto value = top.Get("workers")) {
    config.workers = manifests::ReadInt(context, *value, "workers", 1, 64).value_or(4);
  }
  if (const auto value = top.Get("log")) {
    const MapReader log(context, *value, "log", {"level", "format"});
    if (const auto level = log.Get("level")) {
      config.log.level = manifests::ReadEnum<LogLevel>(context, *level, "log.level", kLogLevelNames)
                             .value_or(LogLevel::kInfo);
    }
    if (const auto format = log.Get("format")) {
      config.log.format =
          manifests::ReadEnum<LogFormat>(context, *format, "log.format", kLogFormatNames)
              .value_or(LogFormat::kText);
    }
  }
  if (const auto value = top.Get("defaults")) DecodeDefaults(context, *value, config.defaults);
  const auto secrets = top.Get("secrets");
  if (secrets) DecodeSecrets(context, *secrets, base_dir, config.secrets);
  std::set<std::string> target_names;  // every target key, those with errors included
  if (const auto value = top.Require("targets")) {
    if (!value->IsMap()) {
      context.Error(*value, "targets",
                    "must be a mapping of target names, got " + manifests::DescribeNode(*value));
    } else if (value->size() == 0) {
      context.Error(*value, "targets", "must define at least one target");
    } else {
      // Every key, including those of targets with errors, for the duplicate check.
      std::map<std::string, manifests::SourceLocation> target_keys;
      for (const auto& entry : *value) {
        const std::string name = entry.first.IsScalar() ? entry.first.Scalar() : "";
        const std::string path = manifests::JoinPath("targets", name);
        if (!manifests::IsDns1123Label(name)) {
          context.Error(entry.first, path,
                        "\"" + name + "\" is not a valid target name: " +
                            std::string(manifests::kDns1123LabelRule));
          continue;
        }
        target_names.insert(name);
        const auto [first, inserted] = target_keys.emplace(name, context.Locate(entry.first));
        if (!inserted) {
          context.Error(
              entry.first, path,
              "duplicate key; first defined at " + manifests::FormatLocation(first->second));
          continue;
        }
        if (entry.second.IsNull()) context.RememberNullValue(entry.second, entry.first.Mark());
        if (auto target = DecodeTarget(context, name, entry.second, path, base_dir)) {
          target->location = context.Locate(entry.first);
          if (target->tls.insecure_skip_verify) {
            result.diagnostics.push_back(Diagnostic{
                target->location, Diagnostic::Severity::kWarning,
                path +
                    ".tls.insecure_skip_verify: certificate chain and host name are not "
                    "verified for this target" +
                    (target->tls.thumbprint_sha256 ? " (the SHA-256 pin still is)"
                                                   : "; anyone on the path can impersonate it")});
          }
          config.targets.emplace(name, std::move(*target));
        }
      }
    }
  }
  for (const auto& name : config.secrets.target_credentials) {
    if (!target_names.contains(name)) {
      context.Error(
          (*secrets)["target_credentials"], "secrets.target_credentials",
          "\"" + name + "\" is not a configured target (targets: " + KnownTargets(config) + ")");
    }
  }
  if (context.ErrorCount() == 0) result.config = std::move(config);
  manifests::SortByLocation(result.diagnostics);  // decoding order is not file order
  return result;
}

ConfigResult LoadConfig(const std::filesystem::path& path) {
  ConfigResult result;
  const auto text = manifests::ReadTextFile(path, path.string(), kMaxConfigBytes,
                                            result.diagnostics, "cannot read config");
  if (!text) return result;
  return DecodeConfig(*text, path.string());
}

std::string ResolveConfigPath(const std::optional<std::string>& flag) {
  if (flag) return *flag;
  if (const char* env = std::getenv("VSRD_CONFIG"); env != nullptr && *env != '\0') return env;
  return std::string(kDefaultConfigPath);
}

vsphere::SecretConfinement ManifestSecrets(const Config& config) {
  vsphere::SecretConfinement confinement;
  confinement.directories = config.secrets.directories;
  confinement.env = config.secrets.env;
  confinement.credentials = config.secrets.credentials;
  const auto& lent = config.secrets.target_credentials;
  for (const auto& [name, target] : config.targets) {
    if (std::find(lent.begin(), lent.end(), name) == lent.end()) {
      confinement.reserved.emplace_back(name, target.password);
    }
  }
  return confinement;
}

ObjectConfigCheck::ObjectConfigCheck(const Config& config)
    : config_(config), confinement_(ManifestSecrets(config)) {
  for (const auto& [name, target] : config.targets) names_.push_back(name);
}

const TargetConfig* ObjectConfigCheck::Lookup(const manifests::NameRef& ref, std::string_view field,
                                              bool needs_vcenter, std::string_view why,
                                              Diagnostics& out) const {
  const auto found = config_.targets.find(ref.name);
  if (found == config_.targets.end()) {
    std::string message = std::string(field) + ": unknown target \"" + ref.name + "\"";
    if (const auto hint = manifests::ClosestMatch(ref.name, names_)) {
      message += "; did you mean \"" + *hint + "\"?";
    } else {
      message += " (targets in " + config_.path + ": " + KnownTargets(config_) + ")";
    }
    out.push_back(Diagnostic{ref.location, Diagnostic::Severity::kError, message});
    return nullptr;
  }
  if (needs_vcenter && found->second.api != ApiFlavor::kVcenter) {
    out.push_back(Diagnostic{ref.location, Diagnostic::Severity::kError,
                             std::string(field) + ": " + std::string(why) + "; target \"" +
                                 ref.name + "\" has api: update-manager"});
    return nullptr;
  }
  return &found->second;
}

void ObjectConfigCheck::Check(const manifests::Object& object, Diagnostics& out) const {
  if (object.target.name.empty()) return;  // spec.target itself was reported as invalid
  const auto error = [&out](const SourceLocation& where, std::string message) {
    out.push_back(Diagnostic{where, Diagnostic::Severity::kError, std::move(message)});
  };
  const auto& lent = config_.secrets.target_credentials;
  const std::string kind(manifests::KindName(object.kind));
  const auto* target = Lookup(object.target, "spec.target", NeedsVcenterApi(object.kind),
                              kind + " needs a target with api: vcenter (the /api surface)", out);
  if (const auto* vcha = std::get_if<manifests::VchaPassiveNodeSpec>(&object.spec)) {
    if (vcha->management_vcenter) {
      const auto& management = *vcha->management_vcenter;
      if (Lookup(management, "spec.management_vcenter", true,
                 "the management vCenter must be a target with api: vcenter", out) != nullptr &&
          management.name != object.target.name &&
          std::find(lent.begin(), lent.end(), management.name) == lent.end()) {
        // Its credentials go in the redeploy spec to spec.target: a manifest must not be able
        // to send one target's password to another unless the config says so.
        error(management.location, "spec.management_vcenter: sends target " + management.name +
                                       "'s password to target " + object.target.name +
                                       "; allow it by adding " + management.name +
                                       " to the config's secrets.target_credentials");
      }
    }
  }
  if (const auto* depot = std::get_if<manifests::OfflineDepotFromHostSpec>(&object.spec)) {
    // An empty value was not decoded: its own error was reported.
    if (depot->host_credential && !depot->host_credential->password.value.empty()) {
      const auto& ref = depot->host_credential->password;
      if (auto problem = vsphere::ConfinementProblem(confinement_, ref); !problem.empty()) {
        error(ref.location, "spec.host_credential: " + problem);
      } else if (auto warning = vsphere::SecretFileWarning(ref); !warning.empty()) {
        out.push_back(Diagnostic{ref.location, Diagnostic::Severity::kWarning,
                                 "spec.host_credential: " + warning});
      }
    }
  }
  if (const auto* update = std::get_if<manifests::ApplianceUpdateSpec>(&object.spec)) {
    if (target != nullptr && target->api == ApiFlavor::kUpdateManager &&
        (update->source_type || update->url)) {
      error(object.target.location,
            "spec.source_type and spec.url apply only to targets with api: vcenter; target "
            "\"" +
                object.target.name + "\" has api: update-manager");
    }
  }
}

Diagnostics CheckObjectsAgainstConfig(const Config& config,
                                      std::span<const manifests::Object> objects) {
  std::vector<const manifests::Object*> pointers;
  pointers.reserve(objects.size());
  for (const auto& object : objects) pointers.push_back(&object);
  return CheckObjectsAgainstConfig(config, std::span<const manifests::Object* const>(pointers));
}

Diagnostics CheckObjectsAgainstConfig(const Config& config,
                                      std::span<const manifests::Object* const> objects) {
  Diagnostics out;
  const ObjectConfigCheck check(config);
  for (const manifests::Object* object : objects) check.Check(*object, out);
  return out;
}

}  // namespace vsrd::daemon
