// The VM area (simulator/vcenter/vm.cpp, docs/vsphere-api.md "VMs and guest customization"): the
// list and its filters, VM.Info against the 7.0.3 Swagger, and the guest customization check.
#include <gtest/gtest.h>

#include "tests/simulator/sim_fixture.hpp"
#include "tests/simulator/swagger_checker.hpp"

namespace vsrd::simulator {
namespace {

using testing::Scenario;
using testing::SimulatorTest;
using testing::SwaggerChecker;

const SwaggerChecker& Spec() { return testing::OfficialSpecs(); }

void ExpectConforms(const std::string& method, const std::string& path_template,
                    const Reply& reply) {
  for (const auto& problem :
       Spec().CheckResponse(method, path_template, reply.response.status, reply.response.body)) {
    ADD_FAILURE() << method << " " << path_template << ": " << problem;
  }
}

constexpr const char* kVms = R"({inventory: {
      networks: {network-13: {name: VM Network}, network-20: {name: dvpg-prod, type: DISTRIBUTED_PORTGROUP}},
      datastores: {datastore-15: {name: ds-ssd-01}},
      vms: {
        vm-1: {name: web-1, guest_OS: UBUNTU_64, power_state: POWERED_OFF},
        vm-2: {name: web-2, power_state: POWERED_ON, cpu_count: 4, memory_size_MiB: 8192},
        vm-3: {name: db-1, power_state: SUSPENDED},
        vm-4: {name: appliance-1, power_state: POWERED_OFF, customizable_guest: false}}}})";

class VmTest : public SimulatorTest {
 protected:
  void SetUp() override {
    Load(Scenario(kVms));
    Login();
  }

  /// The ids a list call returns, in order.
  std::vector<std::string> ListIds(const std::string& query) {
    const Reply reply = Call("GET", "/api/vcenter/vm" + query);
    EXPECT_EQ(reply.response.status, 200) << query << ": " << reply.response.body;
    ExpectConforms("GET", "/api/vcenter/vm", reply);
    std::vector<std::string> out;
    for (const auto& summary : Json(reply)) out.push_back(summary.at("vm"));
    return out;
  }

  Reply Check(const std::string& vm) {
    return Call("POST", "/api/vcenter/vm/" + vm + "/guest/customization?action=check");
  }
};

TEST_F(VmTest, ListReturnsASummaryOfEveryVm) {
  const Reply reply = Call("GET", "/api/vcenter/vm");
  ASSERT_EQ(reply.response.status, 200);
  ExpectConforms("GET", "/api/vcenter/vm", reply);
  const auto body = Json(reply);
  ASSERT_EQ(body.size(), 4U);
  EXPECT_EQ(body[1], (nlohmann::json{{"vm", "vm-2"},
                                     {"name", "web-2"},
                                     {"power_state", "POWERED_ON"},
                                     {"cpu_count", 4},
                                     {"memory_size_MiB", 8192}}));
}

TEST_F(VmTest, ListFiltersByIdsNamesAndPowerStatesGivenAsRepeatedKeys) {
  const struct {
    const char* query;
    std::vector<std::string> ids;
  } cases[] = {
      {"?vms=vm-1&vms=vm-3", {"vm-1", "vm-3"}},
      {"?names=web-2", {"vm-2"}},
      {"?names=web-1&names=db-1", {"vm-1", "vm-3"}},
      {"?power_states=POWERED_ON&power_states=SUSPENDED", {"vm-2", "vm-3"}},
      {"?power_states=POWERED_OFF", {"vm-1", "vm-4"}},
      {"?vms=vm-1&power_states=POWERED_ON", {}},
      {"?vms=vm-4&names=appliance-1&power_states=POWERED_OFF", {"vm-4"}},
      {"?names=nope", {}},
      {"?vms=vm-99", {}},
  };
  for (const auto& c : cases) EXPECT_EQ(ListIds(c.query), c.ids) << c.query;
}

TEST_F(VmTest, ListRejectsAnUnsupportedPowerStateAndUnmodelledPlacementFilters) {
  for (const char* query : {"?power_states=RUNNING", "?power_states=POWERED_ON&power_states=off",
                            "?folders=group-v4", "?hosts=host-12", "?resource_pools=resgroup-8"}) {
    const Reply reply = Call("GET", std::string("/api/vcenter/vm") + query);
    EXPECT_EQ(reply.response.status, 400) << query;
    EXPECT_EQ(Json(reply)["error_type"], "INVALID_ARGUMENT") << query;
    ExpectConforms("GET", "/api/vcenter/vm", reply);
  }
}

TEST_F(VmTest, ListRefusesMoreThan4000MatchingVms) {
  nlohmann::json vms = nlohmann::json::object();
  for (int i = 0; i < 4001; ++i) {
    vms["vm-x" + std::to_string(i)] = {
        {"name", "x"},    {"guest_OS", "OTHER_LINUX_64"}, {"power_state", "POWERED_OFF"},
        {"cpu_count", 1}, {"memory_size_MiB", 512},       {"customizable_guest", true}};
  }
  sim_->PatchState("vc01", {{"inventory", {{"vms", vms}}}});
  const Reply reply = Call("GET", "/api/vcenter/vm");
  EXPECT_EQ(reply.response.status, 500);
  EXPECT_EQ(Json(reply)["error_type"], "UNABLE_TO_ALLOCATE_RESOURCE");
  EXPECT_EQ(ListIds("?vms=vm-1&vms=vm-x7"), (std::vector<std::string>{"vm-1", "vm-x7"}))
      << "a filter that narrows the match below the limit works";
}

