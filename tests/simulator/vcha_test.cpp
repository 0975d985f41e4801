// The VCHA area (simulator/vcenter/vcha.cpp, docs/vsphere-api.md "VCHA"): Cluster.Info for each
// cluster state, the mode, the passive node's check and its redeploy task on the simulated
// clock, the management vCenter connection, and the scenario decoder's errors.
#include <functional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "tests/simulator/sim_fixture.hpp"
#include "tests/simulator/swagger_checker.hpp"

namespace vsrd::simulator {
namespace {

using nlohmann::json;
using std::chrono::minutes;
using std::chrono::seconds;
using testing::Scenario;
using testing::SimulatorTest;
using testing::SwaggerChecker;

const SwaggerChecker& Spec() { return testing::OfficialSpecs(); }

void ExpectConforms(const std::string& method, const std::string& key, const Reply& reply) {
  for (const auto& problem :
       Spec().CheckResponse(method, key, reply.response.status, reply.response.body)) {
    ADD_FAILURE() << method << " " << key << " -> " << reply.response.status << ": " << problem;
  }
}

constexpr const char* kGet = "/api/vcenter/vcha/cluster?action=get";
constexpr const char* kMode = "/api/vcenter/vcha/cluster/mode";
constexpr const char* kCheck = "/api/vcenter/vcha/cluster/passive?action=check";
constexpr const char* kRedeploy = "/api/vcenter/vcha/cluster/passive?action=redeploy&vmw-task=true";
const std::string kGetKey = SwaggerChecker::PathKey("/api/vcenter/vcha/cluster", "get", false);
const std::string kCheckKey =
    SwaggerChecker::PathKey("/api/vcenter/vcha/cluster/passive", "check", false);
const std::string kRedeployKey =
    SwaggerChecker::PathKey("/api/vcenter/vcha/cluster/passive", "redeploy", true);

constexpr const char* kThumbprint = "8F:2A:51:9C:0B:7E:44:D3:1A:6C:90:E2:5B:37:F8:0D:C4:29:A1:66";

// Lines 9-17 of every scenario built by VchaScenario (the fixture's header is lines 1-8).
constexpr const char* kInventory = R"(
      inventory:
        hosts: {host-12: {name: esx01.example.com}, host-13: {name: esx02.example.com}}
        folders: {group-v4: {name: vm}}
        datastores: {datastore-15: {name: ds01}, datastore-16: {name: ds02}}
        networks:
          network-11: {name: VM Network}
          network-13: {name: vcha-ha}
          dvportgroup-20: {name: dv-ha, type: DISTRIBUTED_PORTGROUP}
        resource_pools: {resgroup-8: {name: Resources}})";

constexpr const char* kNode1 = R"(
        node1:
          ha_ip: {ip_family: IPV4, ipv4: {address: 192.0.2.11, prefix: 24}}
          placement: {vm_name: vc01, host: host-12, management_network: network-11,
                      ha_network: network-13, storage: {datastore: datastore-15}})";
constexpr const char* kWitness = R"(
        witness:
          ha_ip: {ip_family: IPV4, ipv4: {address: 192.0.2.13, subnet_mask: 255.255.255.0}}
          placement: {vm_name: vc01-witness, host: host-13, management_network: network-11,
                      storage: {datastore: datastore-16}})";

/// node2 in a given runtime state ("UP" or "DOWN").
std::string Node2(const std::string& state) {
  return R"(
        node2:
          ha_ip: {ip_family: IPV4, ipv4: {address: 192.0.2.12, prefix: 24}}
          state: )" +
         state + R"(
          placement: {vm_name: vc01-peer, host: host-13, management_network: network-11,
                      storage: {datastore: datastore-16}})";
}

std::string VchaScenario(const std::string& vcha) {
  return Scenario(std::string(kInventory) + "\n      vcha:" + vcha);
}

std::string Configured(const std::string& node2, const std::string& extra = "") {
  return VchaScenario(std::string("\n        config_state: CONFIGURED") + kNode1 + node2 +
                      kWitness + extra);
}

const std::string kHealthy = Configured(Node2("UP"));
const std::string kPassiveDown = Configured(Node2("DOWN"));
const std::string kPassiveMissing = Configured("");
const std::string kManaged = Configured(Node2("DOWN"), std::string(R"(
        management_vcenter:
          hostname: mgmt-vc.example.com
          username: administrator@vsphere.local
          password: "Mgmt1!"
          ssl_thumbprint: ")") + kThumbprint + "\"");

json Placement() {
  return {{"name", "vc01-passive"},
          {"folder", "group-v4"},
          {"host", "host-13"},
          {"resource_pool", "resgroup-8"},
          {"ha_network_type", "DISTRIBUTED_PORTGROUP"},
          {"ha_network", "dvportgroup-20"},
          {"management_network_type", "STANDARD_PORTGROUP"},
          {"management_network", "network-11"},
          {"storage", {{"datastore", "datastore-16"}}}};
}

