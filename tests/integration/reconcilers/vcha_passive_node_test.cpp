// VchaPassiveNodeReconciler against vsrd-sim over HTTPS (the lab scenario: vc01's VCHA cluster is
// DEGRADED, its passive node vc01-passive on host-12/datastore-15 DOWN, a redeploy takes 5m).
// Passes are driven one by one, the simulated clock advanced by each outcome's delay.
#include <chrono>
#include <cstdlib>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "reconcilers/vcha_passive_node/reconciler.hpp"
#include "tests/integration/reconcilers/reconciler_fixture.hpp"

namespace vsrd::integration {
namespace {

using nlohmann::json;
using rec::Outcome;
using rec::Phase;
using rec::vcha_passive_node::VchaPassiveNodeReconciler;

constexpr const char* kRedeploy = "vcha.passive.redeploy$task";
constexpr const char* kCheck = "vcha.passive.check";
constexpr const char* kManagementPassword = "mgmt-demo-password";
constexpr const char* kManagementThumbprint =
    "3C:91:0A:5D:7E:22:18:B4:C6:0F:93:AE:41:57:D8:2B:6C:E0:1F:77";

const std::string kManifest = R"(
apiVersion: vsrd/v1
kind: VchaPassiveNode
metadata: {name: vc01-passive}
spec:
  target: vc01
  placement:
    name: vc01-passive
    folder: group-v4
    host: host-12
    ha_network_type: STANDARD_PORTGROUP
    ha_network: network-13
    management_network_type: STANDARD_PORTGROUP
    management_network: network-11
    storage: {datastore: datastore-15}
  ha_ip: {ip_family: IPV4, ipv4: {address: 192.0.2.12, prefix: 24}}
  failover_ip:
    ip_family: IPV4
    ipv4: {address: 192.0.2.10, prefix: 24}
    default_gateway: 192.0.2.1
)";

const std::string kManagedManifest = kManifest + "  management_vcenter: mgmt\n";

class VchaPassiveNodeTest : public ReconcilerTest {
 protected:
  /// Passes until one is not a requeue (or `max_passes`), advancing the clock by each delay.
  std::vector<Outcome> Converge(rec::Reconciler& reconciler, TestContext& context,
                                int max_passes = 300) {
    std::vector<Outcome> outcomes;
    for (int i = 0; i < max_passes; ++i) {
      outcomes.push_back(reconciler.Reconcile(context));
      if (outcomes.back().kind != Outcome::Kind::kRequeueAfter) break;
      sim_.Sim().Advance(outcomes.back().after);
    }
    return outcomes;
  }

  Outcome Pass(rec::Reconciler& reconciler, TestContext& context) {
    return reconciler.Reconcile(context);
  }

  void Patch(const std::string& patch) { sim_.Sim().PatchState("vc01", json::parse(patch)); }

  /// The operations vc01 was asked for, as a set.
  std::set<std::string> Operations() const {
    std::set<std::string> out;
    for (const auto& entry : sim_.Requests()) {
      if (entry.persona == "vc01") out.insert(entry.operation);
    }
    return out;
  }

  /// A management vCenter in the simulator and the config target naming it.
  void AddManagementVcenter(TestContext& context, const std::string& thumbprint) {
    Patch(std::string(R"({"vcha": {"management_vcenter": {"hostname": "mgmt.lab.example.com",
          "port": 443, "username": "administrator@vsphere.local", "password": ")") +
          kManagementPassword + R"(", "ssl_thumbprint": ")" + kManagementThumbprint + R"("}}})");
    ::setenv("VSRD_TEST_MGMT_PASSWORD", kManagementPassword, 1);
    rec::ManagementVcenter management;
    management.hostname = "mgmt.lab.example.com";
    management.port = 443;
    management.username = "administrator@vsphere.local";
    management.password =
        manifests::SecretRef{manifests::SecretRef::Source::kEnv, "VSRD_TEST_MGMT_PASSWORD"};
    management.ssl_thumbprint = thumbprint;
    context.management_targets["mgmt"] = management;
  }

  VchaPassiveNodeReconciler reconciler_;
};