TEST_F(VmTest, GetReturnsEveryRequiredFieldOfVmInfo) {
  for (const char* vm : {"vm-1", "vm-2", "vm-3", "vm-4"}) {
    const Reply reply = Call("GET", std::string("/api/vcenter/vm/") + vm);
    ASSERT_EQ(reply.response.status, 200) << vm;
    ExpectConforms("GET", "/api/vcenter/vm/{vm}", reply);
  }
  auto info = Json(Call("GET", "/api/vcenter/vm/vm-2"));
  EXPECT_EQ(info["name"], "web-2");
  EXPECT_EQ(info["guest_OS"], "OTHER_LINUX_64");
  EXPECT_EQ(info["power_state"], "POWERED_ON");
  EXPECT_EQ(info["cpu"]["count"], 4);
  EXPECT_EQ(info["memory"]["size_MiB"], 8192);
  EXPECT_EQ(info["nics"]["4000"]["state"], "CONNECTED");
  EXPECT_EQ(info["nics"]["4000"]["backing"], (nlohmann::json{{"type", "STANDARD_PORTGROUP"},
                                                             {"network", "network-13"},
                                                             {"network_name", "VM Network"}}));
  EXPECT_EQ(info["disks"]["2000"]["backing"]["vmdk_file"], "[ds-ssd-01] web-2/web-2.vmdk");
  EXPECT_EQ(info["identity"]["name"], "web-2");
  EXPECT_NE(info["identity"]["bios_uuid"], info["identity"]["instance_uuid"]);
  EXPECT_EQ(Json(Call("GET", "/api/vcenter/vm/vm-2"))["identity"], info["identity"])
      << "derived identifiers are stable";
  EXPECT_NE(Json(Call("GET", "/api/vcenter/vm/vm-1"))["identity"]["bios_uuid"],
            info["identity"]["bios_uuid"]);
  EXPECT_EQ(Json(Call("GET", "/api/vcenter/vm/vm-1"))["nics"]["4000"]["state"], "NOT_CONNECTED");
}

TEST_F(VmTest, GetAndCheckAnswerNotFoundForAnUnknownVm) {
  const Reply get = Call("GET", "/api/vcenter/vm/vm-99");
  EXPECT_EQ(get.response.status, 404);
  EXPECT_EQ(Json(get)["error_type"], "NOT_FOUND");
  ExpectConforms("GET", "/api/vcenter/vm/{vm}", get);
  const Reply check = Check("vm-99");
  EXPECT_EQ(check.response.status, 404);
  EXPECT_EQ(Json(check)["error_type"], "NOT_FOUND");
}

TEST_F(VmTest, CheckReportsWhyAVmIsNotCustomizable) {
  const struct {
    const char* vm;
    nlohmann::json expected;
  } cases[] = {
      {"vm-1",
       {{"check_status", "SUPPORTED"},
        {"supported_guest_os", true},
        {"supported_power_state", true}}},
      {"vm-2",
       {{"check_status", "NOT_SUPPORTED"},
        {"supported_guest_os", true},
        {"supported_power_state", false}}},
      {"vm-3",
       {{"check_status", "NOT_SUPPORTED"},
        {"supported_guest_os", true},
        {"supported_power_state", false}}},
      // The guest OS step fails first, so the power-state step is never reached.
      {"vm-4", {{"check_status", "NOT_SUPPORTED"}, {"supported_guest_os", false}}},
  };
  for (const auto& c : cases) {
    const Reply reply = Check(c.vm);
    EXPECT_EQ(reply.response.status, 200) << c.vm;
    EXPECT_EQ(Json(reply), c.expected) << c.vm;
  }
}

TEST_F(VmTest, CheckFollowsThePowerStateInTheCurrentState) {
  EXPECT_EQ(Json(Check("vm-2"))["check_status"], "NOT_SUPPORTED");
  sim_->PatchState("vc01",
                   {{"inventory", {{"vms", {{"vm-2", {{"power_state", "POWERED_OFF"}}}}}}}});
  EXPECT_EQ(Json(Check("vm-2"))["check_status"], "SUPPORTED");
  EXPECT_EQ(Json(Call("GET", "/api/vcenter/vm?power_states=POWERED_ON")).size(), 0U);
}

TEST_F(VmTest, EveryRouteNeedsASession) {
  token_.clear();
  for (const auto& [method, target] :
       {std::pair{"GET", "/api/vcenter/vm"}, std::pair{"GET", "/api/vcenter/vm/vm-1"},
        std::pair{"POST", "/api/vcenter/vm/vm-1/guest/customization?action=check"}}) {
    const Reply reply = Call(method, target);
    EXPECT_EQ(reply.response.status, 401) << target;
    EXPECT_EQ(Json(reply)["error_type"], "UNAUTHENTICATED") << target;
  }
}

TEST_F(VmTest, RequestsAreLoggedUnderTheirOperationNames) {
  sim_->Reset();
  Login();
  Call("GET", "/api/vcenter/vm?names=web-1");
  Call("GET", "/api/vcenter/vm/vm-1");
  Check("vm-1");
  const auto log = sim_->Requests();
  ASSERT_EQ(log.size(), 4U);
  EXPECT_EQ(log[1].operation, "vm.list");
  EXPECT_EQ(log[2].operation, "vm.get");
  EXPECT_EQ(log[2].path_template, "/api/vcenter/vm/{vm}");
  EXPECT_EQ(log[3].operation, "vm.guest.customization.check");
  EXPECT_EQ(log[3].path_template, "/api/vcenter/vm/{vm}/guest/customization");
}

}  // namespace
}  // namespace vsrd::simulator
