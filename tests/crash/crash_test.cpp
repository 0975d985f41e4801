// The crash suite: for every mutating kind and every step of the mutation protocol
// (docs/reconcilers.md "The mutation protocol"), `vsrd run` is SIGKILLed, started again on the
// same state_dir and config, and must converge having submitted its mutating call exactly once,
// as vsrd-sim's request log shows (docs/simulator.md "The request log", `executed`).
//
// Each test is one kill point: a list of crashes, one per run of vsrd, then a last run that must
// bring the object to Ready. A crash is
//   - JournalSaveBefore N / JournalSaveAfter N: VSRD_CRASH_AT=journal-save:N:before|after
//     (docs/reconcilers.md "Test hooks"): the process kills itself just before, or just after,
//     its N-th journal write: before the intent (N=1 before), after the intent before the call
//     (N=1 after), after the response before its outcome is recorded (N=2 before), and every
//     later write (the task's end, the next operation's intent, ...);
//   - HoldExecuted M / HoldNotExecuted M: the persona's M-th API request, whatever it is, is held
//     (a vsrd-sim fault with path "*", answer hold, execute true or false); once the request log
//     shows it arrived, the test SIGKILLs vsrd: the mutating call executed by the server with its
//     response never delivered, or never executed; a read or a poll while the task runs;
//   - Restarting N: the appliance restarts after its install (the persona is down and refuses
//     connections); vsrd is killed after N of its passes saw it down.
// A chain (JournalSaveAfter1_ThenJournalSaveBefore2) crashes the restarted vsrd again while it
// resolves the first crash.
//
// The kill points are deterministic: vsrd-sim's clock stands still (time scale 0) and the test
// drives it: it waits for each pass of the one object to end, then advances simulated time by the
// kind's step and asks for the next pass (POST /reconcile), so a clean run makes the same journal
// writes and the same requests every time (FlowOf lists them). While a submission is being
// resolved (reason ResolvingOutcome) it lets vsrd's own requeue run, only nudging it every 300 ms:
// the target's request_timeout is 2s, so a submission that left no trace is concluded not run 2s
// after its intent.
//
// Where the API gives no way to tell whether a submission ran (the update-manager install whose
// POST never reached the appliance: no task list, and the appliance looks the same until it
// restarts), the protocol resolves from the appliance's version until policy.timeout and then
// stalls OutcomeUnknown (docs/reconcilers.md "The mutation protocol"). Those kill points
// (kOperatorResolves) run with a short policy.timeout and play the operator of
// docs/operations.md "Runbook: OutcomeUnknown": the last run must stall OutcomeUnknown with
// nothing executed, then `POST /reconcile/KEY?reset=true` must bring it to Ready with exactly one
// submission.
//
// Every run and the whole test are bounded in time (kRunTimeout per run, the CTest TIMEOUT). By
// default (CI) a subset of at least 20 kill points per kind runs and the others are skipped;
// VSRD_CRASH_SUITE=full runs them all. VSRD_CRASH_VERBOSE=1 prints each test's timeline, passes
// and request log; a failure prints them with the vsrd logs.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <signal.h>
#include <unistd.h>

#include "daemon/http/client.hpp"
#include "tests/integration/daemon/vsrd_process.hpp"
#include "tests/integration/https_client.hpp"
#include "tests/integration/sim_admin.hpp"
#include "tests/integration/sim_process.hpp"

