// The offline depots area (simulator/vcenter/depots.cpp, docs/vsphere-api.md "Offline depots"):
// list, get and delete, the createFromHost task on the simulated clock for inventory and standalone
// hosts, the host connection's errors, and the scenario decoder's errors.
#include <functional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "tests/simulator/sim_fixture.hpp"
#include "tests/simulator/swagger_checker.hpp"

namespace vsrd::simulator {
namespace {

using nlohmann::json;
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

void ExpectValid(const std::string& definition, const json& value) {
  for (const auto& problem :
       Spec().Validate({{"$ref", "#/definitions/" + definition}}, value, definition)) {
    ADD_FAILURE() << problem;
  }
}

constexpr const char* kDepots = "/api/esx/settings/depots/offline";
constexpr const char* kCreate =
    "/api/esx/settings/depots/offline?action=createFromHost&vmw-task=true";
const std::string kCreateKey =
    SwaggerChecker::PathKey("/api/esx/settings/depots/offline", "createFromHost", true);
constexpr const char* kThumbprint = "8F:2A:51:9C:0B:7E:44:D3:1A:6C:90:E2:5B:37:F8:0D:C4:29:A1:66";
constexpr const char* kCertificate =
    "-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIUQ2VydA==\n-----END CERTIFICATE-----\n";

// The fixture's header is lines 1-8; this text starts on line 9.
const std::string kState = std::string(R"(
      inventory:
        hosts: {host-12: {name: esx01.example.com}, host-13: {name: esx02.example.com}}
      depots:
        offline:
          depot-vendor:
            description: Vendor depot
            source_type: PULL
            location: https://depot.example.com/index.xml
            create_time: "2025-12-01T00:00:00Z"
            owner: administrator@vsphere.local
            ownerdata: vsrd
          depot-upload: {source_type: PUSH, file_id: upload-7}
        host_software:
          host-13:
            base_image: {version: 8.0.3-0.0.24022510}
            components: {Intel-i40en: 2.5.1.0-1OEM.800.1.0.20143090}
        standalone_hosts:
          esx-edge01.example.com:
            user_name: root
            password: "Edge1!"
            ssl_thumbprint: ")") +
                           kThumbprint + R"("
            ssl_certificate: "-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIUQ2VydA==\n-----END CERTIFICATE-----\n"
            software:
              base_image: {version: 8.0.1-0.0.21495797}
              add_on: {name: DEL-ESXi, version: 801.21495797-A03}
        create_from_host: {pending: 5s, duration: 1m})";

json Existing(const std::string& host) { return {{"auth_type", "EXISTING"}, {"host", host}}; }

json Credentials() {
  return {{"auth_type", "USERNAME_PASSWORD"},
          {"host_credential",
           {{"host_name", "esx-edge01.example.com"},
            {"user_name", "root"},
            {"password", "Edge1!"},
            {"ssl_thumb_print", kThumbprint}}}};
}

class DepotsTest : public SimulatorTest {
 protected:
  void SetUp() override {
    Load(Scenario(kState));
    Login();
  }
  json List() {
    const Reply reply = Call("GET", kDepots);
    EXPECT_EQ(reply.response.status, 200) << reply.response.body;
    ExpectConforms("GET", kDepots, reply);
    return Json(reply);
  }
  Reply Get(const std::string& depot) {
    Reply reply = Call("GET", std::string(kDepots) + "/" + depot);
    ExpectConforms("GET", "/api/esx/settings/depots/offline/{depot}", reply);
    return reply;
  }
  Reply Create(const json& spec) {
    Reply reply = Call("POST", kCreate, spec.dump());
    ExpectConforms("POST", kCreateKey, reply);
    return reply;
  }
  json Task(const std::string& id) {
    const Reply reply = Call("GET", "/api/cis/tasks/" + id);
    EXPECT_EQ(reply.response.status, 200) << reply.response.body;
    ExpectConforms("GET", "/api/cis/tasks/{task}", reply);
    return Json(reply);
  }
  /// Starts an extraction, runs it to its end and returns the task's Info.
  json Extract(const json& spec) {
    const Reply accepted = Create(spec);
    EXPECT_EQ(accepted.response.status, 202) << accepted.response.body;
    sim_->Advance(seconds(65));
    return Task(Json(accepted));
  }
};

TEST_F(DepotsTest, TheListHasASummaryOfEachDepot) {
  EXPECT_EQ(List(), json::parse(R"({
      "depot-vendor": {"description": "Vendor depot", "source_type": "PULL",
                       "location": "https://depot.example.com/index.xml",
                       "owner": "administrator@vsphere.local", "ownerdata": "vsrd"},
      "depot-upload": {"description": "", "source_type": "PUSH", "file_id": "upload-7"}})"));
}

TEST_F(DepotsTest, GetAddsTheCreateTimeAndAnUnknownDepotIsNotFound) {
  const Reply vendor = Get("depot-vendor");
  EXPECT_EQ(vendor.response.status, 200);
  EXPECT_EQ(Json(vendor)["create_time"], "2025-12-01T00:00:00.000Z");
  EXPECT_EQ(Json(vendor)["location"], "https://depot.example.com/index.xml");
  EXPECT_EQ(Json(Get("depot-upload"))["create_time"], "2026-01-01T00:00:00.000Z")
      << "unset in the scenario: clock.start";
  const Reply missing = Get("depot-nope");
  EXPECT_EQ(missing.response.status, 404);
  EXPECT_EQ(Json(missing)["error_type"], "NOT_FOUND");
}

TEST_F(DepotsTest, DeleteRemovesTheDepotOnce) {
  EXPECT_EQ(Call("DELETE", std::string(kDepots) + "/depot-upload?vmw-task=true").response.status,
            404)
      << "the task form is not simulated";
  EXPECT_EQ(Get("depot-upload").response.status, 200);
  const Reply deleted = Call("DELETE", std::string(kDepots) + "/depot-upload");
  EXPECT_EQ(deleted.response.status, 204);
  EXPECT_TRUE(deleted.response.body.empty());
  ExpectConforms("DELETE", "/api/esx/settings/depots/offline/{depot}", deleted);
  EXPECT_EQ(Get("depot-upload").response.status, 404);
  EXPECT_EQ(List().size(), 1U);
  const Reply again = Call("DELETE", std::string(kDepots) + "/depot-upload");
  EXPECT_EQ(again.response.status, 404);
  EXPECT_EQ(Json(again)["error_type"], "NOT_FOUND");
  ExpectConforms("DELETE", "/api/esx/settings/depots/offline/{depot}", again);
}

TEST_F(DepotsTest, ExtractingAnInventoryHostAddsItsDepotExactlyWhenTheTaskSucceeds) {
  const Reply accepted = Create(Existing("host-12"));
  ASSERT_EQ(accepted.response.status, 202) << accepted.response.body;
  const std::string id = Json(accepted);

  json task = Task(id);
  EXPECT_EQ(task["status"], "PENDING");
  EXPECT_EQ(task["service"], "com.vmware.esx.settings.depots.offline");
  EXPECT_EQ(task["operation"], "create_from_host$task");
  sim_->Advance(seconds(5));
  EXPECT_EQ(Task(id)["status"], "RUNNING");
  EXPECT_EQ(Task(id)["progress"]["completed"], 0);
  sim_->Advance(seconds(30));
  EXPECT_EQ(Task(id)["progress"]["completed"], 50);
  sim_->Advance(seconds(29) + std::chrono::milliseconds(999));
  task = Task(id);
  EXPECT_EQ(task["status"], "RUNNING");
  EXPECT_FALSE(task.contains("result"));
  EXPECT_EQ(List().size(), 2U) << "no depot before the task ends";

  sim_->Advance(std::chrono::milliseconds(1));
  task = Task(id);
  EXPECT_EQ(task["status"], "SUCCEEDED");
  EXPECT_EQ(task["end_time"], "2026-01-01T00:01:05.000Z");
  const json& result = task["result"];
  EXPECT_EQ(result["result"], json({{"depot", "depot-1"}}));
  EXPECT_EQ(result["software_spec"],
            json::parse(R"({"base_image": {"version": "8.0.2-0.0.22380479"}})"))
      << "a host without a declared spec runs the default image";
  ASSERT_EQ(result["notifications"]["info"].size(), 1U);
  EXPECT_EQ(result["notifications"]["info"][0]["time"], "2026-01-01T00:01:05.000Z");
  ExpectValid("EsxSettingsNotifications", result["notifications"]);
  ExpectValid("EsxSettingsBaseImageSpec", result["software_spec"]["base_image"]);
  EXPECT_FALSE(Call("GET", "/api/cis/tasks/" + id + "?exclude_result=true")
                   .response.body.find("software_spec") != std::string::npos);

  const Reply depot = Get("depot-1");
  EXPECT_EQ(depot.response.status, 200);
  EXPECT_EQ(Json(depot), json::parse(R"({"description": "Extracted from host esx01.example.com",
      "source_type": "PUSH", "owner": "administrator@vsphere.local",
      "create_time": "2026-01-01T00:01:05.000Z"})"));
  EXPECT_EQ(List().size(), 3U);
}

TEST_F(DepotsTest, ContentAlreadyInADepotGivesAnEmptyDepotIdAndNoNewDepot) {
  EXPECT_EQ(Extract(Existing("host-13"))["result"]["result"]["depot"], "depot-1");
  const json again = Extract(Existing("host-13"));
  EXPECT_EQ(again["status"], "SUCCEEDED");
  EXPECT_EQ(again["result"]["result"]["depot"], "");
  EXPECT_EQ(again["result"]["software_spec"]["base_image"]["version"], "8.0.3-0.0.24022510");
  EXPECT_EQ(again["result"]["notifications"]["info"][0]["id"],
            "com.vmware.vsrd.sim.depots.offline.present");
  EXPECT_EQ(List().size(), 3U);

  EXPECT_EQ(Call("DELETE", std::string(kDepots) + "/depot-1").response.status, 204);
  EXPECT_EQ(Extract(Existing("host-13"))["result"]["result"]["depot"], "depot-2")
      << "once the depot is gone the content is extracted again, under a new id";
  EXPECT_EQ(Extract(Existing("host-12"))["result"]["result"]["depot"], "depot-3")
      << "another host's different content";
}

TEST_F(DepotsTest, AnInventoryHostThatDoesNotExistIsNotFound) {
  const Reply reply = Create(Existing("host-99"));
  EXPECT_EQ(reply.response.status, 404);
  EXPECT_EQ(Json(reply)["error_type"], "NOT_FOUND");
  EXPECT_EQ(Json(reply)["messages"][0]["default_message"],
            "There is no host host-99 in the inventory.");
}

TEST_F(DepotsTest, AStandaloneHostNeedsItsThumbprintAndCredentials) {
  const auto with = [](const std::function<void(json&)>& change) {
    json spec = Credentials();
    change(spec["host_credential"]);
    return spec;
  };
  const struct {
    json spec;
    const char* error_type;
    const char* message;
  } cases[] = {
      {with([](json& c) { c.erase("ssl_thumb_print"); }), "UNVERIFIED_PEER",
       "The SSL certificate of host esx-edge01.example.com cannot be verified: no thumbprint was "
       "given."},
      {with([](json& c) { c["ssl_thumb_print"] = std::string(40, 'A'); }), "UNVERIFIED_PEER",
       "The SSL certificate of host esx-edge01.example.com cannot be verified: it does not match "
       "the one given."},
      {with([](json& c) { c["password"] = "wrong"; }), "INVALID_ARGUMENT",
       "host_credential: cannot log in to host esx-edge01.example.com: the user name or password "
       "is incorrect."},
      {with([](json& c) { c["user_name"] = "admin"; }), "INVALID_ARGUMENT",
       "host_credential: cannot log in to host esx-edge01.example.com: the user name or password "
       "is incorrect."},
      {with([](json& c) { c["host_name"] = "esx-gone.example.com"; }), "INVALID_ARGUMENT",
       "host_credential.host_name: cannot connect to host esx-gone.example.com:443."},
      {with([](json& c) { c["port"] = 8443; }), "INVALID_ARGUMENT",
       "host_credential.host_name: cannot connect to host esx-edge01.example.com:8443."},
      {with([](json& c) { c["ssl_certificate"] = kCertificate; }), "INVALID_ARGUMENT",
       "host_credential: ssl_thumb_print and ssl_certificate are mutually exclusive; set one."},
  };
  for (const auto& c : cases) {
    const Reply reply = Create(c.spec);
    EXPECT_EQ(reply.response.status, 400) << c.message;
    EXPECT_EQ(Json(reply)["error_type"], c.error_type) << c.message;
    EXPECT_EQ(Json(reply)["messages"][0]["default_message"], c.message);
    if (std::string(c.error_type) == "UNVERIFIED_PEER") {
      EXPECT_EQ(Json(reply)["data"],
                json({{"ssl_thumb_print", kThumbprint}, {"ssl_certificate", kCertificate}}));
    }
  }
  EXPECT_TRUE(sim_->State("vc01")["tasks"].empty());

  // Thumbprints compare without colons and case; host names without case.
  json spec = Credentials();
  spec["host_credential"]["ssl_thumb_print"] = "8f2a519c0b7e44d31a6c90e25b37f80dc429a166";
  spec["host_credential"]["host_name"] = "ESX-EDGE01.example.com";
  spec["host_credential"]["port"] = 443;
  const json task = Extract(spec);
  EXPECT_EQ(task["status"], "SUCCEEDED");
  EXPECT_EQ(task["result"]["software_spec"], json::parse(R"({
      "base_image": {"version": "8.0.1-0.0.21495797"},
      "add_on": {"name": "DEL-ESXi", "version": "801.21495797-A03"}})"));
  ExpectValid("EsxSettingsAddOnSpec", task["result"]["software_spec"]["add_on"]);
}

TEST_F(DepotsTest, AStandaloneHostCanBeVerifiedByItsCertificate) {
  json spec = Credentials();
  spec["host_credential"].erase("ssl_thumb_print");
  spec["host_credential"]["ssl_certificate"] =
      "-----BEGIN CERTIFICATE-----\r\nMIIBszCCAVmgAwIBAgIUQ2VydA==\r\n-----END CERTIFICATE-----";
  EXPECT_EQ(Create(spec).response.status, 202) << "line breaks do not matter";
  spec["host_credential"]["ssl_certificate"] =
      "-----BEGIN CERTIFICATE-----\nMIIOTHER\n-----END CERTIFICATE-----";
  const Reply other = Create(spec);
  EXPECT_EQ(other.response.status, 400);
  EXPECT_EQ(Json(other)["error_type"], "UNVERIFIED_PEER");
}

TEST_F(DepotsTest, CreateFromHostValidatesTheConnectionSpecAndNamesTheBadField) {
  const struct {
    std::string body;
    const char* error_type;
    const char* message;
  } cases[] = {
      {"{\"auth_type\": ", "INVALID_ARGUMENT", "The request body is not valid JSON."},
      {"", "INVALID_ARGUMENT", "The request body must be a JSON object."},
      {"[1]", "INVALID_ARGUMENT", "The request body must be a JSON object."},
      {"{}", "INVALID_ARGUMENT", "auth_type: required field is missing."},
      {R"({"auth_type": "SAML"})", "INVALID_ARGUMENT",
       "auth_type: must be one of USERNAME_PASSWORD, EXISTING, got \"SAML\"."},
      {R"({"auth_type": "EXISTING"})", "INVALID_ARGUMENT",
       "host: required when auth_type is EXISTING."},
      {R"({"auth_type": "EXISTING", "host": 12})", "INVALID_ARGUMENT",
       "host: must be a string, got 12."},
      {R"({"auth_type": "EXISTING", "host": "host-12", "host_credential": {}})", "INVALID_ARGUMENT",
       "host_credential: must not be set when auth_type is EXISTING."},
      {R"({"auth_type": "USERNAME_PASSWORD"})", "INVALID_ARGUMENT",
       "host_credential: required when auth_type is USERNAME_PASSWORD."},
      {R"({"auth_type": "USERNAME_PASSWORD", "host": "host-12"})", "INVALID_ARGUMENT",
       "host: must not be set when auth_type is USERNAME_PASSWORD."},
      {R"({"auth_type": "USERNAME_PASSWORD", "host_credential": "root@esx"})", "INVALID_ARGUMENT",
       "host_credential: must be an object."},
      {R"({"auth_type": "USERNAME_PASSWORD", "host_credential": {"host_name": "esx",
          "password": "x"}})",
       "INVALID_ARGUMENT", "host_credential.user_name: required field is missing."},
      {R"({"auth_type": "USERNAME_PASSWORD", "host_credential": {"host_name": "esx",
          "user_name": "root", "password": "x", "port": 0}})",
       "INVALID_ARGUMENT", "host_credential.port: must be an integer from 1 to 65535, got 0."},
      {R"({"auth_type": "USERNAME_PASSWORD", "host_credential": {"host_name": "esx",
          "user_name": "root", "password": "x", "port": "443"}})",
       "INVALID_ARGUMENT",
       "host_credential.port: must be an integer from 1 to 65535, got \"443\"."},
      {R"({"auth_type": "USERNAME_PASSWORD", "host_credential": {"host_name": "esx",
          "user_name": "root", "password": "x", "ssl_thumbprint": "AB"}})",
       "UNEXPECTED_INPUT",
       "host_credential.ssl_thumbprint: unexpected field; the structure does not define it."},
      {R"({"auth_type": "EXISTING", "host": "host-12", "cluster": "domain-c8"})",
       "UNEXPECTED_INPUT", "cluster: unexpected field; the structure does not define it."},
  };
  for (const auto& c : cases) {
    const Reply reply = Call("POST", kCreate, c.body);
    EXPECT_EQ(reply.response.status, 400) << c.body;
    EXPECT_EQ(Json(reply)["error_type"], c.error_type) << c.body;
    EXPECT_EQ(Json(reply)["messages"][0]["default_message"], c.message) << c.body;
    ExpectConforms("POST", kCreateKey, reply);
  }
  EXPECT_EQ(Create({{"auth_type", "EXISTING"}, {"host", "host-12"}, {"host_credential", nullptr}})
                .response.status,
            202)
      << "a null field is an unset one";
}

