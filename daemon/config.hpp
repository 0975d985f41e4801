#pragma once

#include <array>
#include <filesystem>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "daemon/vsphere/credentials.hpp"
#include "manifests/common.hpp"
#include "manifests/diagnostic.hpp"
#include "manifests/object.hpp"

// The daemon config, vsrd.yaml (docs/config.md), decoded with the same strictness as
// manifests. Relative paths in it are resolved against the directory of the config file.

namespace vsrd::daemon {

using manifests::Diagnostics;
using manifests::Duration;

inline constexpr std::string_view kDefaultConfigPath = "/etc/vsrd/vsrd.yaml";

/// Which API surface a target speaks.
enum class ApiFlavor {
  kVcenter,        ///< the vCenter /api vAPI surface
  kUpdateManager,  ///< an appliance configuration API (/session, /appliance/update-manager)
};
inline constexpr std::array<std::string_view, 2> kApiFlavorNames{"vcenter", "update-manager"};

struct TlsConfig {
  std::optional<std::string> ca_file;            ///< default: the system trust store
  std::optional<std::string> thumbprint_sha256;  ///< optional pin of the leaf certificate
  bool insecure_skip_verify = false;             ///< allowed, warned about at every start
};

/// The largest `request_timeout` a target may have: half a reconcile pass's time budget
/// (kPassBudget in daemon/engine/controller.hpp).
inline constexpr std::chrono::seconds kMaxRequestTimeout{120};

struct TargetConfig {
  std::string name;
  ApiFlavor api = ApiFlavor::kVcenter;
  std::string url;  ///< https://host[:port], no credentials, no path
  std::string username;
  manifests::SecretRef password;
  TlsConfig tls;
  double requests_per_second = 10;
  std::int64_t max_concurrent_mutations = 1;
  /// The deadline of each HTTP exchange with the target. Also how long a submission without a
  /// trace on the target waits before it is concluded not run (EffectivePolicy::outcome_settle).
  Duration request_timeout = std::chrono::seconds(60);
  manifests::SourceLocation location;  ///< of the target's name key
};

enum class LogFormat { kText, kJson };
inline constexpr std::array<std::string_view, 2> kLogFormatNames{"text", "json"};
enum class LogLevel { kTrace, kDebug, kInfo, kWarn, kError };
inline constexpr std::array<std::string_view, 5> kLogLevelNames{"trace", "debug", "info", "warn",
                                                                "error"};

struct LogConfig {
  LogLevel level = LogLevel::kInfo;
  LogFormat format = LogFormat::kText;
};

/// The daemon API served on `listen` (docs/daemon.md "Who may call the API").
struct HttpConfig {
  /// Host header values the API answers besides the address a connection arrives on (and
  /// localhost:PORT on loopback): NAME, IPV4 or [IPV6], optionally with ":PORT"
  /// (http::ParseHostAuthority); an entry without a port matches any port.
  std::vector<std::string> allowed_hosts;
};

/// Policy defaults for manifests that leave them unset.
struct PolicyDefaults {
  Duration interval = std::chrono::minutes(5);
  Duration retry_interval = std::chrono::seconds(30);
  Duration timeout = std::chrono::hours(2);
  std::int64_t max_failures = 3;
};

/// `secrets:`: what manifests may take passwords from (docs/config.md "secrets"). Empty:
/// nothing, so a manifest that references a password is refused.
struct SecretsConfig {
  std::vector<std::string> directories;  ///< absolute, lexically normal
  std::vector<std::string> env;
  std::vector<std::string> credentials;
  /// Targets whose own credentials a manifest may send elsewhere: a host_credential naming the
  /// same secret, or a VchaPassiveNode on another target naming it as management_vcenter.
  std::vector<std::string> target_credentials;
};

struct Config {
  std::string path;  ///< the file it was read from
  std::string manifests = "/var/lib/vsrd/manifests";
  std::string state_dir = "/var/lib/vsrd";
  std::string listen = "127.0.0.1:9464";
  HttpConfig http;
  std::int64_t workers = 4;
  LogConfig log;
  PolicyDefaults defaults;
  SecretsConfig secrets;
  std::map<std::string, TargetConfig> targets;
};

/// The confinement of manifests' secrets under `config`: its `secrets:` lists, and the targets'
/// credentials it does not lend.
vsphere::SecretConfinement ManifestSecrets(const Config& config);

struct ConfigResult {
  std::optional<Config> config;  ///< set only when there were no errors
  Diagnostics diagnostics;       ///< errors, and warnings such as insecure_skip_verify; file order
};

/// Decodes config text; `file` names it in diagnostics and anchors relative paths.
ConfigResult DecodeConfig(std::string_view text, const std::string& file);

/// The largest config file read.
inline constexpr std::size_t kMaxConfigBytes = std::size_t{1} << 20;

/// Reads (bounded, manifests/bounded_file.hpp) and decodes a config file. Never throws.
ConfigResult LoadConfig(const std::filesystem::path& path);

/// The config path a command uses: `--config` if given, else $VSRD_CONFIG, else the default.
std::string ResolveConfigPath(const std::optional<std::string>& flag);

/// Checks between manifests and the config: every spec.target and management_vcenter names a
/// configured target, and kinds that need the vCenter /api surface do not point at an
/// update-manager target; every secret a manifest references is one the config's `secrets:`
/// allows (errors; a file others can read is a warning), and a management_vcenter on another
/// target is lent by secrets.target_credentials.
Diagnostics CheckObjectsAgainstConfig(const Config& config,
                                      std::span<const manifests::Object> objects);
/// The same over objects held elsewhere (daemon/manifest_source/manifest_set.hpp).
Diagnostics CheckObjectsAgainstConfig(const Config& config,
                                      std::span<const manifests::Object* const> objects);

/// CheckObjectsAgainstConfig one object at a time, with what it derives from the config (the
/// secret confinement, the target names) derived once: the daemon's manifest set checks every
/// object on its own at each reload (issue 15: 10,000 derivations per reload). `config` must
/// outlive the check.
class ObjectConfigCheck {
 public:
  explicit ObjectConfigCheck(const Config& config);
  /// Appends the problems of `object` to `out`.
  void Check(const manifests::Object& object, Diagnostics& out) const;

 private:
  /// The target `ref` names, or nullptr after reporting why it does not name a usable one.
  const TargetConfig* Lookup(const manifests::NameRef& ref, std::string_view field,
                             bool needs_vcenter, std::string_view why, Diagnostics& out) const;

  const Config& config_;
  vsphere::SecretConfinement confinement_;
  std::vector<std::string_view> names_;  ///< the target names, for "did you mean"
};

}  // namespace vsrd::daemon