namespace vsrd::crash {
namespace {

namespace fs = std::filesystem;
namespace http = integration::http;
using Json = nlohmann::json;
using std::chrono::milliseconds;
using std::chrono::seconds;
using std::chrono::steady_clock;

const std::string kSource = VSRD_SOURCE_DIR;

/// How long one run of vsrd may take to reach its kill point, or the last run to reach Ready.
constexpr seconds kRunTimeout(45);
/// How long a pass may take before the test asks for another one anyway.
constexpr milliseconds kPassWait(4000);
/// How often the test looks at vsrd's status, the request log and the process.
constexpr milliseconds kPoll(15);
/// policy.timeout of the kill points an operator resolves (KillPoint::operator_resolves): long
/// enough for the install that follows the reset to finish under load (about 3 s unloaded), short
/// enough to wait for the stall.
constexpr seconds kOutcomeTimeout(20);

// --- The kinds ----------------------------------------------------------------------------------

enum class Kind { kVcha, kDepot, kApplianceVcenter, kApplianceUpdateManager, kInstallGuard };

struct KindSpec {
  std::string label;     ///< the test name's prefix
  std::string persona;   ///< vsrd-sim persona, also the config's one target
  std::string api;       ///< the target's api
  std::string username;  ///< the scenario's fixture credentials
  std::string password;
  std::string key;       ///< Kind/name of the one object
  std::string manifest;  ///< its manifest
  /// The mutating operations (request log names) the server must execute exactly once.
  std::vector<std::string> once;
  std::string step;  ///< simulated time advanced before each driven pass
};

const KindSpec& Spec(Kind kind) {
  static const std::map<Kind, KindSpec> kSpecs{
      {Kind::kVcha,
       {"Vcha",
        "vc01",
        "vcenter",
        "administrator@vsphere.local",
        "demo-only-password",
        "VchaPassiveNode/vc01-passive",
        R"(apiVersion: vsrd/v1
kind: VchaPassiveNode
metadata: {name: vc01-passive}
spec:
  target: vc01
  placement:
    name: vc01-passive
    folder: group-v4
    host: host-12
    resource_pool: resgroup-8
    ha_network_type: STANDARD_PORTGROUP
    ha_network: network-13
    management_network_type: STANDARD_PORTGROUP
    management_network: network-11
    storage: {datastore: datastore-15}
  ha_ip: {ip_family: IPV4, ipv4: {address: 192.0.2.12, prefix: 24}}
  failover_ip:
    ip_family: IPV4
    ipv4: {address: 192.0.2.10, subnet_mask: 255.255.255.0}
    default_gateway: 192.0.2.1
)",
        {"vcha.passive.redeploy$task"},
        "1m"}},
      {Kind::kDepot,
       {"Depot",
        "vc01",
        "vcenter",
        "administrator@vsphere.local",
        "demo-only-password",
        "OfflineDepotFromHost/esx01-golden",
        R"(apiVersion: vsrd/v1
kind: OfflineDepotFromHost
metadata: {name: esx01-golden}
spec: {target: vc01, host: host-101}
)",
        {"depots.offline.create_from_host$task"},
        "1m"}},
      {Kind::kApplianceVcenter,
       {"ApplianceVcenter",
        "vc01",
        "vcenter",
        "administrator@vsphere.local",
        "demo-only-password",
        "ApplianceUpdate/vc01-update",
        R"(apiVersion: vsrd/v1
kind: ApplianceUpdate
metadata: {name: vc01-update}
spec: {target: vc01, version: "8.0.2.00100", source_type: LOCAL_AND_ONLINE}
)",
        {"appliance.update.pending.stage", "appliance.update.pending.install"},
        "1m"}},
      {Kind::kApplianceUpdateManager,
       {"ApplianceUpdateManager",
        "vr01",
        "update-manager",
        "admin",
        "vr-demo-password",
        "ApplianceUpdate/vr01-update",
        R"(apiVersion: vsrd/v1
kind: ApplianceUpdate
metadata: {name: vr01-update}
spec: {target: vr01, version: "9.0.2.0-24522545"}
)",
        // retrieve-updates may run again after a crash: repeating it is harmless and leaves no
        // trace to resolve (docs/reconcilers.md "The mutation protocol").
        {"update-manager.updates.install"},
        "30s"}},
      {Kind::kInstallGuard,
       {"InstallGuard",
        "vc02",
        "vcenter",
        "administrator@vsphere.local",
        "demo-only-password",
        "ApplianceInstall/vc02-install-guard",
        R"(apiVersion: vsrd/v1
kind: ApplianceInstall
metadata: {name: vc02-install-guard}
spec: {target: vc02, max_duration: 4h}
)",
        {"deployment.install.cancel"},
        "10s"}},
  };
  return kSpecs.at(kind);
}

// --- Kill points --------------------------------------------------------------------------------

struct Crash {
  enum class How { kJournalBefore, kJournalAfter, kHoldExecuted, kHoldNotExecuted, kRestarting };
  How how = How::kJournalBefore;
  int n = 1;  ///< the journal write, the request, or the passes during the restart