TEST_F(DepotsTest, CreateFromHostIsATaskOnlyOperation) {
  const Reply reply = Call("POST", "/api/esx/settings/depots/offline?action=createFromHost",
                           Existing("host-12").dump());
  EXPECT_EQ(reply.response.status, 404);
  EXPECT_EQ(Json(reply)["error_type"], "NOT_FOUND");
}

TEST_F(DepotsTest, AScriptedFailureFailsTheTaskWithoutADepot) {
  sim_->PatchState("vc01", json::parse(R"({"depots": {"create_from_host": {
      "fail": true, "error_type": "ERROR", "error": "Host esx01 is not responding."}}})"));
  const json task = Extract(Existing("host-12"));
  EXPECT_EQ(task["status"], "FAILED");
  EXPECT_EQ(task["error"]["error_type"], "ERROR");
  EXPECT_EQ(task["error"]["messages"][0]["default_message"], "Host esx01 is not responding.");
  EXPECT_FALSE(task.contains("result"));
  EXPECT_EQ(List().size(), 2U);

  sim_->PatchState("vc01", {{"depots", {{"create_from_host", {{"fail", false}}}}}});
  EXPECT_EQ(Extract(Existing("host-12"))["result"]["result"]["depot"], "depot-2")
      << "ids are never reused, not even those of failed extractions";
}

