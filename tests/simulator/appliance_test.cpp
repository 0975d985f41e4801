// The vCenter appliance update area (simulator/vcenter/appliance.cpp, docs/vsphere-api.md
// "Appliance updates"): version and update reads, the pending list and its sources, precheck, stage
// and install on the simulated clock, the restart that ends an install, the failure variant, and
// scenario errors.
#include <gtest/gtest.h>

#include "tests/simulator/sim_fixture.hpp"
#include "tests/simulator/swagger_checker.hpp"

namespace vsrd::simulator {
namespace {

using std::chrono::milliseconds;
using std::chrono::minutes;
using SwaggerChecker = testing::SwaggerChecker;

const SwaggerChecker& Spec() { return testing::OfficialSpecs(); }

void ExpectConforms(const std::string& method, const std::string& path_template,
                    const std::string& action, const Reply& reply) {
  for (const auto& problem :
       Spec().CheckResponse(method, SwaggerChecker::PathKey(path_template, action, false),
                            reply.response.status, reply.response.body)) {
    ADD_FAILURE() << method << " " << path_template << " " << action << ": " << problem;
  }
}

// Installed 8.0.1; the repository offers an older build, the installed one, two patches (one of
// them on local media) and a major upgrade.
constexpr const char* kAppliance = R"(
      appliance:
        version: {version: "8.0.1.00000", build: "21560480", install_time: "2025-03-01T10:00:00.000Z"}
        restart: {duration: 10m}
        updates:
          "8.0.0.10000": {}
          "8.0.1.00000": {}
          "8.0.2.00100":
            name: vCenter Server 8.0 Update 2b
            description: Security and bug fixes
            build: "23319993"
            release_date: "2023-12-05T00:00:00Z"
            priority: HIGH
            severity: CRITICAL
            update_type: SECURITY
            size: 7012
            stage_duration: 5m
            install_duration: 30m
            precheck:
              warnings: [{id: backup.old, message: The last backup is 9 days old, resolution: Take a backup}]
          "8.0.2.00200": {source: LOCAL}
          "9.0.0.00000": {update_type: UPGRADE})";

constexpr const char* kPatch = "8.0.2.00100";

class ApplianceTest : public testing::SimulatorTest {
 protected:
  void SetUp() override { LoadAndLogin(kAppliance); }

  void LoadAndLogin(const std::string& state) {
    Load(testing::Scenario(state));
    Login();
  }