TEST_F(VchaPassiveNodeTest, RedeploysTheLostPassiveNodeOnceAndConvergesToReady) {
  auto context = Context(kManifest);
  const auto outcomes = Converge(reconciler_, *context);

  ASSERT_GE(outcomes.size(), 3U);
  const Outcome& first = outcomes.front();
  EXPECT_EQ(first.kind, Outcome::Kind::kRequeueAfter);
  EXPECT_EQ(first.reason, "RedeployRunning");
  // The first look a second after submission, then on the task's own clock
  // (reconcilers/poll_delay.hpp).
  EXPECT_EQ(first.after, std::chrono::seconds(1));
  ASSERT_TRUE(first.operation);
  EXPECT_EQ(first.operation->name, "vcha.passive.redeploy");
  EXPECT_FALSE(first.operation->task.empty());
  EXPECT_EQ(first.details.at("health_state"), "DEGRADED");
  EXPECT_EQ(first.details.at("passive_state"), "DOWN");
  for (std::size_t i = 1; i + 1 < outcomes.size(); ++i) {
    EXPECT_EQ(outcomes[i].reason, "RedeployRunning") << i;
    ASSERT_TRUE(outcomes[i].operation);
    EXPECT_EQ(outcomes[i].operation->task, first.operation->task);
  }
  // Progress rises while the 5 minute task runs.
  ASSERT_TRUE(outcomes[outcomes.size() / 2].operation->progress);
  EXPECT_GT(*outcomes[outcomes.size() / 2].operation->progress, 0);

  const Outcome& last = outcomes.back();
  EXPECT_EQ(last.kind, Outcome::Kind::kDone);
  EXPECT_EQ(last.phase, Phase::kReady);
  EXPECT_EQ(last.reason, "PassiveNodeHealthy");
  EXPECT_FALSE(last.operation);
  EXPECT_EQ(last.details.at("health_state"), "HEALTHY");
  EXPECT_EQ(context->vcha_health, "HEALTHY");
  EXPECT_FALSE(context->record.in_flight);
  EXPECT_EQ(context->saves, 3);  // the intent, the accepted task, then its end

  EXPECT_EQ(Count("vc01", kCheck), 1);
  EXPECT_EQ(Count("vc01", kRedeploy), 1);
  EXPECT_EQ(context->mutations_begun, 1);
  const json state = sim_.Sim().State("vc01");
  EXPECT_EQ(state["vcha"]["health_state"], "HEALTHY");
  EXPECT_EQ(state["vcha"]["node2"]["runtime"]["state"], "UP");

  // The next drift check finds nothing to do and calls no action.
  const Outcome again = Pass(reconciler_, *context);
  EXPECT_EQ(again.reason, "PassiveNodeHealthy");
  EXPECT_EQ(Count("vc01", kCheck), 1);
  EXPECT_EQ(Count("vc01", kRedeploy), 1);
}

TEST_F(VchaPassiveNodeTest, JournalsTheTaskBeforeReturning) {
  auto context = Context(kManifest);
  const Outcome first = Pass(reconciler_, *context);
  ASSERT_EQ(first.reason, "RedeployRunning");
  ASSERT_TRUE(context->record.in_flight);
  const rec::InFlight& in_flight = *context->record.in_flight;
  EXPECT_EQ(in_flight.operation, "vcha.passive.redeploy");
  EXPECT_EQ(in_flight.task, first.operation->task);
  EXPECT_EQ(in_flight.generation, context->Object().generation);
  EXPECT_EQ(in_flight.started_at, sim_.Sim().Now());
  EXPECT_EQ(in_flight.detail, "vc01-passive");
  EXPECT_EQ(in_flight.state, rec::Submission::kAccepted);
  EXPECT_EQ(in_flight.attempt, 1);
  EXPECT_EQ(context->saves, 2);  // the intent before the call, then the accepted task
  EXPECT_EQ(context->vcha_health, "DEGRADED");
}