TEST_F(DepotsTest, PasswordsStayOutOfTheLogAndTheStateDump) {
  ASSERT_EQ(Create(Credentials()).response.status, 202);
  const auto log = sim_->Requests();
  EXPECT_EQ(log.back().operation, "depots.offline.create_from_host$task");
  EXPECT_EQ(log.back().body["host_credential"]["password"], "<redacted>");
  EXPECT_EQ(sim_->State("vc01").dump().find("Edge1!"), std::string::npos);
  EXPECT_EQ(sim_->State("vc01")["depots"]["standalone_hosts"]["esx-edge01.example.com"]["port"],
            443);
}

std::vector<std::string> DecodeErrors(const std::string& depots) {
  const auto result = DecodeScenario(Scenario("\n      depots:" + depots), "s.yaml");
  EXPECT_FALSE(result.scenario);
  std::vector<std::string> out;
  for (const auto& d : result.diagnostics) out.push_back(manifests::FormatDiagnostic(d));
  return out;
}

TEST(DecodeDepotsState, ReportsBadDepotsWithFileLineAndColumn) {
  EXPECT_EQ(DecodeErrors(R"(
        offline:
          depot-1: {source_type: PULLED}
          depot-2: {source_type: PUSH, location: "https://x.example.com/d.zip"}
          depot 3: {source_type: PUSH, create_time: yesterday})"),
            (std::vector<std::string>{
                "s.yaml:11:34: error: state.depots.offline.depot-1.source_type: must be one of "
                "PULL, PUSH, got \"PULLED\"; did you mean \"PULL\"?",
                "s.yaml:12:50: error: state.depots.offline.depot-2.location: is set only when "
                "source_type is PULL",
                "s.yaml:13:11: error: state.depots.offline: must be a vSphere object id such as "
                "host-12, without spaces or '/', got \"depot 3\"",
            }));
}

