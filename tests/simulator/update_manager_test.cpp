// The update-manager persona (docs/vsphere-api.md "The update-manager appliance API") through
// Simulator::Handle: sessions, every route and its errors, tasks on the simulated clock, the
// install with its restart, faults, state dumps and patches, and scenario decoding.
#include <regex>

#include <gtest/gtest.h>

#include "simulator/update_manager/update_manager_persona.hpp"
#include "tests/simulator/sim_fixture.hpp"

namespace vsrd::simulator {
namespace {

using std::chrono::milliseconds;
using std::chrono::minutes;
using std::chrono::seconds;
using testing::SimulatorTest;

// 2026-01-01T00:00:00Z, the fixture's clock start, in epoch milliseconds.
constexpr std::int64_t kStartMillis = 1767225600000;

// Installed 9.0.1.0; the catalog holds an older, a newer patch and a newer minor version.
// retrieve-updates: QUEUED 2s, RUNNING 10s. install: QUEUED 5s, RUNNING 100s, then down 3m.
constexpr const char* kState =
    R"({appliance: {hostname: vr01.lab.local, appliance_version: "9.0.1.0",)"
    R"( appliance_build_number: "24100000", product_build_number: "24100000"},)"
    R"( updates: [{version: "9.0.0.5"},)"
    R"( {version: "9.0.2.0", build_number: "24522545", name: "VR 9.0.2",)"
    R"( description: "Second update", release_date: "2026-02-10T00:00:00Z", severity: IMPORTANT},)"
    R"( {version: "9.0.1.1", build_number: "24300000", reboot_required: false}],)"
    R"( retrieve: {queued_for: 2s, duration: 10s},)"
    R"( install: {queued_for: 5s, duration: 100s, restart_mode: refuse, restart_duration: 3m}})";

class UpdateManagerTest : public SimulatorTest {
 protected:
  void SetUp() override { Load(testing::Scenario("{}", kState)); }

  /// POST /session with HTTP Basic; returns the reply.
  Reply LoginWith(const std::string& authorization) {
    Request request = Request::FromTarget("POST", "/session");
    if (!authorization.empty()) request.headers["authorization"] = authorization;
    return sim_->Handle("vr01", request);
  }

  /// Logs in as admin and keeps the session id for Vr().
  void LoginVr() {
    const Reply reply = LoginWith("Basic " + Base64Encode("admin:vr-secret"));
    ASSERT_EQ(reply.response.status, 200) << reply.response.body;
    session_ = Json(reply)["session_id"].get<std::string>();
  }

  /// A call to the update-manager persona, with x-dr-session when logged in.
  Reply Vr(const std::string& method, const std::string& target, const std::string& body = "") {
    Request request = Request::FromTarget(method, target, body);
    if (!session_.empty()) request.headers["x-dr-session"] = session_;
    return sim_->Handle("vr01", request);
  }

  nlohmann::json Task(const std::string& id) {
    const Reply reply = Vr("GET", "/tasks/" + id);
    EXPECT_EQ(reply.response.status, 200) << id;
    return Json(reply);
  }

  /// Starts the install of `version` and returns the task id.
  std::string StartInstall(const std::string& version = "9.0.2.0") {
    const Reply reply =
        Vr("POST", "/appliance/update-manager/updates/" + version + "/actions/install");
    EXPECT_EQ(reply.response.status, 202) << reply.response.body;
    return Json(reply).value("id", "");
  }

  std::string InstalledVersion() {
    return sim_->State("vr01")["appliance"]["appliance_version"].get<std::string>();
  }

  static bool IsUuid(const nlohmann::json& value) {
    static const std::regex kUuid(
        "[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");
    return value.is_string() && std::regex_match(value.get<std::string>(), kUuid);
  }

  /// Asserts a ResponseError {error_code, message, op_id} with `status` and `code`.
  static void ExpectResponseError(const Reply& reply, int status, const std::string& code) {
    EXPECT_EQ(reply.response.status, status) << reply.response.body;
    const nlohmann::json body = Json(reply);
    ASSERT_TRUE(body.is_object()) << reply.response.body;
    EXPECT_EQ(body.value("error_code", ""), code);
    EXPECT_FALSE(body.value("message", "").empty());
    EXPECT_TRUE(IsUuid(body["op_id"])) << body.dump();
    EXPECT_EQ(body.size(), 3U) << body.dump();
  }

