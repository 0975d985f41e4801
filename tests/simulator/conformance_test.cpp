// Conformance of vsrd-sim to the official Swagger files in third_party/vsphere-api: every response
// the simulator gives to an operation that the specs define must use a declared status and match
// that status's schema (swagger_checker.hpp). Known differences between the real API and the
// Swagger 2.0 files are overrides, each with its reason from docs/vsphere-api.md.
#include <set>

#include <gtest/gtest.h>

#include "simulator/vcenter/vcenter_persona.hpp"
#include "tests/simulator/sim_fixture.hpp"
#include "tests/simulator/swagger_checker.hpp"

namespace vsrd::simulator::testing {
namespace {

const SwaggerChecker& Checker() { return OfficialSpecs(); }

TEST(SwaggerChecker, AcceptsAConformingBodyAndReportsEachKindOfProblem) {
  const SwaggerChecker& checker = Checker();
  const nlohmann::json schema = {{"$ref", "#/definitions/VapiStdLocalizableMessage"}};
  EXPECT_TRUE(
      checker
          .Validate(schema,
                    {{"id", "a"}, {"default_message", "b"}, {"args", nlohmann::json::array()}}, "m")
          .empty());
  EXPECT_EQ(checker.Validate(schema, {{"id", "a"}, {"args", nlohmann::json::array()}}, "m"),
            std::vector<std::string>{"m: required field \"default_message\" is missing"});
  EXPECT_EQ(
      checker.Validate(schema, {{"id", 1}, {"default_message", "b"}, {"args", {}}, {"x", 1}}, "m"),
      (std::vector<std::string>{"m.args: expected an array, got null",
                                "m.id: expected a string, got 1",
                                "m.x: field not defined by the spec (VapiStdLocalizableMessage)"}));
  EXPECT_EQ(
      checker.Validate({{"$ref", "#/definitions/CisTaskStatus"}}, "DONE", "s"),
      std::vector<std::string>{"s: \"DONE\" is not one of "
                               "[\"PENDING\",\"RUNNING\",\"BLOCKED\",\"SUCCEEDED\",\"FAILED\"]"});
}

TEST(SwaggerChecker, ChecksTheStatusIsDeclaredForTheOperation) {
  const SwaggerChecker& checker = Checker();
  EXPECT_TRUE(checker.HasOperation("GET", "/api/cis/tasks/{task}"));
  EXPECT_TRUE(checker.HasOperation(
      "POST", SwaggerChecker::PathKey("/api/vcenter/vcha/cluster/passive", "redeploy", true)));
  EXPECT_FALSE(checker.HasOperation("PUT", "/api/cis/tasks/{task}"));
  EXPECT_EQ(checker.CheckResponse("GET", "/api/cis/tasks/{id}", 418, "{}"),
            std::vector<std::string>{"GET /api/cis/tasks/{id}: status 418 is not declared "
                                     "(declared: 200 401 403 404 500 503)"});
}

// Statuses the simulator answers that the Swagger 2.0 files do not declare, each for a reason.
// Swagger 2.0 keeps one error per status code (docs/vsphere-api.md "Errors"), so a missing 400 is
// usually a second error type that the bindings list for the operation.
const std::set<std::string> kUndeclaredButExpected{
    // source_type is a required query parameter; a request without it is rejected with
    // INVALID_ARGUMENT (the vAPI runtime does this for every missing required parameter).
    "GET /api/appliance/update/pending 400",
};

// Drives the simulator over the demo scenario (examples/sim/lab.yaml) and checks every answer
// against the specs.
class ConformanceTest : public SimulatorTest {
 protected:
  void SetUp() override {
    const auto loaded = LoadScenario(VSRD_SOURCE_DIR "/examples/sim/lab.yaml");
    std::string problems;
    for (const auto& d : loaded.diagnostics) problems += manifests::FormatDiagnostic(d) + "\n";
    ASSERT_TRUE(loaded.scenario) << problems;
    scenario_ = *loaded.scenario;
    sim_ = std::make_unique<Simulator>(scenario_);
  }

  void LoginTo(const std::string& persona) {
    Request request = Request::FromTarget("POST", "/api/session");
    request.headers["authorization"] =
        "Basic " + Base64Encode("administrator@vsphere.local:demo-only-password");
    const Reply reply = Check(persona, request);
    ASSERT_EQ(reply.response.status, 201) << reply.response.body;
    tokens_[persona] = nlohmann::json::parse(reply.response.body).get<std::string>();
  }

  /// Sends a request to `persona` with its session and checks the answer against the specs.
  Reply Checked(const std::string& method, const std::string& target, const std::string& body = "",
                const std::string& persona = "vc01") {
    Request request = Request::FromTarget(method, target, body);
    if (tokens_.contains(persona)) request.headers["vmware-api-session-id"] = tokens_[persona];
    return Check(persona, request);
  }