TEST_F(VchaPassiveNodeTest, AFailedJournalWriteIsATransientFailure) {
  auto context = Context(kManifest);
  context->fail_saves = true;
  const Outcome outcome = Pass(reconciler_, *context);
  EXPECT_EQ(outcome.kind, Outcome::Kind::kTransient);
  EXPECT_EQ(outcome.reason, "JournalUnavailable");
  EXPECT_FALSE(outcome.mutation_failed);
  EXPECT_FALSE(context->record.in_flight);
}

TEST_F(VchaPassiveNodeTest, ANewReconcilerWithTheSavedRecordPollsAndNeverResubmits) {
  auto context = Context(kManifest);
  const Outcome first = Pass(reconciler_, *context);
  ASSERT_EQ(first.reason, "RedeployRunning");
  sim_.Sim().Advance(std::chrono::minutes(2));

  // vsrd restarts: a new reconciler and context, with only the journal carried over.
  VchaPassiveNodeReconciler restarted;
  auto resumed = Context(kManifest);
  resumed->record = context->record;
  const Outcome polled = Pass(restarted, *resumed);
  EXPECT_EQ(polled.reason, "RedeployRunning");
  ASSERT_TRUE(polled.operation);
  EXPECT_EQ(polled.operation->task, first.operation->task);
  EXPECT_EQ(polled.operation->started_at, first.operation->started_at);
  EXPECT_EQ(resumed->mutations_begun, 0);

  sim_.Sim().Advance(polled.after);
  const auto outcomes = Converge(restarted, *resumed);
  EXPECT_EQ(outcomes.back().reason, "PassiveNodeHealthy");
  EXPECT_EQ(Count("vc01", kRedeploy), 1);
  EXPECT_EQ(Count("vc01", kCheck), 1);
}

TEST_F(VchaPassiveNodeTest, AnOlderGenerationsRedeployIsPolledToItsEnd) {
  auto context = Context(kManifest);
  ASSERT_EQ(Pass(reconciler_, *context).reason, "RedeployRunning");
  // The manifest changes while the task runs.
  auto changed = Context(kManifest + "  policy: {interval: 10m}\n");
  ASSERT_NE(changed->Object().generation, context->Object().generation);
  changed->record = context->record;
  const auto outcomes = Converge(reconciler_, *changed);
  EXPECT_EQ(outcomes.back().reason, "PassiveNodeHealthy");
  EXPECT_EQ(Count("vc01", kRedeploy), 1);
}

TEST_F(VchaPassiveNodeTest, DryRunListsCheckAndRedeployAndCallsNoAction) {
  auto context = Context(kManifest);
  context->dry_run = true;
  const Outcome outcome = Pass(reconciler_, *context);
  EXPECT_EQ(outcome.phase, Phase::kProgressing);
  EXPECT_EQ(outcome.reason, "RedeployNeeded");
  ASSERT_EQ(outcome.plan.size(), 2U);
  EXPECT_EQ(outcome.plan[0].rfind("POST /api/vcenter/vcha/cluster/passive?action=check {", 0), 0U)
      << outcome.plan[0];
  EXPECT_EQ(outcome.plan[1].rfind(
                "POST /api/vcenter/vcha/cluster/passive?action=redeploy&vmw-task=true {", 0),
            0U)
      << outcome.plan[1];
  EXPECT_NE(outcome.plan[1].find(R"("name": "vc01-passive")"), std::string::npos);
  EXPECT_NE(outcome.plan[1].find(R"("failover_ip")"), std::string::npos);
  EXPECT_EQ(Count("vc01", kCheck), 0);
  EXPECT_EQ(Count("vc01", kRedeploy), 0);
  EXPECT_EQ(Operations(), (std::set<std::string>{"session.create", "vcha.cluster.get"}));
  EXPECT_EQ(context->saves, 0);
  EXPECT_EQ(context->mutations_begun, 0);
}

