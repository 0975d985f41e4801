// OfflineDepotFromHostReconciler against vsrd-sim over HTTPS (the lab scenario: vc01 has
// depot-vendor, host-101 with its own software spec, the standalone host esx-edge01.example.com
// (root / edge-demo-password), and createFromHost takes 2m). Passes are driven one by one, the
// simulated clock advanced by each outcome's delay.
#include <array>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "reconcilers/offline_depot_from_host/reconciler.hpp"
#include "tests/integration/reconcilers/reconciler_fixture.hpp"

namespace vsrd::integration {
namespace {

using nlohmann::json;
using rec::Outcome;
using rec::Phase;
using rec::offline_depot_from_host::OfflineDepotFromHostReconciler;

constexpr const char* kCreate = "depots.offline.create_from_host$task";
constexpr const char* kGet = "depots.offline.get";
constexpr const char* kEdgePassword = "edge-demo-password";
constexpr const char* kEdgeThumbprint =
    "8F:2A:51:9C:0B:7E:44:D3:1A:6C:90:E2:5B:37:F8:0D:C4:29:A1:66";
constexpr const char* kPasswordEnv = "VSRD_TEST_EDGE_PASSWORD";

const std::string kExistingManifest = R"(
apiVersion: vsrd/v1
kind: OfflineDepotFromHost
metadata: {name: esx01-golden}
spec:
  target: vc01
  host: host-101
)";

/// A host_credential manifest; `extra` lines go inside host_credential.
std::string CredentialManifest(const std::string& extra) {
  return R"(
apiVersion: vsrd/v1
kind: OfflineDepotFromHost
metadata: {name: esx-edge-golden}
spec:
  target: vc01
  host_credential:
    host_name: esx-edge01.example.com
    user_name: root
    port: 443
)" + extra;
}

const std::string kCredentialManifest =
    CredentialManifest(std::string("    password_env: ") + kPasswordEnv +
                       "\n    ssl_thumb_print: \"" + kEdgeThumbprint + "\"\n");

class OfflineDepotFromHostTest : public ReconcilerTest {
 protected:
  OfflineDepotFromHostTest() { ::setenv(kPasswordEnv, kEdgePassword, 1); }

  std::vector<Outcome> Converge(rec::Reconciler& reconciler, TestContext& context,
                                int max_passes = 300) {
    std::vector<Outcome> outcomes;
    for (int i = 0; i < max_passes; ++i) {
      outcomes.push_back(Pass(reconciler, context));
      if (outcomes.back().kind != Outcome::Kind::kRequeueAfter) break;
      sim_.Sim().Advance(outcomes.back().after);
    }
    return outcomes;
  }

  Outcome Pass(rec::Reconciler& reconciler, TestContext& context) {
    return reconciler.Reconcile(context);
  }

  void Patch(const std::string& patch) { sim_.Sim().PatchState("vc01", json::parse(patch)); }

  json Depots() { return sim_.Sim().State("vc01")["depots"]["offline"]; }

  std::set<std::string> Operations() const {
    std::set<std::string> out;
    for (const auto& entry : sim_.Requests()) {
      if (entry.persona == "vc01") out.insert(entry.operation);
    }
    return out;
  }

  static simulator::FaultRule Fault(std::string method, std::string path, std::string action,
                                    simulator::Disposition disposition, int status) {
    simulator::FaultRule rule;
    rule.persona = "vc01";
    rule.method = std::move(method);
    rule.path = std::move(path);
    rule.action = std::move(action);
    rule.disposition = disposition;
    rule.status = status;
    rule.error_type = status == 503 ? "SERVICE_UNAVAILABLE" : "ERROR";
    return rule;
  }

  OfflineDepotFromHostReconciler reconciler_;
};