  nlohmann::json Update() {
    const Reply reply = Call("GET", "/api/appliance/update");
    EXPECT_EQ(reply.response.status, 200) << reply.response.body;
    ExpectConforms("GET", "/api/appliance/update", "", reply);
    return Json(reply);
  }
  nlohmann::json Version() {
    const Reply reply = Call("GET", "/api/appliance/system/version");
    EXPECT_EQ(reply.response.status, 200) << reply.response.body;
    ExpectConforms("GET", "/api/appliance/system/version", "", reply);
    return Json(reply);
  }
  std::vector<std::string> PendingVersions(const std::string& query) {
    const Reply reply = Call("GET", "/api/appliance/update/pending?" + query);
    EXPECT_EQ(reply.response.status, 200) << query << ": " << reply.response.body;
    ExpectConforms("GET", "/api/appliance/update/pending", "", reply);
    std::vector<std::string> out;
    for (const auto& summary : Json(reply)) out.push_back(summary.at("version"));
    return out;
  }
  Reply Action(const std::string& version, const std::string& action,
               const std::string& body = "") {
    Reply reply =
        Call("POST", "/api/appliance/update/pending/" + version + "?action=" + action, body);
    ExpectConforms("POST", "/api/appliance/update/pending/{version}", action, reply);
    return reply;
  }
  Reply Install(const std::string& version, const std::string& body = R"({"user_data": {}})") {
    return Action(version, "install", body);
  }
  /// Stages kPatch and waits for the stage to finish.
  void StagePatch() {
    ASSERT_EQ(Action(kPatch, "stage").response.status, 204);
    sim_->Advance(minutes(5));
    ASSERT_EQ(Update()["state"], "UPDATES_PENDING");
  }
  static std::string ErrorType(const Reply& reply) {
    return Json(reply).value("error_type", std::string("<none>"));
  }
};

TEST_F(ApplianceTest, VersionAndUpdateDescribeAnUpToDateAppliance) {
  EXPECT_EQ(Version(), (nlohmann::json{
                           {"version", "8.0.1.00000"},
                           {"product", "VMware vCenter Server"},
                           {"build", "21560480"},
                           {"type", "vCenter Server with an embedded Platform Services Controller"},
                           {"summary", ""},
                           {"releasedate", ""},
                           {"install_time", "2025-03-01T10:00:00.000Z"},
                       }));
  EXPECT_EQ(Update(), (nlohmann::json{{"state", "UP_TO_DATE"}, {"version", "8.0.1.00000"}}));
}

TEST_F(ApplianceTest, PendingListsNewerUpdatesOfTheRequestedSource) {
  EXPECT_EQ(PendingVersions("source_type=LAST_CHECK"), std::vector<std::string>{})
      << "no check has run yet";
  EXPECT_EQ(PendingVersions("source_type=LOCAL"), std::vector<std::string>{"8.0.2.00200"});
  EXPECT_EQ(PendingVersions("source_type=LOCAL_AND_ONLINE"),
            (std::vector<std::string>{"8.0.2.00100", "8.0.2.00200"}));
  EXPECT_EQ(PendingVersions("source_type=LOCAL_AND_ONLINE&enable_list_major_upgrade_versions=true"),
            (std::vector<std::string>{"8.0.2.00100", "8.0.2.00200", "9.0.0.00000"}));
  EXPECT_EQ(PendingVersions("source_type=LAST_CHECK"),
            (std::vector<std::string>{"8.0.2.00100", "8.0.2.00200"}))
      << "the last check's result";
  EXPECT_EQ(Update()["latest_query_time"], "2026-01-01T00:00:00.000Z");

  const auto summary =
      Json(Call("GET", "/api/appliance/update/pending?source_type=LOCAL_AND_ONLINE"));
  EXPECT_EQ(summary[0], (nlohmann::json{
                            {"version", "8.0.2.00100"},
                            {"name", "vCenter Server 8.0 Update 2b"},
                            {"description",
                             {{"id", "com.vmware.vsrd.sim.appliance.update.description"},
                              {"default_message", "Security and bug fixes"},
                              {"args", nlohmann::json::array()}}},
                            {"priority", "HIGH"},
                            {"severity", "CRITICAL"},
                            {"update_type", "SECURITY"},
                            {"release_date", "2023-12-05T00:00:00.000Z"},
                            {"reboot_required", true},
                            {"size", 7012},
                        }));
}

TEST_F(ApplianceTest, PendingRejectsAMissingOrInvalidSourceType) {
  for (const char* query : {"", "?source_type=ONLINE", "?source_type=local",
                            "?source_type=LOCAL&enable_list_major_upgrade_versions=yes"}) {
    const Reply reply = Call("GET", std::string("/api/appliance/update/pending") + query);
    EXPECT_EQ(reply.response.status, 400) << query;
    EXPECT_EQ(ErrorType(reply), "INVALID_ARGUMENT") << query;
  }
}

TEST_F(ApplianceTest, PendingAnswersNotFoundForARepositoryUrlTheScenarioDoesNotKnow) {
  LoadAndLogin(R"({appliance: {repository_urls: ["https://repo.example.com/vc"],
                               updates: {"8.0.2.00100": {}}}})");
  const Reply unknown =
      Call("GET", "/api/appliance/update/pending?source_type=LOCAL_AND_ONLINE&url=https://x.test/");
  EXPECT_EQ(unknown.response.status, 404);
  EXPECT_EQ(ErrorType(unknown), "NOT_FOUND");
  ExpectConforms("GET", "/api/appliance/update/pending", "", unknown);
  EXPECT_EQ(PendingVersions("source_type=LOCAL_AND_ONLINE&url=https://repo.example.com/vc"),
            std::vector<std::string>{"8.0.2.00100"});
}