json RedeploySpec() {
  return {{"placement", Placement()},
          {"ha_ip", {{"ip_family", "IPV4"}, {"ipv4", {{"address", "192.0.2.22"}, {"prefix", 24}}}}},
          {"failover_ip",
           {{"ip_family", "IPV4"},
            {"ipv4", {{"address", "192.0.2.10"}, {"subnet_mask", "255.255.255.0"}}},
            {"default_gateway", "192.0.2.1"},
            {"dns_servers", {"192.0.2.53", "2001:db8::53"}}}}};
}

json ActiveLocation() {
  return {{"hostname", "mgmt-vc.example.com"},
          {"username", "administrator@vsphere.local"},
          {"password", "Mgmt1!"},
          {"ssl_thumbprint", kThumbprint}};
}

class VchaTest : public SimulatorTest {
 protected:
  void Start(const std::string& scenario) {
    Load(scenario);
    Login();
  }
  json Cluster(const json& body = json::object()) {
    const Reply reply = Call("POST", kGet, body.dump());
    EXPECT_EQ(reply.response.status, 200) << reply.response.body;
    ExpectConforms("POST", kGetKey, reply);
    return Json(reply);
  }
  Reply Redeploy(const json& spec) {
    Reply reply = Call("POST", kRedeploy, spec.dump());
    ExpectConforms("POST", kRedeployKey, reply);
    return reply;
  }
  Reply Check(const json& spec) {
    Reply reply = Call("POST", kCheck, spec.dump());
    ExpectConforms("POST", kCheckKey, reply);
    return reply;
  }
  json Task(const std::string& id) {
    const Reply reply = Call("GET", "/api/cis/tasks/" + id);
    EXPECT_EQ(reply.response.status, 200) << reply.response.body;
    ExpectConforms("GET", "/api/cis/tasks/{task}", reply);
    return Json(reply);
  }
  void SetRedeploy(const json& script) {
    sim_->PatchState("vc01", {{"vcha", {{"redeploy", script}}}});
  }
};

std::vector<std::string> Ids(const json& messages) {
  std::vector<std::string> out;
  for (const auto& message : messages) out.push_back(message.at("id"));
  return out;
}

TEST_F(VchaTest, AHealthyClusterReportsThreeNodesWithPlacementsAndAllowsFailover) {
  Start(kHealthy);
  const json info = Cluster();
  EXPECT_EQ(info["config_state"], "CONFIGURED");
  EXPECT_EQ(info["mode"], "ENABLED");
  EXPECT_EQ(info["health_state"], "HEALTHY");
  EXPECT_FALSE(info.contains("health_warnings"));
  EXPECT_EQ(info["manual_failover_allowed"], true);
  EXPECT_EQ(info["auto_failover_allowed"], true);
  EXPECT_EQ(info["node1"]["runtime"]["role"], "ACTIVE");
  EXPECT_EQ(info["node2"]["runtime"]["role"], "PASSIVE");
  EXPECT_EQ(info["witness"]["runtime"]["role"], "WITNESS");
  for (const char* node : {"node1", "node2", "witness"}) {
    EXPECT_EQ(info[node]["runtime"]["state"], "UP") << node;
  }
  EXPECT_EQ(info["node1"]["ha_ip"],
            json::parse(R"({"ip_family": "IPV4", "ipv4": {"address": "192.0.2.11",
                            "subnet_mask": "255.255.255.0", "prefix": 24}})"));
  EXPECT_EQ(info["witness"]["ha_ip"]["ipv4"]["prefix"], 24) << "the prefix follows the mask";
  // Names the scenario left out come from the inventory.
  const json& placement = info["node1"]["runtime"]["placement"];
  EXPECT_EQ(placement["vm_name"], "vc01");
  EXPECT_EQ(placement["host_name"], "esx01.example.com");
  EXPECT_EQ(placement["storage"],
            json::parse(R"({"datastore": "datastore-15", "datastore_name": "ds01"})"));
  EXPECT_EQ(placement["ha_network_name"], "vcha-ha");
  EXPECT_EQ(placement["management_network_type"], "STANDARD_PORTGROUP");
  EXPECT_EQ(placement["management_vcenter_name"], "vc01") << "a self-managed vCenter";
  EXPECT_EQ(placement["datacenter"], "datacenter-1");
}

TEST_F(VchaTest, APartialReadLeavesOutOnlyThePlacements) {
  Start(kHealthy);
  const json info = Cluster({{"partial", true}});
  EXPECT_EQ(info["config_state"], "CONFIGURED");
  EXPECT_EQ(info["health_state"], "HEALTHY");
  EXPECT_EQ(info["node2"]["runtime"], json::parse(R"({"state": "UP", "role": "PASSIVE"})"));
  EXPECT_TRUE(info["node1"].contains("ha_ip"));
  EXPECT_TRUE(Cluster({{"partial", false}})["node1"]["runtime"].contains("placement"));
}

