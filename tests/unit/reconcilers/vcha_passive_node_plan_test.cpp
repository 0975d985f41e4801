// VchaPassiveNode's pure decisions (reconcilers/vcha_passive_node/plan.hpp), table-driven: each
// row is one situation, named by a sentence, with the step it must lead to.
#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "reconcilers/vcha_passive_node/plan.hpp"

namespace vsrd::reconcilers::vcha_passive_node {
namespace {

using ports::VchaConfigState;
using ports::VchaHealth;
using ports::VchaNodeRole;
using ports::VchaNodeState;
using namespace std::chrono_literals;

const WallTime kStart = WallTime(std::chrono::hours(24 * 365 * 56));

manifests::VchaPassiveNodeSpec Spec() {
  manifests::VchaPassiveNodeSpec spec;
  spec.placement.name = "vc01-passive";
  spec.placement.folder = "group-v4";
  spec.placement.host = "host-12";
  spec.placement.ha_network_type = manifests::NetworkType::kStandardPortgroup;
  spec.placement.ha_network = "network-13";
  spec.placement.storage_datastore = "datastore-15";
  manifests::IpSpec ha_ip;
  ha_ip.ipv4 = manifests::Ipv4Spec{"192.0.2.12", std::nullopt, 24};
  spec.ha_ip = ha_ip;
  return spec;
}

ports::VchaNode Node(VchaNodeRole role, VchaNodeState state,
                     std::optional<std::string> vm_name = std::nullopt) {
  ports::VchaNode node;
  node.role = role;
  node.state = state;
  node.vm_name = std::move(vm_name);
  return node;
}

/// A CONFIGURED cluster with an UP active node and witness, and `passive` as node2.
ports::VchaClusterInfo Cluster(std::optional<VchaHealth> health,
                               std::optional<ports::VchaNode> passive) {
  ports::VchaClusterInfo cluster;
  cluster.config_state = VchaConfigState::kConfigured;
  cluster.mode = ports::VchaMode::kEnabled;
  cluster.health_state = health;
  cluster.node1 = Node(VchaNodeRole::kActive, VchaNodeState::kUp, "vc01");
  cluster.node2 = std::move(passive);
  cluster.witness = Node(VchaNodeRole::kWitness, VchaNodeState::kUp, "vc01-witness");
  return cluster;
}

ports::VchaClusterInfo Healthy() {
  return Cluster(VchaHealth::kHealthy,
                 Node(VchaNodeRole::kPassive, VchaNodeState::kUp, "vc01-passive"));
}

ports::VchaClusterInfo DegradedPassiveDown() {
  return Cluster(VchaHealth::kDegraded,
                 Node(VchaNodeRole::kPassive, VchaNodeState::kDown, "vc01-passive"));
}

ports::VchaClusterInfo WithConfigState(VchaConfigState state) {
  ports::VchaClusterInfo cluster;
  cluster.config_state = state;
  return cluster;
}

ObjectRecord InFlightRecord(const std::string& generation = "gen-1",
                            WallTime started = kStart - 2min) {
  ObjectRecord record;
  record.in_flight =
      InFlight::Accepted("vcha.passive.redeploy", "task-7", generation, started, "vc01-passive");
  return record;
}

TaskPoll Found(ports::TaskStatus status, std::optional<ports::TaskProgress> progress = {}) {
  TaskPoll poll;
  poll.task.status = status;
  poll.task.progress = std::move(progress);
  if (status == ports::TaskStatus::kFailed) {
    ports::ApiError error;
    error.operation = "vcha.passive.redeploy";
    error.error_type = "ERROR";
    error.messages.push_back({"sim.redeploy", "The passive node could not be deployed.", {}});
    poll.task.error = error;
  }
  return poll;
}

TaskPoll Lost() { return TaskPoll{TaskPoll::Kind::kLost, {}}; }

PlanInput Input(ports::VchaClusterInfo cluster, ObjectRecord record = {},
                std::optional<TaskPoll> poll = std::nullopt) {
  PlanInput input;
  input.spec = Spec();
  input.cluster = std::move(cluster);
  input.record = std::move(record);
  input.poll = std::move(poll);
  input.now = kStart;
  input.policy.timeout = 1h;
  return input;
}

/// One row: the situation and the step it leads to. Optional expectations are chained.
struct PlanCase {
  PlanCase(std::string name_in, PlanInput input_in, Step::Kind kind_in, std::string reason_in)
      : name(std::move(name_in)),
        input(std::move(input_in)),
        kind(kind_in),
        reason(std::move(reason_in)) {}
  PlanCase& Clears() {
    clear_in_flight = true;
    return *this;
  }
  PlanCase& Progress(std::int64_t percent) {
    progress = percent;
    return *this;
  }
  PlanCase& Says(std::string part) {
    message_has = std::move(part);
    return *this;
  }