TEST_F(ApplianceTest, PendingGetDescribesAnUpdateOrSaysWhyItCannot) {
  const Reply found = Call("GET", "/api/appliance/update/pending/8.0.2.00100");
  EXPECT_EQ(found.response.status, 200);
  ExpectConforms("GET", "/api/appliance/update/pending/{version}", "", found);
  auto info = Json(found);
  EXPECT_EQ(info["staged"], false);
  EXPECT_EQ(info["name"], "vCenter Server 8.0 Update 2b");
  EXPECT_EQ(info["knowledge_base"], "https://kb.example.com/vcenter/8.0.2.00100");

  const struct {
    const char* version;
    int status;
    const char* error_type;
  } cases[] = {
      {"8.0.1.00000", 400, "ALREADY_IN_DESIRED_STATE"},
      {"8.0.0.10000", 404, "NOT_FOUND"},  // older than the installed version: not pending
      {"7.0.3.01000", 404, "NOT_FOUND"},
  };
  for (const auto& c : cases) {
    const Reply reply = Call("GET", std::string("/api/appliance/update/pending/") + c.version);
    EXPECT_EQ(reply.response.status, c.status) << c.version;
    EXPECT_EQ(ErrorType(reply), c.error_type) << c.version;
    ExpectConforms("GET", "/api/appliance/update/pending/{version}", "", reply);
  }
}

TEST_F(ApplianceTest, PrecheckReturnsTheScriptedIssues) {
  sim_->Advance(minutes(3));
  const Reply reply = Action(kPatch, "precheck");
  ASSERT_EQ(reply.response.status, 200);
  auto result = Json(reply);
  EXPECT_EQ(result["check_time"], "2026-01-01T00:03:00.000Z");
  EXPECT_EQ(result["estimated_time_to_install"], 30);
  EXPECT_EQ(result["reboot_required"], true);
  EXPECT_EQ(result["questions"], nlohmann::json::array());
  EXPECT_FALSE(result["issues"].contains("errors"));
  ASSERT_EQ(result["issues"]["warnings"].size(), 1U);
  EXPECT_EQ(result["issues"]["warnings"][0]["id"], "backup.old");
  EXPECT_EQ(result["issues"]["warnings"][0]["message"]["default_message"],
            "The last backup is 9 days old");
  EXPECT_EQ(result["issues"]["warnings"][0]["resolution"]["default_message"], "Take a backup");

  auto clean = Json(Action("8.0.2.00200", "precheck"));
  EXPECT_FALSE(clean.contains("issues")) << "no issues: the optional field is left out";
}

TEST_F(ApplianceTest, ActionsOnUnknownOrInstalledVersionsFail) {
  const struct {
    const char* version;
    const char* action;
    int status;
    const char* error_type;
  } cases[] = {
      {"7.0.3.01000", "precheck", 404, "NOT_FOUND"},
      {"7.0.3.01000", "stage", 404, "NOT_FOUND"},
      {"7.0.3.01000", "install", 404, "NOT_FOUND"},
      {"8.0.0.10000", "stage", 404, "NOT_FOUND"},
      {"8.0.1.00000", "precheck", 400, "NOT_ALLOWED_IN_CURRENT_STATE"},
      {"8.0.1.00000", "stage", 400, "NOT_ALLOWED_IN_CURRENT_STATE"},
      {"8.0.1.00000", "install", 400, "NOT_ALLOWED_IN_CURRENT_STATE"},
  };
  for (const auto& c : cases) {
    const std::string body = std::string(c.action) == "install" ? R"({"user_data": {}})" : "";
    const Reply reply = Action(c.version, c.action, body);
    EXPECT_EQ(reply.response.status, c.status) << c.version << " " << c.action;
    EXPECT_EQ(ErrorType(reply), c.error_type) << c.version << " " << c.action;
  }
}