TEST_F(OfflineDepotFromHostTest, ExtractsOnceRecordsTheDepotAndConvergesToReady) {
  auto context = Context(kExistingManifest);
  const auto outcomes = Converge(reconciler_, *context);
  ASSERT_GE(outcomes.size(), 3U);
  const Outcome& first = outcomes.front();
  EXPECT_EQ(first.kind, Outcome::Kind::kRequeueAfter);
  EXPECT_EQ(first.reason, "ExtractRunning");
  // The first look a second after submission, then on the task's own clock
  // (reconcilers/poll_delay.hpp).
  EXPECT_EQ(first.after, std::chrono::seconds(1));
  ASSERT_TRUE(first.operation);
  EXPECT_EQ(first.operation->name, "depots.offline.create_from_host");
  for (std::size_t i = 1; i + 1 < outcomes.size(); ++i) {
    EXPECT_EQ(outcomes[i].reason, "ExtractRunning") << i;
  }
  const Outcome& last = outcomes.back();
  EXPECT_EQ(last.kind, Outcome::Kind::kDone);
  EXPECT_EQ(last.phase, Phase::kReady);
  EXPECT_EQ(last.reason, "DepotPresent");
  EXPECT_FALSE(last.operation);
  EXPECT_EQ(last.details.at("depot"), "depot-1");
  EXPECT_EQ(last.details.at("base_image_version"), "8.0.3-0.0.24022510");
  EXPECT_FALSE(context->record.in_flight);
  EXPECT_EQ(context->record.facts.at("depot"), "depot-1");
  EXPECT_EQ(context->record.facts.at("generation"), context->Object().generation);
  EXPECT_EQ(Count("vc01", kCreate), 1);
  EXPECT_EQ(context->mutations_begun, 1);
  EXPECT_TRUE(Depots().contains("depot-1"));

  // The drift check reads the recorded depot and does nothing else.
  const Outcome again = Pass(reconciler_, *context);
  EXPECT_EQ(again.reason, "DepotPresent");
  EXPECT_EQ(Count("vc01", kGet), 1);
  EXPECT_EQ(Count("vc01", kCreate), 1);
  EXPECT_EQ(context->drift, 0);
}

TEST_F(OfflineDepotFromHostTest, JournalsTheTaskBeforeReturning) {
  auto context = Context(kExistingManifest);
  const Outcome first = Pass(reconciler_, *context);
  ASSERT_EQ(first.reason, "ExtractRunning");
  ASSERT_TRUE(context->record.in_flight);
  const rec::InFlight& in_flight = *context->record.in_flight;
  EXPECT_EQ(in_flight.operation, "depots.offline.create_from_host");
  EXPECT_EQ(in_flight.task, first.operation->task);
  EXPECT_EQ(in_flight.generation, context->Object().generation);
  EXPECT_EQ(in_flight.started_at, sim_.Sim().Now());
  EXPECT_EQ(in_flight.detail, "host-101");
  EXPECT_EQ(in_flight.state, rec::Submission::kAccepted);
  EXPECT_EQ(context->saves, 2);  // the intent before the call, then the accepted task
}

TEST_F(OfflineDepotFromHostTest, AFailedJournalWriteIsATransientFailure) {
  auto context = Context(kExistingManifest);
  context->fail_saves = true;
  const Outcome outcome = Pass(reconciler_, *context);
  EXPECT_EQ(outcome.kind, Outcome::Kind::kTransient);
  EXPECT_EQ(outcome.reason, "JournalUnavailable");
  EXPECT_FALSE(context->record.in_flight);
}

TEST_F(OfflineDepotFromHostTest, ANewReconcilerWithTheSavedRecordPollsAndNeverResubmits) {
  auto context = Context(kExistingManifest);
  const Outcome first = Pass(reconciler_, *context);
  ASSERT_EQ(first.reason, "ExtractRunning");
  sim_.Sim().Advance(std::chrono::seconds(50));

  OfflineDepotFromHostReconciler restarted;
  auto resumed = Context(kExistingManifest);
  resumed->record = context->record;
  const auto outcomes = Converge(restarted, *resumed);
  EXPECT_EQ(outcomes.front().reason, "ExtractRunning");
  EXPECT_EQ(outcomes.front().operation->task, first.operation->task);
  EXPECT_EQ(outcomes.back().reason, "DepotPresent");
  EXPECT_EQ(resumed->record.facts.at("depot"), "depot-1");
  EXPECT_EQ(resumed->mutations_begun, 0);
  EXPECT_EQ(Count("vc01", kCreate), 1);
}