TEST(DecodeDepotsState, ReportsBadHostsWithFileLineAndColumn) {
  EXPECT_EQ(DecodeErrors(R"(
        standalone_hosts:
          esx_bad!: {user_name: root, password: x, ssl_thumbprint: "8F:2A"}
          esx02.example.com: {user_name: root, ssl_thumbprint: "8F:2A", port: 70000}
        create_from_host: {duration: -1m})"),
            (std::vector<std::string>{
                "s.yaml:11:11: error: state.depots.standalone_hosts: must be a DNS name or an IP "
                "address, got \"esx_bad!\"",
                "s.yaml:12:30: error: state.depots.standalone_hosts.esx02.example.com.password: "
                "required field is missing",
                "s.yaml:12:64: error: state.depots.standalone_hosts.esx02.example.com.ssl_"
                "thumbprint: must be a SHA-1 thumbprint: 40 hex digits, or 20 colon-separated "
                "hex pairs",
                "s.yaml:12:79: error: state.depots.standalone_hosts.esx02.example.com.port: must "
                "be between 1 and 65535, got 70000",
                "s.yaml:13:38: error: state.depots.create_from_host.duration: invalid duration "
                "\"-1m\": use a number and a unit (ms, s, m, h, d), e.g. 300ms, 30s, 5m, 1h30m",
            }));
}

}  // namespace
}  // namespace vsrd::simulator