TEST_F(VchaTest, ADegradedClusterSaysWhichNodeIsLostAndForbidsFailover) {
  const struct {
    const std::string* scenario;
    const char* warning;
    bool has_node2;
  } cases[] = {
      {&kPassiveDown, "com.vmware.vsrd.sim.vcha.health.passive.down", true},
      {&kPassiveMissing, "com.vmware.vsrd.sim.vcha.health.passive.missing", false},
  };
  for (const auto& c : cases) {
    Start(*c.scenario);
    const json info = Cluster();
    EXPECT_EQ(info["health_state"], "DEGRADED") << c.warning;
    EXPECT_EQ(info.contains("node2"), c.has_node2) << c.warning;
    ASSERT_EQ(info["health_warnings"].size(), 1U) << info.dump();
    EXPECT_EQ(info["health_warnings"][0]["error"]["id"], c.warning);
    EXPECT_TRUE(info["health_warnings"][0].contains("recommendation"));
    EXPECT_EQ(info["manual_failover_allowed"], false);
    EXPECT_EQ(info["auto_failover_allowed"], false);
  }
}

TEST_F(VchaTest, ModeAndFailoverFlagsFollowTheScenario) {
  Start(Configured(Node2("UP"), "\n        mode: MAINTENANCE"));
  const Reply mode = Call("GET", kMode);
  EXPECT_EQ(mode.response.status, 200);
  ExpectConforms("GET", kMode, mode);
  EXPECT_EQ(Json(mode), json::parse(R"({"mode": "MAINTENANCE"})"));
  const json info = Cluster();
  EXPECT_EQ(info["manual_failover_allowed"], true);
  EXPECT_EQ(info["auto_failover_allowed"], false);
}

TEST_F(VchaTest, AClusterThatIsNotConfiguredHasOnlyItsConfigStateAndNoMode) {
  for (const std::string state : {"NOTCONFIGURED", "INVALID", "PREPARED"}) {
    Start(VchaScenario("\n        config_state: " + state));
    EXPECT_EQ(Cluster(), json({{"config_state", state}})) << state;
    const Reply mode = Call("GET", kMode);
    EXPECT_EQ(mode.response.status, 400) << state;
    EXPECT_EQ(Json(mode)["error_type"], "NOT_ALLOWED_IN_CURRENT_STATE") << state;
    ExpectConforms("GET", kMode, mode);
  }
  Start(Scenario());  // no vcha section at all
  EXPECT_EQ(Cluster(), json({{"config_state", "NOTCONFIGURED"}}));
}

TEST_F(VchaTest, AnInvalidClusterStillReportsTheNodesItKnows) {
  Start(VchaScenario(std::string("\n        config_state: INVALID") + kNode1));
  const json info = Cluster();
  EXPECT_EQ(info["config_state"], "INVALID");
  EXPECT_EQ(info["node1"]["runtime"]["state"], "UP");
  EXPECT_FALSE(info.contains("health_state"));
  EXPECT_FALSE(info.contains("mode"));
}

TEST_F(VchaTest, ClusterGetRejectsBadBodies) {
  Start(kHealthy);
  const struct {
    const char* body;
    const char* error_type;
    const char* message;
  } cases[] = {
      {"{", "INVALID_ARGUMENT", "The request body is not valid JSON."},
      {"[]", "INVALID_ARGUMENT", "The request body must be a JSON object."},
      {R"({"partial": "yes"})", "INVALID_ARGUMENT", "partial: must be a boolean, got \"yes\"."},
      {R"({"partial": true, "full": false})", "UNEXPECTED_INPUT",
       "full: unexpected field; the structure does not define it."},
      {R"({"vc_spec": {}})", "INVALID_ARGUMENT",
       "vc_spec.active_location: required field is missing."},
  };
  for (const auto& c : cases) {
    const Reply reply = Call("POST", kGet, c.body);
    EXPECT_EQ(reply.response.status, 400) << c.body;
    EXPECT_EQ(Json(reply)["error_type"], c.error_type) << c.body;
    EXPECT_EQ(Json(reply)["messages"][0]["default_message"], c.message) << c.body;
    ExpectConforms("POST", kGetKey, reply);
  }
  EXPECT_EQ(Call("POST", kGet).response.status, 200) << "the body is optional";
  EXPECT_EQ(Call("POST", kGet, R"({"partial": null})").response.status, 200) << "null is unset";
}