TEST_F(OfflineDepotFromHostTest, DryRunPlansTheCallAndMutatesNothing) {
  auto context = Context(kExistingManifest);
  context->dry_run = true;
  const Outcome outcome = Pass(reconciler_, *context);
  EXPECT_EQ(outcome.phase, Phase::kProgressing);
  EXPECT_EQ(outcome.reason, "NotExtracted");
  EXPECT_EQ(outcome.plan,
            (std::vector<std::string>{
                R"(POST /api/esx/settings/depots/offline?action=createFromHost&vmw-task=true )"
                R"({"auth_type": "EXISTING", "host": "host-101"})"}));
  EXPECT_EQ(Count("vc01", kCreate), 0);
  EXPECT_TRUE(Operations().empty());  // nothing recorded, so nothing to read
  EXPECT_EQ(context->saves, 0);
  EXPECT_EQ(context->mutations_begun, 0);
}

TEST_F(OfflineDepotFromHostTest, DryRunShowsTheCredentialButNotThePassword) {
  auto context = Context(kCredentialManifest);
  context->dry_run = true;
  const Outcome outcome = Pass(reconciler_, *context);
  ASSERT_EQ(outcome.plan.size(), 1U) << outcome.reason << ": " << outcome.message;
  EXPECT_NE(outcome.plan[0].find(R"("auth_type": "USERNAME_PASSWORD")"), std::string::npos);
  EXPECT_NE(outcome.plan[0].find(R"x("password": "(sensitive)")x"), std::string::npos);
  EXPECT_NE(outcome.plan[0].find(kEdgeThumbprint), std::string::npos);
  EXPECT_EQ(outcome.plan[0].find(kEdgePassword), std::string::npos);
  EXPECT_EQ(outcome.message.find(kEdgePassword), std::string::npos);
  EXPECT_EQ(Count("vc01", kCreate), 0);
}

TEST_F(OfflineDepotFromHostTest, DryRunOfADeletedDepotReadsItAndPlansTheExtraction) {
  auto context = Context(kExistingManifest);
  ASSERT_EQ(Converge(reconciler_, *context).back().reason, "DepotPresent");
  Patch(R"({"depots": {"offline": {"depot-1": null}}})");
  context->dry_run = true;
  const Outcome outcome = Pass(reconciler_, *context);
  EXPECT_EQ(outcome.reason, "DepotDeleted");
  EXPECT_EQ(outcome.plan.size(), 1U);
  EXPECT_EQ(context->drift, 0);  // only apply reports drift
  EXPECT_EQ(Count("vc01", kCreate), 1);
  EXPECT_EQ(context->record.facts.at("depot"), "depot-1");
}

TEST_F(OfflineDepotFromHostTest, WaitsOutsideTheWindow) {
  auto context = Context(kExistingManifest);
  context->in_window = false;
  const Outcome outcome = Pass(reconciler_, *context);
  EXPECT_EQ(outcome.kind, Outcome::Kind::kDone);
  EXPECT_EQ(outcome.phase, Phase::kWaiting);
  EXPECT_EQ(outcome.reason, "OutsideWindow");
  EXPECT_EQ(outcome.waiting, reconcilers::WaitingFor::Window());
  EXPECT_EQ(Count("vc01", kCreate), 0);
  EXPECT_EQ(context->mutations_begun, 0);
}

