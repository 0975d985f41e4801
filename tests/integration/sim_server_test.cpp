// The real vsrd-sim binary over real HTTPS, with a client configured as vsrd configures its own:
// verify_peer on, trusting the PEM file vsrd-sim printed. Each test starts its own process on
// free ports (port 0) and ends by stopping it with SIGTERM, which must exit 0 with a clean stderr
// (no sanitizer report).
#include <chrono>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <openssl/evp.h>
#include <sys/wait.h>

#include "tests/integration/https_client.hpp"
#include "tests/integration/sim_process.hpp"

namespace vsrd::integration {
namespace {

using std::chrono::milliseconds;
using std::chrono::steady_clock;
using Json = nlohmann::json;

const std::string kScenario = std::string(VSRD_INTEGRATION_DATA) + "/sim_scenario.yaml";
const std::string kUser = "administrator@vsphere.local";
const std::string kPassword = "VMware1!";

std::string Base64(const std::string& text) {
  std::string out(4 * ((text.size() + 2) / 3) + 1, '\0');
  const int size = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                   reinterpret_cast<const unsigned char*>(text.data()),
                                   static_cast<int>(text.size()));
  out.resize(static_cast<std::size_t>(size));
  return out;
}

Json BodyJson(const Result& result) { return Json::parse(result.response.body(), nullptr, false); }

class SimServerTest : public ::testing::Test {
 protected:
  void SetUp() override { Start(); }

  void TearDown() override {
    if (!sim_) return;
    const int status = sim_->Stop(SIGTERM);
    EXPECT_EQ(status, 0) << "stderr:\n" << sim_->Stderr();
    EXPECT_EQ(sim_->Stderr().find("Sanitizer"), std::string::npos) << sim_->Stderr();
    sim_.reset();
  }

  /// (Re)starts vsrd-sim: both personas and an admin-only listener on free ports.
  void Start(const std::vector<std::string>& extra = {}) {
    std::vector<std::string> args{"--scenario",       kScenario,           "--listen-override",
                                  "vc01=127.0.0.1:0", "--listen-override", "vr01=127.0.0.1:0",
                                  "--admin-listen",   "127.0.0.1:0"};
    args.insert(args.end(), extra.begin(), extra.end());
    sim_.reset();
    sim_ = std::make_unique<SimProcess>(VSRD_SIM_BINARY, args, 3);
  }

  unsigned short Port(const std::string& name = "vc01") const { return sim_->Port(name); }
  const std::string& Pem() const { return sim_->PemPath(); }

  /// POST /api/session with Basic credentials; the session token.
  static std::string Login(HttpsClient& client) {
    const Result result =
        client.Send(http::verb::post, "/api/session", "",
                    {{"Authorization", "Basic " + Base64(kUser + ":" + kPassword)}});
    EXPECT_FALSE(result.error) << result.error.message();
    EXPECT_EQ(result.response.result_int(), 201u) << result.response.body();
    const Json token = BodyJson(result);
    return token.is_string() ? token.get<std::string>() : "";
  }

  /// Adds a fault rule through the admin API; its id.
  int AddFault(const Json& rule) {
    HttpsClient admin(Port("admin"), Pem());
    const Result result = admin.Send(http::verb::post, "/sim/faults", rule.dump());
    EXPECT_FALSE(result.error) << result.error.message();
    EXPECT_EQ(result.response.result_int(), 201u) << result.response.body();
    return BodyJson(result).value("id", 0);
  }

  /// Polls the request log (through the admin port) until an entry of `persona` has the answer
  /// `answer`, for up to 5 s; that entry, or null.
  Json WaitForAnswer(const std::string& persona, const std::string& answer) {
    HttpsClient admin(Port("admin"), Pem());
    const auto deadline = steady_clock::now() + std::chrono::seconds(5);
    while (steady_clock::now() < deadline) {
      const Result log = admin.Send(http::verb::get, "/sim/requests?persona=" + persona);
      const Json entries = BodyJson(log);
      for (const Json& entry : entries.is_array() ? entries : Json::array()) {
        if (entry.value("answer", "") == answer) return entry;
      }
      std::this_thread::sleep_for(milliseconds(20));
    }
    return nullptr;
  }