TEST_F(VchaTest, CheckListsInventoryProblemsAsErrorsAndRisksAsWarnings) {
  Start(kPassiveDown);
  const Reply clean = Check({{"placement", Placement()}});
  EXPECT_EQ(clean.response.status, 200) << clean.response.body;
  EXPECT_EQ(Json(clean), json::parse(R"({"warnings": [], "errors": []})"));

  const struct {
    const char* field;
    json value;
    const char* error;
  } cases[] = {
      {"folder", "group-v99", "com.vmware.vsrd.sim.vcha.check.folder"},
      {"host", "host-99", "com.vmware.vsrd.sim.vcha.check.host"},
      {"resource_pool", "resgroup-99", "com.vmware.vsrd.sim.vcha.check.resource_pool"},
      {"storage", {{"datastore", "datastore-99"}}, "com.vmware.vsrd.sim.vcha.check.datastore"},
      {"management_network", "network-99", "com.vmware.vsrd.sim.vcha.check.management_network"},
      {"ha_network", "network-13", "com.vmware.vsrd.sim.vcha.check.ha_network_type"},
  };
  for (const auto& c : cases) {
    json placement = Placement();
    placement[c.field] = c.value;
    const Reply reply = Check({{"placement", placement}});
    EXPECT_EQ(reply.response.status, 200) << c.field;
    EXPECT_EQ(Ids(Json(reply)["errors"]), std::vector<std::string>{c.error}) << reply.response.body;
  }

  json sparse = {{"name", "vc01-passive"}, {"folder", "group-v4"}};
  const Reply defaults = Check({{"placement", sparse}});
  EXPECT_EQ(Json(defaults)["errors"], json::array());
  EXPECT_EQ(Ids(Json(defaults)["warnings"]),
            (std::vector<std::string>{"com.vmware.vsrd.sim.vcha.check.same_host",
                                      "com.vmware.vsrd.sim.vcha.check.datastore_unset"}))
      << "an unset host and datastore follow the active node";
}