  std::string session_;
};

TEST_F(UpdateManagerTest, LoginReturnsASessionIdThatLaterCallsSendInXDrSession) {
  const Reply login = LoginWith("Basic " + Base64Encode("admin:vr-secret"));
  ASSERT_EQ(login.response.status, 200);
  const nlohmann::json body = Json(login);
  ASSERT_TRUE(body["session_id"].is_string());
  EXPECT_EQ(body.size(), 1U) << "SessionIdData has only session_id";
  session_ = body["session_id"].get<std::string>();
  EXPECT_EQ(Vr("GET", "/appliance").response.status, 200);

  Request vcenter_header = Request::FromTarget("GET", "/appliance");
  vcenter_header.headers["vmware-api-session-id"] = session_;
  EXPECT_EQ(sim_->Handle("vr01", vcenter_header).response.status, 401)
      << "this API reads x-dr-session only";
}

TEST_F(UpdateManagerTest, BadCredentialsGetA401WithoutABody) {
  for (const std::string& authorization : {
           "Basic " + Base64Encode("admin:nope"),
           "Basic " + Base64Encode("root:vr-secret"),
           "Basic " + Base64Encode("admin"),
           std::string("Basic !!!"),
           std::string("Bearer abc"),
           std::string(),
       }) {
    const Reply reply = LoginWith(authorization);
    EXPECT_EQ(reply.response.status, 401) << authorization;
    EXPECT_TRUE(reply.response.body.empty()) << authorization;
  }
}

TEST_F(UpdateManagerTest, EveryOtherRouteNeedsAKnownSessionAndOtherwiseAnswers401WithoutABody) {
  const std::vector<std::pair<std::string, std::string>> calls{
      {"DELETE", "/session"},
      {"GET", "/appliance"},
      {"POST", "/appliance/update-manager/actions/retrieve-updates"},
      {"POST", "/appliance/update-manager/updates/9.0.2.0/actions/install"},
      {"PUT", "/appliance/update-manager/repository"},
      {"GET", "/tasks/some-task"},
      {"GET", "/no/such/path"},
  };
  for (const std::string& session : {std::string(), std::string("bm90LWEtc2Vzc2lvbg==")}) {
    session_ = session;
    for (const auto& [method, target] : calls) {
      const Reply reply = Vr(method, target);
      EXPECT_EQ(reply.response.status, 401) << method << " " << target;
      EXPECT_TRUE(reply.response.body.empty()) << method << " " << target;
    }
  }
}

TEST_F(UpdateManagerTest, SessionsExpireWhenIdleAndAtTheirMaximumLifetime) {
  LoginVr();
  sim_->Advance(minutes(29));
  EXPECT_EQ(Vr("GET", "/appliance").response.status, 200) << "29 minutes idle is fine";
  sim_->Advance(minutes(31));
  EXPECT_EQ(Vr("GET", "/appliance").response.status, 401) << "31 minutes idle is not";

  LoginVr();
  for (int i = 0; i < 49; ++i) {  // kept busy for 23h41m: still within the 24h lifetime
    sim_->Advance(minutes(29));
    ASSERT_EQ(Vr("GET", "/appliance").response.status, 200) << i;
  }
  sim_->Advance(minutes(29));
  EXPECT_EQ(Vr("GET", "/appliance").response.status, 401) << "past the 24h maximum lifetime";
}

TEST_F(UpdateManagerTest, DeleteSessionEndsTheSessionWith204) {
  LoginVr();
  const Reply reply = Vr("DELETE", "/session");
  EXPECT_EQ(reply.response.status, 204);
  EXPECT_TRUE(reply.response.body.empty());
  EXPECT_EQ(Vr("GET", "/appliance").response.status, 401);
  EXPECT_EQ(Vr("DELETE", "/session").response.status, 401);
}

TEST_F(UpdateManagerTest, GetApplianceReportsTheApplianceInfo) {
  LoginVr();
  const Reply reply = Vr("GET", "/appliance");
  ASSERT_EQ(reply.response.status, 200);
  EXPECT_EQ(Json(reply), nlohmann::json({{"hostname", "vr01.lab.local"},
                                         {"product_name", "vSphere Replication"},
                                         {"product_build_number", "24100000"},
                                         {"appliance_version", "9.0.1.0"},
                                         {"appliance_build_number", "24100000"},
                                         {"system_information", "VMware Photon OS 5.0"}}));
}

TEST_F(UpdateManagerTest, UnknownPathsMethodsAndActionsGet404WithoutABody) {
  LoginVr();
  const std::vector<std::pair<std::string, std::string>> calls{
      {"GET", "/no/such/path"}, {"GET", "/"},
      {"GET", "/api/session"},  {"GET", "/appliance/update-manager/actions/retrieve-updates"},
      {"PUT", "/appliance"},    {"POST", "/appliance/update-manager/updates/9.0.2.0/actions/stage"},
      {"GET", "/tasks"},        {"GET", "/appliance?action=get"},
  };
  for (const auto& [method, target] : calls) {
    const Reply reply = Vr(method, target);
    EXPECT_EQ(reply.response.status, 404) << method << " " << target;
    EXPECT_TRUE(reply.response.body.empty()) << method << " " << target;
  }
}

TEST_F(UpdateManagerTest, AnUnknownTaskIs404WithoutABody) {
  LoginVr();
  const Reply reply = Vr("GET", "/tasks/7f3c1c1e-0000-4000-8000-000000000000");
  EXPECT_EQ(reply.response.status, 404);
  EXPECT_TRUE(reply.response.body.empty());
}

TEST_F(UpdateManagerTest, RetrieveUpdatesIsATaskQueuedThenRunningThenListingTheNewerUpdates) {
  LoginVr();
  const Reply accepted = Vr("POST", "/appliance/update-manager/actions/retrieve-updates");
  ASSERT_EQ(accepted.response.status, 202);
  const nlohmann::json created = Json(accepted);
  const std::string id = created["id"].get<std::string>();
  EXPECT_TRUE(IsUuid(created["id"]));
  EXPECT_EQ(created, nlohmann::json({{"id", id},
                                     {"description", "Retrieve the available updates"},
                                     {"type", "RETRIEVE_UPDATES"},
                                     {"status", "QUEUED"},
                                     {"progress", 0},
                                     {"start_time", kStartMillis}}));

  struct Step {
    milliseconds advance;
    const char* status;
    int progress;
  };
  for (const Step& step :
       {Step{milliseconds(1999), "QUEUED", 0}, Step{milliseconds(1), "RUNNING", 0},
        Step{seconds(5), "RUNNING", 50}, Step{milliseconds(4999), "RUNNING", 99},
        Step{milliseconds(1), "SUCCESS", 100}}) {
    sim_->Advance(step.advance);
    const nlohmann::json task = Task(id);
    EXPECT_EQ(task["status"], step.status) << task.dump();
    EXPECT_EQ(task["progress"], step.progress) << task.dump();
    EXPECT_EQ(task["start_time"], kStartMillis);
    EXPECT_EQ(task.contains("complete_time"), std::string(step.status) == "SUCCESS");
    EXPECT_EQ(task.contains("result"), std::string(step.status) == "SUCCESS");
  }
  const nlohmann::json task = Task(id);
  EXPECT_EQ(task["complete_time"], kStartMillis + 12000);
  EXPECT_FALSE(task.contains("error"));
  EXPECT_EQ(task["result"], nlohmann::json::parse(R"([
    {"version": "9.0.1.1", "build_number": "24300000", "name": "vSphere Replication 9.0.1.1",
     "description": "", "severity": "MODERATE", "reboot_required": false},
    {"version": "9.0.2.0", "build_number": "24522545", "name": "VR 9.0.2",
     "description": "Second update", "release_date": "2026-02-10T00:00:00.000Z",
     "severity": "IMPORTANT", "reboot_required": true}])"))
      << "newer than 9.0.1.0 only, oldest first";
}

TEST_F(UpdateManagerTest, RetrieveUpdatesEndsInErrorWhenTheScenarioSaysSo) {
  sim_->PatchState("vr01", {{"retrieve", {{"fail", true}}}});
  LoginVr();
  const std::string id =
      Json(Vr("POST", "/appliance/update-manager/actions/retrieve-updates"))["id"]
          .get<std::string>();
  sim_->Advance(seconds(12));
  const nlohmann::json task = Task(id);
  EXPECT_EQ(task["status"], "ERROR");
  EXPECT_EQ(task["progress"], 100);
  EXPECT_EQ(task["error"]["message"], "Cannot retrieve the available updates.");
  EXPECT_TRUE(task["error"]["details"].is_string());
  EXPECT_FALSE(task.contains("result"));
}

TEST_F(UpdateManagerTest, AZeroLengthRetrieveIsAnsweredAlreadyFinished) {
  sim_->PatchState("vr01", {{"retrieve", {{"queued_for", "0s"}, {"duration", "0s"}}}});
  LoginVr();
  const nlohmann::json task =
      Json(Vr("POST", "/appliance/update-manager/actions/retrieve-updates"));
  EXPECT_EQ(task["status"], "SUCCESS");
  EXPECT_EQ(task["result"].size(), 2U);
}

TEST_F(UpdateManagerTest, InstallRejectsUnknownNotNewerAndConcurrentUpdates) {
  LoginVr();
  const Reply unknown = Vr("POST", "/appliance/update-manager/updates/9.9.9/actions/install");
  EXPECT_EQ(unknown.response.status, 404);
  EXPECT_TRUE(unknown.response.body.empty());

  const Reply older = Vr("POST", "/appliance/update-manager/updates/9.0.0.5/actions/install");
  ExpectResponseError(older, 400, "UPDATE_NOT_APPLICABLE");
  sim_->PatchState("vr01", {{"appliance", {{"appliance_version", "9.0.1.1"}}}});
  const Reply same = Vr("POST", "/appliance/update-manager/updates/9.0.1.1/actions/install");
  ExpectResponseError(same, 400, "UPDATE_NOT_APPLICABLE");
  EXPECT_NE(Json(older)["op_id"], Json(same)["op_id"]) << "every error has its own op_id";

  const std::string first = StartInstall("9.0.2.0");
  sim_->PatchState("vr01", {{"appliance", {{"appliance_version", "9.0.1.0"}}}});
  const Reply second = Vr("POST", "/appliance/update-manager/updates/9.0.1.1/actions/install");
  ExpectResponseError(second, 400, "UPDATE_IN_PROGRESS");
  EXPECT_NE(Json(second)["message"].get<std::string>().find(first), std::string::npos);
  EXPECT_EQ(sim_->State("vr01")["tasks"].size(), 1U) << "a refused install creates no task";
}

TEST_F(UpdateManagerTest, AnInstallRestartsTheApplianceWhichComesBackWithTheNewVersion) {
  LoginVr();
  const std::string retrieve =
      Json(Vr("POST", "/appliance/update-manager/actions/retrieve-updates"))["id"]
          .get<std::string>();
  const Reply accepted = Vr("POST", "/appliance/update-manager/updates/9.0.2.0/actions/install");
  ASSERT_EQ(accepted.response.status, 202);
  const nlohmann::json created = Json(accepted);
  const std::string id = created["id"].get<std::string>();
  EXPECT_EQ(created["status"], "QUEUED");
  EXPECT_EQ(created["type"], "INSTALL_UPDATE");
  EXPECT_EQ(created["description"], "Install update 9.0.2.0");

  sim_->Advance(seconds(5));
  EXPECT_EQ(Task(id)["status"], "RUNNING");
  EXPECT_EQ(Task(id)["progress"], 0);
  sim_->Advance(seconds(50));
  EXPECT_EQ(Task(id)["progress"], 50);
  EXPECT_EQ(Task(retrieve)["status"], "SUCCESS") << "finished before the restart";
  sim_->Advance(seconds(50) - milliseconds(1));
  EXPECT_EQ(Task(id)["status"], "RUNNING");
  EXPECT_EQ(Task(id)["progress"], 99);
  EXPECT_EQ(sim_->State("vr01")["down_until"], nullptr);

  // 105s after the install: the appliance restarts and refuses connections for 3 minutes.
  sim_->Advance(milliseconds(1));
  const nlohmann::json down = sim_->State("vr01");
  EXPECT_EQ(down["down_until"], "2026-01-01T00:04:45.000Z");
  EXPECT_EQ(down["restart"]["since"], "2026-01-01T00:01:45.000Z");
  EXPECT_EQ(down["restart"]["mode"], "refuse");
  EXPECT_EQ(down["restart"]["version"], "9.0.2.0");
  EXPECT_TRUE(down["sessions"].empty());
  EXPECT_TRUE(down["tasks"].empty());
  EXPECT_EQ(Vr("GET", "/tasks/" + id).disposition, Disposition::kRefuse);
  EXPECT_EQ(LoginWith("Basic " + Base64Encode("admin:vr-secret")).disposition,
            Disposition::kRefuse);
  sim_->Advance(minutes(3) - milliseconds(1));
  EXPECT_EQ(Vr("GET", "/appliance").disposition, Disposition::kRefuse);
  EXPECT_EQ(sim_->Requests().back().answer, "refuse");
  EXPECT_EQ(sim_->Requests().back().status, 0);

  sim_->Advance(milliseconds(1));
  const Reply stale = Vr("GET", "/appliance");
  EXPECT_EQ(stale.disposition, Disposition::kRespond);
  EXPECT_EQ(stale.response.status, 401) << "the restart dropped every session";
  LoginVr();
  const nlohmann::json appliance = Json(Vr("GET", "/appliance"));
  EXPECT_EQ(appliance["appliance_version"], "9.0.2.0");
  EXPECT_EQ(appliance["appliance_build_number"], "24522545");
  EXPECT_EQ(appliance["product_build_number"], "24522545");
  for (const std::string& forgotten : {id, retrieve}) {
    const Reply reply = Vr("GET", "/tasks/" + forgotten);
    EXPECT_EQ(reply.response.status, 404) << "tasks from before the restart are gone";
    EXPECT_TRUE(reply.response.body.empty());
  }
  ExpectResponseError(Vr("POST", "/appliance/update-manager/updates/9.0.2.0/actions/install"), 400,
                      "UPDATE_NOT_APPLICABLE");
  const auto log = sim_->Requests();
  const auto installs = std::count_if(log.begin(), log.end(), [](const LogEntry& entry) {
    return entry.operation == "update-manager.updates.install";
  });
  EXPECT_EQ(installs, 2);
}

TEST_F(UpdateManagerTest, InThe503RestartModeEveryRequestGetsA503WithoutABody) {
  sim_->PatchState("vr01", {{"install", {{"restart_mode", "503"}}}});
  LoginVr();
  StartInstall();
  sim_->Advance(seconds(105));
  EXPECT_EQ(sim_->State("vr01")["restart"]["mode"], "503");
  const std::vector<std::pair<std::string, std::string>> calls{
      {"GET", "/appliance"}, {"POST", "/session"}, {"GET", "/tasks/x"}, {"GET", "/no/such/path"}};
  for (const auto& [method, target] : calls) {
    const Reply reply = Vr(method, target);
    EXPECT_EQ(reply.disposition, Disposition::kRespond) << target;
    EXPECT_EQ(reply.response.status, 503) << target;
    EXPECT_TRUE(reply.response.body.empty()) << target;
  }
  sim_->Advance(minutes(3));
  session_.clear();
  LoginVr();
  EXPECT_EQ(Json(Vr("GET", "/appliance"))["appliance_version"], "9.0.2.0");
}

TEST_F(UpdateManagerTest, AFailingInstallStillRestartsAndComesBackWithTheOldVersion) {
  sim_->PatchState("vr01", {{"install", {{"fail", true}}}});
  LoginVr();
  const std::string id = StartInstall();
  sim_->Advance(seconds(105));
  EXPECT_EQ(Vr("GET", "/appliance").disposition, Disposition::kRefuse);
  EXPECT_EQ(sim_->State("vr01")["restart"]["fail"], true);
  sim_->Advance(minutes(3));
  LoginVr();
  const nlohmann::json appliance = Json(Vr("GET", "/appliance"));
  EXPECT_EQ(appliance["appliance_version"], "9.0.1.0");
  EXPECT_EQ(appliance["appliance_build_number"], "24100000");
  EXPECT_EQ(Vr("GET", "/tasks/" + id).response.status, 404);
  EXPECT_EQ(StartInstall().empty(), false) << "the update can be tried again";
}

TEST_F(UpdateManagerTest, WithoutARestartTheInstallTaskEndsInSuccessOrError) {
  struct Case {
    bool fail;
    const char* status;
    const char* version;
  };
  for (const Case& c : {Case{false, "SUCCESS", "9.0.2.0"}, Case{true, "ERROR", "9.0.1.0"}}) {
    sim_->Reset();
    session_.clear();
    sim_->PatchState("vr01", {{"install", {{"restart_mode", "none"}, {"fail", c.fail}}}});
    LoginVr();
    const std::string id = StartInstall();
    sim_->Advance(seconds(105) - milliseconds(1));
    EXPECT_EQ(Task(id)["status"], "RUNNING");
    EXPECT_EQ(InstalledVersion(), "9.0.1.0");
    sim_->Advance(milliseconds(1));
    const nlohmann::json task = Task(id);  // the session survived: no restart
    EXPECT_EQ(task["status"], c.status);
    EXPECT_EQ(task["progress"], 100);
    EXPECT_EQ(task["complete_time"], task["start_time"].get<std::int64_t>() + 105000);
    EXPECT_EQ(task.contains("error"), c.fail);
    if (c.fail) {
      EXPECT_EQ(task["error"]["message"], "Installation of update 9.0.2.0 failed.");
    }
    EXPECT_EQ(InstalledVersion(), c.version);
    EXPECT_EQ(sim_->State("vr01")["down_until"], nullptr);
  }
}

TEST_F(UpdateManagerTest, FaultsAnswerWithResponseErrorsOrNoBodyLikeThisApi) {
  LoginVr();
  FaultRule unavailable;
  unavailable.persona = "vr01";
  unavailable.path = "/appliance";
  unavailable.status = 503;
  unavailable.message = "maintenance";
  sim_->AddFault(unavailable);
  const Reply first = Vr("GET", "/appliance");
  EXPECT_EQ(first.response.status, 503);
  EXPECT_EQ(Json(first)["error_code"], "SIM_FAULT");
  EXPECT_EQ(Json(first)["message"], "maintenance");
  EXPECT_EQ(Vr("GET", "/appliance").response.status, 200) << "times defaults to 1";

  FaultRule not_found;
  not_found.path = "/tasks/{task_id}";
  not_found.status = 404;
  sim_->AddFault(not_found);
  const Reply missing = Vr("GET", "/tasks/anything");
  EXPECT_EQ(missing.response.status, 404);
  EXPECT_TRUE(missing.response.body.empty());

  std::string error;
  auto reset = FaultRuleFromJson(
      {{"persona", "vr01"},
       {"path", "/appliance/update-manager/updates/{update_version}/actions/install"},
       {"answer", "reset"}},
      error);
  ASSERT_TRUE(reset) << error;
  const int reset_id = sim_->AddFault(*reset);
  EXPECT_EQ(Vr("POST", "/appliance/update-manager/updates/9.0.2.0/actions/install").disposition,
            Disposition::kReset);
  EXPECT_EQ(sim_->Requests().back().fault_id, reset_id);
  EXPECT_TRUE(sim_->State("vr01")["tasks"].empty()) << "a reset request never reached the persona";
}

TEST_F(UpdateManagerTest, FaultsDoNotCountRequestsMadeWhileTheApplianceIsDown) {
  LoginVr();
  StartInstall();
  FaultRule rule;
  rule.path = "/appliance";
  rule.status = 500;
  sim_->AddFault(rule);
  sim_->Advance(seconds(105));
  EXPECT_EQ(Vr("GET", "/appliance").disposition, Disposition::kRefuse);
  sim_->Advance(minutes(3));
  LoginVr();
  EXPECT_EQ(Vr("GET", "/appliance").response.status, 500) << "the first call once it is up";
}

TEST_F(UpdateManagerTest, PutRepositoryStoresTheRepositoryWithoutItsPassword) {
  LoginVr();
  const Reply reply = Vr("PUT", "/appliance/update-manager/repository",
                         R"({"url": "https://repo.lab.local/vr", "username": "u",
                             "password": "repo-secret"})");
  EXPECT_EQ(reply.response.status, 204);
  EXPECT_TRUE(reply.response.body.empty());
  const nlohmann::json state = sim_->State("vr01");
  EXPECT_EQ(state["repository"],
            nlohmann::json(
                {{"url", "https://repo.lab.local/vr"}, {"mounted_iso", false}, {"username", "u"}}));
  EXPECT_EQ(state.dump().find("repo-secret"), std::string::npos);
  EXPECT_EQ(LogEntryToJson(sim_->Requests().back()).dump().find("repo-secret"), std::string::npos);