TEST_F(VchaPassiveNodeTest, DryRunShowsTheManagementVcenterButNotItsPassword) {
  auto context = Context(kManagedManifest);
  AddManagementVcenter(*context, kManagementThumbprint);
  context->dry_run = true;
  const Outcome outcome = Pass(reconciler_, *context);
  ASSERT_EQ(outcome.plan.size(), 2U) << outcome.reason << ": " << outcome.message;
  for (const auto& call : outcome.plan) {
    EXPECT_NE(call.find(R"("hostname": "mgmt.lab.example.com")"), std::string::npos) << call;
    EXPECT_NE(call.find(R"x("password": "(sensitive)")x"), std::string::npos) << call;
    EXPECT_EQ(call.find(kManagementPassword), std::string::npos) << call;
  }
  EXPECT_EQ(outcome.message.find(kManagementPassword), std::string::npos);
  EXPECT_EQ(Count("vc01", kCheck), 0);
  EXPECT_EQ(Count("vc01", kRedeploy), 0);
}

TEST_F(VchaPassiveNodeTest, DryRunOfARunningRedeployPlansNothingAndWritesNothing) {
  auto context = Context(kManifest);
  ASSERT_EQ(Pass(reconciler_, *context).reason, "RedeployRunning");
  context->dry_run = true;
  const int saves = context->saves;
  const Outcome polled = Pass(reconciler_, *context);
  EXPECT_EQ(polled.reason, "RedeployRunning");
  EXPECT_TRUE(polled.plan.empty());
  sim_.Sim().Advance(std::chrono::minutes(6));
  const Outcome done = Pass(reconciler_, *context);
  EXPECT_EQ(done.reason, "PassiveNodeHealthy");
  EXPECT_TRUE(done.plan.empty());
  EXPECT_EQ(context->saves, saves);
  EXPECT_TRUE(context->record.in_flight);  // dry run leaves the journal to apply
}

TEST_F(VchaPassiveNodeTest, WaitsOutsideTheWindowWithoutCallingTheCheck) {
  auto context = Context(kManifest);
  context->in_window = false;
  const Outcome outcome = Pass(reconciler_, *context);
  EXPECT_EQ(outcome.kind, Outcome::Kind::kDone);
  EXPECT_EQ(outcome.phase, Phase::kWaiting);
  EXPECT_EQ(outcome.reason, "OutsideWindow");
  EXPECT_EQ(outcome.waiting, reconcilers::WaitingFor::Window());
  EXPECT_TRUE(outcome.plan.empty());
  EXPECT_EQ(Count("vc01", kCheck), 0);
  EXPECT_EQ(Count("vc01", kRedeploy), 0);
  EXPECT_EQ(context->mutations_begun, 0);

  context->in_window = true;
  EXPECT_EQ(Pass(reconciler_, *context).reason, "RedeployRunning");
}

TEST_F(VchaPassiveNodeTest, WaitsForAMutationSlot) {
  auto context = Context(kManifest);
  context->free_slots = 0;
  const Outcome outcome = Pass(reconciler_, *context);
  EXPECT_EQ(outcome.kind, Outcome::Kind::kRequeueAfter);
  EXPECT_EQ(outcome.after, std::chrono::seconds(15));
  EXPECT_EQ(outcome.phase, Phase::kWaiting);
  EXPECT_EQ(outcome.reason, "TargetBusy");
  EXPECT_EQ(Count("vc01", kCheck), 0);
  EXPECT_EQ(Count("vc01", kRedeploy), 0);
}

TEST_F(VchaPassiveNodeTest, ReadFaultsAreTransientAndMutateNothing) {
  for (const auto disposition :
       {simulator::Disposition::kRespond, simulator::Disposition::kReset}) {
    SCOPED_TRACE(disposition == simulator::Disposition::kReset ? "reset" : "503");
    simulator::FaultRule rule;
    rule.persona = "vc01";
    rule.path = "/api/vcenter/vcha/cluster";
    rule.action = "get";
    rule.disposition = disposition;
    rule.status = 503;
    rule.error_type = "SERVICE_UNAVAILABLE";
    sim_.Sim().AddFault(rule);
    auto context = Context(kManifest);
    const Outcome outcome = Pass(reconciler_, *context);
    EXPECT_EQ(outcome.kind, Outcome::Kind::kTransient);
    EXPECT_EQ(outcome.reason, "TargetUnreachable");
    EXPECT_FALSE(outcome.mutation_failed);
    EXPECT_EQ(Count("vc01", kCheck), 0);
    EXPECT_EQ(Count("vc01", kRedeploy), 0);
  }
}