  std::string name;
  PlanInput input;
  Step::Kind kind;
  std::string reason;
  bool clear_in_flight = false;
  std::optional<std::int64_t> progress;
  std::string message_has;  ///< a part the message must contain ("" = not checked)
};

TEST(VchaPlan, DecidesEverySituation) {
  ports::VchaClusterInfo passive_without_role = Cluster(VchaHealth::kDegraded, std::nullopt);
  passive_without_role.node2 = ports::VchaNode{};
  passive_without_role.node2->state = VchaNodeState::kDown;
  ports::VchaClusterInfo no_roles = passive_without_role;
  no_roles.node1->role.reset();
  ports::VchaClusterInfo witness_down =
      Cluster(VchaHealth::kDegraded, Node(VchaNodeRole::kPassive, VchaNodeState::kUp));
  witness_down.witness->state = VchaNodeState::kDown;
  witness_down.health_warnings.push_back({"sim.witness.down", "The witness node is down.", {}});
  ports::VchaClusterInfo no_health = Cluster(std::nullopt, std::nullopt);
  no_health.health_exception.push_back({"sim.health", "Health information is unavailable.", {}});
  ports::VchaClusterInfo no_config_state = Healthy();
  no_config_state.config_state.reset();
  ports::VchaClusterInfo passive_on_node1 = Healthy();
  passive_on_node1.node1 = Node(VchaNodeRole::kPassive, VchaNodeState::kDown, "vc01-passive");
  passive_on_node1.node2 = Node(VchaNodeRole::kActive, VchaNodeState::kUp, "vc01");
  passive_on_node1.health_state = VchaHealth::kDegraded;

  const std::vector<PlanCase> cases = {
      PlanCase("a HEALTHY cluster whose passive node is UP is Ready", Input(Healthy()),
               Step::Kind::kReady, "PassiveNodeHealthy"),
      PlanCase(
          "a HEALTHY cluster read partially (no VM names) is Ready",
          Input(Cluster(VchaHealth::kHealthy, Node(VchaNodeRole::kPassive, VchaNodeState::kUp))),
          Step::Kind::kReady, "PassiveNodeHealthy"),
      PlanCase("a HEALTHY cluster whose passive VM has another name stays Ready and names both",
               Input(Cluster(VchaHealth::kHealthy,
                             Node(VchaNodeRole::kPassive, VchaNodeState::kUp, "vc01-old-passive"))),
               Step::Kind::kReady, "PassiveNodeElsewhere")
          .Says("vc01-old-passive"),
      PlanCase("a DEGRADED cluster whose passive node is DOWN needs a redeploy",
               Input(DegradedPassiveDown()), Step::Kind::kRedeploy, "RedeployNeeded")
          .Says("DOWN"),
      PlanCase("a DEGRADED cluster without a passive node needs a redeploy",
               Input(Cluster(VchaHealth::kDegraded, std::nullopt)), Step::Kind::kRedeploy,
               "RedeployNeeded")
          .Says("missing"),
      PlanCase("a DEGRADED cluster whose passive node is node1 needs a redeploy",
               Input(passive_on_node1), Step::Kind::kRedeploy, "RedeployNeeded"),
      PlanCase("a DOWN node without a role beside the ACTIVE one is the passive node to redeploy",
               Input(passive_without_role), Step::Kind::kRedeploy, "RedeployNeeded"),
      PlanCase("a DEGRADED cluster whose passive node is UP (witness down) is Degraded, no action",
               Input(witness_down), Step::Kind::kDegraded, "ClusterDegraded")
          .Says("The witness node is down."),
      PlanCase("a DEGRADED cluster whose nodes report no roles is not redeployed blind",
               Input(no_roles), Step::Kind::kDegraded, "PassiveNodeUnknown"),
      PlanCase("an ISOLATED cluster is Degraded, not redeployed",
               Input(Cluster(VchaHealth::kIsolated,
                             Node(VchaNodeRole::kPassive, VchaNodeState::kDown, "vc01-passive"))),
               Step::Kind::kDegraded, "ClusterIsolated"),
      PlanCase(
          "a HEALTHY report with the passive node DOWN is Degraded, not redeployed",
          Input(Cluster(VchaHealth::kHealthy, Node(VchaNodeRole::kPassive, VchaNodeState::kDown))),
          Step::Kind::kDegraded, "PassiveNodeNotUp"),
      PlanCase("a CONFIGURED cluster without health is Degraded with the health exception",
               Input(no_health), Step::Kind::kDegraded, "HealthUnknown")
          .Says("Health information is unavailable."),
      PlanCase("a NOTCONFIGURED cluster is Stalled: vsrd does not create a VCHA cluster",
               Input(WithConfigState(VchaConfigState::kNotConfigured)), Step::Kind::kStalled,
               "ClusterNotConfigured")
          .Says("it does not create a VCHA cluster"),
      PlanCase("an INVALID cluster is Stalled", Input(WithConfigState(VchaConfigState::kInvalid)),
               Step::Kind::kStalled, "ClusterNotConfigured")
          .Says("INVALID"),
      PlanCase("a PREPARED cluster is waited for",
               Input(WithConfigState(VchaConfigState::kPrepared)), Step::Kind::kWaiting,
               "ClusterPrepared"),
      PlanCase("an answer without config_state is retried", Input(no_config_state),
               Step::Kind::kRetry, "ClusterStateUnknown"),
      PlanCase("a running redeploy is polled, not resubmitted",
               Input(DegradedPassiveDown(), InFlightRecord(),
                     Found(ports::TaskStatus::kRunning, ports::TaskProgress{100, 40, ""})),
               Step::Kind::kPoll, "RedeployRunning")
          .Progress(40)
          .Says("task-7"),
      PlanCase("a PENDING redeploy is polled",
               Input(DegradedPassiveDown(), InFlightRecord(), Found(ports::TaskStatus::kPending)),
               Step::Kind::kPoll, "RedeployRunning"),
      PlanCase("a BLOCKED redeploy is polled",
               Input(DegradedPassiveDown(), InFlightRecord(), Found(ports::TaskStatus::kBlocked)),
               Step::Kind::kPoll, "RedeployRunning"),
      PlanCase("a redeploy running longer than policy.timeout is overdue but still polled",
               Input(DegradedPassiveDown(), InFlightRecord("gen-1", kStart - 61min),
                     Found(ports::TaskStatus::kRunning)),
               Step::Kind::kPoll, "OperationOverdue")
          .Says("still polling"),
      PlanCase(
          "a redeploy started for an older generation is still polled to its end",
          Input(DegradedPassiveDown(), InFlightRecord("gen-0"), Found(ports::TaskStatus::kRunning)),
          Step::Kind::kPoll, "RedeployRunning"),
      PlanCase("a journaled task that was not polled is waited for",
               Input(DegradedPassiveDown(), InFlightRecord()), Step::Kind::kPoll,
               "RedeployRunning"),
      PlanCase("a FAILED redeploy clears the journal and counts as a failed mutation",
               Input(DegradedPassiveDown(), InFlightRecord(), Found(ports::TaskStatus::kFailed)),
               Step::Kind::kFailed, "RedeployFailed")
          .Clears()
          .Says("The passive node could not be deployed."),
      PlanCase("a SUCCEEDED redeploy with the passive node UP is Ready and clears the journal",
               Input(Healthy(), InFlightRecord(), Found(ports::TaskStatus::kSucceeded)),
               Step::Kind::kReady, "PassiveNodeHealthy")
          .Clears(),
      PlanCase("a SUCCEEDED redeploy whose node is still DOWN is not redeployed again at once",
               Input(DegradedPassiveDown(), InFlightRecord(), Found(ports::TaskStatus::kSucceeded)),
               Step::Kind::kFailed, "RedeployIneffective")
          .Clears(),
      PlanCase("a SUCCEEDED redeploy in a cluster degraded by its witness is Degraded",
               Input(witness_down, InFlightRecord(), Found(ports::TaskStatus::kSucceeded)),
               Step::Kind::kDegraded, "ClusterDegraded")
          .Clears(),
      PlanCase("a lost task with a whole cluster is Ready and clears the journal",
               Input(Healthy(), InFlightRecord(), Lost()), Step::Kind::kReady, "PassiveNodeHealthy")
          .Clears(),
      PlanCase("a lost task with the passive node still DOWN is a failure, not a second redeploy",
               Input(DegradedPassiveDown(), InFlightRecord(), Lost()), Step::Kind::kFailed,
               "RedeployTaskLost")
          .Clears()
          .Says("404"),
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    const Step step = Plan(c.input);
    EXPECT_EQ(step.kind, c.kind);
    EXPECT_EQ(step.reason, c.reason);
    EXPECT_EQ(step.clear_in_flight, c.clear_in_flight);
    EXPECT_EQ(step.progress, c.progress);
    EXPECT_FALSE(step.message.empty());
    if (!c.message_has.empty()) {
      EXPECT_NE(step.message.find(c.message_has), std::string::npos) << step.message;
    }
  }
}

struct CheckCase {
  std::string name;
  ports::PassiveCheckResult result;
  Step::Kind kind;
  std::string reason;
  std::vector<std::string> message_has;
};

TEST(VchaPlan, JudgesTheCheckResult) {
  const ports::LocalizableMessage warning{
      "w", "The passive node shares the active node's host.", {}};
  const ports::LocalizableMessage error1{
      "e1", "placement.host: the host host-99 does not exist.", {}};
  const ports::LocalizableMessage error2{"e2", "scripted error", {}};
  const std::vector<CheckCase> cases = {
      {"a check without errors or warnings lets the redeploy go ahead",
       {},
       Step::Kind::kRedeploy,
       "RedeployNeeded",
       {"passed"}},
      {"a check with only warnings lets the redeploy go ahead and reports them",
       {{warning}, {}},
       Step::Kind::kRedeploy,
       "RedeployNeeded",
       {warning.default_message}},
      {"a check with errors is Stalled with every error in the message",
       {{warning}, {error1, error2}},
       Step::Kind::kStalled,
       "CheckRejected",
       {error1.default_message, error2.default_message}},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    const Step step = JudgeCheck(c.result);
    EXPECT_EQ(step.kind, c.kind);
    EXPECT_EQ(step.reason, c.reason);
    for (const auto& part : c.message_has) {
      EXPECT_NE(step.message.find(part), std::string::npos) << step.message;
    }
  }
}

ports::ApiError Api(int status, std::string type, std::string data = {}) {
  ports::ApiError error;
  error.operation = "vcha.passive.check";
  error.http_status = status;
  error.error_type = std::move(type);
  error.data = std::move(data);
  return error;
}

ports::ApiError Transport(ports::ErrorKind kind) {
  ports::ApiError error;
  error.kind = kind;
  error.operation = "vcha.passive.redeploy";
  return error;
}

struct ErrorCase {
  std::string name;
  ports::ApiError error;
  Step::Kind kind;
  std::string reason;
  std::string message_has;
};

TEST(VchaPlan, JudgesCheckCallErrors) {
  const std::string data = R"({"ssl_thumbprint":"AA:BB:CC"})";
  const std::vector<ErrorCase> cases = {
      {"an unverified management vCenter is Stalled and its thumbprint named",
       Api(400, "UNVERIFIED_PEER", data), Step::Kind::kStalled, "ManagementVcenterUnverified",
       "AA:BB:CC"},
      {"an unverified management vCenter without data is still Stalled",
       Api(400, "UNVERIFIED_PEER"), Step::Kind::kStalled, "ManagementVcenterUnverified",
       "ssl_thumbprint"},
      {"a 503 is retried without counting", Api(503, "SERVICE_UNAVAILABLE"), Step::Kind::kRetry,
       "TargetUnreachable", "503"},
      {"a reset is retried without counting", Transport(ports::ErrorKind::kReset),
       Step::Kind::kRetry, "TargetUnreachable", "reset"},
      {"wrong management credentials count as a failed mutation", Api(400, "INVALID_ARGUMENT"),
       Step::Kind::kFailed, "CheckFailed", "INVALID_ARGUMENT"},
      {"a refusal in the current state counts as a failed mutation",
       Api(400, "NOT_ALLOWED_IN_CURRENT_STATE"), Step::Kind::kFailed, "CheckFailed",
       "NOT_ALLOWED_IN_CURRENT_STATE"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    const Step step = JudgeCheckError(c.error);
    EXPECT_EQ(step.kind, c.kind);
    EXPECT_EQ(step.reason, c.reason);
    EXPECT_NE(step.message.find(c.message_has), std::string::npos) << step.message;
  }
}

TEST(VchaPlan, JudgesRedeployCallErrors) {
  const std::vector<ErrorCase> cases = {
      {"ALREADY_IN_DESIRED_STATE counts as success and the cluster is read again",
       Api(400, "ALREADY_IN_DESIRED_STATE"), Step::Kind::kPoll, "AlreadyDone",
       "ALREADY_IN_DESIRED_STATE"},
      {"ALREADY_EXISTS counts as success", Api(400, "ALREADY_EXISTS"), Step::Kind::kPoll,
       "AlreadyDone", "ALREADY_EXISTS"},
      {"an unverified management vCenter is Stalled",
       Api(400, "UNVERIFIED_PEER", R"({"ssl_thumbprint": "DD:EE"})"), Step::Kind::kStalled,
       "ManagementVcenterUnverified", "DD:EE"},
      {"a 500 is a failed mutation", Api(500, "ERROR"), Step::Kind::kFailed, "RedeployFailed",
       "500"},
      {"a 503 is a failed mutation", Api(503, "SERVICE_UNAVAILABLE"), Step::Kind::kFailed,
       "RedeployFailed", "503"},
      {"a reset after the request was sent is a failed mutation, judged from live state later",
       Transport(ports::ErrorKind::kReset), Step::Kind::kFailed, "RedeployFailed", "reset"},
      {"a refusal in the current state is a failed mutation",
       Api(400, "NOT_ALLOWED_IN_CURRENT_STATE"), Step::Kind::kFailed, "RedeployFailed",
       "NOT_ALLOWED_IN_CURRENT_STATE"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    const Step step = JudgeRedeployError(c.error);
    EXPECT_EQ(step.kind, c.kind);
    EXPECT_EQ(step.reason, c.reason);
    EXPECT_NE(step.message.find(c.message_has), std::string::npos) << step.message;
  }
}

ManagementVcenter Management() {
  ManagementVcenter management;
  management.hostname = "mgmt.example.com";
  management.port = 443;
  management.username = "administrator@vsphere.local";
  management.password = manifests::SecretRef{manifests::SecretRef::Source::kEnv, "MGMT_PW"};
  management.ssl_thumbprint = "11:22:33";
  return management;
}

TEST(VchaPlan, DescribesTheCheckThenTheRedeployWithoutVcSpecForASelfManagedVcenter) {
  const auto calls = DescribeRedeploy(Spec(), std::nullopt);
  ASSERT_EQ(calls.size(), 2U);
  EXPECT_EQ(calls[0],
            R"(POST /api/vcenter/vcha/cluster/passive?action=check {"placement": {"name": )"
            R"("vc01-passive", "folder": "group-v4", "host": "host-12", "ha_network_type": )"
            R"("STANDARD_PORTGROUP", "ha_network": "network-13", "storage": {"datastore": )"
            R"("datastore-15"}}})");
  EXPECT_EQ(calls[1],
            R"(POST /api/vcenter/vcha/cluster/passive?action=redeploy&vmw-task=true )"
            R"({"placement": {"name": "vc01-passive", "folder": "group-v4", "host": "host-12", )"
            R"("ha_network_type": "STANDARD_PORTGROUP", "ha_network": "network-13", "storage": )"
            R"({"datastore": "datastore-15"}}, "ha_ip": {"ip_family": "IPV4", "ipv4": )"
            R"({"address": "192.0.2.12", "prefix": 24}}})");
}

TEST(VchaPlan, DescribesTheManagementVcenterWithThePasswordRedacted) {
  auto spec = Spec();
  manifests::IpSpec failover;
  failover.ipv4 = manifests::Ipv4Spec{"192.0.2.10", "255.255.255.0", std::nullopt};
  failover.default_gateway = "192.0.2.1";
  failover.dns_servers = {"192.0.2.53"};
  spec.failover_ip = failover;
  const auto calls = DescribeRedeploy(spec, Management());
  ASSERT_EQ(calls.size(), 2U);
  const std::string vc_spec =
      R"("vc_spec": {"active_location": {"hostname": "mgmt.example.com", "port": 443, )"
      R"("ssl_thumbprint": "11:22:33", "username": "administrator@vsphere.local", )"
      R"x("password": "(sensitive)"}})x";
  for (const auto& call : calls) {
    EXPECT_NE(call.find(vc_spec), std::string::npos) << call;
    EXPECT_EQ(call.find("MGMT_PW"), std::string::npos) << call;
  }
  EXPECT_NE(calls[1].find(R"("failover_ip": {"ip_family": "IPV4", "ipv4": {"address": )"
                          R"("192.0.2.10", "subnet_mask": "255.255.255.0"}, )"
                          R"("default_gateway": "192.0.2.1", "dns_servers": ["192.0.2.53"]})"),
            std::string::npos)
      << calls[1];
}

TEST(VchaPlan, BuildsTheSpecsFromTheManifestAndTheManagementVcenter) {
  const auto vc_spec = MakeVcSpec(Management(), ports::Secret("mgmt-password"));
  EXPECT_EQ(vc_spec.active_location.hostname, "mgmt.example.com");
  EXPECT_EQ(vc_spec.active_location.port, 443);
  EXPECT_EQ(vc_spec.active_location.username, "administrator@vsphere.local");
  EXPECT_EQ(vc_spec.active_location.ssl_thumbprint, "11:22:33");
  ASSERT_TRUE(vc_spec.active_location.password);
  EXPECT_EQ(vc_spec.active_location.password->Reveal(), "mgmt-password");

  const auto redeploy = MakeRedeploySpec(Spec(), vc_spec);
  EXPECT_EQ(redeploy.placement.name, "vc01-passive");
  EXPECT_EQ(redeploy.placement.storage_datastore, "datastore-15");
  ASSERT_TRUE(redeploy.ha_ip);
  EXPECT_EQ(redeploy.ha_ip->ipv4->address, "192.0.2.12");
  EXPECT_FALSE(redeploy.failover_ip);
  ASSERT_TRUE(redeploy.vc_spec);
  EXPECT_EQ(redeploy.vc_spec->active_location.hostname, "mgmt.example.com");

  const auto check = MakeCheckSpec(Spec(), std::nullopt);
  EXPECT_EQ(check.placement.host, "host-12");
  EXPECT_FALSE(check.vc_spec);
}

TEST(VchaPlan, ReportsTheClusterInDetails) {
  const auto details = Details(DegradedPassiveDown());
  EXPECT_EQ(details.at("config_state"), "CONFIGURED");
  EXPECT_EQ(details.at("mode"), "ENABLED");
  EXPECT_EQ(details.at("health_state"), "DEGRADED");
  EXPECT_EQ(details.at("passive_state"), "DOWN");
  EXPECT_EQ(details.at("passive_vm"), "vc01-passive");

  const auto missing = Details(Cluster(VchaHealth::kDegraded, std::nullopt));
  EXPECT_EQ(missing.at("passive_state"), "missing");
  EXPECT_EQ(missing.count("passive_vm"), 0U);

  const auto not_configured = Details(WithConfigState(VchaConfigState::kNotConfigured));
  EXPECT_EQ(not_configured.at("config_state"), "NOTCONFIGURED");
  EXPECT_EQ(not_configured.count("passive_state"), 0U);
}

TEST(VchaPlan, ComputesProgressOnlyFromATotal) {
  ports::TaskInfo task;
  EXPECT_EQ(ProgressPercent(task), std::nullopt);
  task.progress = ports::TaskProgress{0, 0, ""};
  EXPECT_EQ(ProgressPercent(task), std::nullopt);
  task.progress = ports::TaskProgress{200, 50, ""};
  EXPECT_EQ(ProgressPercent(task), 25);
}

}  // namespace
}  // namespace vsrd::reconcilers::vcha_passive_node