  EXPECT_EQ(
      Vr("PUT", "/appliance/update-manager/repository", R"({"mounted_iso": true})").response.status,
      204);
  EXPECT_EQ(sim_->State("vr01")["repository"]["mounted_iso"], true);
  EXPECT_EQ(sim_->State("vr01")["repository"]["url"], nullptr);
}

TEST_F(UpdateManagerTest, PutRepositoryRejectsBadBodiesWithA400ResponseError) {
  LoginVr();
  struct Case {
    const char* body;
    const char* code;
  };
  for (const Case& c : {
           Case{"", "INVALID_REQUEST_BODY"},
           Case{"{\"url\": ", "INVALID_REQUEST_BODY"},
           Case{"[]", "INVALID_REQUEST_BODY"},
           Case{R"({"url": 5})", "INVALID_ARGUMENT"},
           Case{R"({"mounted_iso": "yes"})", "INVALID_ARGUMENT"},
           Case{R"({"mounted_iso": true, "url": "https://repo"})", "INVALID_ARGUMENT"},
           Case{R"({"url": "https://repo", "username": "u"})", "INVALID_ARGUMENT"},
           Case{R"({"url": "https://repo", "password": "p"})", "INVALID_ARGUMENT"},
           Case{R"({"url": "ftp://repo"})", "INVALID_ARGUMENT"},
       }) {
    SCOPED_TRACE(c.body);
    ExpectResponseError(Vr("PUT", "/appliance/update-manager/repository", c.body), 400, c.code);
  }
  EXPECT_EQ(sim_->State("vr01")["repository"]["url"], nullptr) << "nothing was stored";
}

TEST_F(UpdateManagerTest, TheStateDumpNamesSessionUsersButHoldsNoSecrets) {
  LoginVr();
  const nlohmann::json state = sim_->State("vr01");
  ASSERT_EQ(state["sessions"].size(), 1U);
  EXPECT_EQ(state["sessions"][0]["user"], "admin");
  EXPECT_EQ(state["sessions"][0]["created_time"], "2026-01-01T00:00:00.000Z");
  const std::string dump = state.dump();
  EXPECT_EQ(dump.find(session_), std::string::npos);
  EXPECT_EQ(dump.find("vr-secret"), std::string::npos);
}

TEST_F(UpdateManagerTest, PatchStateChangesWhatTheApiReportsAndResetRestoresTheScenario) {
  LoginVr();
  sim_->PatchState("vr01", {{"appliance", {{"appliance_version", "9.0.1.1"}}},
                            {"sessions", nlohmann::json::array()}});
  EXPECT_EQ(Json(Vr("GET", "/appliance"))["appliance_version"], "9.0.1.1");
  EXPECT_EQ(sim_->State("vr01")["sessions"].size(), 1U) << "derived keys are not patchable";
  StartInstall();
  sim_->Reset();
  EXPECT_EQ(InstalledVersion(), "9.0.1.0");
  EXPECT_TRUE(sim_->State("vr01")["tasks"].empty());
  EXPECT_EQ(Vr("GET", "/appliance").response.status, 401) << "reset drops sessions";
}

TEST_F(UpdateManagerTest, AStatePatchedIntoTheWrongShapeGivesA500ResponseErrorNotACrash) {
  LoginVr();
  sim_->PatchState("vr01", {{"install", {{"duration", "soon"}}}});
  ExpectResponseError(Vr("POST", "/appliance/update-manager/updates/9.0.2.0/actions/install"), 500,
                      "INTERNAL_ERROR");
  sim_->PatchState("vr01", {{"retrieve", nullptr}});
  ExpectResponseError(Vr("POST", "/appliance/update-manager/actions/retrieve-updates"), 500,
                      "INTERNAL_ERROR");

  sim_->Reset();
  LoginVr();
  StartInstall();
  sim_->PatchState("vr01", {{"appliance", 42}, {"updates", "none"}});
  sim_->Advance(minutes(10));  // the restart ends on a state it cannot update: no crash
  EXPECT_EQ(sim_->State("vr01")["down_until"], nullptr);
}

TEST(DecodeUpdateManagerState, FillsInEveryDefault) {
  auto result = DecodeScenario(testing::Scenario(), "s.yaml");
  ASSERT_TRUE(result.scenario);
  EXPECT_EQ(result.scenario->personas.at(1).state, nlohmann::json::parse(R"({
    "appliance": {"hostname": "appliance.sim.local", "product_name": "vSphere Replication",
                  "product_build_number": "24000000", "appliance_version": "9.0.0.0",
                  "appliance_build_number": "24000000",
                  "system_information": "VMware Photon OS 5.0"},
    "updates": [],
    "repository": {"url": null, "mounted_iso": false, "username": null},
    "retrieve": {"queued_for": "1s", "duration": "10s", "fail": false},
    "install": {"queued_for": "1s", "duration": "2m", "restart_mode": "refuse",
                "restart_duration": "3m", "fail": false}})"));
}

TEST(DecodeUpdateManagerState, DecodesTheDocumentedExample) {
  // The example of docs/simulator.md and examples/sim/lab.yaml, every key set.
  const auto result = DecodeScenario(R"(personas:
  vr01:
    type: update-manager
    listen: 127.0.0.1:8444
    users: {admin: {password: "vr-secret"}}
    sessions: {idle_timeout: 30m, max_lifetime: 24h}
    state:
      appliance:
        hostname: vr01.lab.local
        product_name: vSphere Replication
        product_build_number: "24100000"
        appliance_version: "9.0.1.0"
        appliance_build_number: "24100000"
        system_information: VMware Photon OS 5.0
      updates:
        - version: "9.0.2.0"
          build_number: "24522545"
          name: vSphere Replication 9.0.2
          description: Security and bug fixes
          release_date: "2026-02-10T00:00:00Z"
          severity: IMPORTANT
          reboot_required: true
        - {version: "9.0.1.1", build_number: "24300000"}
      retrieve: {queued_for: 1s, duration: 10s, fail: false}
      install:
        queued_for: 5s
        duration: 2m
        restart_mode: refuse
        restart_duration: 3m
        fail: false
)",
                                     "lab.yaml");
  std::string problems;
  for (const auto& d : result.diagnostics) problems += manifests::FormatDiagnostic(d) + "\n";
  ASSERT_TRUE(result.scenario) << problems;
  const nlohmann::json& state = result.scenario->personas.at(0).state;
  EXPECT_EQ(state["appliance"]["appliance_version"], "9.0.1.0");
  EXPECT_EQ(state["updates"][0]["release_date"], "2026-02-10T00:00:00.000Z");
  EXPECT_EQ(state["updates"][1]["name"], "vSphere Replication 9.0.1.1");
  EXPECT_EQ(state["install"]["queued_for"], "5s");
  EXPECT_EQ(state["install"]["restart_mode"], "refuse");
}

std::vector<std::string> DecodeErrors(const std::string& state) {
  const std::string text = R"(personas:
  vr01:
    type: update-manager
    listen: 127.0.0.1:1
    users: {admin: {password: x}}
    state:
)" + state;
  const auto result = DecodeScenario(text, "s.yaml");
  EXPECT_FALSE(result.scenario);
  std::vector<std::string> messages;
  for (const auto& d : result.diagnostics) messages.push_back(manifests::FormatDiagnostic(d));
  return messages;
}

TEST(DecodeUpdateManagerState, ReportsBadAppliancesAndUpdatesWithFileLineAndColumn) {
  EXPECT_EQ(DecodeErrors(R"(      appliance: {appliance_version: "9.0 beta", hostname: [a]}
      updates:
        - {version: "9.0.2.0", severity: URGENT, release_date: tomorrow}
        - {version: "9.0.2.0", reboot_required: yes}
        - {name: no-version}
      retrieve: {queued_for: 5}
)"),
            (std::vector<std::string>{
                "s.yaml:7:38: error: state.appliance.appliance_version: must be a version such "
                "as \"9.0.2.0\" (letters, digits, '.', '-', '_', '+'), got \"9.0 beta\"",
                "s.yaml:7:60: error: state.appliance.hostname: must be a string, got a sequence",
                "s.yaml:9:42: error: state.updates[0].severity: must be one of CRITICAL, "
                "IMPORTANT, MODERATE, LOW, got \"URGENT\"",
                "s.yaml:9:64: error: state.updates[0].release_date: must be an RFC 3339 UTC time "
                "such as 2026-01-01T00:00:00Z",
                "s.yaml:10:21: error: state.updates[1].version: duplicate version \"9.0.2.0\"; "
                "first defined at s.yaml:9:21",
                "s.yaml:10:49: error: state.updates[1].reboot_required: must be true or false, "
                "got \"yes\"",
                "s.yaml:11:11: error: state.updates[2].version: required field is missing",
                "s.yaml:12:30: error: state.retrieve.queued_for: invalid duration \"5\": add a "
                "unit, e.g. 5s or 5m",
            }));
}

TEST(DecodeUpdateManagerState, ReportsBadInstallSettingsAndUnknownSections) {
  EXPECT_EQ(
      DecodeErrors(
          R"(      install: {duration: 0s, restart_mode: reboot, restart_duraton: 1m, fail: 1}
      upgrades: []
)"),
      (std::vector<std::string>{
          "s.yaml:7:27: error: state.install.duration: must be greater than 0s, got 0s",
          "s.yaml:7:45: error: state.install.restart_mode: must be one of refuse, 503, none, got "
          "\"reboot\"",
          "s.yaml:7:53: error: state.install.restart_duraton: unknown field; did you mean "
          "\"restart_duration\"?",
          "s.yaml:7:80: error: state.install.fail: must be true or false, got \"1\"",
          "s.yaml:8:7: error: state.upgrades: unknown field (known fields: appliance, updates, "
          "retrieve, install)",
      }));
  EXPECT_EQ(
      DecodeErrors("      []\n"),
      (std::vector<std::string>{"s.yaml:7:7: error: state: must be a mapping, got a sequence"}));
}

TEST(CompareApplianceVersions, OrdersByNumericRunsThenText) {
  struct Case {
    const char* a;
    const char* b;
    int order;
  };
  for (const Case& c : {
           Case{"9.0.2.0", "9.0.2.0", 0},
           Case{"9.0.2.0", "9.0.10.0", -1},
           Case{"9.0.1.0", "9.0.1.0-24100000", -1},
           Case{"9.0.2.0-24522545", "9.0.2.0-24100000", 1},
           Case{"10.0", "9.9.9.9", 1},
           Case{"9.0.02", "9.0.2", -1},
           Case{"9.0.1a", "9.0.1b", -1},
           Case{"8.0.2.00100", "8.0.2.00099", 1},
           Case{"99999999999999999999999.1", "99999999999999999999998.9", 1},
       }) {
    EXPECT_EQ(CompareApplianceVersions(c.a, c.b), c.order) << c.a << " vs " << c.b;
    EXPECT_EQ(CompareApplianceVersions(c.b, c.a), -c.order) << c.b << " vs " << c.a;
  }
  EXPECT_TRUE(IsApplianceVersion("9.0.2.0-24522545+hotfix_1"));
  EXPECT_FALSE(IsApplianceVersion("9.0/2"));
  EXPECT_FALSE(IsApplianceVersion(""));
}

}  // namespace
}  // namespace vsrd::simulator