TEST_F(VchaPassiveNodeTest, AFailedRedeployCallIsAFailedMutation) {
  simulator::FaultRule rule;
  rule.persona = "vc01";
  rule.path = "/api/vcenter/vcha/cluster/passive";
  rule.action = "redeploy";
  rule.status = 503;
  rule.error_type = "SERVICE_UNAVAILABLE";
  sim_.Sim().AddFault(rule);
  auto context = Context(kManifest);
  context->free_slots = 100;  // the engine gives the slot back after each pass
  const Outcome outcome = Pass(reconciler_, *context);
  EXPECT_EQ(outcome.kind, Outcome::Kind::kTransient);
  EXPECT_EQ(outcome.reason, "RedeployFailed");
  EXPECT_TRUE(outcome.mutation_failed);
  EXPECT_FALSE(context->record.in_flight);
  EXPECT_EQ(context->record.attempts, 1) << "a rejected submission counts";
  // Once the fault is spent the next pass redeploys.
  EXPECT_EQ(Pass(reconciler_, *context).reason, "RedeployRunning");
  EXPECT_EQ(context->record.in_flight->attempt, 2);
}

TEST_F(VchaPassiveNodeTest, ARedeployExecutedButUnansweredIsFoundInTheTaskListNeverResubmitted) {
  // The server runs the redeploy, then resets the connection: the outcome is unknown, and the
  // task list finds the task (issue: "SIGKILL after the server executed the POST").
  simulator::FaultRule rule;
  rule.persona = "vc01";
  rule.path = "/api/vcenter/vcha/cluster/passive";
  rule.action = "redeploy";
  rule.disposition = simulator::Disposition::kReset;
  rule.execute = true;
  sim_.Sim().AddFault(rule);
  auto context = Context(kManifest);
  const Outcome unknown = Pass(reconciler_, *context);
  EXPECT_EQ(unknown.reason, "ResolvingOutcome") << unknown.message;
  ASSERT_TRUE(context->record.in_flight);
  EXPECT_EQ(context->record.in_flight->state, rec::Submission::kUnknown);
  const Outcome resolved = Pass(reconciler_, *context);
  EXPECT_EQ(resolved.reason, "RedeployRunning") << resolved.message;
  ASSERT_TRUE(context->record.in_flight);
  EXPECT_EQ(context->record.in_flight->state, rec::Submission::kAccepted);
  EXPECT_FALSE(context->record.in_flight->task.empty());
  Outcome last = resolved;
  for (int i = 0; i < 300 && last.kind == Outcome::Kind::kRequeueAfter; ++i) {
    Advance(std::chrono::duration_cast<std::chrono::seconds>(last.after));
    last = Pass(reconciler_, *context);
  }
  EXPECT_EQ(last.reason, "PassiveNodeHealthy") << last.message;
  EXPECT_EQ(Count("vc01", kRedeploy), 1);
}

TEST_F(VchaPassiveNodeTest, ARedeployThatNeverReachedTheServerIsConcludedNotRunAfterTheSettleTime) {
  // The process died after the intent, before the POST: no new task appears, and only after
  // policy.outcome_settle is the redeploy submitted again.
  auto context = Context(kManifest);
  context->record.in_flight = rec::InFlight::Accepted(
      "vcha.passive.redeploy", "", context->Object().generation, sim_.Sim().Now(), "vc01-passive");
  context->record.in_flight->state = rec::Submission::kSubmitting;
  context->record.in_flight->attempt = 1;
  context->record.attempts = 1;
  context->record.attempts_generation = context->Object().generation;
  EXPECT_EQ(Pass(reconciler_, *context).reason, "ResolvingOutcome");
  EXPECT_EQ(Count("vc01", kRedeploy), 0);
  Advance(std::chrono::seconds(61));
  EXPECT_EQ(Pass(reconciler_, *context).reason, "RedeployRunning");
  EXPECT_EQ(Count("vc01", kRedeploy), 1);
  EXPECT_EQ(context->record.in_flight->attempt, 2);
}