  std::string Name() const {
    switch (how) {
      case How::kJournalBefore:
        return "JournalSaveBefore" + std::to_string(n);
      case How::kJournalAfter:
        return "JournalSaveAfter" + std::to_string(n);
      case How::kHoldExecuted:
        return "HoldExecuted" + std::to_string(n);
      case How::kHoldNotExecuted:
        return "HoldNotExecuted" + std::to_string(n);
      case How::kRestarting:
        return "Restarting" + std::to_string(n);
    }
    return "?";
  }
};

struct KillPoint {
  Kind kind = Kind::kVcha;
  std::vector<Crash> crashes;  ///< one per run; a last run without a crash follows
  bool in_ci = true;           ///< false: runs only with VSRD_CRASH_SUITE=full
  /// The submission cannot be resolved from live state: the last run must stall OutcomeUnknown
  /// at policy.timeout (kOutcomeTimeout) and converge after the operator's reset.
  bool operator_resolves = false;

  std::string Name() const {
    std::string name;
    for (const auto& crash : crashes) name += (name.empty() ? "" : "_Then") + crash.Name();
    return name.empty() ? "NoCrash" : name;
  }
};

void PrintTo(const KillPoint& point, std::ostream* out) {
  *out << Spec(point.kind).label << "/" << point.Name();
}

Crash Before(int n) { return {Crash::How::kJournalBefore, n}; }
Crash After(int n) { return {Crash::How::kJournalAfter, n}; }
Crash HoldExecuted(int n) { return {Crash::How::kHoldExecuted, n}; }
Crash HoldNotExecuted(int n) { return {Crash::How::kHoldNotExecuted, n}; }
Crash Restarting(int n) { return {Crash::How::kRestarting, n}; }

bool FullSuite() {
  const char* value = std::getenv("VSRD_CRASH_SUITE");
  return value != nullptr && std::string(value) == "full";
}

// --- The test -----------------------------------------------------------------------------------

class CrashTest : public ::testing::TestWithParam<KillPoint> {
 protected:
  void SetUp() override {
    static std::atomic<int> tests{0};
    dir_ = fs::temp_directory_path() /
           ("vsrd-crash-" + std::to_string(::getpid()) + "-" + std::to_string(tests++));
    fs::remove_all(dir_);
    fs::create_directories(dir_ / "manifests");
  }

  void TearDown() override {
    if (HasFailure()) {
      std::cout << "---- timeline:\n" << timeline_ << "----\n";
      for (std::size_t i = 0; i < logs_.size(); ++i) {
        std::cout << "---- vsrd log of run " << i + 1 << " (" << logs_[i] << "):\n"
                  << integration::ReadWholeFile(logs_[i]) << "----\n";
      }
      if (sim_) {
        std::cout << "---- vsrd-sim request log of " << spec_->persona << ":\n"
                  << RequestSummary() << "----\n";
      }
    }
    vsrd_.reset();
    admin_.reset();
    sim_.reset();
    if (HasFailure() || std::getenv("VSRD_KEEP_TEST_DIRS") != nullptr) {
      std::cout << "test directory kept: " << dir_.string() << std::endl;
    } else {
      fs::remove_all(dir_);
    }
  }

  /// Starts vsrd-sim and writes vsrd's config (policy.timeout `timeout`) and the object's
  /// manifest.
  void Start(const KindSpec& spec, seconds timeout) {
    spec_ = &spec;
    sim_ = std::make_unique<integration::SimProcess>(
        VSRD_SIM_BINARY,
        std::vector<std::string>{"--scenario", kSource + "/tests/crash/crash_lab.yaml",
                                 "--clock-start", "now", "--listen-override", "vc01=127.0.0.1:0",
                                 "--listen-override", "vr01=127.0.0.1:0", "--listen-override",
                                 "vc02=127.0.0.1:0", "--admin-listen", "127.0.0.1:0", "--cert-out",
                                 (dir_ / "ca.pem").string(), "--time-scale", "0"},
        4);
    Mark("vsrd-sim listening");
    admin_ =
        std::make_unique<integration::HttpsClient>(sim_->Port("admin"), (dir_ / "ca.pem").string());
    std::ofstream(dir_ / "password") << spec.password << "\n";
    std::ofstream(dir_ / "vsrd.yaml")
        << "manifests: manifests\nstate_dir: state\nlisten: 127.0.0.1:0\nworkers: 1\n"
        << "log: {level: info, format: text}\n"
        << "defaults: {interval: 5m, retry_interval: 1s, timeout: " << timeout.count() << "s}\n"
        << "targets:\n  " << spec.persona << ":\n    api: " << spec.api
        << "\n    url: " << sim_->Url(spec.persona) << "\n    username: " << spec.username
        << "\n    password_file: password\n    tls: {ca_file: ca.pem}\n"
        << "    requests_per_second: 1000\n    request_timeout: 2s\n";
    std::ofstream(dir_ / "manifests" / "object.yaml") << spec.manifest;
  }

