// The cis tasks (simulator/vcenter/tasks.cpp, cis_tasks.cpp; docs/vsphere-api.md "Tasks"): the
// list call with each filter, its errors and its limit, checked against the Swagger of cis.json;
// the service, operation and start_time every task kind records; finished tasks being kept.
#include <chrono>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "simulator/vcenter/cis_tasks.hpp"
#include "tests/simulator/sim_fixture.hpp"
#include "tests/simulator/swagger_checker.hpp"

namespace vsrd::simulator {
namespace {

using nlohmann::json;
using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;
using testing::SwaggerChecker;

constexpr const char* kList = "/api/cis/tasks?action=list";
const std::string kListKey = SwaggerChecker::PathKey("/api/cis/tasks", "list", false);
constexpr const char* kVcha = "com.vmware.vcenter.vcha.cluster.passive";
constexpr const char* kDepots = "com.vmware.esx.settings.depots.offline";
constexpr const char* kRedeploy = "/api/vcenter/vcha/cluster/passive?action=redeploy&vmw-task=true";
constexpr const char* kExtract =
    "/api/esx/settings/depots/offline?action=createFromHost&vmw-task=true";
constexpr const char* kRedeployBody = R"({"placement": {"name": "vc01-passive",
    "folder": "group-v4", "host": "host-12", "ha_network_type": "STANDARD_PORTGROUP",
    "ha_network": "network-13", "management_network_type": "STANDARD_PORTGROUP",
    "management_network": "network-11", "storage": {"datastore": "datastore-15"}}})";
constexpr const char* kExtractBody = R"({"auth_type": "EXISTING", "host": "host-101"})";

void ExpectConforms(const Reply& reply) {
  for (const auto& problem : testing::OfficialSpecs().CheckResponse(
           "POST", kListKey, reply.response.status, reply.response.body)) {
    ADD_FAILURE() << "POST " << kListKey << " -> " << reply.response.status << ": " << problem;
  }
}

// Over the demo scenario (examples/sim/lab.yaml): a degraded VCHA cluster whose passive node can
// be redeployed (5m), and inventory hosts to extract depots from (2m).
class TasksTest : public testing::SimulatorTest {
 protected:
  void SetUp() override {
    const auto loaded = LoadScenario(VSRD_SOURCE_DIR "/examples/sim/lab.yaml");
    ASSERT_TRUE(loaded.scenario);
    sim_ = std::make_unique<Simulator>(*loaded.scenario);
    Login("administrator@vsphere.local", "demo-only-password");
  }

  /// POST /api/cis/tasks?action=list with `body`, checked against the spec.
  Reply List(const json& body) {
    Reply reply = Call("POST", kList, body.dump());
    ExpectConforms(reply);
    return reply;
  }
  /// The 200 map of a list with `filter_spec`.
  json Listed(const json& filter_spec, const json& result_spec = nullptr) {
    json body = {{"filter_spec", filter_spec}};
    if (!result_spec.is_null()) body["result_spec"] = result_spec;
    const Reply reply = List(body);
    EXPECT_EQ(reply.response.status, 200) << reply.response.body;
    return Json(reply);
  }
  std::string Start(const char* target, const char* body) {
    const Reply reply = Call("POST", target, body);
    EXPECT_EQ(reply.response.status, 202) << reply.response.body;
    return Json(reply).get<std::string>();
  }
};

TEST_F(TasksTest, EveryTaskRecordsItsServiceOperationUserAndStartTime) {
  const std::string redeploy = Start(kRedeploy, kRedeployBody);
  sim_->Advance(minutes(1));
  const std::string extract = Start(kExtract, kExtractBody);
  const json tasks = Listed({{"services", {kVcha, kDepots}}});
  ASSERT_EQ(tasks.size(), 2U) << tasks.dump(2);
  EXPECT_EQ(tasks[redeploy]["service"], kVcha);
  EXPECT_EQ(tasks[redeploy]["operation"], "redeploy$task");
  EXPECT_EQ(tasks[redeploy]["start_time"], "2026-01-01T00:00:00.000Z");
  EXPECT_EQ(tasks[extract]["service"], kDepots);
  EXPECT_EQ(tasks[extract]["operation"], "create_from_host$task");
  EXPECT_EQ(tasks[extract]["start_time"], "2026-01-01T00:01:00.000Z");
  for (const auto& [id, info] : tasks.items()) {
    EXPECT_EQ(info["user"], "administrator@vsphere.local") << id;
    EXPECT_EQ(info["status"], "RUNNING") << id;
    // The list gives what GET /api/cis/tasks/{task} gives.
    EXPECT_EQ(Json(Call("GET", "/api/cis/tasks/" + id)), info) << id;
  }
}