TEST_F(VchaPassiveNodeTest, AnUnavailableCheckIsRetriedWithoutCounting) {
  simulator::FaultRule rule;
  rule.persona = "vc01";
  rule.path = "/api/vcenter/vcha/cluster/passive";
  rule.action = "check";
  rule.status = 503;
  rule.error_type = "SERVICE_UNAVAILABLE";
  sim_.Sim().AddFault(rule);
  auto context = Context(kManifest);
  const Outcome outcome = Pass(reconciler_, *context);
  EXPECT_EQ(outcome.kind, Outcome::Kind::kTransient);
  EXPECT_EQ(outcome.reason, "TargetUnreachable");
  EXPECT_FALSE(outcome.mutation_failed);
  EXPECT_EQ(Count("vc01", kRedeploy), 0);
}

TEST_F(VchaPassiveNodeTest, ATaskPollFaultKeepsTheJournalAndThePassConvergesLater) {
  auto context = Context(kManifest);
  ASSERT_EQ(Pass(reconciler_, *context).reason, "RedeployRunning");
  simulator::FaultRule rule;
  rule.persona = "vc01";
  rule.path = "/api/cis/tasks/{task}";
  rule.status = 503;
  rule.error_type = "SERVICE_UNAVAILABLE";
  sim_.Sim().AddFault(rule);
  sim_.Sim().Advance(std::chrono::seconds(10));
  const Outcome failed = Pass(reconciler_, *context);
  EXPECT_EQ(failed.reason, "TargetUnreachable");
  EXPECT_FALSE(failed.mutation_failed);
  ASSERT_TRUE(failed.operation);  // status still shows the running task
  EXPECT_TRUE(context->record.in_flight);
  const auto outcomes = Converge(reconciler_, *context);
  EXPECT_EQ(outcomes.back().reason, "PassiveNodeHealthy");
  EXPECT_EQ(Count("vc01", kRedeploy), 1);
}

TEST_F(VchaPassiveNodeTest, AFailedRedeployTaskClearsTheJournalAndCountsAsAFailure) {
  Patch(R"({"vcha": {"redeploy": {"fail": true}}})");
  auto context = Context(kManifest);
  const auto outcomes = Converge(reconciler_, *context);
  const Outcome& last = outcomes.back();
  EXPECT_EQ(last.kind, Outcome::Kind::kTransient);
  EXPECT_EQ(last.reason, "RedeployFailed");
  EXPECT_TRUE(last.mutation_failed);
  EXPECT_NE(last.message.find("The passive node could not be deployed."), std::string::npos)
      << last.message;
  EXPECT_FALSE(context->record.in_flight);
  EXPECT_EQ(Count("vc01", kRedeploy), 1);
}

TEST_F(VchaPassiveNodeTest, ATaskLostInAVcenterRestartCountsAsAFailureNotASecondRedeploy) {
  auto context = Context(kManifest);
  ASSERT_EQ(Pass(reconciler_, *context).reason, "RedeployRunning");
  sim_.Sim().Reset();  // tasks and sessions gone, the cluster as in the scenario
  const Outcome lost = Pass(reconciler_, *context);
  EXPECT_EQ(lost.kind, Outcome::Kind::kTransient);
  EXPECT_EQ(lost.reason, "RedeployTaskLost");
  EXPECT_TRUE(lost.mutation_failed);
  EXPECT_FALSE(context->record.in_flight);
  EXPECT_EQ(Count("vc01", kRedeploy), 0);  // the log was reset with the simulator
}

TEST_F(VchaPassiveNodeTest, AnOverdueRedeployIsStillPolled) {
  auto context = Context(kManifest);
  context->policy.timeout = std::chrono::minutes(1);
  ASSERT_EQ(Pass(reconciler_, *context).reason, "RedeployRunning");
  sim_.Sim().Advance(std::chrono::minutes(2));
  const Outcome overdue = Pass(reconciler_, *context);
  EXPECT_EQ(overdue.kind, Outcome::Kind::kRequeueAfter);
  EXPECT_EQ(overdue.phase, Phase::kProgressing);
  EXPECT_EQ(overdue.reason, "OperationOverdue");
  const auto outcomes = Converge(reconciler_, *context);
  EXPECT_EQ(outcomes.back().reason, "PassiveNodeHealthy");
  EXPECT_EQ(Count("vc01", kRedeploy), 1);
}