  /// Starts `vsrd run` (VSRD_CRASH_AT set to `crash_at`, "" for none) and waits for its listener.
  void StartVsrd(const std::string& crash_at) {
    vsrd_.reset();
    marker_.clear();
    Mark("starting vsrd run " + std::to_string(logs_.size() + 1));
    logs_.push_back(dir_ / ("vsrd-" + std::to_string(logs_.size() + 1) + ".log"));
    vsrd_ = std::make_unique<integration::VsrdProcess>(
        VSRD_BINARY, std::vector<std::string>{"run"},
        std::map<std::string, std::string>{{"VSRD_CONFIG", (dir_ / "vsrd.yaml").string()},
                                           {"VSRD_CRASH_AT", crash_at}},
        logs_.back());
    vsrd_->WaitForPort();
    Mark("vsrd run " + std::to_string(logs_.size()) + " listening" +
         (crash_at.empty() ? "" : " (VSRD_CRASH_AT=" + crash_at + ")"));
  }

  /// Notes an event on the test's timeline (printed on failure and with VSRD_CRASH_VERBOSE).
  void Mark(const std::string& event) {
    timeline_ +=
        "  +" +
        std::to_string(
            std::chrono::duration_cast<milliseconds>(steady_clock::now() - started_).count()) +
        " ms " + event + "\n";
  }

  /// One admin API call to vsrd-sim (tests/integration/sim_admin.hpp).
  Json Sim(http::verb method, const std::string& target, const std::string& body = "") {
    return integration::SimAdminCall(*admin_, method, target, body);
  }

  Json Requests() { return Sim(http::verb::get, "/sim/requests?persona=" + spec_->persona); }

  /// The request log, one line per request: seq, operation, executed or not, answer, status.
  std::string RequestSummary() {
    std::ostringstream out;
    try {
      for (const auto& entry : Requests()) out << Describe(entry) << "\n";
    } catch (const std::exception& error) {
      out << "(cannot read it: " << error.what() << ")\n";
    }
    return out.str();
  }

  static std::string Describe(const Json& entry) {
    std::ostringstream out;
    out << "#" << entry.value("seq", 0) << " " << entry.value("method", "") << " "
        << entry.value("operation", "") << (entry.value("executed", false) ? " executed" : "")
        << " answer=" << entry.value("answer", "") << " status=" << entry.value("status", 0);
    if (entry.value("fault_id", 0) != 0) out << " fault=" << entry.value("fault_id", 0);
    return out.str();
  }

  bool PersonaDown() {
    const Json state = Sim(http::verb::get, "/sim/state/" + spec_->persona);
    return state.contains("down_until") && !state.at("down_until").is_null();
  }

  /// GET /status/KIND/NAME; null when vsrd does not answer or does not list it yet.
  Json ObjectStatus() const {
    const auto response =
        daemon::http::Fetch(vsrd_->Address(), "GET", "/status/" + spec_->key, seconds(5));
    if (!response || response->status != 200) return nullptr;
    return Json::parse(response->body, nullptr, false);
  }

  void RequestPass(bool reset = false) const {
    (void)daemon::http::Fetch(vsrd_->Address(), "POST",
                              "/reconcile/" + spec_->key + (reset ? "?reset=true" : ""),
                              seconds(5));
  }

  enum class Stop { kStopped, kReady, kExited, kTimeout };

  /// Drives the running vsrd until `stop` says so, the object is Ready, vsrd exits or
  /// kRunTimeout passes: waits for each pass to end, then advances simulated time by the
  /// kind's step and asks for the next pass. Records every phase it sees in `phases_`.
  Stop Drive(const std::function<bool()>& stop) {
    const Stop result = DriveLoop(stop);
    Mark("run " + std::to_string(logs_.size()) + ": " + Describe(result) + " after " +
         std::to_string(passes_) + " passes in all");
    return result;
  }

