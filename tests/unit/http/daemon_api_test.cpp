#include "daemon/http/daemon_api.hpp"

#include <optional>
#include <stdexcept>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "daemon/engine/journal.hpp"
#include "daemon/http/status_json.hpp"

namespace vsrd::daemon::http {
namespace {

using nlohmann::json;

ObjectStatus MakeStatus(manifests::Kind kind, std::string name, reconcilers::Phase phase) {
  ObjectStatus status;
  status.key = {kind, std::move(name)};
  status.target = "vc01";
  status.generation = "0123456789abcdef";
  status.phase = phase;
  status.reason = phase == reconcilers::Phase::kReady ? "InSync" : "PassiveNodeRedeploying";
  status.last_transition = ParseWallTime("2026-01-01T00:00:00.000Z");
  return status;
}

// A backend whose answers the tests set, and which records reconcile requests.
struct FakeBackend {
  std::vector<Check> health{{"workers", true, ""}};
  std::vector<Check> readiness{{"manifests", true, ""}, {"target vc01", true, ""}};
  std::vector<ObjectStatus> statuses{
      MakeStatus(manifests::Kind::kVchaPassiveNode, "vc01-passive", reconcilers::Phase::kReady),
      MakeStatus(manifests::Kind::kApplianceUpdate, "vr01", reconcilers::Phase::kProgressing)};
  std::vector<std::pair<std::string, bool>> reconciles;