TEST_F(VchaTest, CheckAddsTheScenariosScriptedFindings) {
  Start(Configured(Node2("DOWN"), R"(
        check: {warnings: ["Low free space on ds02."], errors: ["The host is in maintenance."]})"));
  const json result = Json(Check({{"placement", Placement()}}));
  EXPECT_EQ(result["warnings"][0]["default_message"], "Low free space on ds02.");
  EXPECT_EQ(result["errors"][0]["default_message"], "The host is in maintenance.");
}

TEST_F(VchaTest, CheckAndRedeployAreNotAllowedUnlessThePassiveNodeIsLost) {
  const struct {
    std::string scenario;
    const char* why;
  } cases[] = {
      {kHealthy, "a healthy cluster"},
      {VchaScenario("\n        config_state: NOTCONFIGURED"), "no VCHA"},
      {VchaScenario(std::string("\n        config_state: INVALID") + kNode1), "an invalid cluster"},
      {Configured(Node2("UP"), R"(
        health_state: DEGRADED)"),
       "a degraded cluster whose passive node is up"},
      {Configured(Node2("DOWN"), "\n        health_state: ISOLATED"), "an isolated cluster"},
  };
  for (const auto& c : cases) {
    Start(c.scenario);
    for (const Reply& reply : {Check({{"placement", Placement()}}), Redeploy(RedeploySpec())}) {
      EXPECT_EQ(reply.response.status, 400) << c.why;
      EXPECT_EQ(Json(reply)["error_type"], "NOT_ALLOWED_IN_CURRENT_STATE") << c.why;
    }
  }
}

TEST_F(VchaTest, RedeployValidatesTheSpecAndNamesTheBadField) {
  Start(kPassiveDown);
  const auto with = [](const std::function<void(json&)>& change) {
    json spec = RedeploySpec();
    change(spec);
    return spec.dump();
  };
  const struct {
    std::string body;
    const char* error_type;
    const char* message;
  } cases[] = {
      {"{\"placement\": ", "INVALID_ARGUMENT", "The request body is not valid JSON."},
      {"", "INVALID_ARGUMENT", "The request body must be a JSON object."},
      {"{}", "INVALID_ARGUMENT", "placement: required field is missing."},
      {with([](json& s) { s["placement"].erase("folder"); }), "INVALID_ARGUMENT",
       "placement.folder: required field is missing."},
      {with([](json& s) { s["placement"]["name"] = ""; }), "INVALID_ARGUMENT",
       "placement.name: must not be empty."},
      {with([](json& s) { s["placement"]["host"] = 12; }), "INVALID_ARGUMENT",
       "placement.host: must be a string, got 12."},
      {with([](json& s) { s["placement"]["ha_network_type"] = "VDS"; }), "INVALID_ARGUMENT",
       "placement.ha_network_type: must be one of STANDARD_PORTGROUP, DISTRIBUTED_PORTGROUP, "
       "got \"VDS\"."},
      {with([](json& s) { s["placement"].erase("management_network_type"); }), "INVALID_ARGUMENT",
       "placement.management_network_type: must be set when placement.management_network is "
       "set."},
      {with([](json& s) { s["placement"]["storage"]["disk"] = "x"; }), "UNEXPECTED_INPUT",
       "placement.storage.disk: unexpected field; the structure does not define it."},
      {with([](json& s) { s["spec"] = json::object(); }), "UNEXPECTED_INPUT",
       "spec: unexpected field; the structure does not define it."},
      {with([](json& s) { s["ha_ip"]["ip_family"] = "IPV5"; }), "INVALID_ARGUMENT",
       "ha_ip.ip_family: must be one of IPV4, IPV6, got \"IPV5\"."},
      {with([](json& s) { s["ha_ip"]["ip_family"] = "IPV6"; }), "INVALID_ARGUMENT",
       "ha_ip.ipv4: must not be set when ip_family is IPV6."},
      {with([](json& s) { s["ha_ip"].erase("ipv4"); }), "INVALID_ARGUMENT",
       "ha_ip.ipv4: required field is missing."},
      {with([](json& s) { s["ha_ip"]["ipv4"]["address"] = "192.0.2.300"; }), "INVALID_ARGUMENT",
       "ha_ip.ipv4.address: \"192.0.2.300\" is not an IPv4 address."},
      {with([](json& s) { s["ha_ip"]["ipv4"]["prefix"] = 33; }), "INVALID_ARGUMENT",
       "ha_ip.ipv4.prefix: must be an integer from 0 to 32, got 33."},
      {with([](json& s) { s["ha_ip"]["ipv4"].erase("prefix"); }), "INVALID_ARGUMENT",
       "ha_ip.ipv4: one of subnet_mask and prefix must be set."},
      {with([](json& s) { s["ha_ip"]["ipv4"]["subnet_mask"] = "255.0.255.0"; }), "INVALID_ARGUMENT",
       "ha_ip.ipv4.subnet_mask: \"255.0.255.0\" is not a subnet mask."},
      {with([](json& s) { s["ha_ip"]["ipv4"]["subnet_mask"] = "255.255.0.0"; }), "INVALID_ARGUMENT",
       "ha_ip.ipv4.prefix: 24 does not match subnet_mask 255.255.0.0."},
      {with([](json& s) {
         s["ha_ip"] = {{"ip_family", "IPV6"}, {"ipv6", {{"address", "2001:db8::12"}}}};
       }),
       "INVALID_ARGUMENT", "ha_ip.ipv6.prefix: required field is missing."},
      {with([](json& s) {
         s["ha_ip"] = {{"ip_family", "IPV6"},
                       {"ipv6", {{"address", "2001:db8::12"}, {"prefix", 129}}}};
       }),
       "INVALID_ARGUMENT", "ha_ip.ipv6.prefix: must be an integer from 0 to 128, got 129."},
      {with([](json& s) { s["failover_ip"]["default_gateway"] = "2001:db8::1"; }),
       "INVALID_ARGUMENT", "failover_ip.default_gateway: \"2001:db8::1\" is not an IPv4 address."},
      {with([](json& s) { s["failover_ip"]["dns_servers"][1] = "dns.example.com"; }),
       "INVALID_ARGUMENT", "failover_ip.dns_servers[1]: \"dns.example.com\" is not an IP address."},
      {with([](json& s) {
         s["vc_spec"] = {{"active_location", {{"hostname", "mgmt"}}}};
       }),
       "INVALID_ARGUMENT", "vc_spec.active_location.username: required field is missing."},
      {with([](json& s) {
         s["vc_spec"] = {{"active_location", ActiveLocation()}};
         s["vc_spec"]["active_location"]["ssl_certificate"] = "-----BEGIN CERTIFICATE-----";
       }),
       "INVALID_ARGUMENT",
       "vc_spec.active_location: ssl_thumbprint and ssl_certificate are mutually exclusive."},
      {with([](json& s) { s["placement"]["folder"] = "group-v99"; }), "INVALID_ARGUMENT",
       "placement.folder: the folder group-v99 does not exist."},
      {with([](json& s) { s["placement"]["ha_network"] = "network-13"; }), "INVALID_ARGUMENT",
       "placement.ha_network_type: the network network-13 is a STANDARD_PORTGROUP, not a "
       "DISTRIBUTED_PORTGROUP."},
  };
  for (const auto& c : cases) {
    const Reply reply = Call("POST", kRedeploy, c.body);
    EXPECT_EQ(reply.response.status, 400) << c.body;
    EXPECT_EQ(Json(reply)["error_type"], c.error_type) << c.body;
    EXPECT_EQ(Json(reply)["messages"][0]["default_message"], c.message) << c.body;
    ExpectConforms("POST", kRedeployKey, reply);
  }
  EXPECT_TRUE(sim_->State("vc01")["tasks"].empty()) << "no invalid spec starts a task";
}

TEST_F(VchaTest, RedeployIsATaskOnlyOperation) {
  Start(kPassiveDown);
  const Reply reply =
      Call("POST", "/api/vcenter/vcha/cluster/passive?action=redeploy", RedeploySpec().dump());
  EXPECT_EQ(reply.response.status, 404);
  EXPECT_EQ(Json(reply)["error_type"], "NOT_FOUND");
}

TEST_F(VchaTest, RedeployTurnsADegradedClusterHealthyExactlyWhenTheTaskSucceeds) {
  Start(kPassiveDown);
  SetRedeploy({{"pending", "10s"}, {"duration", "5m"}});
  const Reply accepted = Redeploy(RedeploySpec());
  ASSERT_EQ(accepted.response.status, 202) << accepted.response.body;
  const std::string id = Json(accepted);

  json task = Task(id);
  EXPECT_EQ(task["status"], "PENDING");
  EXPECT_EQ(task["service"], "com.vmware.vcenter.vcha.cluster.passive");
  EXPECT_EQ(task["operation"], "redeploy$task");
  EXPECT_EQ(task["user"], "administrator@vsphere.local");
  EXPECT_FALSE(task.contains("progress"));

  sim_->Advance(seconds(10));
  task = Task(id);
  EXPECT_EQ(task["status"], "RUNNING");
  EXPECT_EQ(task["progress"]["completed"], 0);
  sim_->Advance(minutes(1));
  EXPECT_EQ(Task(id)["progress"]["completed"], 20);
  sim_->Advance(minutes(3));
  EXPECT_EQ(Task(id)["progress"]["completed"], 80);
  sim_->Advance(seconds(59));
  task = Task(id);
  EXPECT_EQ(task["status"], "RUNNING");
  EXPECT_EQ(Cluster()["health_state"], "DEGRADED") << "not one millisecond early";
  EXPECT_EQ(Cluster()["node2"]["runtime"]["state"], "DOWN");

  sim_->Advance(seconds(1));
  task = Task(id);
  EXPECT_EQ(task["status"], "SUCCEEDED");
  EXPECT_EQ(task["progress"]["completed"], 100);
  EXPECT_EQ(task["start_time"], "2026-01-01T00:00:10.000Z");
  EXPECT_EQ(task["end_time"], "2026-01-01T00:05:10.000Z");
  EXPECT_FALSE(task.contains("result")) << "redeploy returns nothing";

  const json info = Cluster();
  EXPECT_EQ(info["health_state"], "HEALTHY");
  EXPECT_FALSE(info.contains("health_warnings"));
  const json& node2 = info["node2"];
  EXPECT_EQ(node2["runtime"]["state"], "UP");
  EXPECT_EQ(node2["runtime"]["role"], "PASSIVE");
  EXPECT_EQ(node2["ha_ip"], json::parse(R"({"ip_family": "IPV4", "ipv4": {"address": "192.0.2.22",
                            "subnet_mask": "255.255.255.0", "prefix": 24}})"));
  EXPECT_EQ(node2["failover_ip"],
            json::parse(R"({"ip_family": "IPV4", "ipv4": {"address": "192.0.2.10",
                            "subnet_mask": "255.255.255.0", "prefix": 24},
                            "gateway_ip": "192.0.2.1"})"));
  EXPECT_EQ(node2["runtime"]["placement"], json::parse(R"({
      "management_vcenter_name": "vc01", "vm_name": "vc01-passive",
      "datacenter": "datacenter-1", "datacenter_name": "Datacenter",
      "host": "host-13", "host_name": "esx02.example.com",
      "storage": {"datastore": "datastore-16", "datastore_name": "ds02"},
      "management_network": "network-11", "management_network_name": "VM Network",
      "management_network_type": "STANDARD_PORTGROUP",
      "ha_network": "dvportgroup-20", "ha_network_name": "dv-ha",
      "ha_network_type": "DISTRIBUTED_PORTGROUP"})"));
  EXPECT_EQ(Redeploy(RedeploySpec()).response.status, 400) << "healthy now: nothing to redeploy";
}