  Stop DriveLoop(const std::function<bool()>& stop) {
    const auto deadline = steady_clock::now() + kRunTimeout;
    for (;;) {
      // The pass in progress (the first one starts by itself).
      const auto pass_deadline = steady_clock::now() + kPassWait;
      std::string reason;
      for (;;) {
        if (stop()) return Stop::kStopped;
        if (vsrd_->WaitExit(milliseconds(0))) return Stop::kExited;
        const Json status = ObjectStatus();
        if (status.is_object() && status.contains("history") && !status.at("history").empty()) {
          const std::string now_marker =
              status.at("history").back().dump() + status.value("next_reconcile_at", Json()).dump();
          if (now_marker != marker_) {
            marker_ = now_marker;
            ++passes_;
            const Json& last = status.at("history").back();
            const std::string phase = last.value("phase", "");
            reason = last.value("reason", "");
            std::string seen = std::to_string(logs_.size());
            seen += ":" + phase;
            seen += " " + reason;
            phases_.push_back(std::move(seen));
            if (phase == "Stalled") stalled_ = true;
            if (phase == "Ready") return Stop::kReady;
            break;
          }
        }
        if (steady_clock::now() >= deadline) return Stop::kTimeout;
        if (steady_clock::now() >= pass_deadline) break;
        std::this_thread::sleep_for(kPoll);
      }
      if (reason == "ResolvingOutcome") {
        // vsrd requeues itself to conclude; nudge it now and then, not after every pass.
        std::this_thread::sleep_for(milliseconds(300));
        if (stop()) return Stop::kStopped;
      }
      Sim(http::verb::post, "/sim/clock/advance?by=" + spec_->step);
      RequestPass();
    }
  }

  static std::string Describe(Stop stop) {
    switch (stop) {
      case Stop::kStopped:
        return "at the kill point";
      case Stop::kReady:
        return "the object became Ready";
      case Stop::kExited:
        return "vsrd exited";
      case Stop::kTimeout:
        return "timed out";
    }
    return "?";
  }

  std::string Phases() const {
    std::string out;
    for (const auto& phase : phases_) out += "  run " + phase + "\n";
    return out;
  }

  /// One run of vsrd that ends with `crash`.
  void RunUntilCrash(const Crash& crash) {
    SCOPED_TRACE("run " + std::to_string(logs_.size() + 1) + ", crash " + crash.Name());
    switch (crash.how) {
      case Crash::How::kJournalBefore:
      case Crash::How::kJournalAfter: {
        const std::string at = "journal-save:" + std::to_string(crash.n) +
                               (crash.how == Crash::How::kJournalBefore ? ":before" : ":after");
        StartVsrd(at);
        const Stop stop = Drive([] { return false; });
        ASSERT_EQ(stop, Stop::kExited)
            << "VSRD_CRASH_AT=" << at << " never fired: " << Describe(stop)
            << " first (the run made fewer journal writes); passes:\n"
            << Phases();
        EXPECT_EQ(vsrd_->WaitExit(milliseconds(0)), std::optional<int>(128 + SIGKILL))
            << vsrd_->Log();
        return;
      }
      case Crash::How::kHoldExecuted:
      case Crash::How::kHoldNotExecuted: {
        const bool execute = crash.how == Crash::How::kHoldExecuted;
        const Json rule = {{"persona", spec_->persona},
                           {"path", "*"},
                           {"nth", crash.n},
                           {"answer", "hold"},
                           {"execute", execute}};
        const int id = Sim(http::verb::post, "/sim/faults", rule.dump()).at("id").get<int>();
        StartVsrd("");
        std::optional<Json> held;
        auto looked = steady_clock::now();
        milliseconds unseen(0);  // the longest the log went unread
        const Stop stop = Drive([&] {
          unseen = std::max(unseen,
                            std::chrono::duration_cast<milliseconds>(steady_clock::now() - looked));
          looked = steady_clock::now();
          for (const auto& entry : Requests()) {
            if (entry.value("fault_id", 0) == id && entry.value("answer", "") == "hold") {
              held = entry;
              return true;
            }
          }
          return false;
        });
        if (stop == Stop::kStopped) {
          EXPECT_EQ(vsrd_->Kill(), 128 + SIGKILL);
          held_.push_back("run " + std::to_string(logs_.size()) + ": " + Describe(*held));
        }
        Sim(http::verb::delete_, "/sim/faults/" + std::to_string(id));
        ASSERT_EQ(stop, Stop::kStopped)
            << "request " << crash.n << " never arrived: " << Describe(stop) << " first; passes:\n"
            << Phases();
        ASSERT_EQ(held->value("executed", !execute), execute) << Describe(*held);
        // Killed while the request was held, well before vsrd's own request_timeout (2s) could
        // have ended it.
        EXPECT_LT(unseen, milliseconds(1000)) << "the request log went unread too long";
        return;
      }
      case Crash::How::kRestarting: {
        StartVsrd("");
        std::optional<int> down_at;
        const Stop stop = Drive([&] {
          if (!down_at) {
            if (!PersonaDown()) return false;
            down_at = passes_;
          }
          return passes_ - *down_at >= crash.n;
        });
        if (stop == Stop::kStopped) {
          EXPECT_EQ(vsrd_->Kill(), 128 + SIGKILL);
        }
        ASSERT_EQ(stop, Stop::kStopped)
            << "the appliance never restarted: " << Describe(stop) << " first; passes:\n"
            << Phases();
        return;
      }
    }
  }