TEST_F(ApplianceTest, StagingRunsForItsDurationThenLeavesTheUpdatePending) {
  ASSERT_EQ(Action(kPatch, "stage").response.status, 204);
  auto info = Update();
  EXPECT_EQ(info["state"], "STAGE_IN_PROGRESS");
  EXPECT_EQ(info["version"], kPatch);
  EXPECT_EQ(info["task"]["status"], "RUNNING");
  EXPECT_EQ(info["task"]["operation"], "stage");
  EXPECT_EQ(info["task"]["user"], "administrator@vsphere.local");
  EXPECT_EQ(info["task"]["progress"]["completed"], 0);
  auto staged = Json(Call("GET", "/api/appliance/update/staged"));
  EXPECT_EQ(staged["staging_complete"], false);

  sim_->Advance(minutes(5) - milliseconds(1));
  info = Update();
  EXPECT_EQ(info["state"], "STAGE_IN_PROGRESS");
  EXPECT_EQ(info["task"]["progress"]["completed"], 99);

  sim_->Advance(milliseconds(1));
  info = Update();
  EXPECT_EQ(info["state"], "UPDATES_PENDING");
  EXPECT_EQ(info["version"], kPatch);
  EXPECT_EQ(info["task"]["status"], "SUCCEEDED");
  EXPECT_EQ(info["task"]["end_time"], "2026-01-01T00:05:00.000Z");
  const Reply staged_reply = Call("GET", "/api/appliance/update/staged");
  ExpectConforms("GET", "/api/appliance/update/staged", "", staged_reply);
  staged = Json(staged_reply);
  EXPECT_EQ(staged["staging_complete"], true);
  EXPECT_EQ(staged["version"], kPatch);
  EXPECT_EQ(Json(Call("GET", "/api/appliance/update/pending/8.0.2.00100"))["staged"], true);
  EXPECT_EQ(Action(kPatch, "stage").response.status, 204) << "staging it again changes nothing";
  EXPECT_EQ(Update()["state"], "UPDATES_PENDING");
}

TEST_F(ApplianceTest, StagedIsNotAllowedWhenNothingIsStaged) {
  const Reply reply = Call("GET", "/api/appliance/update/staged");
  EXPECT_EQ(reply.response.status, 400);
  EXPECT_EQ(ErrorType(reply), "NOT_ALLOWED_IN_CURRENT_STATE");
  ExpectConforms("GET", "/api/appliance/update/staged", "", reply);
}

TEST_F(ApplianceTest, NoOtherOperationStartsWhileOneIsInProgress) {
  ASSERT_EQ(Action(kPatch, "stage").response.status, 204);
  for (const char* action : {"precheck", "stage", "install"}) {
    const std::string body = std::string(action) == "install" ? R"({"user_data": {}})" : "";
    const Reply reply = Action("8.0.2.00200", action, body);
    EXPECT_EQ(reply.response.status, 400) << action;
    EXPECT_EQ(ErrorType(reply), "NOT_ALLOWED_IN_CURRENT_STATE") << action;
  }
  sim_->Advance(minutes(5));
  ASSERT_EQ(Install(kPatch).response.status, 204);
  for (const char* action : {"precheck", "stage"}) {
    EXPECT_EQ(ErrorType(Action("8.0.2.00200", action)), "NOT_ALLOWED_IN_CURRENT_STATE") << action;
  }
  EXPECT_EQ(ErrorType(Install(kPatch)), "NOT_ALLOWED_IN_CURRENT_STATE");
}

TEST_F(ApplianceTest, InstallNeedsTheVersionStagedAndAUserDataMap) {
  const Reply not_staged = Install(kPatch);
  EXPECT_EQ(not_staged.response.status, 400);
  EXPECT_EQ(ErrorType(not_staged), "NOT_ALLOWED_IN_CURRENT_STATE");
  StagePatch();
  EXPECT_EQ(ErrorType(Install("8.0.2.00200")), "NOT_ALLOWED_IN_CURRENT_STATE")
      << "another version is staged";
  for (const char* body : {"", "not json", "{}", "[]", R"({"user_data": []})",
                           R"({"user_data": {"a": 1}})", R"({"user_data": {}, "component": 7})"}) {
    const Reply reply = Action(kPatch, "install", body);
    EXPECT_EQ(reply.response.status, 400) << body;
    EXPECT_EQ(ErrorType(reply), "INVALID_ARGUMENT") << body;
  }
  EXPECT_EQ(Update()["state"], "UPDATES_PENDING") << "rejected installs change nothing";
}