TEST_F(OfflineDepotFromHostTest, WaitsForAMutationSlot) {
  auto context = Context(kExistingManifest);
  context->free_slots = 0;
  const Outcome outcome = Pass(reconciler_, *context);
  EXPECT_EQ(outcome.kind, Outcome::Kind::kRequeueAfter);
  EXPECT_EQ(outcome.after, std::chrono::seconds(15));
  EXPECT_EQ(outcome.phase, Phase::kWaiting);
  EXPECT_EQ(outcome.reason, "TargetBusy");
  EXPECT_EQ(Count("vc01", kCreate), 0);
}

TEST_F(OfflineDepotFromHostTest, AFailedCreateCallIsAFailedMutationUntilMaxFailures) {
  // 503, 500 and 503 again: each rejected, each counted; the third reaches max_failures.
  const std::array<int, 3> statuses{503, 500, 503};
  for (std::size_t i = 0; i < statuses.size(); ++i) {
    auto rule = Fault("POST", "/api/esx/settings/depots/offline", "createFromHost",
                      simulator::Disposition::kRespond, statuses.at(i));
    rule.nth = static_cast<int>(i) + 1;
    sim_.Sim().AddFault(rule);
  }
  auto context = Context(kExistingManifest);
  context->free_slots = 100;  // the engine gives the slot back after each pass
  for (int i = 0; i < 3; ++i) {
    SCOPED_TRACE(i);
    const Outcome outcome = Pass(reconciler_, *context);
    EXPECT_FALSE(context->record.in_flight);
    EXPECT_EQ(context->record.attempts, i + 1);
    if (i < 2) {
      EXPECT_EQ(outcome.kind, Outcome::Kind::kTransient);
      EXPECT_EQ(outcome.reason, "ExtractFailed");
      EXPECT_TRUE(outcome.mutation_failed);
    } else {
      EXPECT_EQ(outcome.kind, Outcome::Kind::kStalled);
      EXPECT_EQ(outcome.reason, "MaxFailuresReached") << outcome.message;
    }
  }
  // A restart (a new pass with the same journal) grants no new attempt.
  EXPECT_EQ(Pass(reconciler_, *context).reason, "MaxFailuresReached");
  EXPECT_EQ(Count("vc01", kCreate), 3);
}

TEST_F(OfflineDepotFromHostTest, AnExtractionAnsweredTooLateIsFoundInTheTaskListNeverResubmitted) {
  // The server creates the task, then the answer is lost (truncated): unknown, then found.
  auto rule = Fault("POST", "/api/esx/settings/depots/offline", "createFromHost",
                    simulator::Disposition::kTruncate, 0);
  rule.execute = true;
  sim_.Sim().AddFault(rule);
  auto context = Context(kExistingManifest);
  EXPECT_EQ(Pass(reconciler_, *context).reason, "ResolvingOutcome");
  EXPECT_EQ(Pass(reconciler_, *context).reason, "ExtractRunning");
  EXPECT_EQ(Converge(reconciler_, *context).back().reason, "DepotPresent");
  EXPECT_EQ(Count("vc01", kCreate), 1);
}

TEST_F(OfflineDepotFromHostTest, ReadFaultsAreTransientAndMutateNothing) {
  auto context = Context(kExistingManifest);
  ASSERT_EQ(Converge(reconciler_, *context).back().reason, "DepotPresent");
  sim_.Sim().AddFault(Fault("GET", "/api/esx/settings/depots/offline/{depot}", "",
                            simulator::Disposition::kRespond, 503));
  const Outcome unavailable = Pass(reconciler_, *context);
  EXPECT_EQ(unavailable.kind, Outcome::Kind::kTransient);
  EXPECT_EQ(unavailable.reason, "TargetUnreachable");
  EXPECT_FALSE(unavailable.mutation_failed);
  EXPECT_EQ(Pass(reconciler_, *context).reason, "DepotPresent");

  // Every read reset from now on (the client repeats a GET that met a reset on a reused
  // connection once, so a single reset could go unnoticed).
  auto reset = Fault("GET", "/api/esx/settings/depots/offline/{depot}", "",
                     simulator::Disposition::kReset, 0);
  reset.times = 0;
  sim_.Sim().AddFault(reset);
  const Outcome unreachable = Pass(reconciler_, *context);
  EXPECT_EQ(unreachable.kind, Outcome::Kind::kTransient);
  EXPECT_EQ(unreachable.reason, "TargetUnreachable");
  EXPECT_FALSE(unreachable.mutation_failed);
  EXPECT_EQ(Count("vc01", kCreate), 1);
  EXPECT_EQ(context->drift, 0);
  EXPECT_FALSE(context->record.facts.empty());
}