  std::unique_ptr<SimProcess> sim_;
};

TEST_F(SimServerTest, LogsInAndReusesOneKeepAliveConnectionForEveryRequest) {
  HttpsClient client(Port(), Pem());
  ASSERT_FALSE(client.Connect());
  const std::string token = Login(client);
  ASSERT_FALSE(token.empty());
  for (int i = 0; i < 5; ++i) {
    const Result result =
        client.Send(http::verb::get, "/api/session", "", {{"vmware-api-session-id", token}});
    ASSERT_FALSE(result.error) << "request " << i << ": " << result.error.message();
    EXPECT_EQ(result.response.result_int(), 200u);
    EXPECT_TRUE(result.response.keep_alive());
    EXPECT_EQ(BodyJson(result).value("user", ""), kUser);
    EXPECT_EQ(result.response[http::field::server], "vsrd-sim");
  }
  // Still the first connection: Send reconnects only when there is none.
  EXPECT_TRUE(client.Connected());

  const Result unauthenticated = client.Send(http::verb::get, "/api/session");
  ASSERT_FALSE(unauthenticated.error);
  EXPECT_EQ(unauthenticated.response.result_int(), 401u);
  EXPECT_EQ(BodyJson(unauthenticated).value("error_type", ""), "UNAUTHENTICATED");
}

TEST_F(SimServerTest, PrintsTheSha256ThumbprintOfTheCertificateItPresents) {
  HttpsClient client(Port(), Pem());
  ASSERT_FALSE(client.Connect());
  ASSERT_EQ(sim_->Thumbprint().size(), 32u * 3 - 1) << sim_->Stdout();
  EXPECT_EQ(client.PeerThumbprint(), sim_->Thumbprint());
  HttpsClient update_manager(Port("vr01"), Pem());
  ASSERT_FALSE(update_manager.Connect());
  EXPECT_EQ(update_manager.PeerThumbprint(), sim_->Thumbprint());
}

TEST_F(SimServerTest, AClientThatDoesNotTrustTheCertificateFailsTheHandshake) {
  // Any other certificate as the CA file: the one vsrd-sim made is not signed by it.
  const char* other_ca = "/etc/ssl/certs/ca-certificates.crt";
  if (!std::filesystem::exists(other_ca)) GTEST_SKIP() << "no " << other_ca;
  HttpsClient client(Port(), other_ca);
  const ErrorCode error = client.Connect();
  ASSERT_TRUE(error);
  EXPECT_NE(error.message().find("certificate verify failed"), std::string::npos)
      << error.message();
}

TEST_F(SimServerTest, AdvancesTheSimulatedClockThroughTheAdminApi) {
  HttpsClient client(Port(), Pem());
  const Result before = client.Send(http::verb::get, "/sim/clock");
  ASSERT_FALSE(before.error);
  EXPECT_EQ(BodyJson(before).value("now", ""), "2026-01-01T00:00:00.000Z");
  const Result advanced = client.Send(http::verb::post, "/sim/clock/advance?by=5m");
  ASSERT_FALSE(advanced.error);
  EXPECT_EQ(advanced.response.result_int(), 200u) << advanced.response.body();
  EXPECT_EQ(BodyJson(advanced).value("now", ""), "2026-01-01T00:05:00.000Z");
  const Result by_body = client.Send(http::verb::post, "/sim/clock/advance", R"({"by": "1h"})");
  EXPECT_EQ(BodyJson(by_body).value("now", ""), "2026-01-01T01:05:00.000Z");
}

TEST_F(SimServerTest, ClockStartOverridesTheScenarioAndNowIsTheRealTime) {
  Start({"--clock-start", "2030-06-01T12:00:00Z"});
  {
    HttpsClient client(Port(), Pem());
    EXPECT_EQ(BodyJson(client.Send(http::verb::get, "/sim/clock")).value("now", ""),
              "2030-06-01T12:00:00.000Z");
  }
  const auto before = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
  Start({"--clock-start", "now"});
  const auto after = std::chrono::system_clock::now();
  HttpsClient client(Port(), Pem());
  const std::string now = BodyJson(client.Send(http::verb::get, "/sim/clock")).value("now", "");
  std::tm parsed{};
  ASSERT_NE(::strptime(now.c_str(), "%Y-%m-%dT%H:%M:%S", &parsed), nullptr) << now;
  const auto start = std::chrono::system_clock::from_time_t(::timegm(&parsed));
  EXPECT_GE(start, before) << now;
  EXPECT_LE(start, after) << now;
}

TEST_F(SimServerTest, AFaultAnsweredWithResetResetsTheConnection) {
  HttpsClient client(Port(), Pem());
  const std::string token = Login(client);
  AddFault({{"persona", "vc01"}, {"method", "GET"}, {"path", "/api/session"}, {"answer", "reset"}});
  const Result reset =
      client.Send(http::verb::get, "/api/session", "", {{"vmware-api-session-id", token}});
  EXPECT_EQ(reset.error, net::error::connection_reset) << reset.error.message();

  // The rule fails one call (times: 1): a new connection gets the normal answer.
  client.Close();
  const Result after =
      client.Send(http::verb::get, "/api/session", "", {{"vmware-api-session-id", token}});
  ASSERT_FALSE(after.error) << after.error.message();
  EXPECT_EQ(after.response.result_int(), 200u);
}

TEST_F(SimServerTest, AFaultAnsweredWith503KeepsTheConnectionUsable) {
  HttpsClient client(Port(), Pem());
  const std::string token = Login(client);
  AddFault({{"path", "/api/session"},
            {"method", "GET"},
            {"status", 503},
            {"error_type", "SERVICE_UNAVAILABLE"},
            {"times", 2}});
  for (int i = 0; i < 2; ++i) {
    const Result failed =
        client.Send(http::verb::get, "/api/session", "", {{"vmware-api-session-id", token}});
    ASSERT_FALSE(failed.error) << failed.error.message();
    EXPECT_EQ(failed.response.result_int(), 503u);
    EXPECT_EQ(BodyJson(failed).value("error_type", ""), "SERVICE_UNAVAILABLE");
  }
  const Result ok =
      client.Send(http::verb::get, "/api/session", "", {{"vmware-api-session-id", token}});
  ASSERT_FALSE(ok.error);
  EXPECT_EQ(ok.response.result_int(), 200u);
  EXPECT_TRUE(client.Connected());
}

TEST_F(SimServerTest, TheRequestLogShowsEveryCallWithPercentDecodedQueries) {
  HttpsClient client(Port(), Pem());
  const std::string token = Login(client);
  const int fault = AddFault({{"path", "/api/session"}, {"method", "GET"}, {"status", 503}});
  client.Send(http::verb::get, "/api/session", "", {{"vmware-api-session-id", token}});
  client.Send(http::verb::get, "/api/session", "", {{"vmware-api-session-id", token}});

  // The path filter arrives percent-encoded and must be decoded to match.
  const Result log =
      client.Send(http::verb::get, "/sim/requests?persona=vc01&path=%2Fapi%2Fsession");
  ASSERT_FALSE(log.error);
  const Json entries = BodyJson(log);
  ASSERT_TRUE(entries.is_array()) << log.response.body();
  ASSERT_EQ(entries.size(), 3u) << entries.dump(2);
  EXPECT_EQ(entries[0].value("operation", ""), "session.create");
  EXPECT_EQ(entries[0].value("status", 0), 201);
  EXPECT_EQ(entries[1].value("method", ""), "GET");
  EXPECT_EQ(entries[1].value("status", 0), 503);
  EXPECT_EQ(entries[1].value("fault_id", 0), fault);
  EXPECT_EQ(entries[2].value("status", 0), 200);
  // Headers (the session token, the password) are never logged.
  EXPECT_EQ(log.response.body().find(token), std::string::npos);
  EXPECT_EQ(log.response.body().find(kPassword), std::string::npos);
}

TEST_F(SimServerTest, MalformedRequestsGet400AndTheConnectionCloses) {
  HttpsClient client(Port(), Pem());
  ASSERT_FALSE(client.SendRaw("THIS IS NOT HTTP\r\n\r\n"));
  const Result result = client.Receive();
  ASSERT_FALSE(result.error) << result.error.message();
  EXPECT_EQ(result.response.result_int(), 400u);
  EXPECT_FALSE(result.response.keep_alive());
  const auto [rest, end] = client.ReadToEnd();
  EXPECT_EQ(rest, "");
  EXPECT_TRUE(end);

  // A malformed escape, and an escape that does not decode to UTF-8 (the request log is JSON).
  for (const std::string target : {"/api/session%zz", "/api/session?x=%FF"}) {
    HttpsClient bad_escape(Port(), Pem());
    const Result escaped = bad_escape.Send(http::verb::get, target);
    ASSERT_FALSE(escaped.error) << target << ": " << escaped.error.message();
    EXPECT_EQ(escaped.response.result_int(), 400u) << target;
  }

  // Whatever arrived, the server is still there.
  HttpsClient after(Port(), Pem());
  const Result clock = after.Send(http::verb::get, "/sim/clock");
  ASSERT_FALSE(clock.error);
  EXPECT_EQ(clock.response.result_int(), 200u);
}

TEST_F(SimServerTest, OversizedBodiesGet413AndOversizedHeaders431) {
  HttpsClient client(Port(), Pem());
  const Result body = client.Send(http::verb::post, "/sim/faults", std::string(2 << 20, 'x'));
  ASSERT_FALSE(body.error) << body.error.message();
  EXPECT_EQ(body.response.result_int(), 413u);

  HttpsClient headers(Port(), Pem());
  const Result header =
      headers.Send(http::verb::get, "/sim/clock", "", {{"X-Padding", std::string(32 << 10, 'y')}});
  ASSERT_FALSE(header.error) << header.error.message();
  EXPECT_EQ(header.response.result_int(), 431u);
}

TEST_F(SimServerTest, TruncateGarbageAndCloseFaultsBreakTheResponseEachItsOwnWay) {
  HttpsClient client(Port(), Pem());
  // Three faults on the next three logins, then a normal one.
  AddFault({{"path", "/api/session"}, {"method", "POST"}, {"answer", "truncate"}});
  AddFault({{"path", "/api/session"}, {"method", "POST"}, {"nth", 2}, {"answer", "garbage"}});
  AddFault({{"path", "/api/session"}, {"method", "POST"}, {"nth", 3}, {"answer", "close"}});

  const Result truncated = client.Send(http::verb::post, "/api/session");
  EXPECT_EQ(truncated.error, http::error::partial_message) << truncated.error.message();

  client.Close();
  const Result garbage = client.Send(http::verb::post, "/api/session");
  ASSERT_TRUE(garbage.error);
  EXPECT_EQ(garbage.error.category(), http::make_error_code(http::error::bad_version).category())
      << garbage.error.message();

  client.Close();
  const Result closed = client.Send(http::verb::post, "/api/session");
  EXPECT_EQ(closed.error, http::error::end_of_stream) << closed.error.message();

  client.Close();
  const std::string token = Login(client);
  EXPECT_FALSE(token.empty());
}

TEST_F(SimServerTest, ARefusedPersonaClosesItsPortUntilItIsUpAgain) {
  HttpsClient client(Port(), Pem());
  AddFault({{"path", "/api/session"}, {"method", "GET"}, {"answer", "refuse"}});
  const Result dropped = client.Send(http::verb::get, "/api/session");
  EXPECT_TRUE(dropped.error) << "status " << dropped.response.result_int();

  // The listener closed before the connection dropped: an immediate reconnect is refused.
  client.Close();
  EXPECT_EQ(client.Connect(), net::error::connection_refused);
  // The other persona and the admin port keep serving.
  HttpsClient other(Port("vr01"), Pem());
  EXPECT_FALSE(other.Connect());

  // The persona is not down (a one-off fault): the port reopens within a few polls.
  ErrorCode reconnect = net::error::connection_refused;
  const auto deadline = steady_clock::now() + std::chrono::seconds(10);
  while (reconnect && steady_clock::now() < deadline) {
    std::this_thread::sleep_for(milliseconds(20));
    reconnect = client.Connect();
  }
  ASSERT_FALSE(reconnect) << reconnect.message();
  const Result after = client.Send(http::verb::get, "/sim/clock");
  ASSERT_FALSE(after.error);
  EXPECT_EQ(after.response.result_int(), 200u);
}

TEST_F(SimServerTest, ARestartingApplianceRefusesConnectionsUntilTheClockPassesItsRestart) {
  // vr01's install takes 1s queued + 1m, then the appliance restarts for 3m refusing connections.
  HttpsClient appliance(Port("vr01"), Pem());
  const Result login = appliance.Send(http::verb::post, "/session", "",
                                      {{"Authorization", "Basic " + Base64("admin:vr-secret")}});
  ASSERT_FALSE(login.error);
  const std::string session = BodyJson(login).value("session_id", "");
  ASSERT_FALSE(session.empty()) << login.response.body();
  const Result install = appliance.Send(
      http::verb::post, "/appliance/update-manager/updates/9.0.2.0-24522545/actions/install", "",
      {{"x-dr-session", session}});
  ASSERT_FALSE(install.error);
  ASSERT_EQ(install.response.result_int(), 202u) << install.response.body();

  // The admin listener stays reachable whatever the personas do.
  HttpsClient admin(Port("admin"), Pem());
  ASSERT_EQ(admin.Send(http::verb::post, "/sim/clock/advance?by=2m").response.result_int(), 200u);

  // The first request after the restart began is dropped and the port closes ...
  const Result dropped =
      appliance.Send(http::verb::get, "/appliance", "", {{"x-dr-session", session}});
  EXPECT_TRUE(dropped.error) << "status " << dropped.response.result_int();
  appliance.Close();
  EXPECT_EQ(appliance.Connect(), net::error::connection_refused);
  // ... and stays closed while the simulated restart lasts, however long that is in real time.
  std::this_thread::sleep_for(milliseconds(300));
  EXPECT_EQ(appliance.Connect(), net::error::connection_refused);

  ASSERT_EQ(admin.Send(http::verb::post, "/sim/clock/advance?by=3m").response.result_int(), 200u);
  ErrorCode reconnect = net::error::connection_refused;
  const auto deadline = steady_clock::now() + std::chrono::seconds(10);
  while (reconnect && steady_clock::now() < deadline) {
    std::this_thread::sleep_for(milliseconds(20));
    reconnect = appliance.Connect();
  }
  ASSERT_FALSE(reconnect) << reconnect.message();
  // The restart ended every session; the appliance reports the new version.
  const Result stale =
      appliance.Send(http::verb::get, "/appliance", "", {{"x-dr-session", session}});
  ASSERT_FALSE(stale.error);
  EXPECT_EQ(stale.response.result_int(), 401u);
  const Result relogin = appliance.Send(http::verb::post, "/session", "",
                                        {{"Authorization", "Basic " + Base64("admin:vr-secret")}});
  const Result after =
      appliance.Send(http::verb::get, "/appliance", "",
                     {{"x-dr-session", BodyJson(relogin).value("session_id", "")}});
  ASSERT_FALSE(after.error);
  EXPECT_EQ(BodyJson(after).value("appliance_version", ""), "9.0.2.0-24522545")
      << after.response.body();
}

TEST_F(SimServerTest, ADelayedReplyDoesNotHoldUpOtherConnections) {
  AddFault({{"path", "/api/session"}, {"method", "GET"}, {"status", 503}, {"delay", "1500ms"}});
  HttpsClient slow(Port(), Pem());
  ASSERT_FALSE(slow.Connect());
  const auto start = steady_clock::now();
  ASSERT_FALSE(slow.SendRaw("GET /api/session HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"));

  HttpsClient fast(Port(), Pem());
  const Result clock = fast.Send(http::verb::get, "/sim/clock");
  ASSERT_FALSE(clock.error);
  EXPECT_LT(steady_clock::now() - start, milliseconds(1000));

  const Result delayed = slow.Receive();
  ASSERT_FALSE(delayed.error) << delayed.error.message();
  EXPECT_EQ(delayed.response.result_int(), 503u);
  EXPECT_GE(steady_clock::now() - start, milliseconds(1500));
}

TEST_F(SimServerTest, AnExecutedHoldRunsTheCallThenClosesWithoutAnAnswerWhenItsDelayPasses) {
  HttpsClient client(Port(), Pem());
  const std::string token = Login(client);
  client.Close();
  // The next API request of any path, executed, then held for 800 ms.
  AddFault({{"persona", "vc01"},
            {"path", "*"},
            {"answer", "hold"},
            {"execute", true},
            {"delay", "800ms"}});
  HttpsClient held(Port(), Pem());
  ASSERT_FALSE(held.Connect());
  const auto start = steady_clock::now();
  ASSERT_FALSE(
      held.SendRaw("DELETE /api/session HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                   "vmware-api-session-id: " +
                   token + "\r\n\r\n"));
  // The log shows the held call as executed, with the status it was never sent.
  const Json entry = WaitForAnswer("vc01", "hold");
  ASSERT_TRUE(entry.is_object()) << "the held request never reached the log";
  EXPECT_EQ(entry.value("method", ""), "DELETE");
  EXPECT_TRUE(entry.value("executed", false));
  EXPECT_EQ(entry.value("status", 0), 204);
  EXPECT_LT(steady_clock::now() - start, milliseconds(800)) << "logged when it arrived";

  const auto [bytes, end] = held.ReadToEnd();
  EXPECT_EQ(bytes, "") << "no answer at all";
  EXPECT_TRUE(end);
  EXPECT_GE(steady_clock::now() - start, milliseconds(800));

  // It was executed: the session is gone.
  const Result after =
      client.Send(http::verb::get, "/api/session", "", {{"vmware-api-session-id", token}});
  ASSERT_FALSE(after.error) << after.error.message();
  EXPECT_EQ(after.response.result_int(), 401u);
}

TEST_F(SimServerTest, AHoldWithoutDelayEndsWhenTheServerStops) {
  HttpsClient client(Port(), Pem());
  const std::string token = Login(client);
  AddFault({{"path", "/api/session"}, {"method", "GET"}, {"answer", "hold"}});
  ASSERT_FALSE(
      client.SendRaw("GET /api/session HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                     "vmware-api-session-id: " +
                     token + "\r\n\r\n"));
  const Json entry = WaitForAnswer("vc01", "hold");
  ASSERT_TRUE(entry.is_object()) << "the held request never reached the log";
  EXPECT_FALSE(entry.value("executed", true));
  EXPECT_EQ(entry.value("status", -1), 0);

  const auto start = steady_clock::now();
  EXPECT_EQ(sim_->Stop(SIGTERM), 0) << sim_->Stderr();
  // The hold ends with the stop, not by the stop's grace period cutting it off.
  EXPECT_LT(steady_clock::now() - start, std::chrono::seconds(4));
  EXPECT_EQ(sim_->Stderr().find("cut off"), std::string::npos) << sim_->Stderr();
  EXPECT_EQ(sim_->Stderr().find("Sanitizer"), std::string::npos) << sim_->Stderr();
  const auto [bytes, end] = client.ReadToEnd();
  EXPECT_EQ(bytes, "");
  EXPECT_TRUE(end);
  sim_.reset();
}

TEST_F(SimServerTest, TheAdminListenerServesOnlyTheAdminApi) {
  HttpsClient admin(Port("admin"), Pem());
  const Result personas = admin.Send(http::verb::get, "/sim/personas");
  ASSERT_FALSE(personas.error);
  const Json list = BodyJson(personas);
  ASSERT_EQ(list.size(), 2u) << list.dump();
  // The simulator reports the ports actually bound, not the 0 asked for.
  EXPECT_EQ(list[0].value("listen", ""), "127.0.0.1:" + std::to_string(Port("vc01")));
  EXPECT_EQ(list[1].value("listen", ""), "127.0.0.1:" + std::to_string(Port("vr01")));
  const Result api = admin.Send(http::verb::post, "/api/session");
  ASSERT_FALSE(api.error);
  EXPECT_EQ(api.response.result_int(), 404u);
}

TEST_F(SimServerTest, SigtermStopsTheServerWithExitZeroEvenWithIdleConnections) {
  HttpsClient idle(Port(), Pem());
  Login(idle);
  const auto start = steady_clock::now();
  EXPECT_EQ(sim_->Stop(SIGTERM), 0) << sim_->Stderr();
  // The idle keep-alive connection is closed at once rather than waited for.
  EXPECT_LT(steady_clock::now() - start, std::chrono::seconds(4));
  EXPECT_NE(sim_->Stdout().find("vsrd-sim: stopped"), std::string::npos) << sim_->Stdout();
  EXPECT_EQ(sim_->Stderr().find("Sanitizer"), std::string::npos) << sim_->Stderr();
  // The generated certificate file is removed at exit.
  EXPECT_FALSE(std::filesystem::exists(Pem()));
  const auto [rest, end] = idle.ReadToEnd();
  EXPECT_TRUE(end);
  sim_.reset();
}

TEST_F(SimServerTest, PlainHttpServesTheSameApi) {
  Start({"--plain-http"});
  EXPECT_EQ(sim_->Url("vc01").rfind("http://", 0), 0u) << sim_->Url("vc01");
  HttpsClient client(Port(), "");
  const std::string token = Login(client);
  const Result session =
      client.Send(http::verb::get, "/api/session", "", {{"vmware-api-session-id", token}});
  ASSERT_FALSE(session.error);
  EXPECT_EQ(session.response.result_int(), 200u);
}

/// How a vsrd-sim run that must not start ended: its exit status and what it wrote to stderr.
struct CliRun {
  int status = 0;
  std::string err;
};

/// Runs vsrd-sim with `arguments` (already shell-quoted) through the shell, stderr captured.
CliRun RunSimCli(const std::string& arguments) {
  const std::string err_path =
      (std::filesystem::temp_directory_path() / ("vsrd-sim-cli-" + std::to_string(::getpid())))
          .string();
  const std::string command =
      std::string("'") + VSRD_SIM_BINARY + "' " + arguments + " 2>'" + err_path + "'";
  CliRun run;
  run.status = std::system(command.c_str());
  std::ifstream in(err_path);
  run.err.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  std::filesystem::remove(err_path);
  return run;
}

TEST(SimServerCli, AnInvalidScenarioExitsOneWithFileLineColumnErrors) {
  const std::string bad = std::string(VSRD_INTEGRATION_DATA) + "/bad_scenario.yaml";
  const CliRun run = RunSimCli("--scenario '" + bad + "'");
  ASSERT_TRUE(WIFEXITED(run.status));
  EXPECT_EQ(WEXITSTATUS(run.status), 1);
  EXPECT_EQ(run.err,
            bad + ":6:13: error: personas.vc01.listen: must be a string, got a sequence\n");
}

// vsrd's config `listen` and vsrd-sim's --listen share one parser (net/listen_address.hpp):
// an IPv4 address in brackets is not an IP-literal (RFC 3986 section 3.2.2), for both.
TEST(SimServerCli, RefusesAnIpv4AddressInBracketsAsVsrdDoes) {
  const std::string scenario = std::string(VSRD_INTEGRATION_DATA) + "/sim_scenario.yaml";
  const CliRun run = RunSimCli("--scenario '" + scenario + "' --listen '[127.0.0.1]:0'");
  ASSERT_TRUE(WIFEXITED(run.status));
  EXPECT_EQ(WEXITSTATUS(run.status), 1);
  EXPECT_EQ(run.err,
            "vsrd-sim: \"[127.0.0.1]:0\" is not a listen address: brackets are only for IPv6 "
            "addresses (RFC 3986 section 3.2.2); write 127.0.0.1:0\n");
}

}  // namespace
}  // namespace vsrd::integration