TEST_F(ApplianceTest, InstallRunsThenTheApplianceRestartsIntoTheNewVersion) {
  StagePatch();
  ASSERT_EQ(Install(kPatch).response.status, 204);
  auto info = Update();
  EXPECT_EQ(info["state"], "INSTALL_IN_PROGRESS");
  EXPECT_EQ(info["version"], kPatch);
  EXPECT_EQ(info["task"]["operation"], "install");
  EXPECT_EQ(info["task"]["progress"]["completed"], 0);
  sim_->Advance(minutes(15));
  EXPECT_EQ(Update()["task"]["progress"]["completed"], 50);
  sim_->Advance(minutes(15) - milliseconds(1));
  EXPECT_EQ(Update()["state"], "INSTALL_IN_PROGRESS");
  EXPECT_EQ(Version()["version"], "8.0.1.00000");

  // The install ends at 00:35: the appliance goes down for restart.duration (10m).
  sim_->Advance(milliseconds(1));
  EXPECT_EQ(sim_->State("vc01")["down_until"], "2026-01-01T00:45:00.000Z");
  for (const auto& [method, target] :
       {std::pair{"GET", "/api/appliance/update"}, std::pair{"GET", "/api/session"},
        std::pair{"POST", "/api/session"}}) {
    EXPECT_EQ(Call(method, target).disposition, Disposition::kRefuse) << target;
  }
  EXPECT_EQ(sim_->Requests().back().answer, "refuse");
  sim_->Advance(minutes(10) - milliseconds(1));
  EXPECT_EQ(Call("GET", "/api/appliance/update").disposition, Disposition::kRefuse);

  sim_->Advance(milliseconds(1));
  const Reply stale = Call("GET", "/api/appliance/update");
  EXPECT_EQ(stale.disposition, Disposition::kRespond);
  EXPECT_EQ(stale.response.status, 401) << "the restart dropped every session";
  Login();
  auto version = Version();
  EXPECT_EQ(version["version"], kPatch);
  EXPECT_EQ(version["build"], "23319993");
  EXPECT_EQ(version["summary"], "Security and bug fixes");
  EXPECT_EQ(version["releasedate"], "December 5, 2023");
  EXPECT_EQ(version["install_time"], "2025-03-01T10:00:00.000Z") << "first install time stays";
  info = Update();
  EXPECT_EQ(info["state"], "UP_TO_DATE");
  EXPECT_EQ(info["version"], kPatch);
  EXPECT_EQ(info["task"]["status"], "SUCCEEDED");
  EXPECT_EQ(info["task"]["end_time"], "2026-01-01T00:35:00.000Z");
  EXPECT_EQ(PendingVersions("source_type=LOCAL_AND_ONLINE"),
            std::vector<std::string>{"8.0.2.00200"});
  EXPECT_EQ(ErrorType(Call("GET", "/api/appliance/update/pending/8.0.2.00100")),
            "ALREADY_IN_DESIRED_STATE");
}

TEST_F(ApplianceTest, OneAdvancePastTheWholeRestartStillDropsTheSessions) {
  StagePatch();
  ASSERT_EQ(Install(kPatch).response.status, 204);
  sim_->Advance(minutes(29));  // keep the session alive (30m idle timeout)
  ASSERT_EQ(Update()["state"], "INSTALL_IN_PROGRESS");
  sim_->Advance(minutes(20));
  EXPECT_EQ(Call("GET", "/api/appliance/update").response.status, 401);
  Login();
  EXPECT_EQ(Version()["version"], kPatch);
}