TEST_F(VchaPassiveNodeTest, CheckErrorsStallWithoutARedeploy) {
  Patch(R"({"vcha": {"check": {"errors": ["The datastore is full."]}}})");
  auto context = Context(kManifest);
  const Outcome outcome = Pass(reconciler_, *context);
  EXPECT_EQ(outcome.kind, Outcome::Kind::kStalled);
  EXPECT_EQ(outcome.reason, "CheckRejected");
  EXPECT_NE(outcome.message.find("The datastore is full."), std::string::npos) << outcome.message;
  EXPECT_EQ(Count("vc01", kCheck), 1);
  EXPECT_EQ(Count("vc01", kRedeploy), 0);
}

TEST_F(VchaPassiveNodeTest, CheckWarningsDoNotStopTheRedeploy) {
  Patch(R"({"vcha": {"check": {"warnings": ["The host is almost full."]}}})");
  auto context = Context(kManifest);
  const Outcome outcome = Pass(reconciler_, *context);
  EXPECT_EQ(outcome.reason, "RedeployRunning");
  EXPECT_NE(outcome.message.find("The host is almost full."), std::string::npos);
}

TEST_F(VchaPassiveNodeTest, AHealthyClusterIsReadyWithoutAnyAction) {
  Patch(R"({"vcha": {"node2": {"runtime": {"state": "UP"}}, "health_state": "HEALTHY"}})");
  auto context = Context(kManifest);
  const Outcome outcome = Pass(reconciler_, *context);
  EXPECT_EQ(outcome.phase, Phase::kReady);
  EXPECT_EQ(outcome.reason, "PassiveNodeHealthy");
  EXPECT_EQ(context->vcha_health, "HEALTHY");
  EXPECT_EQ(Count("vc01", kCheck), 0);
}

TEST_F(VchaPassiveNodeTest, AHealthyPassiveNodeUnderAnotherNameIsLeftAlone) {
  Patch(R"({"vcha": {"node2": {"runtime": {"state": "UP", "placement": {"vm_name": "vc01-old"}}},
            "health_state": "HEALTHY"}})");
  auto context = Context(kManagedManifest);
  AddManagementVcenter(*context, kManagementThumbprint);
  const Outcome outcome = Pass(reconciler_, *context);
  EXPECT_EQ(outcome.phase, Phase::kReady);
  EXPECT_EQ(outcome.reason, "PassiveNodeElsewhere");
  EXPECT_NE(outcome.message.find("vc01-old"), std::string::npos);
  EXPECT_EQ(outcome.details.at("passive_vm"), "vc01-old");
  EXPECT_EQ(Count("vc01", kCheck), 0);
}

TEST_F(VchaPassiveNodeTest, AWitnessDownIsDegradedWithoutAnyAction) {
  Patch(R"({"vcha": {"node2": {"runtime": {"state": "UP"}}, "witness": {"runtime":
            {"state": "DOWN"}}, "health_state": "DEGRADED"}})");
  auto context = Context(kManifest);
  const Outcome outcome = Pass(reconciler_, *context);
  EXPECT_EQ(outcome.kind, Outcome::Kind::kDone);
  EXPECT_EQ(outcome.phase, Phase::kDegraded);
  EXPECT_EQ(outcome.reason, "ClusterDegraded");
  EXPECT_NE(outcome.message.find("witness"), std::string::npos) << outcome.message;
  EXPECT_EQ(Count("vc01", kCheck), 0);
}

TEST_F(VchaPassiveNodeTest, AnIsolatedClusterIsDegradedWithoutAnyAction) {
  Patch(R"({"vcha": {"health_state": "ISOLATED"}})");
  auto context = Context(kManifest);
  const Outcome outcome = Pass(reconciler_, *context);
  EXPECT_EQ(outcome.phase, Phase::kDegraded);
  EXPECT_EQ(outcome.reason, "ClusterIsolated");
  EXPECT_EQ(context->vcha_health, "ISOLATED");
  EXPECT_EQ(Count("vc01", kCheck), 0);
}

