// The simulator's shared machinery through Simulator::Handle: sessions, routing, error bodies,
// faults, the request log, the admin API and scenario decoding.
#include <gtest/gtest.h>

#include "simulator/vapi_error.hpp"
#include "tests/simulator/sim_fixture.hpp"

namespace vsrd::simulator {
namespace {

using std::chrono::minutes;
using testing::SimulatorTest;

TEST_F(SimulatorTest, LoginReturnsATokenThatLaterCallsCarry) {
  Login();
  const Reply reply = Call("GET", "/api/session");
  EXPECT_EQ(reply.response.status, 200);
  EXPECT_EQ(Json(reply)["user"], "administrator@vsphere.local");
  EXPECT_EQ(Json(reply)["created_time"], "2026-01-01T00:00:00.000Z");
}

// A real appliance sends its own clock in every answer's Date header (RFC 9110); vsrd's install
// guard measures start_time against it, so the persona sends the simulated clock (issue 14).
TEST_F(SimulatorTest, EveryPersonaAnswerCarriesTheSimulatedClockAsItsDate) {
  const auto date = [](const Reply& reply) {
    std::vector<std::string> values;
    for (const auto& [name, value] : reply.response.headers) {
      if (name == "Date") values.push_back(value);
    }
    return values;
  };
  EXPECT_EQ(date(Call("GET", "/api/vcenter/deployment")),
            std::vector<std::string>{"Thu, 01 Jan 2026 00:00:00 GMT"})
      << "an unauthenticated answer too";
  Login();
  sim_->Advance(minutes(90));
  EXPECT_EQ(date(Call("GET", "/api/vcenter/deployment")),
            std::vector<std::string>{"Thu, 01 Jan 2026 01:30:00 GMT"});
}

TEST_F(SimulatorTest, BadCredentialsAndMissingOrUnknownTokensAreUnauthenticated) {
  Request request = Request::FromTarget("POST", "/api/session");
  request.headers["authorization"] = "Basic " + Base64Encode("administrator@vsphere.local:nope");
  EXPECT_EQ(sim_->Handle("vc01", request).response.status, 401);
  request.headers["authorization"] = "Basic !!!";
  EXPECT_EQ(sim_->Handle("vc01", request).response.status, 401);

  const Reply missing = Call("GET", "/api/cis/tasks/x");
  EXPECT_EQ(missing.response.status, 401);
  EXPECT_EQ(Json(missing)["error_type"], "UNAUTHENTICATED");
  EXPECT_EQ(Json(missing)["messages"][0]["id"],
            "com.vmware.vapi.endpoint.method.authentication.required");
  token_ = "0123456789abcdef0123456789abcdef";
  EXPECT_EQ(Call("GET", "/api/session").response.status, 401);
}

TEST_F(SimulatorTest, SessionsExpireWhenIdleAndAtTheirMaximumLifetime) {
  Login();
  sim_->Advance(minutes(29));
  EXPECT_EQ(Call("GET", "/api/session").response.status, 200) << "29 minutes idle is fine";
  sim_->Advance(minutes(31));
  EXPECT_EQ(Call("GET", "/api/session").response.status, 401) << "31 minutes idle is not";

  Login();
  for (int i = 0; i < 49;
       ++i) {  // 49 x 29 min = 23 h 41 min: kept busy,, yet the 24 h absolute limit still applies
    sim_->Advance(minutes(29));
    ASSERT_EQ(Call("GET", "/api/session").response.status, 200) << i;
  }
  sim_->Advance(minutes(29));
  EXPECT_EQ(Call("GET", "/api/session").response.status, 401);
}

TEST_F(SimulatorTest, DeleteSessionLogsOut) {
  Login();
  EXPECT_EQ(Call("DELETE", "/api/session").response.status, 204);
  EXPECT_EQ(Call("GET", "/api/session").response.status, 401);
}

TEST_F(SimulatorTest, UnknownPathsAndActionsGetANotFoundBody) {
  Login();
  for (const char* target : {"/api/nope", "/api/session?action=frob", "/"}) {
    const Reply reply = Call("GET", target);
    EXPECT_EQ(reply.response.status, 404) << target;
    EXPECT_EQ(Json(reply)["error_type"], "NOT_FOUND") << target;
  }
  const Reply task = Call("GET", "/api/cis/tasks/no-such-task");
  EXPECT_EQ(task.response.status, 404);
  EXPECT_EQ(Json(task)["error_type"], "NOT_FOUND");
}

// A client's bytes echoed into an error body may be invalid UTF-8 (a task id, a query value):
// the answer carries U+FFFD in their place instead of a serialization error (issue 14).
TEST_F(SimulatorTest, InvalidUtf8EchoedIntoAnAnswerBecomesAReplacementCharacter) {
  Login();
  const Reply task = Call("GET", "/api/cis/tasks/bad-\xff\xfe-id");
  EXPECT_EQ(task.response.status, 404);
  EXPECT_EQ(Json(task)["error_type"], "NOT_FOUND");
  EXPECT_NE(task.response.body.find("\xef\xbf\xbd"), std::string::npos) << task.response.body;
  const Response direct = Response::Json(200, nlohmann::json{{"echo", "\xc3("}});
  EXPECT_EQ(direct.body, "{\"echo\":\"\xef\xbf\xbd(\"}");
}

TEST_F(SimulatorTest, FaultsFailTheNthMatchingCallKTimesThenStop) {
  Login();
  FaultRule rule;
  rule.path = "/api/session";
  rule.method = "GET";
  rule.nth = 2;
  rule.times = 2;
  rule.status = 503;
  rule.error_type = "SERVICE_UNAVAILABLE";
  const int id = sim_->AddFault(rule);
  std::vector<int> statuses;
  statuses.reserve(5);
  for (int i = 0; i < 5; ++i) statuses.push_back(Call("GET", "/api/session").response.status);
  EXPECT_EQ(statuses, (std::vector<int>{200, 503, 503, 200, 200}));
  const auto log = sim_->Requests();
  ASSERT_EQ(log.size(), 6U);  // the login and five GETs
  EXPECT_EQ(log[2].fault_id, id);
  EXPECT_EQ(log[4].fault_id, 0);
}

TEST_F(SimulatorTest, FaultsCanResetCloseTruncateOrDelayAndMatchTemplates) {
  Login();
  for (const auto& [answer, disposition] :
       {std::pair{"reset", Disposition::kReset}, std::pair{"close", Disposition::kClose},
        std::pair{"truncate", Disposition::kTruncate},
        std::pair{"garbage", Disposition::kGarbage}}) {
    std::string error;
    auto rule = FaultRuleFromJson(
        {{"path", "/api/cis/tasks/{task}"}, {"answer", answer}, {"status", 200}}, error);
    ASSERT_TRUE(rule) << error;
    sim_->AddFault(*rule);
    EXPECT_EQ(Call("GET", "/api/cis/tasks/t-1").disposition, disposition) << answer;
  }
  std::string error;
  auto delay = FaultRuleFromJson({{"path", "/api/session"}, {"delay", "250ms"}}, error);
  ASSERT_TRUE(delay) << error;
  sim_->AddFault(*delay);
  const Reply late = Call("GET", "/api/session");
  EXPECT_EQ(late.response.status, 200) << "a delay-only fault still answers normally";
  EXPECT_EQ(late.delay, std::chrono::milliseconds(250));
}

TEST(FaultRuleFromJson, RejectsBadRulesWithAReason) {
  std::string error;
  EXPECT_FALSE(FaultRuleFromJson({{"status", 500}}, error));
  EXPECT_EQ(error, "path is required and must start with '/' (or be \"*\" for every API path)");
  EXPECT_FALSE(FaultRuleFromJson({{"path", "/x"}, {"sttaus", 500}}, error));
  EXPECT_EQ(error, "unknown fault field \"sttaus\"");
  EXPECT_FALSE(FaultRuleFromJson({{"path", "/x"}, {"error_type", "OOPS"}}, error));
  EXPECT_FALSE(FaultRuleFromJson({{"path", "/x"}}, error));
  EXPECT_FALSE(FaultRuleFromJson({{"path", "/x"}, {"status", "500"}}, error));
  const auto rule = FaultRuleFromJson({{"path", "/x"}, {"error_type", "RESOURCE_BUSY"}}, error);
  ASSERT_TRUE(rule);
  EXPECT_EQ(rule->status, 500) << "the /api spec maps RESOURCE_BUSY to 500";

  EXPECT_FALSE(FaultRuleFromJson({{"path", "/x"}, {"answer", "hold"}, {"status", 503}}, error));
  EXPECT_EQ(error, "a hold fault answers nothing: status and error_type do not apply");
  EXPECT_FALSE(FaultRuleFromJson({{"path", "/x"}, {"answer", "hold"}, {"execute", "yes"}}, error));
  EXPECT_FALSE(FaultRuleFromJson({{"path", "**"}, {"answer", "hold"}}, error));
  EXPECT_FALSE(FaultRuleFromJson({{"path", "/x"}, {"answer", "wait"}}, error));
  EXPECT_EQ(error, "answer must be one of respond, reset, close, truncate, garbage, refuse, hold");
  const auto hold =
      FaultRuleFromJson({{"path", "*"}, {"nth", 3}, {"answer", "hold"}, {"execute", true}}, error);
  ASSERT_TRUE(hold) << error;
  EXPECT_EQ(hold->disposition, Disposition::kHold);
  EXPECT_TRUE(hold->execute);
  EXPECT_EQ(hold->delay, Duration(0)) << "no delay: held until the client or the server ends it";
  const nlohmann::json listed = FaultRuleToJson(*hold);
  EXPECT_EQ(listed["path"], "*");
  EXPECT_EQ(listed["answer"], "hold");
  EXPECT_EQ(listed["execute"], true);
  EXPECT_EQ(FaultRuleToJson(*rule)["execute"], false);
}

TEST_F(SimulatorTest, ADelayOnlyFaultExecutesAtOnceAndSendsTheRealAnswerLate) {
  Login();
  std::string error;
  auto rule =
      FaultRuleFromJson({{"path", "/api/session"}, {"method", "DELETE"}, {"delay", "2s"}}, error);
  ASSERT_TRUE(rule) << error;
  const int id = sim_->AddFault(*rule);
  const Reply late = Call("DELETE", "/api/session");
  EXPECT_EQ(late.disposition, Disposition::kRespond);
  EXPECT_EQ(late.response.status, 204);
  EXPECT_EQ(late.delay, std::chrono::milliseconds(2000));
  // The handler ran when the request arrived: the session is gone before the answer is sent.
  EXPECT_EQ(Call("GET", "/api/session").response.status, 401);
  const LogEntry entry = sim_->Requests()[1];
  EXPECT_TRUE(entry.executed);
  EXPECT_EQ(entry.status, 204);
  EXPECT_EQ(entry.answer, "respond");
  EXPECT_EQ(entry.fault_id, id);
}

TEST_F(SimulatorTest, ExecuteRunsTheCallThenTheFaultSpoilsOnlyItsAnswer) {
  std::string error;
  // The same fault three ways on a mutating call (DELETE /api/session ends the session).
  struct Case {
    nlohmann::json rule;
    Disposition disposition;
    int client_status;  // what the client got, when it got an answer
    bool session_ended;
    int logged_status;
  };
  const std::vector<Case> cases{
      {{{"answer", "close"}}, Disposition::kClose, 0, false, 0},
      {{{"answer", "close"}, {"execute", true}}, Disposition::kClose, 0, true, 204},
      {{{"answer", "reset"}, {"execute", true}, {"delay", "1s"}},
       Disposition::kReset,
       0,
       true,
       204},
      {{{"answer", "truncate"}, {"execute", true}}, Disposition::kTruncate, 204, true, 204},
      {{{"status", 503}, {"error_type", "SERVICE_UNAVAILABLE"}},
       Disposition::kRespond,
       503,
       false,
       503},
      {{{"status", 503}, {"error_type", "SERVICE_UNAVAILABLE"}, {"execute", true}},
       Disposition::kRespond,
       503,
       true,
       204},
  };
  for (const Case& c : cases) {
    sim_->Reset();
    Login();
    nlohmann::json json = c.rule;
    json["path"] = "/api/session";
    json["method"] = "DELETE";
    auto rule = FaultRuleFromJson(json, error);
    ASSERT_TRUE(rule) << error;
    const int id = sim_->AddFault(*rule);
    const Reply reply = Call("DELETE", "/api/session");
    EXPECT_EQ(reply.disposition, c.disposition) << json;
    if (c.client_status != 0) {
      EXPECT_EQ(reply.response.status, c.client_status) << json;
    }
    EXPECT_EQ(reply.delay, rule->delay) << json;
    EXPECT_EQ(Call("GET", "/api/session").response.status, c.session_ended ? 401 : 200) << json;
    const LogEntry entry = sim_->Requests()[1];
    EXPECT_EQ(entry.executed, rule->execute) << json;
    EXPECT_EQ(entry.status, c.logged_status) << json;
    EXPECT_EQ(entry.answer, std::string(DispositionName(c.disposition))) << json;
    EXPECT_EQ(entry.fault_id, id) << json;
  }
}

TEST_F(SimulatorTest, AHoldFaultHoldsTheAnswerExecutedOrNot) {
  Login();
  std::string error;
  auto held = FaultRuleFromJson(
      {{"path", "/api/session"}, {"method", "DELETE"}, {"answer", "hold"}}, error);
  ASSERT_TRUE(held) << error;
  sim_->AddFault(*held);
  const Reply not_executed = Call("DELETE", "/api/session");
  EXPECT_EQ(not_executed.disposition, Disposition::kHold);
  EXPECT_EQ(not_executed.delay, std::chrono::milliseconds(0)) << "until the client or server ends";
  EXPECT_EQ(Call("GET", "/api/session").response.status, 200) << "not executed";
  nlohmann::json logged = LogEntryToJson(sim_->Requests()[1]);
  EXPECT_EQ(logged["answer"], "hold");
  EXPECT_EQ(logged["executed"], false);
  EXPECT_EQ(logged["status"], 0);

  auto executed = FaultRuleFromJson({{"path", "/api/session"},
                                     {"method", "DELETE"},
                                     {"answer", "hold"},
                                     {"execute", true},
                                     {"delay", "3s"}},
                                    error);
  ASSERT_TRUE(executed) << error;
  sim_->AddFault(*executed);
  const Reply after_executing = Call("DELETE", "/api/session");
  EXPECT_EQ(after_executing.disposition, Disposition::kHold);
  EXPECT_EQ(after_executing.delay, std::chrono::milliseconds(3000));
  EXPECT_EQ(Call("GET", "/api/session").response.status, 401) << "executed: the session is gone";
  logged = LogEntryToJson(sim_->Requests()[3]);
  EXPECT_EQ(logged["method"], "DELETE");
  EXPECT_EQ(logged["answer"], "hold");
  EXPECT_EQ(logged["executed"], true);
  EXPECT_EQ(logged["status"], 204);
}

TEST_F(SimulatorTest, AStarPathMatchesEveryApiRequestOfThePersonaButNoAdminCall) {
  std::string error;
  auto rule = FaultRuleFromJson(
      {{"persona", "vc01"}, {"path", "*"}, {"nth", 3}, {"answer", "hold"}, {"execute", true}},
      error);
  ASSERT_TRUE(rule) << error;
  const int id = sim_->AddFault(*rule);
  Login();                                                                  // 1
  EXPECT_EQ(Call("GET", "/sim/clock").response.status, 200);                // admin: not counted
  EXPECT_EQ(Call("POST", "/session", "", "vr01").response.status, 401);     // vr01: not counted
  EXPECT_EQ(Call("GET", "/api/session").response.status, 200);              // 2
  EXPECT_EQ(Call("GET", "/api/nope?x=1").disposition, Disposition::kHold);  // 3: unrouted too
  EXPECT_EQ(Call("GET", "/api/session").response.status, 200);              // 4: times 1
  const auto log = sim_->Requests();
  ASSERT_EQ(log.size(), 5U);
  EXPECT_EQ(log[3].path, "/api/nope");
  EXPECT_EQ(log[3].fault_id, id);
  EXPECT_EQ(log[3].answer, "hold");
  EXPECT_TRUE(log[3].executed);
  EXPECT_EQ(log[3].status, 404);
  const nlohmann::json faults =
      Json(sim_->Handle("vc01", Request::FromTarget("GET", "/sim/faults")));
  EXPECT_EQ(faults[0]["matched"], 4);
  EXPECT_EQ(faults[0]["fired"], 1);
}

TEST_F(SimulatorTest, TheRequestLogKeepsEveryValueOfARepeatedQueryKey) {
  Login();
  Call("GET", "/api/vcenter/vm?names=a&power_states=POWERED_ON&names=b%20c&names=a");
  const nlohmann::json query = LogEntryToJson(sim_->Requests().back())["query"];
  EXPECT_EQ(query,
            nlohmann::json::parse(R"({"names": ["a", "b c", "a"], "power_states": "POWERED_ON"})"))
      << "repeated keys are arrays in the order sent; single ones stay strings";
  const nlohmann::json listed =
      Json(sim_->Handle("vc01", Request::FromTarget("GET", "/sim/requests?path=/api/vcenter/vm")));
  ASSERT_EQ(listed.size(), 1U);
  EXPECT_EQ(listed[0]["query"], query);
}

TEST_F(SimulatorTest, TheRequestLogNeverHoldsSecrets) {
  Login();
  Call("POST", "/api/nope", R"({"vc_spec": {"active_location": {"password": "hunter2"}}})");
  const auto log = sim_->Requests();
  ASSERT_EQ(log.size(), 2U);
  EXPECT_EQ(log[1].body["vc_spec"]["active_location"]["password"], "<redacted>");
  const std::string dump = LogEntryToJson(log[0]).dump() + LogEntryToJson(log[1]).dump();
  EXPECT_EQ(dump.find("hunter2"), std::string::npos);
  EXPECT_EQ(dump.find("VMware1!"), std::string::npos);
  EXPECT_EQ(dump.find(token_), std::string::npos);
  EXPECT_EQ(sim_->State("vc01").dump().find(token_), std::string::npos);
}

TEST_F(SimulatorTest, AdminApiAdvancesTheClockPatchesStateAndListsRequests) {
  auto admin = [&](const std::string& method, const std::string& target,
                   const std::string& body = "") {
    return sim_->Handle("vc01", Request::FromTarget(method, target, body));
  };
  EXPECT_EQ(Json(admin("POST", "/sim/clock/advance?by=1h30m"))["now"], "2026-01-01T01:30:00.000Z");
  EXPECT_EQ(Json(admin("POST", "/sim/clock/advance", R"({"by": "30m"})"))["now"],
            "2026-01-01T02:00:00.000Z");
  EXPECT_EQ(admin("POST", "/sim/clock/advance?by=soon").response.status, 400);
  EXPECT_EQ(Json(admin("GET", "/sim/clock"))["now"], "2026-01-01T02:00:00.000Z");

  const Reply patched =
      admin("PATCH", "/sim/state/vc01", R"({"inventory": {"hosts": {"host-9": {"name": "h9"}}}})");
  EXPECT_EQ(patched.response.status, 200);
  EXPECT_EQ(sim_->State("vc01")["inventory"]["hosts"]["host-9"]["name"], "h9");
  EXPECT_EQ(admin("PATCH", "/sim/state/nope", "{}").response.status, 404);

  EXPECT_EQ(
      admin("POST", "/sim/faults", R"({"path": "/api/session", "status": 500})").response.status,
      201);
  EXPECT_EQ(Json(admin("GET", "/sim/faults")).size(), 1U);
  EXPECT_EQ(admin("POST", "/sim/faults", R"({"path": 1})").response.status, 400);
  EXPECT_EQ(admin("DELETE", "/sim/faults/1").response.status, 204);
  EXPECT_EQ(admin("DELETE", "/sim/faults/1").response.status, 404);

  Login();
  EXPECT_EQ(Json(admin("GET", "/sim/requests?persona=vc01")).size(), 1U);
  EXPECT_EQ(Json(admin("GET", "/sim/requests?persona=vr01")).size(), 0U);
  EXPECT_EQ(admin("POST", "/sim/reset").response.status, 204);
  EXPECT_EQ(Json(admin("GET", "/sim/requests")).size(), 0U);
  EXPECT_FALSE(sim_->State("vc01")["inventory"]["hosts"].contains("host-9"));
  EXPECT_EQ(Call("GET", "/api/session").response.status, 401) << "reset drops sessions";
}

// Issue 14: what a broken or hostile server sends (a fault's `body`, sent as given), and what
// vsrd-sim does with request bodies nested too deep (refused before any recursive walk).
TEST_F(SimulatorTest, AFaultAnswersWithItsBodyAsGivenAndDeepRequestBodiesAreRefused) {
  const std::string deep = std::string(200'000, '[') + std::string(200'000, ']');
  const std::string body = R"({"error_type":"ERROR","messages":[],"data":)" + deep + "}";
  const Reply added = sim_->Handle(
      "vc01", Request::FromTarget(
                  "POST", "/sim/faults",
                  nlohmann::json{
                      {"path", "/api/vcenter/vcha/cluster/mode"}, {"status", 500}, {"body", body}}
                      .dump()));
  ASSERT_EQ(added.response.status, 201) << added.response.body;
  Login();
  const Reply faulted = Call("GET", "/api/vcenter/vcha/cluster/mode");
  EXPECT_EQ(faulted.response.status, 500);
  EXPECT_EQ(faulted.response.body, body);

  std::string error;
  EXPECT_FALSE(FaultRuleFromJson({{"path", "/x"}, {"body", "{}"}}, error));
  EXPECT_EQ(error, "a body is sent with a respond fault's status: give a status or an error_type");

  // The request log and the vAPI body reader both refuse it: 400, and no crash.
  const Reply refused = Call("POST", "/api/vcenter/vcha/cluster/passive?action=check",
                             R"({"placement":)" + deep + "}");
  EXPECT_EQ(refused.response.status, 400);
  EXPECT_EQ(Json(refused)["messages"][0]["default_message"],
            "The request body is JSON nested deeper than 64 levels.");
  const auto log = sim_->Requests();
  ASSERT_FALSE(log.empty());
  EXPECT_EQ(log.back().body, "<JSON nested deeper than 64 levels>");
  EXPECT_EQ(sim_->Handle("vc01", Request::FromTarget("POST", "/sim/faults", deep)).response.status,
            400);
}

TEST_F(SimulatorTest, AdminApiAnswersLoopbackOnly) {
  Request request = Request::FromTarget("GET", "/sim/state");
  request.remote_address = "192.0.2.7";
  EXPECT_EQ(sim_->Handle("vc01", request).response.status, 403);
}

TEST_F(SimulatorTest, APatchOfTheWrongShapeGivesA500NotACrash) {
  sim_->PatchState("vc01", {{"inventory", 42}});
  Login();
  // Whatever an area does with a broken state, Handle catches it and answers with a std-error.
  const Reply reply = Call("GET", "/api/cis/tasks/x");
  EXPECT_TRUE(reply.response.status == 404 || reply.response.status == 500);
}

TEST(DecodeScenario, ReportsProblemsWithFileLineAndColumn) {
  const auto result = DecodeScenario(R"(clock: {start: yesterday}
personas:
  vc01:
    type: vcentre
    listen: 127.0.0.1:1
    users: {a: {pasword: x}}
  Bad_Name: {}
)",
                                     "s.yaml");
  EXPECT_FALSE(result.scenario);
  std::vector<std::string> messages;
  for (const auto& d : result.diagnostics) messages.push_back(manifests::FormatDiagnostic(d));
  EXPECT_EQ(
      messages,
      (std::vector<std::string>{
          "s.yaml:1:16: error: clock.start: must be an RFC 3339 UTC time such as "
          "2026-01-01T00:00:00Z",
          "s.yaml:4:11: error: personas.vc01.type: must be one of vcenter, update-manager, "
          "got \"vcentre\"; did you mean \"vcenter\"?",
          "s.yaml:6:17: error: personas.vc01.users.a.pasword: unknown field; did you mean "
          "\"password\"?",
          "s.yaml:7:3: error: personas.Bad_Name: \"Bad_Name\" is not a valid persona name: use "
          "1-63 lowercase letters, digits and '-', starting and ending with a letter or digit",
      }));
}

// Personas may all take a free port (port 0: bench/scale.py starts ten that way); a fixed address
// is one persona's, compared in canonical form; a listen that cannot be bound is reported where
// it is written rather than at bind time.
TEST(DecodeScenario, ListenAddressesConflictOnlyWhenTheyNameTheSameFixedPort) {
  const auto persona = [](const std::string& name, const std::string& listen) {
    return "  " + name + ": {type: vcenter, listen: \"" + listen +
           "\", users: {a: {password: x}}}\n";
  };
  struct Row {
    std::string first, second;
    std::vector<std::string> messages;
  };
  const std::vector<Row> rows{
      {"127.0.0.1:0", "127.0.0.1:0", {}},
      {"127.0.0.1:8443", "127.0.0.1:8444", {}},
      {"127.0.0.1:8443",
       "127.0.0.1:8443",
       {"s.yaml:3:3: error: personas.vc02.listen: \"127.0.0.1:8443\" is used by another "
        "persona"}},
      {"localhost:8443",
       "127.0.0.1:8443",
       {"s.yaml:3:3: error: personas.vc02.listen: \"127.0.0.1:8443\" is used by another "
        "persona"}},
      {"[127.0.0.1]:0",
       "127.0.0.1:0",
       {"s.yaml:2:33: error: personas.vc01.listen: \"[127.0.0.1]:0\" is not a listen address: "
        "brackets are only for IPv6 addresses (RFC 3986 section 3.2.2); write 127.0.0.1:0"}},
  };
  for (const auto& row : rows) {
    const auto result = DecodeScenario(
        "personas:\n" + persona("vc01", row.first) + persona("vc02", row.second), "s.yaml");
    std::vector<std::string> messages;
    for (const auto& d : result.diagnostics) messages.push_back(manifests::FormatDiagnostic(d));
    EXPECT_EQ(messages, row.messages) << row.first << " and " << row.second;
    EXPECT_EQ(result.scenario.has_value(), row.messages.empty()) << row.first << " " << row.second;
  }
}

TEST(DecodeScenario, FaultsInTheScenarioAreInForceFromTheStartAndAfterAReset) {
  const auto result = DecodeScenario(testing::Scenario() + R"(faults:
  - {persona: vc01, method: POST, path: /api/session, status: 503, error_type: SERVICE_UNAVAILABLE}
)",
                                     "s.yaml");
  ASSERT_TRUE(result.scenario);
  Simulator sim(*result.scenario);
  Request login = Request::FromTarget("POST", "/api/session");
  login.headers["authorization"] = "Basic " + Base64Encode("administrator@vsphere.local:VMware1!");
  EXPECT_EQ(sim.Handle("vc01", login).response.status, 503);
  EXPECT_EQ(sim.Handle("vc01", login).response.status, 201) << "times defaults to 1";
  sim.Reset();
  EXPECT_EQ(sim.Handle("vc01", login).response.status, 503)
      << "a reset restores the scenario's faults";
}

TEST(DecodeScenario, AScenarioFaultCanHoldTheNthRequestOfAnyPathAfterExecutingIt) {
  const auto result = DecodeScenario(testing::Scenario() + R"(faults:
  - {persona: vc01, path: "*", nth: 2, answer: hold, execute: true, delay: 5s}
)",
                                     "s.yaml");
  ASSERT_TRUE(result.scenario);
  ASSERT_EQ(result.scenario->faults.size(), 1U);
  const FaultRule& rule = result.scenario->faults.front();
  EXPECT_EQ(rule.path, "*");
  EXPECT_EQ(rule.disposition, Disposition::kHold);
  EXPECT_TRUE(rule.execute);
  EXPECT_EQ(rule.delay, std::chrono::milliseconds(5000));
  const auto bad = DecodeScenario(testing::Scenario() + R"(faults:
  - {path: /api/session, answer: hold, execute: yes}
)",
                                  "s.yaml");
  EXPECT_FALSE(bad.scenario);
}

