#include "reconcilers/vcha_passive_node/plan.hpp"

#include <array>
#include <cstddef>
#include <string>
#include <utility>
#include <vector>

#include "reconcilers/plan_text.hpp"
#include "reconcilers/vcha_passive_node/reasons.hpp"

namespace vsrd::reconcilers::vcha_passive_node {

namespace {

using ports::VchaConfigState;
using ports::VchaHealth;
using ports::VchaNodeState;

template <std::size_t N>
std::string NameOf(const std::array<std::string_view, N>& names, auto value) {
  return std::string(names.at(static_cast<std::size_t>(value)));
}

ObjectText PlacementText(const manifests::PlacementSpec& placement) {
  ObjectText out;
  out.String("name", placement.name).String("folder", placement.folder);
  if (placement.host) out.String("host", *placement.host);
  if (placement.resource_pool) out.String("resource_pool", *placement.resource_pool);
  if (placement.ha_network_type) {
    out.String("ha_network_type", NameOf(manifests::kNetworkTypeNames, *placement.ha_network_type));
  }
  if (placement.ha_network) out.String("ha_network", *placement.ha_network);
  if (placement.management_network_type) {
    out.String("management_network_type",
               NameOf(manifests::kNetworkTypeNames, *placement.management_network_type));
  }
  if (placement.management_network) {
    out.String("management_network", *placement.management_network);
  }
  if (placement.storage_datastore) {
    out.Object("storage", ObjectText().String("datastore", *placement.storage_datastore));
  }
  return out;
}

ObjectText IpText(const manifests::IpSpec& ip) {
  ObjectText out;
  out.String("ip_family", NameOf(manifests::kIpFamilyNames, ip.ip_family));
  if (ip.ipv4) {
    ObjectText v4;
    v4.String("address", ip.ipv4->address);
    if (ip.ipv4->subnet_mask) v4.String("subnet_mask", *ip.ipv4->subnet_mask);
    if (ip.ipv4->prefix) v4.Number("prefix", *ip.ipv4->prefix);
    out.Object("ipv4", v4);
  }
  if (ip.ipv6) {
    out.Object("ipv6",
               ObjectText().String("address", ip.ipv6->address).Number("prefix", ip.ipv6->prefix));
  }
  if (ip.default_gateway) out.String("default_gateway", *ip.default_gateway);
  if (!ip.dns_servers.empty()) out.Strings("dns_servers", ip.dns_servers);
  return out;
}

ObjectText VcSpecText(const ManagementVcenter& management) {
  ObjectText location;
  location.String("hostname", management.hostname);
  if (management.port) location.Number("port", *management.port);
  if (management.ssl_thumbprint) location.String("ssl_thumbprint", *management.ssl_thumbprint);
  location.String("username", management.username);
  location.String("password", ports::Secret::kRedacted);
  return ObjectText().Object("active_location", location);
}

/// The passive node as Cluster.Info shows it.
struct PassiveView {
  enum class State { kUp, kDown, kMissing, kUnknown };
  State state = State::kUnknown;
  std::optional<std::string> vm_name;
};

/// The passive node: the one with the PASSIVE role, else the one beside the ACTIVE node when it
/// reports no role (NodeRuntimeInfo.role is optional).
const ports::VchaNode* FindPassive(const ports::VchaClusterInfo& cluster) {
  if (const ports::VchaNode* passive = cluster.Passive()) return passive;
  if (!cluster.node1 || !cluster.node2) return nullptr;
  if (cluster.node1->role == ports::VchaNodeRole::kActive && !cluster.node2->role) {
    return &*cluster.node2;
  }
  if (cluster.node2->role == ports::VchaNodeRole::kActive && !cluster.node1->role) {
    return &*cluster.node1;
  }
  return nullptr;
}

PassiveView ViewPassive(const ports::VchaClusterInfo& cluster) {
  PassiveView view;
  if (const ports::VchaNode* passive = FindPassive(cluster)) {
    view.vm_name = passive->vm_name;
    if (passive->state == VchaNodeState::kUp) {
      view.state = PassiveView::State::kUp;
    } else if (passive->state == VchaNodeState::kDown) {
      view.state = PassiveView::State::kDown;
    }
    return view;
  }
  // No node has the PASSIVE role. "node2 unset ⇒ not cloned yet" (docs/vsphere-api.md "VCHA"): with
  // one of node1/node2 absent the passive node is missing; with both present but neither
  // reporting its role, which one is passive cannot be told.
  const bool both = cluster.node1.has_value() && cluster.node2.has_value();
  view.state = both ? PassiveView::State::kUnknown : PassiveView::State::kMissing;
  return view;
}

std::string FirstMessage(const std::vector<ports::LocalizableMessage>& messages) {
  for (const auto& message : messages) {
    if (!message.default_message.empty()) return message.default_message;
  }
  return {};
}

std::string JoinMessages(const std::vector<ports::LocalizableMessage>& messages) {
  std::string out;
  for (const auto& message : messages) {
    const std::string& text =
        message.default_message.empty() ? message.id : message.default_message;
    if (text.empty()) continue;
    if (!out.empty()) out += "; ";
    out += text;
  }
  return out;
}

Step MakeStep(Step::Kind kind, std::string_view reason, std::string message) {
  Step step;
  step.kind = kind;
  step.reason = reason;
  step.message = std::move(message);
  return step;
}

/// The decision from the cluster alone (no operation in flight).
Step Judge(const PlanInput& input) {
  const ports::VchaClusterInfo& cluster = input.cluster;
  if (!cluster.config_state) {
    return MakeStep(Step::Kind::kRetry, reasons::kClusterStateUnknown,
                    "vCenter answered cluster?action=get without config_state");
  }
  const std::string config_state = NameOf(ports::kVchaConfigStateNames, *cluster.config_state);
  switch (*cluster.config_state) {
    case VchaConfigState::kNotConfigured:
    case VchaConfigState::kInvalid:
      return MakeStep(Step::Kind::kStalled, reasons::kClusterNotConfigured,
                      "the VCHA cluster's config_state is " + config_state +
                          ": vsrd redeploys a passive node; it does not create a VCHA cluster");
    case VchaConfigState::kPrepared:
      return MakeStep(Step::Kind::kWaiting, reasons::kClusterPrepared,
                      "the VCHA cluster is PREPARED: its configuration has started but is not "
                      "finished; vsrd acts only on a CONFIGURED cluster");
    case VchaConfigState::kConfigured:
      break;
  }
  if (!cluster.health_state) {
    std::string why = FirstMessage(cluster.health_exception);
    return MakeStep(Step::Kind::kDegraded, reasons::kHealthUnknown,
                    "vCenter reports no health for the VCHA cluster" +
                        (why.empty() ? std::string() : ": " + why));
  }
  const PassiveView passive = ViewPassive(cluster);
  const std::string& wanted = input.spec.placement.name;
  switch (*cluster.health_state) {
    case VchaHealth::kHealthy:
      if (passive.state == PassiveView::State::kDown ||
          passive.state == PassiveView::State::kMissing) {
        return MakeStep(Step::Kind::kDegraded, reasons::kPassiveNodeNotUp,
                        std::string("the cluster reports HEALTHY but its passive node is ") +
                            (passive.state == PassiveView::State::kDown ? "DOWN" : "missing") +
                            "; vCenter accepts a redeploy only in a DEGRADED cluster");
      }
      if (passive.vm_name && *passive.vm_name != wanted) {
        // Desired is "a healthy passive node"; the placement is where to put a new one. Moving a
        // healthy passive node would mean breaking the cluster first, which vsrd never does.
        return MakeStep(Step::Kind::kReady, reasons::kPassiveNodeElsewhere,
                        "the cluster is HEALTHY with passive node VM " + *passive.vm_name +
                            ", not spec.placement.name " + wanted +
                            "; vsrd leaves a healthy cluster alone and uses spec.placement at "
                            "the next redeploy");
      }
      return MakeStep(Step::Kind::kReady, reasons::kPassiveNodeHealthy,
                      "the VCHA cluster is HEALTHY and its passive node is UP");
    case VchaHealth::kDegraded:
      switch (passive.state) {
        case PassiveView::State::kDown:
        case PassiveView::State::kMissing:
          return MakeStep(Step::Kind::kRedeploy, reasons::kRedeployNeeded,
                          std::string("the VCHA cluster is DEGRADED and its passive node is ") +
                              (passive.state == PassiveView::State::kDown ? "DOWN" : "missing") +
                              ": redeploy it as " + wanted);
        case PassiveView::State::kUp: {
          const std::string warning = cluster.health_warnings.empty()
                                          ? std::string()
                                          : FirstMessage(cluster.health_warnings);
          return MakeStep(Step::Kind::kDegraded, reasons::kClusterDegraded,
                          "the VCHA cluster is DEGRADED although its passive node is UP" +
                              (warning.empty() ? std::string() : ": " + warning) +
                              "; a redeploy cannot fix that (vCenter accepts one only for a "
                              "passive node that is down or missing)");
        }
        case PassiveView::State::kUnknown:
          return MakeStep(Step::Kind::kDegraded, reasons::kPassiveNodeUnknown,
                          "the VCHA cluster is DEGRADED and vCenter does not say which node is "
                          "passive or whether it is up; vsrd does not redeploy blind");
      }
      break;
    case VchaHealth::kIsolated:
      // All three nodes lost each other: a network problem that a redeploy cannot fix (and vCenter
      // refuses one); re-read every interval, as isolation may heal by itself.
      return MakeStep(Step::Kind::kDegraded, reasons::kClusterIsolated,
                      "the VCHA cluster is ISOLATED: its nodes cannot reach each other over the "
                      "HA network; vsrd does not redeploy an isolated cluster");
  }
  return MakeStep(Step::Kind::kRetry, reasons::kClusterStateUnknown,
                  "unexpected VCHA cluster state");
}

/// A judgment made in the pass that saw the in-flight task end: never a second redeploy.
Step AfterTask(Step judged, std::string_view reason, const std::string& message) {
  if (judged.kind == Step::Kind::kRedeploy) {
    judged = MakeStep(Step::Kind::kFailed, reason, message + "; " + judged.message);
  }
  judged.clear_in_flight = true;
  return judged;
}

}  // namespace

std::optional<std::int64_t> ProgressPercent(const ports::TaskInfo& task) {
  if (!task.progress || task.progress->total <= 0) return std::nullopt;
  return task.progress->completed * 100 / task.progress->total;
}

Step Plan(const PlanInput& input) {
  if (!input.record.in_flight) return Judge(input);
  const InFlight& in_flight = *input.record.in_flight;
  const std::string task_label = "redeploy task " + in_flight.task;
  if (!input.poll) {
    // The caller polls whenever a task is journaled; without an answer, keep waiting.
    return MakeStep(Step::Kind::kPoll, reasons::kRedeployRunning, task_label + " was not polled");
  }
  if (input.poll->kind == TaskPoll::Kind::kLost) {
    return AfterTask(
        Judge(input), reasons::kRedeployTaskLost,
        "vCenter no longer knows " + task_label + " (404), so whether it ran is unknown");
  }
  const ports::TaskInfo& task = input.poll->task;
  switch (task.status) {
    case ports::TaskStatus::kPending:
    case ports::TaskStatus::kRunning:
    case ports::TaskStatus::kBlocked: {
      const auto running = input.now - in_flight.started_at;
      const bool overdue = running > input.policy.timeout;
      const auto minutes = std::chrono::duration_cast<std::chrono::minutes>(running).count();
      Step step = MakeStep(
          Step::Kind::kPoll, overdue ? reasons::kOperationOverdue : reasons::kRedeployRunning,
          "redeploying the passive node " + in_flight.detail + " (" + task_label + ", " +
              NameOf(ports::kTaskStatusNames, task.status) + " for " + std::to_string(minutes) +
              "m" + (overdue ? ", longer than policy.timeout; still polling" : "") + ")");
      step.progress = ProgressPercent(task);
      return step;
    }
    case ports::TaskStatus::kFailed: {
      Step step = MakeStep(
          Step::Kind::kFailed, reasons::kRedeployFailed,
          task_label + " failed" + (task.error ? ": " + task.error->Summary() : std::string()));
      step.clear_in_flight = true;
      return step;
    }
    case ports::TaskStatus::kSucceeded:
      return AfterTask(Judge(input), reasons::kRedeployIneffective,
                       task_label + " succeeded but the passive node is still not UP");
  }
  return MakeStep(Step::Kind::kPoll, reasons::kRedeployRunning, task_label);
}

Step JudgeCheck(const ports::PassiveCheckResult& result) {
  if (!result.errors.empty()) {
    return MakeStep(Step::Kind::kStalled, reasons::kCheckRejected,
                    "passive?action=check rejected the redeploy: " + JoinMessages(result.errors));
  }
  std::string message = "passive?action=check passed";
  if (!result.warnings.empty()) message += " with warnings: " + JoinMessages(result.warnings);
  return MakeStep(Step::Kind::kRedeploy, reasons::kRedeployNeeded, message);
}

std::string UnverifiedPeerMessage(const ports::ApiError& error) {
  // Vcha.CertificateInfo {ssl_thumbprint*, ssl_certificate?} (docs/vsphere-api.md "VCHA"), as JSON
  // text. Thumbprints are hex and colons, so a plain scan finds the string value.
  std::string thumbprint;
  const std::string key = "\"ssl_thumbprint\"";
  if (const auto at = error.data.find(key); at != std::string::npos) {
    const auto open = error.data.find('"', error.data.find(':', at + key.size()));
    const auto close = open == std::string::npos ? open : error.data.find('"', open + 1);
    if (close != std::string::npos) thumbprint = error.data.substr(open + 1, close - open - 1);
  }
  std::string message =
      "the management vCenter's certificate could not be verified (" + error.Summary() + ")";
  if (!thumbprint.empty()) message += "; it presented thumbprint " + thumbprint;
  return message +
         "; set the management_vcenter target's ssl_thumbprint to the right one (retrying "
         "cannot fix a wrong or missing thumbprint)";
}

Step JudgeCheckError(const ports::ApiError& error) {
  if (error.Is("UNVERIFIED_PEER")) {
    return MakeStep(Step::Kind::kStalled, reasons::kManagementVcenterUnverified,
                    UnverifiedPeerMessage(error));
  }
  if (error.IsUnreachable()) {
    return MakeStep(Step::Kind::kRetry, reasons::kTargetUnreachable, error.Summary());
  }
  return MakeStep(Step::Kind::kFailed, reasons::kCheckFailed, error.Summary());
}

Step JudgeRedeployError(const ports::ApiError& error) {
  if (error.Is("ALREADY_IN_DESIRED_STATE") || error.Is("ALREADY_EXISTS")) {
    return MakeStep(Step::Kind::kPoll, reasons::kAlreadyDone,
                    "vCenter answered the redeploy with " + error.error_type +
                        ": counted as done; the cluster is read again");
  }
  if (error.Is("UNVERIFIED_PEER")) {
    return MakeStep(Step::Kind::kStalled, reasons::kManagementVcenterUnverified,
                    UnverifiedPeerMessage(error));
  }
  return MakeStep(Step::Kind::kFailed, reasons::kRedeployFailed, error.Summary());
}

ports::PassiveCheckSpec MakeCheckSpec(const manifests::VchaPassiveNodeSpec& spec,
                                      const std::optional<ports::VchaCredentialsSpec>& vc_spec) {
  ports::PassiveCheckSpec out;
  out.vc_spec = vc_spec;
  out.placement = spec.placement;
  return out;
}

ports::RedeploySpec MakeRedeploySpec(const manifests::VchaPassiveNodeSpec& spec,
                                     const std::optional<ports::VchaCredentialsSpec>& vc_spec) {
  ports::RedeploySpec out;
  out.vc_spec = vc_spec;
  out.placement = spec.placement;
  out.ha_ip = spec.ha_ip;
  out.failover_ip = spec.failover_ip;
  return out;
}

ports::VchaCredentialsSpec MakeVcSpec(const ManagementVcenter& management, ports::Secret password) {
  ports::VchaCredentialsSpec out;
  out.active_location.hostname = management.hostname;
  out.active_location.port = management.port;
  out.active_location.ssl_thumbprint = management.ssl_thumbprint;
  out.active_location.username = management.username;
  out.active_location.password = std::move(password);
  return out;
}

std::vector<std::string> DescribeRedeploy(const manifests::VchaPassiveNodeSpec& spec,
                                          const std::optional<ManagementVcenter>& management) {
  ObjectText check;
  check.Object("placement", PlacementText(spec.placement));
  if (management) check.Object("vc_spec", VcSpecText(*management));
  ObjectText redeploy;
  redeploy.Object("placement", PlacementText(spec.placement));
  if (spec.ha_ip) redeploy.Object("ha_ip", IpText(*spec.ha_ip));
  if (spec.failover_ip) redeploy.Object("failover_ip", IpText(*spec.failover_ip));
  if (management) redeploy.Object("vc_spec", VcSpecText(*management));
  return {"POST /api/vcenter/vcha/cluster/passive?action=check " + check.Str(),
          "POST /api/vcenter/vcha/cluster/passive?action=redeploy&vmw-task=true " + redeploy.Str()};
}

std::map<std::string, std::string> Details(const ports::VchaClusterInfo& cluster) {
  std::map<std::string, std::string> out;
  if (cluster.config_state) {
    out["config_state"] = NameOf(ports::kVchaConfigStateNames, *cluster.config_state);
  }
  if (cluster.mode) out["mode"] = NameOf(ports::kVchaModeNames, *cluster.mode);
  if (cluster.health_state) {
    out["health_state"] = NameOf(ports::kVchaHealthNames, *cluster.health_state);
  }
  if (cluster.config_state == VchaConfigState::kConfigured) {
    const PassiveView passive = ViewPassive(cluster);
    switch (passive.state) {
      case PassiveView::State::kUp:
        out["passive_state"] = "UP";
        break;
      case PassiveView::State::kDown:
        out["passive_state"] = "DOWN";
        break;
      case PassiveView::State::kMissing:
        out["passive_state"] = "missing";
        break;
      case PassiveView::State::kUnknown:
        out["passive_state"] = "unknown";
        break;
    }
    if (passive.vm_name) out["passive_vm"] = *passive.vm_name;
  }
  return out;
}

}  // namespace vsrd::reconcilers::vcha_passive_node