TEST_F(VchaPassiveNodeTest, AnUnconfiguredClusterIsStalled) {
  Patch(R"({"vcha": {"config_state": "NOTCONFIGURED"}})");
  auto context = Context(kManifest);
  const Outcome outcome = Pass(reconciler_, *context);
  EXPECT_EQ(outcome.kind, Outcome::Kind::kStalled);
  EXPECT_EQ(outcome.reason, "ClusterNotConfigured");
  EXPECT_NE(outcome.message.find("does not create a VCHA cluster"), std::string::npos);
  EXPECT_EQ(Operations(), (std::set<std::string>{"session.create", "vcha.cluster.get"}));
}

TEST_F(VchaPassiveNodeTest, APreparedClusterIsWaitedFor) {
  Patch(R"({"vcha": {"config_state": "PREPARED"}})");
  auto context = Context(kManifest);
  const Outcome outcome = Pass(reconciler_, *context);
  EXPECT_EQ(outcome.kind, Outcome::Kind::kDone);
  EXPECT_EQ(outcome.phase, Phase::kWaiting);
  EXPECT_EQ(outcome.reason, "ClusterPrepared");
}

TEST_F(VchaPassiveNodeTest, RedeploysThroughTheManagementVcenter) {
  auto context = Context(kManagedManifest);
  AddManagementVcenter(*context, kManagementThumbprint);
  const auto outcomes = Converge(reconciler_, *context);
  EXPECT_EQ(outcomes.front().reason, "RedeployRunning");
  EXPECT_EQ(outcomes.back().reason, "PassiveNodeHealthy");
  EXPECT_EQ(Count("vc01", kRedeploy), 1);
  bool seen = false;
  for (const auto& entry : sim_.Requests()) {
    if (entry.operation != kRedeploy) continue;
    seen = true;
    const json& location = entry.body["vc_spec"]["active_location"];
    EXPECT_EQ(location["hostname"], "mgmt.lab.example.com");
    EXPECT_EQ(location["ssl_thumbprint"], kManagementThumbprint);
  }
  EXPECT_TRUE(seen);
}

TEST_F(VchaPassiveNodeTest, AnUnverifiedManagementVcenterStallsAndNamesItsThumbprint) {
  auto context = Context(kManagedManifest);
  AddManagementVcenter(*context, "00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00");
  const Outcome outcome = Pass(reconciler_, *context);
  EXPECT_EQ(outcome.kind, Outcome::Kind::kStalled);
  EXPECT_EQ(outcome.reason, "ManagementVcenterUnverified");
  EXPECT_NE(outcome.message.find(kManagementThumbprint), std::string::npos) << outcome.message;
  EXPECT_EQ(Count("vc01", kRedeploy), 0);
}

TEST_F(VchaPassiveNodeTest, AnUnknownManagementVcenterStalls) {
  auto context = Context(kManagedManifest);
  const Outcome outcome = Pass(reconciler_, *context);
  EXPECT_EQ(outcome.kind, Outcome::Kind::kStalled);
  EXPECT_EQ(outcome.reason, "ManagementVcenterUnknown");
  EXPECT_TRUE(sim_.Requests().empty());
}

TEST_F(VchaPassiveNodeTest, AnUpdateManagerTargetIsStalled) {
  auto context = Context(R"(
apiVersion: vsrd/v1
kind: VchaPassiveNode
metadata: {name: vc01-passive}
spec:
  target: vr01
  placement: {name: vc01-passive, folder: group-v4}
)");
  const Outcome outcome = Pass(reconciler_, *context);
  EXPECT_EQ(outcome.kind, Outcome::Kind::kStalled);
  EXPECT_EQ(outcome.reason, "UnsupportedTarget");  // was TargetNotVcenter: one spelling
}

}  // namespace
}  // namespace vsrd::integration