TEST_F(TasksTest, FindsARedeployStartedAfterAGivenTimeAmongFinishedOnes) {
  // The crash-recovery question: "did a redeploy start after T?" A first redeploy runs to its
  // end, then one starts after T.
  const std::string earlier = Start(kRedeploy, kRedeployBody);
  sim_->Advance(minutes(10));
  sim_->PatchState("vc01", json::parse(R"({"vcha": {"health_state": "DEGRADED",
      "node2": {"runtime": {"state": "DOWN"}}}})"));
  const std::string after_t = FormatTime(sim_->Now());
  sim_->Advance(seconds(1));
  const std::string later = Start(kRedeploy, kRedeployBody);

  const json redeploys = Listed({{"services", {kVcha}}, {"operations", {"redeploy$task"}}});
  ASSERT_EQ(redeploys.size(), 2U) << redeploys.dump(2);
  EXPECT_EQ(redeploys[earlier]["status"], "SUCCEEDED") << "finished tasks are listed too";
  EXPECT_TRUE(redeploys[earlier].contains("end_time"));
  std::vector<std::string> started_after;
  for (const auto& [id, info] : redeploys.items()) {
    if (info.value("start_time", "") > after_t) started_after.push_back(id);
  }
  EXPECT_EQ(started_after, std::vector<std::string>{later});
}

TEST_F(TasksTest, EachFilterFieldNarrowsAndAnEmptyOneMatchesEverything) {
  const std::string redeploy = Start(kRedeploy, kRedeployBody);
  const std::string extract = Start(kExtract, kExtractBody);
  sim_->Advance(minutes(3));  // the extraction (2m) is done, the redeploy (5m) is not
  const json both = {kVcha, kDepots};
  const auto ids = [](const json& map) {
    std::vector<std::string> out;
    for (const auto& [id, info] : map.items()) out.push_back(id);
    return out;
  };
  EXPECT_EQ(ids(Listed({{"tasks", {extract}}})), std::vector<std::string>{extract});
  EXPECT_EQ(ids(Listed({{"tasks", {extract, "52ffffff-no-such-task"}}})),
            std::vector<std::string>{extract})
      << "an unknown id matches nothing";
  EXPECT_EQ(ids(Listed({{"services", {kVcha}}})), std::vector<std::string>{redeploy});
  EXPECT_EQ(ids(Listed({{"services", both}, {"operations", {"create_from_host$task"}}})),
            std::vector<std::string>{extract});
  EXPECT_TRUE(Listed({{"services", {kVcha}}, {"operations", {"redeploy"}}}).empty())
      << "operations compare exactly: the identifier carries $task";
  EXPECT_EQ(ids(Listed({{"services", both}, {"status", {"RUNNING", "PENDING"}}})),
            std::vector<std::string>{redeploy});
  EXPECT_EQ(ids(Listed({{"services", both}, {"status", {"SUCCEEDED"}}})),
            std::vector<std::string>{extract});
  EXPECT_EQ(Listed({{"services", both}, {"users", {"administrator@vsphere.local"}}}).size(), 2U);
  EXPECT_TRUE(Listed({{"services", both}, {"users", {"someone@vsphere.local"}}}).empty());
  EXPECT_TRUE(
      Listed({{"services", both}, {"targets", {{{"type", "HostSystem"}, {"id", "host-101"}}}}})
          .empty())
      << "these tasks have no target";
  EXPECT_EQ(Listed({{"services", both},
                    {"tasks", json::array()},
                    {"operations", json::array()},
                    {"status", json::array()},
                    {"targets", json::array()},
                    {"users", json::array()}})
                .size(),
            2U)
      << "empty fields match everything";
  EXPECT_TRUE(Listed({{"services", {"com.vmware.cis.nothing"}}}).empty());

  // result_spec.exclude_result leaves out the extraction's DepotExtractInfo.
  EXPECT_TRUE(Listed({{"tasks", {extract}}})[extract].contains("result"));
  EXPECT_FALSE(
      Listed({{"tasks", {extract}}}, {{"exclude_result", true}})[extract].contains("result"));
  EXPECT_TRUE(Listed({{"tasks", {extract}}}, {{"return_all", true}})[extract].contains("result"));
}

TEST_F(TasksTest, FinishedTasksAreKeptUntilAReset) {
  const std::string id = Start(kExtract, kExtractBody);
  sim_->Advance(hours(24 * 30));
  Login("administrator@vsphere.local", "demo-only-password");  // the session expired meanwhile
  EXPECT_EQ(Listed({{"tasks", {id}}}).size(), 1U);
  EXPECT_EQ(Json(Call("GET", "/api/cis/tasks/" + id))["status"], "SUCCEEDED");
  sim_->Reset();
  Login("administrator@vsphere.local", "demo-only-password");
  EXPECT_TRUE(Listed({{"tasks", {id}}}).empty());
}