  DaemonBackend Make() {
    DaemonBackend backend;
    backend.metrics = [] { return std::string("# TYPE vsrd_up gauge\nvsrd_up 1\n"); };
    backend.health = [this] { return health; };
    backend.readiness = [this] { return readiness; };
    backend.statuses = [this] { return statuses; };
    backend.revision = [] { return std::string("4f2c1d0e9b8a7c6d5e4f3a2b1c0d9e8f7a6b5c4d"); };
    backend.manifest_errors = [] {
      return std::vector<std::string>{"m/a.yaml:3:1: error: invalid YAML: end of map not found"};
    };
    backend.reconcile = [this](const manifests::ObjectKey& key, bool reset) {
      for (const auto& status : statuses) {
        if (status.key == key) {
          reconciles.emplace_back(key.ToString(), reset);
          return true;
        }
      }
      return false;
    };
    return backend;
  }
};

// A request that passes the access check (api_access_test.cpp tests that check): it arrived on
// 127.0.0.1:9464 and names it, and carries the custom header as the vsrd client does.
Request Make(std::string method, std::string path, std::map<std::string, std::string> query = {}) {
  Request request{std::move(method), std::move(path), std::move(query), "", {}, "127.0.0.1:9464"};
  request.headers = {{"host", "127.0.0.1:9464"}, {"x-vsrd-request", "1"}};
  return request;
}

std::string Header(const Response& response, const std::string& name) {
  for (const auto& [key, value] : response.headers) {
    if (key == name) return value;
  }
  return "";
}

TEST(DaemonApi, ServesMetricsInThePrometheusTextFormat) {
  FakeBackend fake;
  const Handler handler = MakeDaemonHandler(fake.Make());
  const Response response = handler(Make("GET", "/metrics"));
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.content_type, "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_EQ(response.body, "# TYPE vsrd_up gauge\nvsrd_up 1\n");
}

TEST(DaemonApi, ReportsHealthAndReadinessLikeKubernetes) {
  struct Case {
    std::string name;
    std::string path;
    std::map<std::string, std::string> query;
    std::vector<Check> checks;
    int status;
    std::string body;
  };
  const std::vector<Check> all_ok{{"manifests", true, ""}, {"target vc01", true, "ignored"}};
  const std::vector<Check> one_failing{{"manifests", true, ""},
                                       {"target vc01", true, ""},
                                       {"target vr01", false, "not logged in yet"}};
  const std::vector<Case> cases{
      {"healthy", "/healthz", {}, {{"workers", true, ""}}, 200, "ok\n"},
      {"no checks at all is healthy", "/healthz", {}, {}, 200, "ok\n"},
      {"a stale heartbeat lists the failing check",
       "/healthz",
       {},
       {{"workers", false, "heartbeat 95s old"}},
       503,
       "[-]workers: heartbeat 95s old\nhealthz check failed\n"},
      {"ready", "/readyz", {}, all_ok, 200, "ok\n"},
      {"not ready lists only the failing checks",
       "/readyz",
       {},
       one_failing,
       503,
       "[-]target vr01: not logged in yet\nreadyz check failed\n"},
      {"verbose and ready lists every check",
       "/readyz",
       {{"verbose", ""}},
       all_ok,
       200,
       "[+]manifests ok\n[+]target vc01 ok\nreadyz check passed\n"},
      {"verbose and not ready lists every check",
       "/readyz",
       {{"verbose", ""}},
       one_failing,
       503,
       "[+]manifests ok\n[+]target vc01 ok\n[-]target vr01: not logged in yet\n"
       "readyz check failed\n"},
      {"a failing check without detail",
       "/readyz",
       {},
       {{"manifests", false, ""}},
       503,
       "[-]manifests failed\nreadyz check failed\n"},
      {"verbose works on healthz too",
       "/healthz",
       {{"verbose", "1"}},
       {{"workers", true, ""}},
       200,
       "[+]workers ok\nhealthz check passed\n"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    FakeBackend fake;
    fake.health = c.checks;
    fake.readiness = c.checks;
    const Response response = MakeDaemonHandler(fake.Make())(Make("GET", c.path, c.query));
    EXPECT_EQ(response.status, c.status);
    EXPECT_EQ(response.content_type, "text/plain; charset=utf-8");
    EXPECT_EQ(response.body, c.body);
  }
}

TEST(DaemonApi, ServesEveryStatusWithTheRevision) {
  FakeBackend fake;
  const Response response = MakeDaemonHandler(fake.Make())(Make("GET", "/status"));
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.content_type, "application/json");
  const json body = json::parse(response.body);
  EXPECT_EQ(body["revision"], "4f2c1d0e9b8a7c6d5e4f3a2b1c0d9e8f7a6b5c4d");
  EXPECT_EQ(body["manifest_errors"],
            json::array({"m/a.yaml:3:1: error: invalid YAML: end of map not found"}));
  EXPECT_EQ(body["mutations_blocked"], nullptr);
  ASSERT_EQ(body["objects"].size(), 2U);
  EXPECT_EQ(body["objects"][0], StatusToJson(fake.statuses[0]));
  EXPECT_EQ(body["objects"][1], StatusToJson(fake.statuses[1]));
}

// Issue 15: at 10,000 objects an operator asks for some: by kind, phase and target, each filter
// narrowing the others; a filter that names nothing known is a 400, not an empty answer.
TEST(DaemonApi, FiltersStatusByKindPhaseAndTarget) {
  struct Case {
    std::map<std::string, std::string> query;
    int status;
    std::vector<std::string> names;  // of the objects answered, in order
    std::string error;               // for a 400: part of the message
  };
  const std::vector<Case> cases{
      {{}, 200, {"vc01-passive", "vr01", "vc02-passive"}, ""},
      {{{"kind", "VchaPassiveNode"}}, 200, {"vc01-passive", "vc02-passive"}, ""},
      {{{"phase", "Progressing"}}, 200, {"vr01", "vc02-passive"}, ""},
      {{{"kind", "VchaPassiveNode"}, {"phase", "Progressing"}}, 200, {"vc02-passive"}, ""},
      {{{"target", "vc02"}}, 200, {"vc02-passive"}, ""},
      {{{"target", "vc09"}}, 200, {}, ""},
      {{{"phase", "Stalled"}}, 200, {}, ""},
      {{{"kind", "vchapassivenode"}}, 400, {}, "unknown kind \"vchapassivenode\""},
      {{{"phase", "ready"}}, 400, {}, "unknown phase \"ready\""},
      {{{"name", "vr01"}}, 400, {}, "unknown query parameter \"name\""},
  };
  FakeBackend fake;
  ObjectStatus other = MakeStatus(manifests::Kind::kVchaPassiveNode, "vc02-passive",
                                  reconcilers::Phase::kProgressing);
  other.target = "vc02";
  fake.statuses.push_back(other);
  const Handler handler = MakeDaemonHandler(fake.Make());
  for (const Case& c : cases) {
    std::string trace;
    for (const auto& [name, value] : c.query) {
      trace += name;
      trace += '=';
      trace += value;
      trace += ' ';
    }
    SCOPED_TRACE(trace);
    const Response response = handler(Make("GET", "/status", c.query));
    EXPECT_EQ(response.status, c.status);
    EXPECT_EQ(response.content_type, "application/json");
    const json body = json::parse(response.body);
    if (c.status != 200) {
      EXPECT_NE(body["error"].get<std::string>().find(c.error), std::string::npos) << body;
      continue;
    }
    std::vector<std::string> names;
    for (const auto& object : body["objects"]) names.push_back(object["name"]);
    EXPECT_EQ(names, c.names);
    EXPECT_EQ(body["revision"], "4f2c1d0e9b8a7c6d5e4f3a2b1c0d9e8f7a6b5c4d");
  }
}

// GET /status/{kind}/{name} asks the backend for that one object when it can (no copy of every
// status per request).
TEST(DaemonApi, ServesOneStatusFromTheBackendsLookup) {
  FakeBackend fake;
  DaemonBackend backend = fake.Make();
  int lookups = 0;
  backend.statuses = []() -> std::vector<ObjectStatus> { throw std::runtime_error("not used"); };
  backend.status = [&](const manifests::ObjectKey& key) -> std::optional<ObjectStatus> {
    ++lookups;
    for (const auto& status : fake.statuses) {
      if (status.key == key) return status;
    }
    return std::nullopt;
  };
  const Handler handler = MakeDaemonHandler(backend);
  const Response found = handler(Make("GET", "/status/ApplianceUpdate/vr01"));
  EXPECT_EQ(found.status, 200);
  EXPECT_EQ(json::parse(found.body), StatusToJson(fake.statuses[1]));
  const Response absent = handler(Make("GET", "/status/ApplianceUpdate/vr02"));
  EXPECT_EQ(absent.status, 404);
  EXPECT_EQ(json::parse(absent.body)["error"], "no object ApplianceUpdate/vr02");
  EXPECT_EQ(lookups, 2);
}

TEST(DaemonApi, StatusSaysWhyMutationsAreBlocked) {
  FakeBackend fake;
  DaemonBackend backend = fake.Make();
  backend.mutations_blocked = [] {
    return std::optional<std::string>("the journal was found corrupt ...");
  };
  const Response response = MakeDaemonHandler(backend)(Make("GET", "/status"));
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(json::parse(response.body)["mutations_blocked"], "the journal was found corrupt ...");
}

TEST(DaemonApi, ServesOneStatusOrA404) {
  struct Case {
    std::string path;
    int status;
    std::string error;  // "" when the object's JSON is expected
  };
  const std::vector<Case> cases{
      {"/status/VchaPassiveNode/vc01-passive", 200, ""},
      {"/status/ApplianceUpdate/vr01", 200, ""},
      {"/status/VchaPassiveNode/x", 404, "no object VchaPassiveNode/x"},
      {"/status/ApplianceUpdate/vc01-passive", 404, "no object ApplianceUpdate/vc01-passive"},
      {"/status/vchapassivenode/vc01-passive", 404,
       "unknown kind \"vchapassivenode\"; kinds: VchaPassiveNode, OfflineDepotFromHost, "
       "ApplianceUpdate, ApplianceInstall, GuestCustomizationCheck"},
  };
  FakeBackend fake;
  const Handler handler = MakeDaemonHandler(fake.Make());
  for (const Case& c : cases) {
    SCOPED_TRACE(c.path);
    const Response response = handler(Make("GET", c.path));
    EXPECT_EQ(response.status, c.status);
    EXPECT_EQ(response.content_type, "application/json");
    const json body = json::parse(response.body);
    if (c.error.empty()) {
      EXPECT_EQ(body["kind"].get<std::string>() + "/" + body["name"].get<std::string>(),
                c.path.substr(std::string("/status/").size()));
    } else {
      EXPECT_EQ(body, json({{"error", c.error}}));
    }
  }
}

TEST(DaemonApi, AcceptsReconcileRequestsAndParsesReset) {
  struct Case {
    std::string name;
    std::string path;
    std::map<std::string, std::string> query;
    int status;
    json body;
    std::optional<bool> reset;  // what the backend saw; nullopt when it was not asked
  };
  const std::vector<Case> cases{
      {"no reset",
       "/reconcile/VchaPassiveNode/vc01-passive",
       {},
       202,
       {{"accepted", "VchaPassiveNode/vc01-passive"}, {"reset", false}},
       false},
      {"reset=true",
       "/reconcile/ApplianceUpdate/vr01",
       {{"reset", "true"}},
       202,
       {{"accepted", "ApplianceUpdate/vr01"}, {"reset", true}},
       true},
      {"reset=false",
       "/reconcile/ApplianceUpdate/vr01",
       {{"reset", "false"}},
       202,
       {{"accepted", "ApplianceUpdate/vr01"}, {"reset", false}},
       false},
      {"a bare reset is not a value",
       "/reconcile/ApplianceUpdate/vr01",
       {{"reset", ""}},
       400,
       {{"error", "reset must be true or false, got \"\""}},
       std::nullopt},
      {"reset=yes",
       "/reconcile/ApplianceUpdate/vr01",
       {{"reset", "yes"}},
       400,
       {{"error", "reset must be true or false, got \"yes\""}},
       std::nullopt},
      {"a misspelt parameter is refused rather than ignored",
       "/reconcile/ApplianceUpdate/vr01",
       {{"rest", "true"}},
       400,
       {{"error", "unknown query parameter \"rest\""}},
       std::nullopt},
      {"an absent object",
       "/reconcile/ApplianceUpdate/nope",
       {{"reset", "true"}},
       404,
       {{"error", "no object ApplianceUpdate/nope"}},
       std::nullopt},
      {"an unknown kind",
       "/reconcile/Nope/vr01",
       {},
       404,
       {{"error",
         "unknown kind \"Nope\"; kinds: VchaPassiveNode, OfflineDepotFromHost, "
         "ApplianceUpdate, ApplianceInstall, GuestCustomizationCheck"}},
       std::nullopt},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    FakeBackend fake;
    const Response response = MakeDaemonHandler(fake.Make())(Make("POST", c.path, c.query));
    EXPECT_EQ(response.status, c.status);
    EXPECT_EQ(response.content_type, "application/json");
    EXPECT_EQ(json::parse(response.body), c.body);
    if (c.reset) {
      ASSERT_EQ(fake.reconciles.size(), 1U);
      EXPECT_EQ(fake.reconciles[0].second, *c.reset);
    } else {
      EXPECT_TRUE(fake.reconciles.empty());
    }
  }
}

TEST(DaemonApi, AnswersAWrongMethodWith405AndAllow) {
  struct Case {
    std::string method;
    std::string path;
    std::string allow;
  };
  const std::vector<Case> cases{
      {"POST", "/metrics", "GET, HEAD"},
      {"DELETE", "/healthz", "GET, HEAD"},
      {"PUT", "/readyz", "GET, HEAD"},
      {"POST", "/status", "GET, HEAD"},
      {"POST", "/status/VchaPassiveNode/vc01-passive", "GET, HEAD"},
      {"GET", "/reconcile/VchaPassiveNode/vc01-passive", "POST"},
      {"PUT", "/reconcile/VchaPassiveNode/vc01-passive", "POST"},
  };
  FakeBackend fake;
  const Handler handler = MakeDaemonHandler(fake.Make());
  for (const Case& c : cases) {
    SCOPED_TRACE(c.method + " " + c.path);
    const Response response = handler(Make(c.method, c.path));
    EXPECT_EQ(response.status, 405);
    EXPECT_EQ(Header(response, "Allow"), c.allow);
  }
  EXPECT_TRUE(fake.reconciles.empty());
}

TEST(DaemonApi, AnswersUnknownPathsWith404) {
  FakeBackend fake;
  const Handler handler = MakeDaemonHandler(fake.Make());
  for (const std::string path : {"/", "/metric", "/metrics/", "/status/", "/status/VchaPassiveNode",
                                 "/status/VchaPassiveNode/vc01-passive/extra", "/reconcile",
                                 "/reconcile/VchaPassiveNode", "/healthz/x", "/api/vcenter/vm"}) {
    SCOPED_TRACE(path);
    const Response response = handler(Make("GET", path));
    EXPECT_EQ(response.status, 404);
    EXPECT_NE(response.body.find("routes: GET /metrics"), std::string::npos) << response.body;
  }
}

TEST(DaemonApi, ChecksWhoCallsBeforeAnyRoute) {
  FakeBackend fake;
  const Handler handler = MakeDaemonHandler(fake.Make(), ApiAccess({"vsrd.example.com"}));
  const std::string reconcile = "/reconcile/ApplianceUpdate/vr01";

  Request rebinding = Make("POST", reconcile, {{"reset", "true"}});
  rebinding.headers["host"] = "attacker.example:9464";
  EXPECT_EQ(handler(rebinding).status, 421);
  rebinding.method = "GET";
  rebinding.path = "/status";
  EXPECT_EQ(handler(rebinding).status, 421) << "nor may such a page read the status";

  Request form_post = Make("POST", reconcile, {{"reset", "true"}});
  form_post.headers.erase("x-vsrd-request");
  form_post.headers["content-type"] = "application/x-www-form-urlencoded";
  EXPECT_EQ(handler(form_post).status, 403);

  Request cross_origin = Make("POST", reconcile);
  cross_origin.headers["origin"] = "http://attacker.example";
  EXPECT_EQ(handler(cross_origin).status, 403);

  Request preflight = Make("OPTIONS", reconcile);
  preflight.headers.erase("x-vsrd-request");
  preflight.headers["origin"] = "http://attacker.example";
  preflight.headers["access-control-request-method"] = "POST";
  preflight.headers["access-control-request-headers"] = "x-vsrd-request";
  const Response refused = handler(preflight);
  EXPECT_EQ(refused.status, 403);
  EXPECT_TRUE(refused.headers.empty()) << "no Access-Control-Allow-* header";
  EXPECT_TRUE(fake.reconciles.empty());

  // Prometheus scraping through the configured name, and the vsrd client.
  Request scrape = Make("GET", "/metrics");
  scrape.headers = {{"host", "vsrd.example.com:9464"}, {"user-agent", "Prometheus/2.42.0"}};
  EXPECT_EQ(handler(scrape).status, 200);
  EXPECT_EQ(handler(Make("POST", reconcile)).status, 202);
  EXPECT_EQ(fake.reconciles.size(), 1U);
}

TEST(DaemonApi, TreatsMissingCallbacksAsNothing) {
  const Handler handler = MakeDaemonHandler(DaemonBackend{});
  EXPECT_EQ(handler(Make("GET", "/metrics")).body, "");
  EXPECT_EQ(handler(Make("GET", "/healthz")).status, 200);
  EXPECT_EQ(handler(Make("GET", "/readyz")).status, 200);
  EXPECT_EQ(json::parse(handler(Make("GET", "/status")).body),
            json({{"revision", ""},
                  {"manifest_errors", json::array()},
                  {"mutations_blocked", nullptr},
                  {"objects", json::array()}}));
  EXPECT_EQ(handler(Make("POST", "/reconcile/ApplianceUpdate/vr01")).status, 404);
}

TEST(DaemonApi, LetsABackendExceptionThrough) {
  DaemonBackend backend;
  backend.statuses = []() -> std::vector<ObjectStatus> { throw std::runtime_error("engine"); };
  // The server turns this into a 500 (see server_test.cpp).
  EXPECT_THROW(MakeDaemonHandler(backend)(Make("GET", "/status")), std::runtime_error);
}

TEST(DaemonApi, ReplacesBytesThatAreNotUtf8InJson) {
  FakeBackend fake;
  fake.statuses[0].message = "bad \xff byte";
  const Response response =
      MakeDaemonHandler(fake.Make())(Make("GET", "/status/VchaPassiveNode/vc01-passive"));
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(json::parse(response.body)["conditions"][0]["message"], "bad \xEF\xBF\xBD byte");
}

}  // namespace
}  // namespace vsrd::daemon::http