  /// How many requests of `operation` the persona executed, over every run.
  int Executed(const Json& log, const std::string& operation) const {
    int count = 0;
    for (const auto& entry : log) {
      if (entry.value("operation", "") == operation && entry.value("executed", false)) ++count;
    }
    return count;
  }

  fs::path dir_;
  const KindSpec* spec_ = nullptr;
  std::unique_ptr<integration::SimProcess> sim_;
  std::unique_ptr<integration::HttpsClient> admin_;
  std::unique_ptr<integration::VsrdProcess> vsrd_;
  std::vector<fs::path> logs_;
  std::vector<std::string> phases_;  ///< "run:phase reason" of every pass seen
  std::vector<std::string> held_;    ///< the requests held by the crashes
  int passes_ = 0;
  /// The last pass seen of the running vsrd: a second Drive of the same run does not count it
  /// again.
  std::string marker_;
  bool stalled_ = false;
  steady_clock::time_point started_ = steady_clock::now();
  std::string timeline_;
};

TEST_P(CrashTest, KillRestartConverge) {
  const KillPoint& point = GetParam();
  if (!point.in_ci && !FullSuite()) {
    GTEST_SKIP() << "runs with VSRD_CRASH_SUITE=full";
  }
  const KindSpec& spec = Spec(point.kind);
  const auto started = steady_clock::now();
  Start(spec, point.operator_resolves ? kOutcomeTimeout : seconds(3600));
  for (const auto& crash : point.crashes) {
    RunUntilCrash(crash);
    if (HasFatalFailure()) return;
  }

  // The last run: no crash, until Ready.
  StartVsrd("");
  if (point.operator_resolves) {
    // docs/operations.md "Runbook: OutcomeUnknown": vsrd stalls with nothing submitted again, the
    // operator checks the target and resets.
    const Stop stalled = Drive([&] {
      return !phases_.empty() &&
             phases_.back() == std::to_string(logs_.size()) + ":Stalled " + "OutcomeUnknown";
    });
    ASSERT_EQ(stalled, Stop::kStopped)
        << "the unresolvable submission did not stall OutcomeUnknown: " << Describe(stalled)
        << "; passes:\n"
        << Phases() << "status: " << ObjectStatus().dump(2);
    for (const auto& operation : spec.once) {
      ASSERT_EQ(Executed(Requests(), operation), 0) << operation << " ran although it stalled";
    }
    const Json status = ObjectStatus();
    const std::string message =
        status.is_object() ? status.at("history").back().value("message", "") : "";
    EXPECT_NE(message.find("vsrd reconcile --reset " + spec.key), std::string::npos) << message;
    stalled_ = false;
    Mark("stalled OutcomeUnknown; the operator resets");
    RequestPass(true);
  }
  const Stop stop = Drive([] { return false; });
  const Json log = Requests();
  std::string held;
  for (const auto& entry : held_) held += "  " + entry + "\n";
  EXPECT_EQ(stop, Stop::kReady) << "the last run did not converge: " << Describe(stop)
                                << "; passes:\n"
                                << Phases() << "status: " << ObjectStatus().dump(2);
  EXPECT_FALSE(stalled_) << "a restarted vsrd stalled; passes:\n" << Phases();
  for (const auto& operation : spec.once) {
    EXPECT_EQ(Executed(log, operation), 1)
        << operation << " was not executed exactly once over " << logs_.size() << " runs; held:\n"
        << held;
  }
  std::cout << ::testing::PrintToString(point) << ": " << logs_.size() << " runs, " << log.size()
            << " requests, "
            << std::chrono::duration_cast<milliseconds>(steady_clock::now() - started).count()
            << " ms" << std::endl;
  if (std::getenv("VSRD_CRASH_VERBOSE") != nullptr) {
    std::cout << "timeline:\n"
              << timeline_ << "passes:\n"
              << Phases() << "held:\n"
              << held << "requests:\n"
              << RequestSummary();
  }
}

