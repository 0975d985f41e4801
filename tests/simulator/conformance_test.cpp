// Conformance of vsrd-sim to the official Swagger files in ../shared/vsphere-api: every response
// the simulator gives to an operation that the specs define must use a declared status and match
// that status's schema (swagger_checker.hpp). Known differences between the real API and the
// Swagger 2.0 files are overrides, each with its reason from CONTRACT.md.
#include <set>

#include <gtest/gtest.h>

#include "simulator/vcenter/vcenter_persona.hpp"
#include "tests/simulator/sim_fixture.hpp"
#include "tests/simulator/swagger_checker.hpp"

namespace vsrd::simulator::testing {
namespace {

const SwaggerChecker& Checker() {
  static const SwaggerChecker checker = [] {
    SwaggerChecker c;
    for (const char* file : {"7.0.3/vcenter.json", "8.0.2/esx.json", "8.0.2/cis.json",
                             "8.0.2/session.json", "8.0.2/appliance.json"}) {
      c.LoadFile(std::string(VSRD_SWAGGER_DIR) + "/" + file);
    }
    // CONTRACT.md section 7: the Swagger 2.0 types Cis.Task.Info.error as a string; the real
    // API sends a std-error object (govmomi, the bindings and the 9.1 spec agree).
    c.AddOverride({"CisTaskInfo", "error", {{"type", "object"}}, "task errors are objects"});
    return c;
  }();
  return checker;
}

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

// Drives the simulator and checks every answer against the specs.
class ConformanceTest : public SimulatorTest {
 protected:
  /// Calls the simulator, then checks the response against the operation it hit.
  Reply Checked(const std::string& method, const std::string& target,
                const std::string& body = "") {
    const Reply reply = Call(method, target, body);
    const auto log = sim_->Requests();
    const LogEntry& entry = log.back();
    const std::string action = Request::FromTarget(method, target).Query("action").value_or("");
    const bool vmw_task = target.find("vmw-task=true") != std::string::npos;
    const std::string key = SwaggerChecker::PathKey(
        entry.path_template.empty() ? entry.path : entry.path_template, action, vmw_task);
    if (Checker().HasOperation(method, key)) {
      exercised_.insert(method + " " + key);
      for (const auto& problem :
           Checker().CheckResponse(method, key, reply.response.status, reply.response.body)) {
        ADD_FAILURE() << method << " " << target << " -> " << reply.response.status << ": "
                      << problem;
      }
    }
    return reply;
  }

  /// Every route of the vCenter persona that the Swagger files define.
  std::set<std::string> SpecifiedRoutes() const {
    const auto scenario = DecodeScenario(Scenario(), "s.yaml").scenario;
    const VcenterPersona persona(scenario->personas.front());
    std::set<std::string> out;
    for (const auto& route : persona.Routes().routes()) {
      const bool vmw_task = route.operation.ends_with("$task");
      const std::string key = SwaggerChecker::PathKey(route.path_template, route.action, vmw_task);
      if (Checker().HasOperation(route.method, key)) out.insert(route.method + " " + key);
    }
    return out;
  }

  std::set<std::string> exercised_;
};

TEST_F(ConformanceTest, SessionAndTaskResponsesMatchTheSpec) {
  Checked("GET", "/api/session");  // 401 without a session
  Login();
  Checked("GET", "/api/session");
  Checked("GET", "/api/cis/tasks/nope");
  Checked("DELETE", "/api/session");
  Checked("GET", "/api/cis/tasks/nope");  // 401 again
}

}  // namespace
}  // namespace vsrd::simulator::testing