TEST_F(ApplianceTest, ARestartCanAnswer503InsteadOfRefusingConnections) {
  LoadAndLogin(R"({appliance: {restart: {duration: 2m, answer: "503"}, staged: "8.0.2.00100",
                               updates: {"8.0.2.00100": {install_duration: 1m}}}})");
  ASSERT_EQ(Install(kPatch).response.status, 204);
  sim_->Advance(minutes(1));
  const Reply down = Call("GET", "/api/appliance/system/version");
  EXPECT_EQ(down.disposition, Disposition::kRespond);
  EXPECT_EQ(down.response.status, 503);
  EXPECT_EQ(ErrorType(down), "SERVICE_UNAVAILABLE");
  sim_->Advance(minutes(2));
  EXPECT_EQ(Call("GET", "/api/appliance/system/version").response.status, 401);
  Login();
  EXPECT_EQ(Version()["version"], kPatch);
}

TEST_F(ApplianceTest, AFailedInstallKeepsTheOldVersionAndCanBeRetried) {
  LoadAndLogin(R"({appliance: {staged: "8.0.2.00100",
                               updates: {"8.0.2.00100": {install_duration: 20m, install_failures: 1}}}})");
  EXPECT_EQ(Update()["state"], "UPDATES_PENDING") << "the scenario can start with a staged update";
  ASSERT_EQ(Install(kPatch).response.status, 204);
  sim_->Advance(minutes(20) - milliseconds(1));
  EXPECT_EQ(Update()["state"], "INSTALL_IN_PROGRESS");
  sim_->Advance(milliseconds(1));
  auto info = Update();  // no restart: the session is still valid
  EXPECT_EQ(info["state"], "INSTALL_FAILED");
  EXPECT_EQ(info["version"], kPatch);
  EXPECT_EQ(info["task"]["status"], "FAILED");
  EXPECT_EQ(info["task"]["error"]["error_type"], "ERROR");
  EXPECT_EQ(info["task"]["end_time"], "2026-01-01T00:20:00.000Z");
  EXPECT_EQ(Version()["version"], "8.0.1.00000");
  EXPECT_TRUE(sim_->State("vc01")["down_until"].is_null());

  ASSERT_EQ(Install(kPatch).response.status, 204) << "the update stays staged for a retry";
  EXPECT_EQ(Update()["state"], "INSTALL_IN_PROGRESS");
  sim_->Advance(minutes(20));
  EXPECT_EQ(Call("GET", "/api/appliance/update").disposition, Disposition::kRefuse);
  sim_->Advance(minutes(5));  // the default restart duration
  Login();
  EXPECT_EQ(Version()["version"], kPatch);
  EXPECT_EQ(Update()["state"], "UP_TO_DATE");
}

TEST_F(ApplianceTest, InstallNeedsAnAnswerToEachPrecheckQuestionWithoutADefault) {
  LoadAndLogin(
      R"({appliance: {staged: "8.0.2.00100", updates: {"8.0.2.00100": {precheck: {questions: [
      {data_item: backup.confirmed, text: "Did you take a backup?", type: BOOLEAN,
       allowed_values: ["true", "false"]},
      {data_item: ceip.optin, text: "Join CEIP?", default_answer: "false"}]}}}}})");
  const auto precheck = Json(Action(kPatch, "precheck"));
  ASSERT_EQ(precheck["questions"].size(), 2U);
  EXPECT_EQ(precheck["questions"][0]["data_item"], "backup.confirmed");
  EXPECT_EQ(precheck["questions"][0]["text"]["default_message"], "Did you take a backup?");
  EXPECT_EQ(precheck["questions"][0]["type"], "BOOLEAN");
  EXPECT_EQ(precheck["questions"][1]["default_answer"], "false");

  EXPECT_EQ(ErrorType(Install(kPatch)), "INVALID_ARGUMENT");
  EXPECT_EQ(ErrorType(Install(kPatch, R"({"user_data": {"backup.confirmed": "maybe"}})")),
            "INVALID_ARGUMENT");
  EXPECT_EQ(Install(kPatch, R"({"user_data": {"backup.confirmed": "true"}})").response.status, 204);
}