TEST_F(TasksTest, ABadOrMissingFilterIsRejectedAsTheVapiRuntimeDoes) {
  Start(kExtract, kExtractBody);
  const auto expect_error = [&](const std::string& body, const std::string& error_type,
                                const std::string& message) {
    const Reply reply = Call("POST", kList, body);
    EXPECT_EQ(reply.response.status, 400) << body;
    EXPECT_EQ(Json(reply)["error_type"], error_type) << body;
    EXPECT_EQ(Json(reply)["messages"][0]["default_message"], message) << body;
    ExpectConforms(reply);
  };
  expect_error("", "INVALID_ARGUMENT", "filter_spec: required field is missing.");
  expect_error("{}", "INVALID_ARGUMENT", "filter_spec: required field is missing.");
  expect_error(R"({"result_spec": {"exclude_result": true}})", "INVALID_ARGUMENT",
               "filter_spec: required field is missing.");
  expect_error(R"({"filter_spec": {}})", "INVALID_ARGUMENT",
               "filter_spec: at least one of tasks and services must be set and not empty.");
  expect_error(R"({"filter_spec": {"services": [], "operations": ["redeploy$task"]}})",
               "INVALID_ARGUMENT",
               "filter_spec: at least one of tasks and services must be set and not empty.");
  expect_error(R"({"filter_spec": {"services": "com.vmware.x"}})", "INVALID_ARGUMENT",
               "filter_spec.services: must be a list of strings, got \"com.vmware.x\".");
  expect_error(R"({"filter_spec": {"services": ["s"], "status": ["DONE"]}})", "INVALID_ARGUMENT",
               "filter_spec.status: each item must be one of PENDING, RUNNING, BLOCKED, "
               "SUCCEEDED, FAILED, got \"DONE\".");
  expect_error(R"({"filter_spec": {"services": ["s"], "targets": [{"type": "HostSystem"}]}})",
               "INVALID_ARGUMENT", "filter_spec.targets[0].id: required field is missing.");
  expect_error(R"({"filter_spec": {"services": ["s"]}, "result_spec": {"exclude_result": 1}})",
               "INVALID_ARGUMENT", "result_spec.exclude_result: must be a boolean, got 1.");
  expect_error(R"({"filter_spec": {"services": ["s"], "service": ["s"]}})", "UNEXPECTED_INPUT",
               "filter_spec.service: unexpected field; the structure does not define it.");
  expect_error(R"({"filter_spec": {"services": ["s"]}, "page": 2})", "UNEXPECTED_INPUT",
               "page: unexpected field; the structure does not define it.");
  expect_error("{", "INVALID_ARGUMENT", "The request body is not valid JSON.");
}

TEST_F(TasksTest, MoreThanAThousandMatchesIsTheSpecs500) {
  std::vector<std::string> ids;
  ids.reserve(1000);
  for (int i = 0; i < 1000; ++i) ids.push_back(Start(kExtract, kExtractBody));
  // (The 200 of a thousand is not run through the Swagger checker: the other tests check the
  // shape, and checking a thousand Infos is slow under the sanitizers.)
  const std::string all = json{{"filter_spec", {{"services", {kDepots}}}}}.dump();
  const Reply thousand = Call("POST", kList, all);
  EXPECT_EQ(thousand.response.status, 200);
  EXPECT_EQ(Json(thousand).size(), 1000U);
  Start(kExtract, kExtractBody);
  const Reply over = List(json::parse(all));
  EXPECT_EQ(over.response.status, 500);
  EXPECT_EQ(Json(over)["error_type"], "RESOURCE_INACCESSIBLE");
  // A narrower filter still answers.
  EXPECT_EQ(Listed({{"tasks", {ids.front(), ids.back()}}}).size(), 2U);
}

TEST(CisTaskStore, ListMatchesTargetsByTypeAndId) {
  CisTaskStore store;
  TimePoint now;
  ASSERT_TRUE(ParseTime("2026-01-01T00:00:00Z", now));
  CisTaskSpec on_host;
  on_host.service = "com.vmware.example";
  on_host.operation = "work$task";
  on_host.target = json{{"type", "HostSystem"}, {"id", "host-1"}};
  CisTaskSpec untargeted = on_host;
  untargeted.target.reset();
  untargeted.user = "";
  const std::string targeted_id = store.Start(on_host, now);
  const std::string untargeted_id = store.Start(untargeted, now);

  CisTaskFilter filter;
  filter.services = {"com.vmware.example"};
  filter.targets = {json{{"type", "HostSystem"}, {"id", "host-1"}}};
  const json listed = store.List(filter, now, false);
  ASSERT_EQ(listed.size(), 1U);
  EXPECT_EQ(listed[targeted_id]["target"]["id"], "host-1");
  filter.targets = {json{{"type", "VirtualMachine"}, {"id", "host-1"}}};
  EXPECT_TRUE(store.List(filter, now, false).empty());
  filter.targets.clear();
  EXPECT_EQ(store.List(filter, now, false).size(), 2U);
  // A task run by the system has no user: it matches no users filter.
  EXPECT_FALSE(store.List(filter, now, false)[untargeted_id].contains("user"));
  filter.users = {""};
  EXPECT_TRUE(store.List(filter, now, false).empty());
}

}  // namespace
}  // namespace vsrd::simulator
