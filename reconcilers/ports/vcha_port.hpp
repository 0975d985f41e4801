#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "manifests/kinds/vcha_passive_node.hpp"
#include "reconcilers/ports/api_error.hpp"
#include "reconcilers/ports/secret.hpp"

// VCHA cluster reads, passive-node check and redeploy (docs/vsphere-api.md "VCHA"). The placement
// and IP specs are the manifest's own structs: their fields are those of the API.

namespace vsrd::reconcilers::ports {

/// Vcha.ConnectionSpec: how the active node's management vCenter is reached.
struct VchaConnectionSpec {
  std::string hostname;
  std::optional<std::int64_t> port;
  std::optional<std::string> ssl_thumbprint;   ///< SHA-1 (deprecated in 9.0)
  std::optional<std::string> ssl_certificate;  ///< PEM (9.0+)
  std::optional<std::string> username;
  std::optional<Secret> password;
};

/// Vcha.CredentialsSpec.
struct VchaCredentialsSpec {
  VchaConnectionSpec active_location;
};

/// Vcha.Cluster.Passive.RedeploySpec.
struct RedeploySpec {
  std::optional<VchaCredentialsSpec> vc_spec;
  manifests::PlacementSpec placement;
  std::optional<manifests::IpSpec> ha_ip;
  std::optional<manifests::IpSpec> failover_ip;
};

/// Vcha.Cluster.Passive.CheckSpec.
struct PassiveCheckSpec {
  std::optional<VchaCredentialsSpec> vc_spec;
  manifests::PlacementSpec placement;
};

/// Vcha.Cluster.Passive.CheckResult.
struct PassiveCheckResult {
  std::vector<LocalizableMessage> warnings;
  std::vector<LocalizableMessage> errors;
};

enum class VchaConfigState { kConfigured, kNotConfigured, kInvalid, kPrepared };
inline constexpr std::array<std::string_view, 4> kVchaConfigStateNames{
    "CONFIGURED", "NOTCONFIGURED", "INVALID", "PREPARED"};
enum class VchaMode { kEnabled, kDisabled, kMaintenance };
inline constexpr std::array<std::string_view, 3> kVchaModeNames{"ENABLED", "DISABLED",
                                                                "MAINTENANCE"};
enum class VchaHealth { kHealthy, kDegraded, kIsolated };
inline constexpr std::array<std::string_view, 3> kVchaHealthNames{"HEALTHY", "DEGRADED",
                                                                  "ISOLATED"};
enum class VchaNodeState { kUp, kDown };
inline constexpr std::array<std::string_view, 2> kVchaNodeStateNames{"UP", "DOWN"};
enum class VchaNodeRole { kActive, kPassive, kWitness };
inline constexpr std::array<std::string_view, 3> kVchaNodeRoleNames{"ACTIVE", "PASSIVE", "WITNESS"};

/// Cluster.NodeInfo / WitnessInfo, reduced to what decisions and status use.
struct VchaNode {
  std::optional<VchaNodeState> state;  ///< runtime.state
  std::optional<VchaNodeRole> role;    ///< runtime.role
  std::optional<std::string> vm_name;  ///< runtime.placement.vm_name
  std::string ha_ip_address;           ///< ha_ip.ipv4.address or ha_ip.ipv6.address
};

/// Cluster.Info; every field optional, as in the API.
struct VchaClusterInfo {
  std::optional<VchaConfigState> config_state;
  std::optional<VchaNode> node1;
  std::optional<VchaNode> node2;
  std::optional<VchaNode> witness;
  std::optional<VchaMode> mode;
  std::optional<VchaHealth> health_state;
  std::vector<LocalizableMessage> health_exception;
  std::vector<LocalizableMessage> health_warnings;  ///< ErrorCondition.error of each warning
  std::optional<bool> manual_failover_allowed;
  std::optional<bool> auto_failover_allowed;

  /// The node whose runtime role is PASSIVE, if any.
  const VchaNode* Passive() const {
    for (const auto* node : {&node1, &node2}) {
      if (*node && (*node)->role == VchaNodeRole::kPassive) return &**node;
    }
    return nullptr;
  }
};

class VchaPort {
 public:
  virtual ~VchaPort() = default;
  /// POST /api/vcenter/vcha/cluster?action=get with {vc_spec?, partial}. Blocking, thread-safe,
  /// read-only. partial=true needs no connection to the management vCenter.
  virtual Result<VchaClusterInfo> GetCluster(const std::optional<VchaCredentialsSpec>& vc_spec,
                                             bool partial) = 0;
  /// GET /api/vcenter/vcha/cluster/mode. 400 NOT_ALLOWED_IN_CURRENT_STATE: VCHA not configured.
  virtual Result<VchaMode> GetMode() = 0;
  /// POST /api/vcenter/vcha/cluster/passive?action=check. Read-only: validates a redeploy.
  virtual Result<PassiveCheckResult> CheckPassive(const PassiveCheckSpec& spec) = 0;
  /// POST /api/vcenter/vcha/cluster/passive?action=redeploy&vmw-task=true: starts the redeploy,
  /// returns the cis task id. Not idempotent: callers journal the task id before moving on.
  virtual Result<TaskId> RedeployPassive(const RedeploySpec& spec) = 0;
};

}  // namespace vsrd::reconcilers::ports