TEST_F(OfflineDepotFromHostTest, ATaskPollFaultKeepsTheJournal) {
  auto context = Context(kExistingManifest);
  ASSERT_EQ(Pass(reconciler_, *context).reason, "ExtractRunning");
  sim_.Sim().AddFault(
      Fault("GET", "/api/cis/tasks/{task}", "", simulator::Disposition::kRespond, 503));
  const Outcome failed = Pass(reconciler_, *context);
  EXPECT_EQ(failed.reason, "TargetUnreachable");
  ASSERT_TRUE(failed.operation);
  EXPECT_TRUE(context->record.in_flight);
  EXPECT_EQ(Converge(reconciler_, *context).back().reason, "DepotPresent");
  EXPECT_EQ(Count("vc01", kCreate), 1);
}

TEST_F(OfflineDepotFromHostTest, ADepotDeletedOutOfBandIsDriftAndExtractedAgain) {
  auto context = Context(kExistingManifest);
  ASSERT_EQ(Converge(reconciler_, *context).back().reason, "DepotPresent");
  Patch(R"({"depots": {"offline": {"depot-1": null}}})");
  // The engine gives a slot back at the end of a pass without an operation in flight.
  context->free_slots = 0;
  const Outcome busy = Pass(reconciler_, *context);
  EXPECT_EQ(busy.reason, "TargetBusy");
  EXPECT_EQ(context->drift, 0);  // counted when the repair starts, not at every pass that waits
  context->free_slots = 1;
  const auto outcomes = Converge(reconciler_, *context);
  EXPECT_EQ(outcomes.front().reason, "ExtractRunning");
  EXPECT_NE(outcomes.front().message.find("out of band"), std::string::npos);
  EXPECT_EQ(context->drift, 1);
  EXPECT_EQ(outcomes.back().reason, "DepotPresent");
  EXPECT_EQ(context->record.facts.at("depot"), "depot-2");
  EXPECT_EQ(Count("vc01", kCreate), 2);
}

TEST_F(OfflineDepotFromHostTest, ContentAlreadyPresentIsReadyAndNotExtractedEveryInterval) {
  auto first = Context(kExistingManifest);
  ASSERT_EQ(Converge(reconciler_, *first).back().reason, "DepotPresent");
  // A second object for the same host finds its content already in vLCM.
  auto second = Context(kExistingManifest);
  const auto outcomes = Converge(reconciler_, *second);
  EXPECT_EQ(outcomes.back().phase, Phase::kReady);
  EXPECT_EQ(outcomes.back().reason, "ContentAlreadyPresent");
  EXPECT_NE(outcomes.back().message.find("cannot notice"), std::string::npos);
  EXPECT_EQ(second->record.facts.at("depot"), "");
  EXPECT_EQ(second->record.facts.at("generation"), second->Object().generation);
  EXPECT_EQ(Count("vc01", kCreate), 2);
  EXPECT_FALSE(Depots().contains("depot-2"));

  const int gets = Count("vc01", kGet);
  const Outcome again = Pass(reconciler_, *second);
  EXPECT_EQ(again.reason, "ContentAlreadyPresent");
  EXPECT_EQ(Count("vc01", kCreate), 2);
  EXPECT_EQ(Count("vc01", kGet), gets);
}

