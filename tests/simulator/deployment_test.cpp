// The appliance deployment area (simulator/vcenter/deployment.cpp, docs/vsphere-api.md
// "Deployment"): Deployment.Info for each state, an install's timeline on the simulated clock,
// cancel, the install spec, and the scenario decoder's errors.
#include <gtest/gtest.h>

#include "tests/simulator/sim_fixture.hpp"
#include "tests/simulator/swagger_checker.hpp"

namespace vsrd::simulator {
namespace {

using std::chrono::milliseconds;
using std::chrono::minutes;
using testing::Scenario;
using testing::SimulatorTest;
using testing::SwaggerChecker;

const SwaggerChecker& Spec() { return testing::OfficialSpecs(); }

void ExpectConforms(const std::string& method, const std::string& path_template,
                    const std::string& action, const Reply& reply) {
  for (const auto& problem :
       Spec().CheckResponse(method, SwaggerChecker::PathKey(path_template, action, false),
                            reply.response.status, reply.response.body)) {
    ADD_FAILURE() << method << " " << path_template << " " << action << ": " << problem;
  }
}

class DeploymentTest : public SimulatorTest {
 protected:
  nlohmann::json Deployment() {
    const Reply reply = Call("GET", "/api/vcenter/deployment");
    EXPECT_EQ(reply.response.status, 200) << reply.response.body;
    ExpectConforms("GET", "/api/vcenter/deployment", "", reply);
    return Json(reply);
  }
  Reply Cancel() { return Call("POST", "/api/vcenter/deployment/install?action=cancel"); }
  std::vector<std::string> SubtaskStatuses(const nlohmann::json& info) {
    std::vector<std::string> out;
    for (const auto& name : info.at("subtask_order")) {
      out.push_back(info.at("subtasks").at(name.get<std::string>()).at("status"));
    }
    return out;
  }
};

TEST_F(DeploymentTest, ADefaultApplianceIsConfiguredWithNoInstallDetails) {
  Login();
  auto info = Deployment();
  EXPECT_EQ(info["state"], "CONFIGURED");
  EXPECT_EQ(info["status"], "SUCCEEDED");
  EXPECT_EQ(info["cancelable"], false);
  EXPECT_EQ(info["service"], "com.vmware.vcenter.deployment.install");
  EXPECT_EQ(info["operation"], "start");
  EXPECT_EQ(info["progress"]["completed"], 100);
  EXPECT_FALSE(info.contains("subtasks"));
  EXPECT_FALSE(info.contains("error"));
}

TEST_F(DeploymentTest, EachStillStateReportsItsTaskStatus) {
  const struct {
    const char* state;
    const char* status;
    bool has_error;
  } cases[] = {
      {"NOT_INITIALIZED", "PENDING", false}, {"INITIALIZED", "PENDING", false},
      {"QUESTION_RAISED", "BLOCKED", false}, {"FAILED", "FAILED", true},
      {"CONFIGURED", "SUCCEEDED", false},
  };
  for (const auto& c : cases) {
    Load(Scenario(std::string("{deployment: {state: ") + c.state + "}}"));
    Login();
    auto info = Deployment();
    EXPECT_EQ(info["state"], c.state);
    EXPECT_EQ(info["status"], c.status) << c.state;
    EXPECT_EQ(info.contains("error"), c.has_error) << c.state;
    EXPECT_EQ(Cancel().response.status, 400) << c.state;
  }
}

TEST_F(DeploymentTest, ARunningInstallProgressesWithTheClockAndEndsConfiguredAtItsDuration) {
  Load(Scenario(R"({deployment: {install: {start: "-20m", duration: 1h}}})"));
  Login();
  auto info = Deployment();
  EXPECT_EQ(info["state"], "CONFIG_IN_PROGRESS");
  EXPECT_EQ(info["status"], "RUNNING");
  EXPECT_EQ(info["cancelable"], true);
  EXPECT_EQ(info["start_time"], "2025-12-31T23:40:00.000Z");
  EXPECT_EQ(info["progress"]["completed"], 33);
  EXPECT_FALSE(info.contains("end_time"));
  EXPECT_EQ(SubtaskStatuses(info), (std::vector<std::string>{"SUCCEEDED", "RUNNING", "PENDING"}));

  sim_->Advance(minutes(40) - milliseconds(1));
  Login();  // the fixture's sessions expire after 30 idle minutes
  info = Deployment();
  EXPECT_EQ(info["state"], "CONFIG_IN_PROGRESS");
  EXPECT_EQ(info["progress"]["completed"], 99);
  EXPECT_EQ(SubtaskStatuses(info), (std::vector<std::string>{"SUCCEEDED", "SUCCEEDED", "RUNNING"}));

  sim_->Advance(milliseconds(1));
  info = Deployment();
  EXPECT_EQ(info["state"], "CONFIGURED");
  EXPECT_EQ(info["status"], "SUCCEEDED");
  EXPECT_EQ(info["cancelable"], false);
  EXPECT_EQ(info["progress"]["completed"], 100);
  EXPECT_EQ(info["end_time"], "2026-01-01T00:40:00.000Z");
  EXPECT_EQ(SubtaskStatuses(info),
            (std::vector<std::string>{"SUCCEEDED", "SUCCEEDED", "SUCCEEDED"}));
  EXPECT_EQ(Cancel().response.status, 400) << "nothing to cancel once configured";
}

TEST_F(DeploymentTest, AnInstallThatStartsLaterIsInitializedUntilItsAbsoluteStart) {
  Load(Scenario(R"({deployment: {install: {start: "2026-01-01T01:00:00Z", duration: 30m}}})"));
  Login();
  auto info = Deployment();
  EXPECT_EQ(info["state"], "INITIALIZED");
  EXPECT_EQ(info["status"], "PENDING");
  EXPECT_FALSE(info.contains("subtasks"));
  EXPECT_EQ(Call("GET", "/api/vcenter/deployment/install").response.status, 400);
  EXPECT_EQ(Cancel().response.status, 400);

  sim_->Advance(minutes(60));
  Login();
  info = Deployment();
  EXPECT_EQ(info["state"], "CONFIG_IN_PROGRESS");
  EXPECT_EQ(info["progress"]["completed"], 0);
  EXPECT_EQ(Call("GET", "/api/vcenter/deployment/install").response.status, 200);
}

TEST_F(DeploymentTest, CancelStopsARunningInstallAsFailedWithACanceledError) {
  Load(Scenario(R"({deployment: {install: {start: "+0s", duration: 1h}}})"));
  Login();
  sim_->Advance(minutes(30));
  const Reply canceled = Cancel();
  EXPECT_EQ(canceled.response.status, 204);
  EXPECT_TRUE(canceled.response.body.empty());
  ExpectConforms("POST", "/api/vcenter/deployment/install", "cancel", canceled);

  sim_->Advance(minutes(45));  // past the install's original end: the cancel holds
  Login();
  auto info = Deployment();
  EXPECT_EQ(info["state"], "FAILED");
  EXPECT_EQ(info["status"], "FAILED");
  EXPECT_EQ(info["cancelable"], false);
  EXPECT_EQ(info["error"]["error_type"], "CANCELED");
  EXPECT_EQ(info["progress"]["completed"], 50);
  EXPECT_EQ(info["end_time"], "2026-01-01T00:30:00.000Z");
  EXPECT_EQ(SubtaskStatuses(info), (std::vector<std::string>{"SUCCEEDED", "FAILED", "PENDING"}));
  EXPECT_EQ(info["subtasks"]["install"]["error"]["error_type"], "CANCELED");

  const Reply again = Cancel();
  EXPECT_EQ(again.response.status, 400);
  EXPECT_EQ(Json(again)["error_type"], "NOT_ALLOWED_IN_CURRENT_STATE");
  ExpectConforms("POST", "/api/vcenter/deployment/install", "cancel", again);
  EXPECT_EQ(Call("GET", "/api/vcenter/deployment/install").response.status, 400);
}

TEST_F(DeploymentTest, AFailingInstallEndsFailedExactlyAtItsDuration) {
  Load(Scenario(R"({deployment: {install: {duration: 30m, fails: true}}})"));
  Login();
  sim_->Advance(minutes(30) - milliseconds(1));
  Login();
  EXPECT_EQ(Deployment()["state"], "CONFIG_IN_PROGRESS");
  sim_->Advance(milliseconds(1));
  auto info = Deployment();
  EXPECT_EQ(info["state"], "FAILED");
  EXPECT_EQ(info["status"], "FAILED");
  EXPECT_EQ(info["error"]["error_type"], "ERROR");
  EXPECT_EQ(info["end_time"], "2026-01-01T00:30:00.000Z");
  EXPECT_EQ(SubtaskStatuses(info), (std::vector<std::string>{"SUCCEEDED", "SUCCEEDED", "FAILED"}));
}

TEST_F(DeploymentTest, TheInstallSpecIsReadableOnlyWhileInstallingAndNeverShowsThePassword) {
  Load(Scenario(
      R"({deployment: {install: {duration: 1h, ceip_enabled: true, sso_domain_name: corp.local}}})"));
  Login();
  const Reply spec = Call("GET", "/api/vcenter/deployment/install");
  EXPECT_EQ(spec.response.status, 200);
  ExpectConforms("GET", "/api/vcenter/deployment/install", "", spec);
  const auto body = Json(spec);
  EXPECT_EQ(body["vcsa_embedded"]["ceip_enabled"], true);
  EXPECT_EQ(body["vcsa_embedded"]["standalone"]["sso_domain_name"], "corp.local");
  EXPECT_EQ(body["vcsa_embedded"]["standalone"]["sso_admin_password"], "*****");

  sim_->Advance(minutes(60));
  Login();
  const Reply done = Call("GET", "/api/vcenter/deployment/install");
  EXPECT_EQ(done.response.status, 400);
  EXPECT_EQ(Json(done)["error_type"], "NOT_ALLOWED_IN_CURRENT_STATE");
  ExpectConforms("GET", "/api/vcenter/deployment/install", "", done);
}

TEST_F(DeploymentTest, EveryRouteNeedsASession) {
  for (const auto& [method, target] :
       {std::pair{"GET", "/api/vcenter/deployment"},
        std::pair{"GET", "/api/vcenter/deployment/install"},
        std::pair{"POST", "/api/vcenter/deployment/install?action=cancel"}}) {
    const Reply reply = Call(method, target);
    EXPECT_EQ(reply.response.status, 401) << target;
    EXPECT_EQ(Json(reply)["error_type"], "UNAUTHENTICATED") << target;
  }
}

TEST_F(DeploymentTest, TheStateDocumentHoldsTheNormalizedScenarioAndTheCancelTime) {
  Load(Scenario(R"({deployment: {install: {start: "-90s", duration: 2h}}})"));
  EXPECT_EQ(sim_->State("vc01")["deployment"],
            (nlohmann::json{{"state", nullptr},
                            {"install",
                             {{"start", "-1m30s"},
                              {"duration", "2h"},
                              {"fails", false},
                              {"ceip_enabled", false},
                              {"sso_domain_name", "vsphere.local"},
                              {"canceled_at", nullptr}}}}));
  Login();
  ASSERT_EQ(Cancel().response.status, 204);
  EXPECT_EQ(sim_->State("vc01")["deployment"]["install"]["canceled_at"],
            "2026-01-01T00:00:00.000Z");
  sim_->Reset();
  Login();
  EXPECT_EQ(Deployment()["state"], "CONFIG_IN_PROGRESS") << "reset restores the scenario's install";
}

std::vector<std::string> DecodeErrors(const std::string& vcenter_state) {
  const auto result = DecodeScenario(Scenario(vcenter_state), "s.yaml");
  EXPECT_FALSE(result.scenario);
  std::vector<std::string> out;
  for (const auto& d : result.diagnostics) out.push_back(manifests::FormatDiagnostic(d));
  return out;
}

TEST(DecodeDeploymentState, ReportsBadValuesWithFileLineAndColumn) {
  EXPECT_EQ(DecodeErrors(R"(
      deployment:
        state: CONFIG_IN_PROGRESS
        install: {start: yesterday, fails: yes, colour: red})"),
            (std::vector<std::string>{
                "s.yaml:10:16: error: state.deployment.state: must be one of NOT_INITIALIZED, "
                "INITIALIZED, QUESTION_RAISED, FAILED, CONFIGURED, got \"CONFIG_IN_PROGRESS\"",
                "s.yaml:10:16: error: state.deployment.state: must not be set with install: the "
                "install's timeline gives the state",
                "s.yaml:11:18: error: state.deployment.install.duration: required field is missing",
                "s.yaml:11:26: error: state.deployment.install.start: must be an RFC 3339 UTC time "
                "such as 2026-01-01T00:00:00Z, or an offset from clock.start such as -20m or +5m",
                "s.yaml:11:44: error: state.deployment.install.fails: must be true or false, got "
                "\"yes\"",
                "s.yaml:11:49: error: state.deployment.install.colour: unknown field (known "
                "fields: start, duration, fails, ceip_enabled, sso_domain_name)",
            }));
}

TEST(DecodeDeploymentState, RejectsAZeroDurationAndABadOffset) {
  EXPECT_EQ(DecodeErrors(R"({deployment: {install: {start: "-5x", duration: 0s}}})"),
            (std::vector<std::string>{
                "s.yaml:8:43: error: state.deployment.install.start: must be an RFC 3339 UTC time "
                "such as 2026-01-01T00:00:00Z, or an offset from clock.start such as -20m or +5m",
                "s.yaml:8:60: error: state.deployment.install.duration: must be greater than 0s, "
                "got 0s",
            }));
}

}  // namespace
}  // namespace vsrd::simulator