  Reply Check(const std::string& persona, const Request& request) {
    Reply reply = sim_->Handle(persona, request);
    if (reply.disposition != Disposition::kRespond) return reply;  // nothing to check
    const LogEntry entry = sim_->Requests().back();
    const std::string action = request.Query("action").value_or("");
    const bool vmw_task = request.Query("vmw-task").value_or("") == "true";
    const std::string key = SwaggerChecker::PathKey(
        entry.path_template.empty() ? entry.path : entry.path_template, action, vmw_task);
    if (!Checker().HasOperation(request.method, key)) return reply;
    exercised_.insert(request.method + " " + key);
    if (kUndeclaredButExpected.contains(request.method + " " + key + " " +
                                        std::to_string(reply.response.status))) {
      return reply;
    }
    for (const auto& problem :
         Checker().CheckResponse(request.method, key, reply.response.status, reply.response.body)) {
      ADD_FAILURE() << persona << ": " << request.method << " " << request.path << " -> "
                    << reply.response.status << ": " << problem;
    }
    return reply;
  }

  /// Every route of the first persona (vc01) that the Swagger files define.
  std::set<std::string> SpecifiedRoutes() const {
    const VcenterPersona persona(scenario_.personas.front());
    std::set<std::string> out;
    for (const auto& route : persona.Routes().All()) {
      const bool vmw_task = route.operation.ends_with("$task");
      const std::string key = SwaggerChecker::PathKey(route.path_template, route.action, vmw_task);
      if (Checker().HasOperation(route.method, key)) out.insert(route.method + " " + key);
    }
    return out;
  }

  std::string TaskStatus(const std::string& task) {
    return Json(Checked("GET", "/api/cis/tasks/" + task))["status"].get<std::string>();
  }

  simulator::Scenario scenario_;
  std::map<std::string, std::string> tokens_;
  std::set<std::string> exercised_;
};

constexpr const char* kPlacement = R"({"name": "vc01-passive", "folder": "group-v4",
    "host": "host-12", "ha_network_type": "STANDARD_PORTGROUP", "ha_network": "network-13",
    "management_network_type": "STANDARD_PORTGROUP", "management_network": "network-11",
    "storage": {"datastore": "datastore-15"}})";