TEST_F(OfflineDepotFromHostTest, ANewGenerationIsExtractedAgain) {
  auto context = Context(kExistingManifest);
  ASSERT_EQ(Converge(reconciler_, *context).back().reason, "DepotPresent");
  auto changed = Context(kExistingManifest + "  policy: {interval: 1h}\n");
  ASSERT_NE(changed->Object().generation, context->Object().generation);
  changed->record = context->record;
  const auto outcomes = Converge(reconciler_, *changed);
  EXPECT_EQ(outcomes.front().reason, "ExtractRunning");
  EXPECT_NE(outcomes.front().message.find("spec changed"), std::string::npos);
  EXPECT_EQ(Count("vc01", kCreate), 2);
  // host-101's content is already in depot-1: the new extraction names no depot.
  EXPECT_EQ(outcomes.back().reason, "ContentAlreadyPresent");
  EXPECT_EQ(changed->record.facts.at("generation"), changed->Object().generation);
}

TEST_F(OfflineDepotFromHostTest, ExtractsFromAHostReachedWithCredentials) {
  auto context = Context(kCredentialManifest);
  const auto outcomes = Converge(reconciler_, *context);
  EXPECT_EQ(outcomes.back().reason, "DepotPresent");
  EXPECT_EQ(context->record.facts.at("base_image_version"), "8.0.1-0.0.21495797");
  EXPECT_EQ(Count("vc01", kCreate), 1);
  for (const auto& entry : sim_.Requests()) {
    if (entry.operation != kCreate) continue;
    EXPECT_EQ(entry.body["auth_type"], "USERNAME_PASSWORD");
    EXPECT_EQ(entry.body["host_credential"]["host_name"], "esx-edge01.example.com");
    EXPECT_EQ(entry.body["host_credential"]["ssl_thumb_print"], kEdgeThumbprint);
    EXPECT_EQ(entry.status, 202);
  }
}

TEST_F(OfflineDepotFromHostTest, AMissingThumbprintStallsAndNamesTheHostsThumbprint) {
  auto context =
      Context(CredentialManifest(std::string("    password_env: ") + kPasswordEnv + "\n"));
  const Outcome outcome = Pass(reconciler_, *context);
  EXPECT_EQ(outcome.kind, Outcome::Kind::kStalled);
  EXPECT_EQ(outcome.reason, "HostCertificateUnverified");
  EXPECT_NE(outcome.message.find(kEdgeThumbprint), std::string::npos) << outcome.message;
  EXPECT_NE(outcome.message.find("ssl_thumb_print"), std::string::npos);
  EXPECT_EQ(outcome.message.find(kEdgePassword), std::string::npos);
  EXPECT_FALSE(context->record.in_flight);
}

TEST_F(OfflineDepotFromHostTest, AWrongPasswordStalls) {
  const auto file =
      std::filesystem::temp_directory_path() / ("vsrd-edge-password-" + std::to_string(::getpid()));
  std::ofstream(file) << "not-the-password\n";
  auto context =
      Context(CredentialManifest("    password_file: " + file.string() +
                                 "\n    ssl_thumb_print: \"" + kEdgeThumbprint + "\"\n"));
  const Outcome outcome = Pass(reconciler_, *context);
  std::filesystem::remove(file);
  EXPECT_EQ(outcome.kind, Outcome::Kind::kStalled);
  EXPECT_EQ(outcome.reason, "HostCredentialsRejected");
  EXPECT_EQ(outcome.message.find("not-the-password"), std::string::npos);
}