TEST_F(ApplianceTest, EveryRouteNeedsASession) {
  token_.clear();
  for (const auto& [method, target] : {
           std::pair{"GET", "/api/appliance/system/version"},
           std::pair{"GET", "/api/appliance/update"},
           std::pair{"GET", "/api/appliance/update/staged"},
           std::pair{"GET", "/api/appliance/update/pending?source_type=LOCAL"},
           std::pair{"GET", "/api/appliance/update/pending/8.0.2.00100"},
           std::pair{"POST", "/api/appliance/update/pending/8.0.2.00100?action=precheck"},
           std::pair{"POST", "/api/appliance/update/pending/8.0.2.00100?action=stage"},
           std::pair{"POST", "/api/appliance/update/pending/8.0.2.00100?action=install"},
       }) {
    const Reply reply = Call(method, target);
    EXPECT_EQ(reply.response.status, 401) << target;
    EXPECT_EQ(ErrorType(reply), "UNAUTHENTICATED") << target;
  }
}

TEST_F(ApplianceTest, AStatePatchedIntoTheWrongShapeGives500NotACrash) {
  sim_->PatchState("vc01", {{"appliance", {{"operation", {{"end_time", 5}}}}}});
  sim_->Advance(minutes(1));  // the ticker must not throw out of Tick
  EXPECT_EQ(Call("GET", "/api/session").response.status, 200) << "other areas keep working";
  EXPECT_EQ(Call("GET", "/api/appliance/update").response.status, 500);
}

TEST_F(ApplianceTest, AScenarioCheckTimeMeansTheLastCheckFoundEveryUpdate) {
  LoadAndLogin(R"({appliance: {latest_query_time: "2025-12-31T12:00:00Z",
                               updates: {"8.0.2.00100": {}, "8.0.3.00000": {source: LOCAL}}}})");
  EXPECT_EQ(Update()["latest_query_time"], "2025-12-31T12:00:00.000Z");
  EXPECT_EQ(PendingVersions("source_type=LAST_CHECK"),
            (std::vector<std::string>{"8.0.2.00100", "8.0.3.00000"}));
}

std::vector<std::string> DecodeErrors(const std::string& vcenter_state) {
  const auto result = DecodeScenario(testing::Scenario(vcenter_state), "s.yaml");
  EXPECT_FALSE(result.scenario);
  std::vector<std::string> out;
  for (const auto& d : result.diagnostics) out.push_back(manifests::FormatDiagnostic(d));
  return out;
}

TEST(DecodeApplianceState, ReportsBadValuesWithFileLineAndColumn) {
  EXPECT_EQ(DecodeErrors(R"(
      appliance:
        version: {version: "8.0 U1"}
        restart: {duration: 5, answer: 502}
        staged: "9.9"
        updates:
          "8.0.2.00100":
            priority: URGENT
            install_failures: -1
            precheck: {errors: [{id: e1}], question: []}
          "8.0/3": {})"),
            (std::vector<std::string>{
                "s.yaml:10:28: error: state.appliance.version.version: must contain only letters, "
                "digits, '.', '-', '_' and '+'",
                "s.yaml:11:29: error: state.appliance.restart.duration: invalid duration \"5\": "
                "add a unit, e.g. 5s or 5m",
                "s.yaml:11:40: error: state.appliance.restart.answer: must be one of refuse, 503, "
                "got \"502\"; did you mean \"503\"?",
                "s.yaml:12:17: error: state.appliance.staged: \"9.9\" is not one of the updates",
                "s.yaml:15:23: error: state.appliance.updates.8.0.2.00100.priority: must be one of "
                "HIGH, MEDIUM, LOW, got \"URGENT\"",
                "s.yaml:16:31: error: state.appliance.updates.8.0.2.00100.install_failures: must "
                "be between 0 and 1000, got -1",
                "s.yaml:17:33: error: state.appliance.updates.8.0.2.00100.precheck.errors[0]."
                "message: required field is missing",
                "s.yaml:17:44: error: state.appliance.updates.8.0.2.00100.precheck.question: "
                "unknown field; did you mean \"questions\"?",
                "s.yaml:18:11: error: state.appliance.updates.8.0/3: update versions must contain "
                "only letters, digits, '.', '-', '_' and '+'",
            }));
}

}  // namespace
}  // namespace vsrd::simulator