TEST_F(VchaTest, RedeployOfAMissingPassiveNodeUsesTheStoredHaAddressWhenNoneIsGiven) {
  Start(Configured("", R"(
        passive_ha_ip: {ip_family: IPV4, ipv4: {address: 192.0.2.12, prefix: 24}})"));
  json spec = RedeploySpec();
  spec.erase("ha_ip");
  spec.erase("failover_ip");
  const Reply accepted = Redeploy(spec);
  ASSERT_EQ(accepted.response.status, 202) << accepted.response.body;
  EXPECT_FALSE(Cluster().contains("node2")) << "the node appears only when the task ends";
  sim_->Advance(minutes(5));  // the default duration
  EXPECT_EQ(Task(Json(accepted))["status"], "SUCCEEDED");
  const json info = Cluster();
  EXPECT_EQ(info["health_state"], "HEALTHY");
  EXPECT_EQ(info["node2"]["ha_ip"]["ipv4"]["address"], "192.0.2.12");
  EXPECT_FALSE(info["node2"].contains("failover_ip"));
}

TEST_F(VchaTest, RedeployOfAMissingPassiveNodeNeedsAnHaAddressWhenNoneIsStored) {
  Start(kPassiveMissing);
  json spec = RedeploySpec();
  spec.erase("ha_ip");
  const Reply reply = Redeploy(spec);
  EXPECT_EQ(reply.response.status, 400);
  EXPECT_EQ(Json(reply)["messages"][0]["default_message"],
            "ha_ip: required: no HA network configuration is stored for the passive node.");
  spec["ha_ip"] = RedeploySpec()["ha_ip"];
  EXPECT_EQ(Redeploy(spec).response.status, 202);
}

TEST_F(VchaTest, AScriptedFailureFailsTheTaskAndTheClusterStaysDegraded) {
  Start(Configured(Node2("DOWN"), R"(
        redeploy: {duration: 2m, fail: true, error_type: RESOURCE_BUSY,
                   error: "Cannot clone: the host is busy."})"));
  const std::string id = Json(Redeploy(RedeploySpec()));
  EXPECT_EQ(Redeploy(RedeploySpec()).response.status, 400) << "one redeploy at a time";
  sim_->Advance(minutes(1));
  EXPECT_EQ(Task(id)["status"], "RUNNING");
  sim_->Advance(minutes(1));
  const json task = Task(id);
  EXPECT_EQ(task["status"], "FAILED");
  EXPECT_EQ(task["error"]["error_type"], "RESOURCE_BUSY");
  EXPECT_EQ(task["error"]["messages"][0]["default_message"], "Cannot clone: the host is busy.");
  const json info = Cluster();
  EXPECT_EQ(info["health_state"], "DEGRADED");
  EXPECT_EQ(info["node2"]["runtime"]["state"], "DOWN");
  EXPECT_EQ(info["node2"]["runtime"]["placement"]["vm_name"], "vc01-peer");

  SetRedeploy({{"fail", false}});
  const std::string retry = Json(Redeploy(RedeploySpec()));
  sim_->Advance(minutes(2));
  EXPECT_EQ(Task(retry)["status"], "SUCCEEDED") << "a retry after the failure may succeed";
  EXPECT_EQ(Cluster()["health_state"], "HEALTHY");
}

TEST_F(VchaTest, TheManagementVcenterMustBeReachedWithItsThumbprintAndCredentials) {
  Start(kManaged);
  const auto with_location = [](const std::function<void(json&)>& change) {
    json spec = RedeploySpec();
    json location = ActiveLocation();
    change(location);
    spec["vc_spec"] = {{"active_location", location}};
    return spec;
  };
  const struct {
    json spec;
    const char* error_type;
    const char* why;
  } cases[] = {
      {RedeploySpec(), "INVALID_ARGUMENT", "no vc_spec"},
      {with_location([](json& l) { l.erase("ssl_thumbprint"); }), "UNVERIFIED_PEER",
       "no thumbprint"},
      {with_location([](json& l) { l["ssl_thumbprint"] = std::string(59, 'A'); }),
       "UNVERIFIED_PEER", "another thumbprint"},
      {with_location([](json& l) { l["password"] = "wrong"; }), "INVALID_ARGUMENT",
       "a wrong password"},
      {with_location([](json& l) { l.erase("password"); }), "INVALID_ARGUMENT",
       "no password (an empty one)"},
      {with_location([](json& l) { l["username"] = "root"; }), "INVALID_ARGUMENT", "a wrong user"},
      {with_location([](json& l) { l["hostname"] = "other-vc.example.com"; }), "INVALID_ARGUMENT",
       "another vCenter"},
      {with_location([](json& l) { l["port"] = 8443; }), "INVALID_ARGUMENT", "another port"},
  };
  for (const auto& c : cases) {
    const Reply reply = Redeploy(c.spec);
    EXPECT_EQ(reply.response.status, 400) << c.why;
    EXPECT_EQ(Json(reply)["error_type"], c.error_type) << c.why << ": " << reply.response.body;
    if (std::string(c.error_type) == "UNVERIFIED_PEER") {
      EXPECT_EQ(Json(reply)["data"], json({{"ssl_thumbprint", kThumbprint}})) << c.why;
    }
  }
  // The thumbprint compares without colons and case.
  const Reply accepted = Redeploy(with_location([](json& l) {
    std::string bare;
    for (const char ch : std::string(kThumbprint)) {
      if (ch != ':') bare += static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    }
    l["ssl_thumbprint"] = bare;
    l["port"] = 443;
  }));
  EXPECT_EQ(accepted.response.status, 202) << accepted.response.body;
}

TEST_F(VchaTest, ReadsAndChecksOfAManagedClusterNeedTheManagementVcenter) {
  Start(kManaged);
  EXPECT_FALSE(Cluster()["node1"]["runtime"].contains("placement"))
      << "placements need the management vCenter";
  const json full = Cluster({{"vc_spec", {{"active_location", ActiveLocation()}}}});
  EXPECT_EQ(full["node1"]["runtime"]["placement"]["management_vcenter_name"],
            "mgmt-vc.example.com");
  json wrong = ActiveLocation();
  wrong["ssl_thumbprint"] = "00:" + std::string(kThumbprint).substr(3);
  const Reply unverified =
      Call("POST", kGet, json({{"vc_spec", {{"active_location", wrong}}}}).dump());
  EXPECT_EQ(unverified.response.status, 400);
  EXPECT_EQ(Json(unverified)["error_type"], "UNVERIFIED_PEER");

  const Reply not_found = Check({{"placement", Placement()}});
  EXPECT_EQ(not_found.response.status, 404);
  EXPECT_EQ(Json(not_found)["error_type"], "NOT_FOUND");
  const Reply checked =
      Check({{"placement", Placement()}, {"vc_spec", {{"active_location", ActiveLocation()}}}});
  EXPECT_EQ(checked.response.status, 200) << checked.response.body;
}

TEST_F(VchaTest, OneRedeployIsOneLogEntryWithoutThePassword) {
  Start(kManaged);
  json spec = RedeploySpec();
  spec["vc_spec"] = {{"active_location", ActiveLocation()}};
  ASSERT_EQ(Redeploy(spec).response.status, 202);
  std::vector<LogEntry> redeploys;
  for (const auto& entry : sim_->Requests()) {
    if (entry.operation == "vcha.passive.redeploy$task") redeploys.push_back(entry);
  }
  ASSERT_EQ(redeploys.size(), 1U);
  EXPECT_EQ(redeploys[0].path_template, "/api/vcenter/vcha/cluster/passive");
  EXPECT_EQ(redeploys[0].status, 202);
  EXPECT_EQ(redeploys[0].body["vc_spec"]["active_location"]["password"], "<redacted>");
  EXPECT_EQ(sim_->State("vc01").dump().find("Mgmt1!"), std::string::npos)
      << "the state dump hides the management vCenter's password too";
}

TEST_F(VchaTest, TheStateIsTheClusterAsTheApiDescribesIt) {
  Start(kPassiveMissing);
  const json vcha = sim_->State("vc01")["vcha"];
  EXPECT_EQ(vcha["config_state"], "CONFIGURED");
  EXPECT_EQ(vcha["health_state"], "DEGRADED") << "derived from the nodes";
  EXPECT_FALSE(vcha.contains("node2"));
  EXPECT_EQ(vcha["redeploy"], json::parse(R"({"pending": "0s", "duration": "5m", "fail": false,
      "error_type": "ERROR", "error": "The passive node could not be deployed."})"));
  // Patching a node down degrades what the API reports.
  Start(kHealthy);
  sim_->PatchState("vc01", json::parse(R"({"vcha": {"witness": {"runtime": {"state": "DOWN"}},
                                                   "health_state": "DEGRADED"}})"));
  const json info = Cluster();
  EXPECT_EQ(info["health_state"], "DEGRADED");
  EXPECT_EQ(info["health_warnings"][0]["error"]["id"],
            "com.vmware.vsrd.sim.vcha.health.witness.down");
}

std::vector<std::string> DecodeErrors(const std::string& text) {
  const auto result = DecodeScenario(text, "s.yaml");
  EXPECT_FALSE(result.scenario);
  std::vector<std::string> out;
  for (const auto& d : result.diagnostics) out.push_back(manifests::FormatDiagnostic(d));
  return out;
}

TEST(DecodeVchaState, ReportsBadValuesWithFileLineAndColumn) {
  EXPECT_EQ(DecodeErrors(VchaScenario(R"(
        config_state: CONFIGURD
        node1: {ha_ip: {ip_family: IPV4, ipv4: {address: 192.0.2.11}}, state: SLEEPING})")),
            (std::vector<std::string>{
                "s.yaml:19:23: error: state.vcha.config_state: must be one of CONFIGURED, "
                "NOTCONFIGURED, INVALID, PREPARED, got \"CONFIGURD\"; did you mean "
                "\"CONFIGURED\"?",
                "s.yaml:20:48: error: state.vcha.node1.ha_ip.ipv4: one of subnet_mask and prefix "
                "is required",
                "s.yaml:20:79: error: state.vcha.node1.state: must be one of UP, DOWN, got "
                "\"SLEEPING\"",
            }));
}

TEST(DecodeVchaState, ReportsInconsistentClustersWithFileLineAndColumn) {
  EXPECT_EQ(DecodeErrors(VchaScenario(std::string(R"(
        config_state: CONFIGURED
        health_state: HEALTHY
        management_vcenter: {hostname: mgmt, username: u, password: p, ssl_thumbprint: AB:CD}
        redeploy: {duration: soon, error_type: OOPS, retries: 3})") +
                                      kNode1)),
            (std::vector<std::string>{
                "s.yaml:20:23: error: state.vcha.health_state: HEALTHY needs node1, node2 and "
                "the witness, all UP",
                "s.yaml:21:88: error: state.vcha.management_vcenter.ssl_thumbprint: must be a "
                "SHA-1 thumbprint: 40 hex digits, or 20 colon-separated hex pairs",
                "s.yaml:22:30: error: state.vcha.redeploy.duration: invalid duration \"soon\": use "
                "a number and a unit (ms, s, m, h, d), e.g. 300ms, 30s, 5m, 1h30m",
                "s.yaml:22:48: error: state.vcha.redeploy.error_type: must be a vAPI std-error "
                "type such as ERROR or RESOURCE_BUSY, got \"OOPS\"",
                "s.yaml:22:54: error: state.vcha.redeploy.retries: unknown field (known fields: "
                "pending, duration, fail, error_type, error)",
            }));
  EXPECT_EQ(DecodeErrors(VchaScenario(R"(
        config_state: NOTCONFIGURED
        mode: ENABLED
        witness: {ha_ip: {ip_family: IPV6, ipv6: {address: "2001:db8::13", prefix: 64}}})")),
            (std::vector<std::string>{
                "s.yaml:20:15: error: state.vcha.mode: is set only when config_state is "
                "CONFIGURED",
                "s.yaml:21:18: error: state.vcha.witness: must not be set when config_state is "
                "NOTCONFIGURED",
            }));
}

}  // namespace
}  // namespace vsrd::simulator