TEST(DecodeScenario, ReportsBadFaultsAtTheirPosition) {
  const auto result = DecodeScenario(testing::Scenario() + R"(faults:
  - {path: /api/session, status: 503, sttaus: 1}
  - {path: api/session, status: 503}
  - {path: /api/session, nth: 0}
)",
                                     "s.yaml");
  EXPECT_FALSE(result.scenario);
  std::vector<std::string> messages;
  for (const auto& d : result.diagnostics) messages.push_back(manifests::FormatDiagnostic(d));
  EXPECT_EQ(messages,
            (std::vector<std::string>{
                "s.yaml:15:39: error: faults[0].sttaus: unknown field; did you mean "
                "\"status\"?",
                "s.yaml:16:5: error: faults[1]: path is required and must start with '/' (or be "
                "\"*\" for every API path)",
                "s.yaml:17:31: error: faults[2].nth: must be between 1 and 1000000, got 0",
            }));
}

TEST(SimClock, FormatsAndParsesVapiTimes) {
  TimePoint time;
  ASSERT_TRUE(ParseTime("2026-02-28T23:59:59.5Z", time));
  EXPECT_EQ(FormatTime(time), "2026-02-28T23:59:59.500Z");
  EXPECT_FALSE(ParseTime("2026-02-30T00:00:00Z", time));
  EXPECT_FALSE(ParseTime("2026-02-28 00:00:00Z", time));
  EXPECT_FALSE(ParseTime("2026-02-28T00:00:00+01:00", time));
  SimClock clock(time);
  clock.Advance(std::chrono::hours(1));
  EXPECT_EQ(FormatTime(clock.Now()), "2026-03-01T00:59:59.500Z");
  EXPECT_EQ(FormatHttpDate(time), "Sat, 28 Feb 2026 23:59:59 GMT");
  EXPECT_EQ(FormatHttpDate(clock.Now()), "Sun, 01 Mar 2026 00:59:59 GMT");
}

TEST(Base64, RoundTrips) {
  for (const char* text : {"", "a", "ab", "abc", "administrator@vsphere.local:VMware1!"}) {
    EXPECT_EQ(Base64Decode(Base64Encode(text)), text);
  }
  EXPECT_EQ(Base64Encode("user:pass"), "dXNlcjpwYXNz");
  EXPECT_FALSE(Base64Decode("abc"));
  EXPECT_FALSE(Base64Decode("ab=c"));
}

}  // namespace
}  // namespace vsrd::simulator
