#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tests/integration/vsphere/client_fixture.hpp"

// Every vCenter operation of the client against vsrd-sim over HTTPS: the success path and each
// documented error, with the lab scenario's state (examples/sim/lab.yaml).

namespace vsrd::integration {
namespace {

using ports::ErrorKind;
using ports::TaskStatus;

manifests::PlacementSpec PassivePlacement() {
  manifests::PlacementSpec placement;
  placement.name = "vc01-passive";
  placement.folder = "group-v4";
  placement.host = "host-12";
  placement.storage_datastore = "datastore-15";
  return placement;
}

class VcenterClientTest : public ClientTest {};

TEST_F(VcenterClientTest, ReadsTheDegradedClusterWithItsPassiveNodeDown) {
  auto client = Vcenter();
  auto cluster = client->GetCluster(std::nullopt, /*partial=*/true);
  ASSERT_TRUE(cluster) << cluster.Error().Summary();
  EXPECT_EQ(cluster->config_state, ports::VchaConfigState::kConfigured);
  EXPECT_EQ(cluster->health_state, ports::VchaHealth::kDegraded);
  EXPECT_EQ(cluster->mode, ports::VchaMode::kEnabled);
  ASSERT_NE(cluster->Passive(), nullptr);
  EXPECT_EQ(cluster->Passive()->state, ports::VchaNodeState::kDown);
  EXPECT_EQ(cluster->Passive()->ha_ip_address, "192.0.2.12");
  EXPECT_FALSE(cluster->health_warnings.empty());

  auto full = client->GetCluster(std::nullopt, /*partial=*/false);
  ASSERT_TRUE(full) << full.Error().Summary();
  ASSERT_NE(full->Passive(), nullptr);
  EXPECT_EQ(full->Passive()->vm_name, "vc01-passive");

  auto mode = client->GetMode();
  ASSERT_TRUE(mode) << mode.Error().Summary();
  EXPECT_EQ(*mode, ports::VchaMode::kEnabled);
}

TEST_F(VcenterClientTest, ModeOfAnUnconfiguredClusterIsNotAllowedInCurrentState) {
  auto client = Vcenter("vc02");
  ExpectApiError(client->GetMode(), 400, "NOT_ALLOWED_IN_CURRENT_STATE");
  auto cluster = client->GetCluster(std::nullopt, true);
  ASSERT_TRUE(cluster) << cluster.Error().Summary();
  EXPECT_EQ(cluster->config_state, ports::VchaConfigState::kNotConfigured);
}

TEST_F(VcenterClientTest, ChecksAPlacementAndReportsErrorsOfAnUnknownHost) {
  auto client = Vcenter();
  auto good = client->CheckPassive({std::nullopt, PassivePlacement()});
  ASSERT_TRUE(good) << good.Error().Summary();
  EXPECT_TRUE(good->errors.empty());

  auto placement = PassivePlacement();
  placement.host = "host-999";
  auto bad = client->CheckPassive({std::nullopt, placement});
  ASSERT_TRUE(bad) << bad.Error().Summary();
  ASSERT_FALSE(bad->errors.empty());
  EXPECT_NE(bad->errors.front().default_message.find("host-999"), std::string::npos)
      << bad->errors.front().default_message;
  EXPECT_EQ(Count("vc01", "vcha.passive.redeploy$task"), 0) << "a check never redeploys";
}

TEST_F(VcenterClientTest, RedeploysThePassiveNodeAndFollowsTheTaskToAHealthyCluster) {
  auto client = Vcenter();
  ports::RedeploySpec spec;
  spec.placement = PassivePlacement();
  auto task = client->RedeployPassive(spec);
  ASSERT_TRUE(task) << task.Error().Summary();
  EXPECT_FALSE(task->value.empty());

  auto running = client->GetTask(*task);
  ASSERT_TRUE(running) << running.Error().Summary();
  EXPECT_FALSE(running->Done());

  Advance(std::chrono::minutes(6));
  auto done = client->GetTask(*task);
  ASSERT_TRUE(done) << done.Error().Summary();
  EXPECT_EQ(done->status, TaskStatus::kSucceeded);
  ASSERT_TRUE(done->start_time.has_value());
  ASSERT_TRUE(done->end_time.has_value());
  EXPECT_LT(*done->start_time, *done->end_time);

  auto cluster = client->GetCluster(std::nullopt, true);
  ASSERT_TRUE(cluster) << cluster.Error().Summary();
  EXPECT_EQ(cluster->health_state, ports::VchaHealth::kHealthy);

  // The cluster is healthy now: a second redeploy is refused, not repeated.
  ExpectApiError(client->RedeployPassive(spec), 400, "NOT_ALLOWED_IN_CURRENT_STATE");
  EXPECT_EQ(Count("vc01", "vcha.passive.redeploy$task"), 2);
}

TEST_F(VcenterClientTest, RedeployToAnUnknownDatastoreIsInvalidArgument) {
  auto client = Vcenter();
  ports::RedeploySpec spec;
  spec.placement = PassivePlacement();
  spec.placement.storage_datastore = "datastore-999";
  ExpectApiError(client->RedeployPassive(spec), 400, "INVALID_ARGUMENT");
}

TEST_F(VcenterClientTest, ManagementVcenterWithAWrongThumbprintIsUnverifiedPeerWithItsData) {
  sim_.Sim().PatchState("vc01", {{"vcha",
                                  {{"management_vcenter",
                                    {{"hostname", "mgmt.lab.example.com"},
                                     {"username", "administrator@vsphere.local"},
                                     {"password", "mgmt-secret"},
                                     {"ssl_thumbprint", "AA:BB:CC:DD"}}}}}});
  auto client = Vcenter();
  ports::VchaCredentialsSpec credentials;
  credentials.active_location.hostname = "mgmt.lab.example.com";
  credentials.active_location.username = "administrator@vsphere.local";
  credentials.active_location.password = ports::Secret("mgmt-secret");
  credentials.active_location.ssl_thumbprint = "11:22:33:44";
  ports::RedeploySpec spec;
  spec.vc_spec = credentials;
  spec.placement = PassivePlacement();
  auto result = client->RedeployPassive(spec);
  ExpectApiError(result, 400, "UNVERIFIED_PEER");
  ASSERT_FALSE(result.Error().data.empty());
  EXPECT_EQ(nlohmann::json::parse(result.Error().data).at("ssl_thumbprint"), "AA:BB:CC:DD");

  credentials.active_location.ssl_thumbprint = "aabbccdd";
  credentials.active_location.password = ports::Secret("wrong");
  spec.vc_spec = credentials;
  ExpectApiError(client->RedeployPassive(spec), 400, "INVALID_ARGUMENT");

  credentials.active_location.password = ports::Secret("mgmt-secret");
  auto check = client->CheckPassive({credentials, PassivePlacement()});
  ASSERT_TRUE(check) << check.Error().Summary();
  EXPECT_TRUE(check->errors.empty());
}

TEST_F(VcenterClientTest, ListsAndGetsOfflineDepots) {
  auto client = Vcenter();
  auto depots = client->ListOfflineDepots();
  ASSERT_TRUE(depots) << depots.Error().Summary();
  ASSERT_EQ(depots->size(), 1U);
  EXPECT_EQ(depots->front().id, "depot-vendor");
  EXPECT_EQ(depots->front().source_type, "PULL");
  EXPECT_EQ(depots->front().location, "https://depot.example.com/vendor/index.xml");

  auto depot = client->GetOfflineDepot("depot-vendor");
  ASSERT_TRUE(depot) << depot.Error().Summary();
  EXPECT_EQ(depot->description, "Vendor add-ons");
  EXPECT_TRUE(depot->create_time.has_value());

  ExpectApiError(client->GetOfflineDepot("depot-missing"), 404, "NOT_FOUND");
}

TEST_F(VcenterClientTest, ExtractsADepotFromAnInventoryHostAndFindsItAlreadyPresentTheSecondTime) {
  auto client = Vcenter();
  ports::DepotConnectionSpec spec;
  spec.auth_type = manifests::DepotAuthType::kExisting;
  spec.host = "host-101";
  auto task = client->CreateFromHost(spec);
  ASSERT_TRUE(task) << task.Error().Summary();

  auto pending = client->GetCreateFromHostTask(*task);
  ASSERT_TRUE(pending) << pending.Error().Summary();
  EXPECT_FALSE(pending->task.Done());
  EXPECT_FALSE(pending->result.has_value());

  Advance(std::chrono::minutes(3));
  auto done = client->GetCreateFromHostTask(*task);
  ASSERT_TRUE(done) << done.Error().Summary();
  EXPECT_EQ(done->task.status, TaskStatus::kSucceeded);
  ASSERT_TRUE(done->result.has_value());
  EXPECT_FALSE(done->result->depot.empty());
  EXPECT_EQ(done->result->base_image_version, "8.0.3-0.0.24022510");
  auto created = client->GetOfflineDepot(done->result->depot);
  ASSERT_TRUE(created) << created.Error().Summary();
  EXPECT_EQ(created->source_type, "PUSH");

  auto again = client->CreateFromHost(spec);
  ASSERT_TRUE(again) << again.Error().Summary();
  Advance(std::chrono::minutes(3));
  auto second = client->GetCreateFromHostTask(*again);
  ASSERT_TRUE(second) << second.Error().Summary();
  ASSERT_TRUE(second->result.has_value());
  EXPECT_EQ(second->result->depot, "") << "identical content: already present";
}

TEST_F(VcenterClientTest, ExtractionErrorsAreThoseOfTheContract) {
  auto client = Vcenter();
  ports::DepotConnectionSpec existing;
  existing.auth_type = manifests::DepotAuthType::kExisting;
  existing.host = "host-999";
  ExpectApiError(client->CreateFromHost(existing), 404, "NOT_FOUND");

  ports::DepotConnectionSpec standalone;
  standalone.auth_type = manifests::DepotAuthType::kUsernamePassword;
  ports::DepotHostCredentials credentials;
  credentials.host_name = "esx-edge01.example.com";
  credentials.user_name = "root";
  credentials.password = ports::Secret("edge-demo-password");
  standalone.host_credential = credentials;
  auto unverified = client->CreateFromHost(standalone);
  ExpectApiError(unverified, 400, "UNVERIFIED_PEER");
  EXPECT_NE(unverified.Error().data.find("8F:2A:51"), std::string::npos) << unverified.Error().data;

  credentials.ssl_thumb_print = "8F:2A:51:9C:0B:7E:44:D3:1A:6C:90:E2:5B:37:F8:0D:C4:29:A1:66";
  credentials.password = ports::Secret("wrong-password");
  standalone.host_credential = credentials;
  ExpectApiError(client->CreateFromHost(standalone), 400, "INVALID_ARGUMENT");

  credentials.password = ports::Secret("edge-demo-password");
  standalone.host_credential = credentials;
  auto task = client->CreateFromHost(standalone);
  ASSERT_TRUE(task) << task.Error().Summary();
  Advance(std::chrono::minutes(3));
  auto done = client->GetCreateFromHostTask(*task);
  ASSERT_TRUE(done) << done.Error().Summary();
  ASSERT_TRUE(done->result.has_value());
  EXPECT_EQ(done->result->base_image_version, "8.0.1-0.0.21495797");
}

TEST_F(VcenterClientTest, AFailedTaskCarriesItsStdError) {
  sim_.Sim().PatchState("vc01", {{"depots", {{"create_from_host", {{"fail", true}}}}}});
  auto client = Vcenter();
  ports::DepotConnectionSpec spec;
  spec.auth_type = manifests::DepotAuthType::kExisting;
  spec.host = "host-12";
  auto task = client->CreateFromHost(spec);
  ASSERT_TRUE(task) << task.Error().Summary();
  Advance(std::chrono::minutes(3));
  auto done = client->GetTask(*task);
  ASSERT_TRUE(done) << done.Error().Summary();
  EXPECT_EQ(done->status, TaskStatus::kFailed);
  ASSERT_TRUE(done->error.has_value());
  EXPECT_FALSE(done->error->error_type.empty());
  EXPECT_FALSE(done->error->messages.empty());
}

// Issue 14: a 500 whose `data` nests 200,000 levels made `vsrd plan` crash (a stack overflow in
// the recursive dump of the error codec and of the debug log's redaction). It is an ApiError
// with the status, and the trace log says why the body was not shown.
TEST_F(VcenterClientTest, A500WhoseDataNests200000LevelsIsAnApiErrorNotACrash) {
  const std::string deep = std::string(200'000, '[') + std::string(200'000, ']');
  simulator::FaultRule rule;
  rule.persona = "vc01";
  rule.path = "/api/vcenter/vcha/cluster/mode";
  rule.status = 500;
  rule.body = R"({"error_type":"ERROR","messages":[],"data":)" + deep + "}";
  sim_.Sim().AddFault(rule);
  auto client = Vcenter();
  const auto mode = client->GetMode();
  ASSERT_FALSE(mode.HasValue());
  EXPECT_EQ(mode.Error().kind, ErrorKind::kApi) << mode.Error().Summary();
  EXPECT_EQ(mode.Error().http_status, 500) << mode.Error().Summary();
  EXPECT_EQ(mode.Error().detail, "error body refused: JSON nested deeper than 64 levels");
  EXPECT_TRUE(mode.Error().data.empty());
  EXPECT_NE(Log().find("bytes, JSON nested deeper than 64 levels)"), std::string::npos) << Log();
  EXPECT_EQ(Count("vc01", "vcha.cluster.mode.get"), 1);
}

TEST_F(VcenterClientTest, AnUnknownTaskIsNotFound) {
  auto client = Vcenter();
  ExpectApiError(client->GetTask({"52000999-0000:com.vmware.nothing"}), 404, "NOT_FOUND");
}

TEST_F(VcenterClientTest, ReadsARunningInstallAndCancelsItOnce) {
  auto client = Vcenter("vc02");
  auto deployment = client->GetDeployment();
  ASSERT_TRUE(deployment) << deployment.Error().Summary();
  EXPECT_EQ(deployment->state, ports::ApplianceState::kConfigInProgress);
  EXPECT_EQ(deployment->status, TaskStatus::kRunning);
  EXPECT_TRUE(deployment->cancelable);
  ASSERT_TRUE(deployment->start_time.has_value());
  ASSERT_TRUE(deployment->progress.has_value());
  // The appliance's own clock, from the Date header: the install guard measures on it.
  ASSERT_TRUE(deployment->reported_now.has_value());
  EXPECT_GE(*deployment->reported_now, *deployment->start_time);

  auto cancelled = client->CancelInstall();
  ASSERT_TRUE(cancelled) << cancelled.Error().Summary();
  ExpectApiError(client->CancelInstall(), 400, "NOT_ALLOWED_IN_CURRENT_STATE");

  auto after = client->GetDeployment();
  ASSERT_TRUE(after) << after.Error().Summary();
  EXPECT_NE(after->state, ports::ApplianceState::kConfigInProgress);
}

TEST_F(VcenterClientTest, CancelWithoutARunningInstallIsNotAllowedInCurrentState) {
  auto client = Vcenter("vc01");
  auto deployment = client->GetDeployment();
  ASSERT_TRUE(deployment) << deployment.Error().Summary();
  EXPECT_EQ(deployment->state, ports::ApplianceState::kConfigured);
  ExpectApiError(client->CancelInstall(), 400, "NOT_ALLOWED_IN_CURRENT_STATE");
}

TEST_F(VcenterClientTest, ReadsVmsAndChecksTheirGuestCustomization) {
  auto client = Vcenter();
  auto vm = client->GetVm("vm-42");
  ASSERT_TRUE(vm) << vm.Error().Summary();
  EXPECT_EQ(vm->name, "web-01");
  EXPECT_EQ(vm->power_state, ports::PowerState::kPoweredOff);
  EXPECT_EQ(vm->guest_os, "RHEL_8_64");
  ExpectApiError(client->GetVm("vm-404"), 404, "NOT_FOUND");

  struct Case {
    std::string vm;
    ports::CheckStatus status;
    std::optional<bool> guest_os;
    std::optional<bool> power_state;
  };
  const std::vector<Case> cases{
      {"vm-42", ports::CheckStatus::kSupported, true, true},
      {"vm-43", ports::CheckStatus::kNotSupported, true, false},
      {"vm-44", ports::CheckStatus::kNotSupported, false, std::nullopt},
  };
  for (const auto& c : cases) {
    auto check = client->CheckGuestCustomization(c.vm);
    ASSERT_TRUE(check) << c.vm << ": " << check.Error().Summary();
    EXPECT_EQ(check->check_status, c.status) << c.vm;
    EXPECT_EQ(check->supported_guest_os, c.guest_os) << c.vm;
    EXPECT_EQ(check->supported_power_state, c.power_state) << c.vm;
  }
  ExpectApiError(client->CheckGuestCustomization("vm-404"), 404, "NOT_FOUND");
}

TEST_F(VcenterClientTest, ReadsTheApplianceVersionAndPendingUpdates) {
  auto client = Vcenter();
  auto version = client->GetVersion();
  ASSERT_TRUE(version) << version.Error().Summary();
  EXPECT_EQ(version->version, "8.0.1.00000");
  EXPECT_EQ(version->build, "21560480");

  auto update = client->GetUpdate();
  ASSERT_TRUE(update) << update.Error().Summary();
  EXPECT_EQ(update->state, ports::UpdateState::kUpToDate);

  auto pending = client->ListPendingUpdates({});
  ASSERT_TRUE(pending) << pending.Error().Summary();
  ASSERT_EQ(pending->size(), 1U);
  EXPECT_EQ(pending->front().version, "8.0.2.00100");
  EXPECT_EQ(pending->front().severity, "CRITICAL");

  auto info = client->GetPendingUpdate("8.0.2.00100");
  ASSERT_TRUE(info) << info.Error().Summary();
  EXPECT_EQ(info->version, "8.0.2.00100");
  EXPECT_EQ(info->name, "vCenter Server 8.0 Update 2b");
  EXPECT_EQ(info->staged, false);

  ExpectApiError(client->GetPendingUpdate("8.0.1.00000"), 400, "ALREADY_IN_DESIRED_STATE");
  ExpectApiError(client->GetPendingUpdate("9.9.9.99999"), 404, "NOT_FOUND");

  auto precheck = client->PrecheckUpdate("8.0.2.00100");
  ASSERT_TRUE(precheck) << precheck.Error().Summary();
  EXPECT_FALSE(precheck->check_time.empty());
  EXPECT_TRUE(precheck->issues_errors.empty());
}

TEST_F(VcenterClientTest, StagesAndInstallsAnUpdateThroughTheApplianceRestart) {
  auto client = Vcenter();
  const std::string version = "8.0.2.00100";
  ExpectApiError(client->InstallUpdate(version, {}), 400, "NOT_ALLOWED_IN_CURRENT_STATE");

  ASSERT_TRUE(client->StageUpdate(version));
  auto staging = client->GetUpdate();
  ASSERT_TRUE(staging) << staging.Error().Summary();
  EXPECT_EQ(staging->state, ports::UpdateState::kStageInProgress);
  ExpectApiError(client->StageUpdate(version), 400, "NOT_ALLOWED_IN_CURRENT_STATE");

  Advance(std::chrono::minutes(6));
  auto staged = client->GetUpdate();
  ASSERT_TRUE(staged) << staged.Error().Summary();
  EXPECT_EQ(staged->state, ports::UpdateState::kUpdatesPending);
  EXPECT_EQ(staged->version, version);

  auto install = client->InstallUpdate(version, {});
  ASSERT_TRUE(install) << install.Error().Summary();
  auto installing = client->GetUpdate();
  ASSERT_TRUE(installing) << installing.Error().Summary();
  EXPECT_EQ(installing->state, ports::UpdateState::kInstallInProgress);
  ASSERT_TRUE(installing->task.has_value());

  // The install ends in a restart: the appliance refuses connections for 5 minutes.
  Advance(std::chrono::minutes(31));
  auto down = client->GetVersion();
  ASSERT_FALSE(down);
  EXPECT_TRUE(down.Error().IsUnreachable()) << down.Error().Summary();

  // Back up: every session ended with the restart, so the client logs in again by itself.
  Advance(std::chrono::minutes(6));
  const auto logins = client->Session().LoginCount();
  ASSERT_TRUE(WaitUntilReachable([&] { return client->GetVersion().HasValue(); }));
  auto after = client->GetVersion();
  ASSERT_TRUE(after) << after.Error().Summary();
  EXPECT_EQ(after->version, version);
  EXPECT_EQ(client->Session().LoginCount(), logins + 1);
  EXPECT_EQ(Count("vc01", "appliance.update.pending.install"), 2);
}

TEST_F(VcenterClientTest, RecordsEveryCallInTheApiMetrics) {
  auto client = Vcenter();
  ASSERT_TRUE(client->GetVersion());
  ASSERT_TRUE(client->GetVersion());
  ASSERT_FALSE(client->GetVm("vm-404"));
  EXPECT_EQ(
      Metric("vsrd_api_requests_total",
             {{"target", "vc01"}, {"operation", "appliance.system.version.get"}, {"code", "200"}}),
      2);
  EXPECT_EQ(Metric("vsrd_api_requests_total",
                   {{"target", "vc01"}, {"operation", "vm.get"}, {"code", "404"}}),
            1);
  EXPECT_EQ(Metric("vsrd_api_requests_total",
                   {{"target", "vc01"}, {"operation", "session.create"}, {"code", "201"}}),
            1);
  EXPECT_EQ(Metric("vsrd_api_request_duration_seconds",
                   {{"target", "vc01"}, {"operation", "appliance.system.version.get"}}),
            2);
}

}  // namespace
}  // namespace vsrd::integration