TEST_F(OfflineDepotFromHostTest, AnUnreadablePasswordIsRetriedWithoutACall) {
  auto context = Context(
      CredentialManifest("    password_env: VSRD_TEST_UNSET_PASSWORD\n    ssl_thumb_print: \"" +
                         std::string(kEdgeThumbprint) + "\"\n"));
  ::unsetenv("VSRD_TEST_UNSET_PASSWORD");
  const Outcome outcome = Pass(reconciler_, *context);
  EXPECT_EQ(outcome.kind, Outcome::Kind::kTransient);
  EXPECT_EQ(outcome.reason, "CredentialsUnavailable");
  EXPECT_EQ(Count("vc01", kCreate), 0);
}

TEST_F(OfflineDepotFromHostTest, AnUnknownHostStalls) {
  auto context = Context(R"(
apiVersion: vsrd/v1
kind: OfflineDepotFromHost
metadata: {name: esx99-golden}
spec:
  target: vc01
  host: host-999
)");
  const Outcome outcome = Pass(reconciler_, *context);
  EXPECT_EQ(outcome.kind, Outcome::Kind::kStalled);
  EXPECT_EQ(outcome.reason, "HostNotFound");
  EXPECT_NE(outcome.message.find("host-999"), std::string::npos);
}

TEST_F(OfflineDepotFromHostTest, AFailedTaskClearsTheJournalAndCountsAsAFailure) {
  Patch(R"({"depots": {"create_from_host": {"fail": true}}})");
  auto context = Context(kExistingManifest);
  const auto outcomes = Converge(reconciler_, *context);
  const Outcome& last = outcomes.back();
  EXPECT_EQ(last.kind, Outcome::Kind::kTransient);
  EXPECT_EQ(last.reason, "ExtractFailed");
  EXPECT_TRUE(last.mutation_failed);
  EXPECT_FALSE(context->record.in_flight);
  EXPECT_EQ(context->record.facts.count("depot"), 0U);
  EXPECT_EQ(Count("vc01", kCreate), 1);
}

TEST_F(OfflineDepotFromHostTest, ATaskLostInAVcenterRestartCountsAsAFailure) {
  auto context = Context(kExistingManifest);
  ASSERT_EQ(Pass(reconciler_, *context).reason, "ExtractRunning");
  sim_.Sim().Reset();
  const Outcome lost = Pass(reconciler_, *context);
  EXPECT_EQ(lost.kind, Outcome::Kind::kTransient);
  EXPECT_EQ(lost.reason, "ExtractTaskLost");
  EXPECT_TRUE(lost.mutation_failed);
  EXPECT_FALSE(context->record.in_flight);
  // The next pass extracts again (the engine gave the mutation slot back).
  context->free_slots = 1;
  EXPECT_EQ(Pass(reconciler_, *context).reason, "ExtractRunning");
}

TEST_F(OfflineDepotFromHostTest, AnOverdueExtractionIsStillPolled) {
  auto context = Context(kExistingManifest);
  context->policy.timeout = std::chrono::seconds(30);
  ASSERT_EQ(Pass(reconciler_, *context).reason, "ExtractRunning");
  sim_.Sim().Advance(std::chrono::minutes(1));
  const Outcome overdue = Pass(reconciler_, *context);
  EXPECT_EQ(overdue.kind, Outcome::Kind::kRequeueAfter);
  EXPECT_EQ(overdue.reason, "OperationOverdue");
  EXPECT_EQ(Converge(reconciler_, *context).back().reason, "DepotPresent");
  EXPECT_EQ(Count("vc01", kCreate), 1);
}

TEST_F(OfflineDepotFromHostTest, AnUpdateManagerTargetIsStalled) {
  auto context = Context(R"(
apiVersion: vsrd/v1
kind: OfflineDepotFromHost
metadata: {name: esx01-golden}
spec:
  target: vr01
  host: host-101
)");
  const Outcome outcome = Pass(reconciler_, *context);
  EXPECT_EQ(outcome.kind, Outcome::Kind::kStalled);
  EXPECT_EQ(outcome.reason, "UnsupportedTarget");  // was TargetNotVcenter: one spelling
}

}  // namespace
}  // namespace vsrd::integration