// --- The kill points of each kind ---------------------------------------------------------------

/// What one kind's clean run does, as measured against crash_lab.yaml with the kind's step; the
/// kill points are derived from it. A change that adds or removes a journal write or a request
/// fails the tests whose point no longer exists ("never fired", "never arrived"): update this.
struct Flow {
  int writes = 0;            ///< journal writes from the start to Ready
  int requests = 0;          ///< API requests a fault counts (a persona that is down counts none)
  std::vector<int> submits;  ///< which of them are the mutating calls
  bool restarts = false;     ///< the appliance restarts after its install
  /// A first crash, and the journal writes of the run that resolves it (a second crash point
  /// for each: a crash while recovering).
  std::vector<std::pair<Crash, int>> resumes;
  /// The requests held in CI (VSRD_CRASH_SUITE=full: all); empty: all.
  std::vector<int> ci_holds;
  bool ci_resumes = false;  ///< the second-crash points run in CI too
};

const Flow& FlowOf(Kind kind) {
  static const std::map<Kind, Flow> kFlows{
      // session.create, vcha.cluster.get, vcha.passive.check, cis.tasks.list,
      // vcha.passive.redeploy$task (5), then cis.tasks.get + vcha.cluster.get per poll (3).
      {Kind::kVcha, {3, 11, {5}, false, {{After(1), 4}, {Before(2), 2}}, {}, false}},
      // session.create, cis.tasks.list, depots.offline.create_from_host$task (3), 2 polls.
      {Kind::kDepot, {3, 5, {3}, false, {{After(1), 4}, {Before(2), 2}}, {}, true}},
      // session.create, version, update, pending.list, precheck, stage (6), 2 passes while it
      // stages, version, update, pending.list, precheck, install (13), 2 passes while it
      // installs; the appliance restarts (a refused request, not counted); a 401 (18),
      // session.create (19), version, update.
      {Kind::kApplianceVcenter,
       {6,
        21,
        {6, 13},
        true,
        {{After(1), 6}, {Before(2), 5}, {After(4), 4}, {Before(5), 2}},
        {1, 5, 6, 8, 12, 13, 15, 18, 19},
        false}},
      // session.create, appliance.get, retrieve-updates (3), appliance.get, tasks.get,
      // install (6), appliance.get + tasks.get per poll (4), the appliance restarts (a refused
      // request, not counted), a 401 (15), session.create (16), appliance.get.
      {Kind::kApplianceUpdateManager,
       {6,
        17,
        {3, 6},
        true,
        {{After(1), 6}, {Before(2), 6}, {Before(5), 1}},
        {1, 2, 3, 5, 6, 8, 14, 15, 16},
        false}},
      // session.create, deployment.get, deployment.install.cancel (3).
      {Kind::kInstallGuard, {3, 3, {3}, false, {{After(1), 4}, {Before(2), 1}}, {}, true}},
  };
  return kFlows.at(kind);
}

/// A kill point whose submission no live state can resolve.
struct Unresolvable {
  Kind kind;
  std::string point;
};