TEST_F(ConformanceTest, EveryOperationOfTheDemoScenarioAnswersAsTheSpecsSay) {
  using std::chrono::minutes;
  Checked("GET", "/api/session");  // 401
  LoginTo("vc01");
  Checked("GET", "/api/session");

  // VCHA: read, check, redeploy, watch the task, refuse a second redeploy.
  Checked("POST", "/api/vcenter/vcha/cluster?action=get");
  Checked("POST", "/api/vcenter/vcha/cluster?action=get", R"({"partial": true})");
  Checked("GET", "/api/vcenter/vcha/cluster/mode");
  const std::string placement = kPlacement;
  EXPECT_EQ(Checked("POST", "/api/vcenter/vcha/cluster/passive?action=check",
                    R"({"placement": )" + placement + "}")
                .response.status,
            200);
  EXPECT_EQ(Checked("POST", "/api/vcenter/vcha/cluster/passive?action=check", "{").response.status,
            400);
  const std::string redeploy =
      R"({"placement": )" + placement +
      R"(, "ha_ip": {"ip_family": "IPV4", "ipv4": {"address": "192.0.2.12", "prefix": 24}}})";
  EXPECT_EQ(Checked("POST", "/api/vcenter/vcha/cluster/passive?action=redeploy&vmw-task=true",
                    R"({"placement": {"name": "x"}})")
                .response.status,
            400);
  const Reply started =
      Checked("POST", "/api/vcenter/vcha/cluster/passive?action=redeploy&vmw-task=true", redeploy);
  ASSERT_EQ(started.response.status, 202) << started.response.body;
  const std::string redeploy_task = Json(started).get<std::string>();
  EXPECT_EQ(TaskStatus(redeploy_task), "RUNNING");
  EXPECT_EQ(
      Checked("POST", "/api/vcenter/vcha/cluster/passive?action=redeploy&vmw-task=true", redeploy)
          .response.status,
      400);

  // Offline depots: list, get, extract from an inventory host and a standalone one, delete.
  Checked("GET", "/api/esx/settings/depots/offline");
  Checked("GET", "/api/esx/settings/depots/offline/depot-vendor");
  Checked("GET", "/api/esx/settings/depots/offline/depot-nope");
  const Reply extract =
      Checked("POST", "/api/esx/settings/depots/offline?action=createFromHost&vmw-task=true",
              R"({"auth_type": "EXISTING", "host": "host-101"})");
  ASSERT_EQ(extract.response.status, 202) << extract.response.body;
  Checked("POST", "/api/esx/settings/depots/offline?action=createFromHost&vmw-task=true",
          R"({"auth_type": "EXISTING", "host": "host-999"})");
  Checked("POST", "/api/esx/settings/depots/offline?action=createFromHost&vmw-task=true",
          R"({"auth_type": "USERNAME_PASSWORD", "host_credential": {"host_name":
              "esx-edge01.example.com", "user_name": "root", "password": "edge-demo-password"}})");
  Checked("DELETE", "/api/esx/settings/depots/offline/depot-vendor");
  Checked("DELETE", "/api/esx/settings/depots/offline/depot-vendor");

  // VMs.
  Checked("GET", "/api/vcenter/vm");
  Checked("GET", "/api/vcenter/vm?power_states=POWERED_ON&vms=vm-43");
  Checked("GET", "/api/vcenter/vm?power_states=SLEEPING");
  Checked("GET", "/api/vcenter/vm/vm-42");
  Checked("GET", "/api/vcenter/vm/vm-404");

  // Appliance update: list, get, precheck, stage, install.
  Checked("GET", "/api/appliance/system/version");
  Checked("GET", "/api/appliance/update");
  Checked("GET", "/api/appliance/update/pending");
  Checked("GET", "/api/appliance/update/pending?source_type=LOCAL_AND_ONLINE");
  Checked("GET", "/api/appliance/update/pending/8.0.2.00100");
  Checked("GET", "/api/appliance/update/pending/8.0.1.00000");
  Checked("GET", "/api/appliance/update/staged");
  Checked("POST", "/api/appliance/update/pending/8.0.2.00100?action=precheck");
  EXPECT_EQ(Checked("POST", "/api/appliance/update/pending/8.0.2.00100?action=install",
                    R"({"user_data": {}})")
                .response.status,
            400)
      << "not staged yet";
  EXPECT_EQ(
      Checked("POST", "/api/appliance/update/pending/8.0.2.00100?action=stage").response.status,
      204);
  Checked("GET", "/api/appliance/update");

  // Let the tasks finish: the redeploy (5m), the extractions (2m), the stage (5m).
  sim_->Advance(minutes(6));
  EXPECT_EQ(TaskStatus(redeploy_task), "SUCCEEDED");
  EXPECT_EQ(TaskStatus(Json(extract).get<std::string>()), "SUCCEEDED");
  EXPECT_EQ(Json(Checked("POST", "/api/cis/tasks?action=list",
                         R"({"filter_spec": {"services": ["com.vmware.vcenter.vcha.cluster.passive",
                             "com.vmware.esx.settings.depots.offline"]}})"))
                .size(),
            2U)
      << "the redeploy and the first extraction";
  EXPECT_EQ(Checked("POST", "/api/cis/tasks?action=list", "{}").response.status, 400);
  Checked("POST", "/api/vcenter/vcha/cluster?action=get");
  Checked("GET", "/api/esx/settings/depots/offline");
  Checked("GET", "/api/appliance/update/staged");
  EXPECT_EQ(Checked("POST", "/api/appliance/update/pending/8.0.2.00100?action=install",
                    R"({"user_data": {}})")
                .response.status,
            204);
  Checked("GET", "/api/appliance/update");
  sim_->Advance(minutes(31));
  EXPECT_EQ(Checked("GET", "/api/appliance/system/version").disposition, Disposition::kRefuse)
      << "the appliance restarts after the install";
  sim_->Advance(minutes(6));
  LoginTo("vc01");
  EXPECT_EQ(Json(Checked("GET", "/api/appliance/system/version"))["version"], "8.0.2.00100");
  Checked("GET", "/api/appliance/update");

  // Deployment, on vc02: an install running for 5 hours, cancelled.
  LoginTo("vc02");
  Checked("GET", "/api/vcenter/deployment", "", "vc02");
  Checked("GET", "/api/vcenter/deployment/install", "", "vc02");
  EXPECT_EQ(
      Checked("POST", "/api/vcenter/deployment/install?action=cancel", "", "vc02").response.status,
      204);
  EXPECT_EQ(
      Checked("POST", "/api/vcenter/deployment/install?action=cancel", "", "vc02").response.status,
      400);
  Checked("GET", "/api/vcenter/deployment", "", "vc02");
  Checked("GET", "/api/vcenter/deployment/install", "", "vc02");

  Checked("DELETE", "/api/session");

  // Every operation vc01 serves that the specs define was exercised above. (The guard on the
  // count keeps this from passing vacuously if route naming and spec keys ever drift apart.)
  const auto specified = SpecifiedRoutes();
  EXPECT_GE(specified.size(), 25U) << ::testing::PrintToString(specified);
  std::vector<std::string> missed;
  for (const auto& route : specified) {
    if (!exercised_.contains(route)) missed.push_back(route);
  }
  EXPECT_TRUE(missed.empty()) << ::testing::PrintToString(missed);
}

}  // namespace
}  // namespace vsrd::simulator::testing