/// ApplianceUpdate (update-manager): the install's intent is on disk, but the appliance never ran
/// it (vsrd died between the intent and the POST, or the POST never reached the appliance). The
/// update-manager API lists no tasks and the appliance runs the old version either way until an
/// install restarts it, so the kind reports the outcome undetermined (docs/reconcilers.md "The
/// mutation protocol", the update-manager row) until policy.timeout, then OutcomeUnknown.
const std::vector<Unresolvable> kOperatorResolves{
    {Kind::kApplianceUpdateManager, "JournalSaveAfter4"},
    {Kind::kApplianceUpdateManager, "HoldNotExecuted6"},
    {Kind::kApplianceUpdateManager, "JournalSaveAfter1_ThenJournalSaveAfter5"},
    {Kind::kApplianceUpdateManager, "JournalSaveBefore2_ThenJournalSaveAfter5"},
};

/// The kill points of `kind`.
std::vector<KillPoint> PointsOf(Kind kind) {
  const Flow& flow = FlowOf(kind);
  std::vector<KillPoint> points;
  const auto add = [&](std::vector<Crash> crashes, bool in_ci) {
    KillPoint point{kind, std::move(crashes), in_ci};
    const std::string name = point.Name();
    point.operator_resolves =
        std::any_of(kOperatorResolves.begin(), kOperatorResolves.end(),
                    [&](const Unresolvable& u) { return u.kind == kind && u.point == name; });
    points.push_back(std::move(point));
  };
  add({}, true);
  // Every journal write: before the intent, after it (before the call), after the response
  // before its outcome is recorded, the task's end, the next operation's.
  for (int n = 1; n <= flow.writes; ++n) {
    add({Before(n)}, true);
    add({After(n)}, true);
  }
  // Every request held: logins, reads, the mutating calls (executed with the answer lost, or
  // never executed), the polls while the task runs, the reads after the appliance restart.
  for (int m = 1; m <= flow.requests; ++m) {
    const bool in_ci =
        flow.ci_holds.empty() ||
        std::find(flow.ci_holds.begin(), flow.ci_holds.end(), m) != flow.ci_holds.end();
    add({HoldExecuted(m)}, in_ci);
    add({HoldNotExecuted(m)}, in_ci);
  }
  // During the appliance restart: at once, and after 1 and 2 passes saw it down.
  if (flow.restarts) {
    for (int n = 0; n <= 2; ++n) add({Restarting(n)}, true);
  }
  // A second crash while the first is resolved.
  for (const auto& [first, writes] : flow.resumes) {
    for (int n = 1; n <= writes; ++n) {
      add({first, Before(n)}, flow.ci_resumes);
      add({first, After(n)}, flow.ci_resumes);
    }
  }
  for (const int submit : flow.submits) {
    add({HoldExecuted(submit), Before(1)}, flow.ci_resumes);
    add({HoldExecuted(submit), After(1)}, flow.ci_resumes);
  }
  return points;
}

std::string TestName(const ::testing::TestParamInfo<KillPoint>& info) { return info.param.Name(); }

// kOperatorResolves names kill points by name: one that no longer exists would silently turn
// back into an ordinary point.
TEST(CrashPoints, EveryOperatorResolvedPointExists) {
  for (const auto& unresolvable : kOperatorResolves) {
    const auto points = PointsOf(unresolvable.kind);
    EXPECT_TRUE(std::any_of(points.begin(), points.end(), [&](const KillPoint& point) {
      return point.operator_resolves && point.Name() == unresolvable.point;
    })) << unresolvable.point;
  }
}

INSTANTIATE_TEST_SUITE_P(Vcha, CrashTest, ::testing::ValuesIn(PointsOf(Kind::kVcha)), TestName);
INSTANTIATE_TEST_SUITE_P(Depot, CrashTest, ::testing::ValuesIn(PointsOf(Kind::kDepot)), TestName);
INSTANTIATE_TEST_SUITE_P(ApplianceVcenter, CrashTest,
                         ::testing::ValuesIn(PointsOf(Kind::kApplianceVcenter)), TestName);
INSTANTIATE_TEST_SUITE_P(ApplianceUpdateManager, CrashTest,
                         ::testing::ValuesIn(PointsOf(Kind::kApplianceUpdateManager)), TestName);
INSTANTIATE_TEST_SUITE_P(InstallGuard, CrashTest,
                         ::testing::ValuesIn(PointsOf(Kind::kInstallGuard)), TestName);

}  // namespace
}  // namespace vsrd::crash
