// `vsrd status` and `vsrd reconcile` against a real Server with a fake backend.

#include <filesystem>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <unistd.h>

#include "daemon/cli/exit_codes.hpp"
#include "daemon/cli/reconcile_command.hpp"
#include "daemon/cli/status_command.hpp"
#include "daemon/engine/journal.hpp"
#include "daemon/http/daemon_api.hpp"
#include "daemon/http/server.hpp"
#include "daemon/http/status_json.hpp"

namespace vsrd::daemon {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using reconcilers::Phase;

WallTime At(const std::string& text) { return *ParseWallTime(text); }

ObjectStatus MakeStatus(manifests::Kind kind, std::string name, Phase phase, std::string reason,
                        std::optional<WallTime> since, std::string revision) {
  ObjectStatus status;
  status.key = {kind, std::move(name)};
  status.phase = phase;
  status.reason = std::move(reason);
  status.last_transition = since;
  status.revision = std::move(revision);
  return status;
}

TEST(FormatAge, PrintsTheLargestWholeUnitLikeKubectl) {
  struct Case {
    std::chrono::seconds age;
    std::string text;
  };
  const std::vector<Case> cases{
      {-5s, "0s"},        {0s, "0s"},           {45s, "45s"},         {59s, "59s"},
      {60s, "1m"},        {12min + 59s, "12m"}, {59min + 59s, "59m"}, {1h, "1h"},
      {3h + 59min, "3h"}, {23h + 59min, "23h"}, {24h, "1d"},          {47h, "1d"},
      {48h, "2d"},        {24h * 364, "364d"},  {24h * 365, "1y"},    {24h * 800, "2y"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.age.count());
    EXPECT_EQ(FormatAge(c.age), c.text);
  }
}

TEST(FormatStatusTable, AlignsColumnsAndSortsByKindAndName) {
  const WallTime now = At("2026-01-02T00:00:00.000Z");
  const std::vector<ObjectStatus> statuses{
      MakeStatus(manifests::Kind::kVchaPassiveNode, "vc01-passive", Phase::kReady, "InSync",
                 At("2026-01-01T23:59:15.000Z"), "4f2c1d0e9b8a7c6d5e4f3a2b1c0d9e8f7a6b5c4d"),
      MakeStatus(manifests::Kind::kApplianceUpdate, "vr01", Phase::kProgressing, "UpdateInstalling",
                 At("2026-01-01T23:48:00.000Z"), "4f2c1d0e"),
      MakeStatus(manifests::Kind::kApplianceUpdate, "vr00", Phase::kStalled, "",
                 At("2025-12-30T00:00:00.000Z"), ""),
      MakeStatus(manifests::Kind::kGuestCustomizationCheck, "web", Phase::kProgressing, "Pending",
                 std::nullopt, ""),
  };
  EXPECT_EQ(FormatStatusTable(statuses, now),
            "KIND                      NAME           PHASE         REASON             AGE   "
            "REVISION\n"
            "ApplianceUpdate           vr00           Stalled       -                  3d    "
            "-\n"
            "ApplianceUpdate           vr01           Progressing   UpdateInstalling   12m   "
            "4f2c1d0e\n"
            "GuestCustomizationCheck   web            Progressing   Pending            -     "
            "-\n"
            "VchaPassiveNode           vc01-passive   Ready         InSync             45s   "
            "4f2c1d0e9b8a\n");
}

TEST(FormatStatusTable, SaysSoWhenThereAreNoObjects) {
  EXPECT_EQ(FormatStatusTable({}, At("2026-01-02T00:00:00.000Z")), "no objects\n");
}

class CommandsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("vsrd-http-commands-test-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override {
    server_.reset();
    fs::remove_all(dir_);
  }

  // Starts a server with the fake backend and returns the config naming its address.
  std::string StartDaemon() {
    http::DaemonBackend backend;
    backend.statuses = [this] { return statuses_; };
    backend.revision = [] { return std::string("4f2c1d0e9b8a7c6d"); };
    backend.reconcile = [this](const manifests::ObjectKey& key, bool reset) {
      if (key.ToString() != "VchaPassiveNode/vc01-passive") return false;
      reconciles_.emplace_back(key.ToString(), reset);
      return true;
    };
    server_ = std::make_unique<http::Server>("127.0.0.1:0", http::MakeDaemonHandler(backend),
                                             http::ServerOptions{}, nullptr);
    server_->Start();
    return WriteConfig(server_->Address());
  }

  std::string WriteConfig(const std::string& listen) {
    const fs::path path = dir_ / "vsrd.yaml";
    std::ofstream(path) << "listen: \"" << listen << "\"\n"
                        << "targets:\n"
                        << "  vc01: {api: vcenter, url: \"https://vc01.example.com\", "
                           "username: u, password_env: VC01_PASSWORD}\n";
    return path.string();
  }

  // An address nothing listens on: a port the kernel just gave and took back.
  static std::string FreeAddress() {
    const http::Server probe(
        "127.0.0.1:0", [](const http::Request&) { return http::Response{}; }, {}, nullptr);
    return probe.Address();
  }

  fs::path dir_;
  std::unique_ptr<http::Server> server_;
  std::vector<ObjectStatus> statuses_{
      MakeStatus(manifests::Kind::kVchaPassiveNode, "vc01-passive", Phase::kReady, "InSync",
                 std::nullopt, "4f2c1d0e9b8a7c6d"),
      MakeStatus(manifests::Kind::kApplianceUpdate, "vr01", Phase::kWaiting, "OutsideWindow",
                 std::nullopt, "")};
  std::vector<std::pair<std::string, bool>> reconciles_;
  std::ostringstream out_;
  std::ostringstream err_;
};

TEST_F(CommandsTest, StatusPrintsTheTable) {
  const std::string config = StartDaemon();
  EXPECT_EQ(RunStatus({config, false}, out_, err_), kExitSuccess) << err_.str();
  EXPECT_EQ(out_.str(),
            "KIND              NAME           PHASE     REASON          AGE   REVISION\n"
            "ApplianceUpdate   vr01           Waiting   OutsideWindow   -     -\n"
            "VchaPassiveNode   vc01-passive   Ready     InSync          -     4f2c1d0e9b8a\n");
  EXPECT_EQ(err_.str(), "");
}

TEST_F(CommandsTest, StatusPrintsTheDaemonsJsonPretty) {
  const std::string config = StartDaemon();
  EXPECT_EQ(RunStatus({config, true}, out_, err_), kExitSuccess) << err_.str();
  const nlohmann::json printed = nlohmann::json::parse(out_.str());
  EXPECT_EQ(printed["revision"], "4f2c1d0e9b8a7c6d");
  ASSERT_EQ(printed["objects"].size(), 2U);
  EXPECT_EQ(printed["objects"][0], StatusToJson(statuses_[0]));
  EXPECT_EQ(out_.str().substr(0, 4), "{\n  ");  // indented
}

TEST_F(CommandsTest, StatusSaysWhenTheDaemonIsNotRunning) {
  const std::string address = FreeAddress();
  const std::string config = WriteConfig(address);
  EXPECT_EQ(RunStatus({config, false}, out_, err_), kExitError);
  EXPECT_EQ(err_.str(), "vsrd status: cannot reach the daemon at " + address +
                            ": connection refused (is vsrd run running?)\n");
  EXPECT_EQ(out_.str(), "");
}

TEST_F(CommandsTest, StatusConnectsToLoopbackWhenTheDaemonListensOnAWildcard) {
  StartDaemon();
  const std::string config = WriteConfig("0.0.0.0:" + std::to_string(server_->Port()));
  EXPECT_EQ(RunStatus({config, false}, out_, err_), kExitSuccess) << err_.str();
}

TEST_F(CommandsTest, StatusPrintsTheDiagnosticsOfABrokenConfig) {
  const fs::path path = dir_ / "vsrd.yaml";
  std::ofstream(path) << "listen: nowhere\n";
  EXPECT_EQ(RunStatus({path.string(), false}, out_, err_), kExitError);
  EXPECT_NE(err_.str().find(path.string() + ":1:9: error: listen: must be IPV4:PORT"),
            std::string::npos)
      << err_.str();
  EXPECT_NE(err_.str().find("vsrd status: the config " + path.string() + " has errors\n"),
            std::string::npos);
}

TEST_F(CommandsTest, StatusReportsADaemonThatAnswersSomethingElse) {
  server_ = std::make_unique<http::Server>(
      "127.0.0.1:0",
      [](const http::Request&) {
        return http::Response{500, "text/plain", "broken\n", {}};
      },
      http::ServerOptions{}, nullptr);
  server_->Start();
  const std::string config = WriteConfig(server_->Address());
  EXPECT_EQ(RunStatus({config, false}, out_, err_), kExitError);
  EXPECT_EQ(err_.str(), "vsrd status: the daemon answered HTTP 500: broken\n");
}

TEST_F(CommandsTest, ReconcileRequestsAReconcile) {
  const std::string config = StartDaemon();
  EXPECT_EQ(RunReconcile({config, false, "VchaPassiveNode/vc01-passive"}, out_, err_), kExitSuccess)
      << err_.str();
  EXPECT_EQ(out_.str(), "reconcile requested for VchaPassiveNode/vc01-passive\n");
  EXPECT_EQ(RunReconcile({config, true, "VchaPassiveNode/vc01-passive"}, out_, err_), kExitSuccess);
  EXPECT_EQ(out_.str(),
            "reconcile requested for VchaPassiveNode/vc01-passive\n"
            "reconcile requested for VchaPassiveNode/vc01-passive (reset)\n");
  server_->Stop();  // reconciles_ is written on the server's thread
  const std::vector<std::pair<std::string, bool>> expected{{"VchaPassiveNode/vc01-passive", false},
                                                           {"VchaPassiveNode/vc01-passive", true}};
  EXPECT_EQ(reconciles_, expected);
}

TEST_F(CommandsTest, ReconcileOfAnAbsentObjectFails) {
  const std::string config = StartDaemon();
  EXPECT_EQ(RunReconcile({config, false, "ApplianceUpdate/nope"}, out_, err_), kExitError);
  EXPECT_EQ(err_.str(), "vsrd reconcile: no object ApplianceUpdate/nope\n");
  EXPECT_EQ(out_.str(), "");
}

TEST_F(CommandsTest, ReconcileRefusesAMalformedKeyBeforeAnyNetwork) {
  struct Case {
    std::string key;
    std::string error;
  };
  const std::vector<Case> cases{
      {"vc01-passive", "\"vc01-passive\" is not KIND/NAME, e.g. VchaPassiveNode/vc01-passive"},
      {"", "\"\" is not KIND/NAME, e.g. VchaPassiveNode/vc01-passive"},
      {"Vcha/vc01",
       "unknown kind \"Vcha\"; kinds: VchaPassiveNode, OfflineDepotFromHost, "
       "ApplianceUpdate, ApplianceInstall, GuestCustomizationCheck"},
      {"VchaPassiveNode/",
       "\"\" is not a valid name: use 1-63 lowercase letters, digits and "
       "'-', starting and ending with a letter or digit"},
      {"VchaPassiveNode/a/b",
       "\"a/b\" is not a valid name: use 1-63 lowercase letters, digits "
       "and '-', starting and ending with a letter or digit"},
  };
  // The config does not exist: a usage error must come before reading it.
  const std::string config = (dir_ / "missing.yaml").string();
  for (const Case& c : cases) {
    SCOPED_TRACE(c.key);
    std::ostringstream out;
    std::ostringstream err;
    EXPECT_EQ(RunReconcile({config, false, c.key}, out, err), kExitError);
    EXPECT_EQ(err.str(),
              "vsrd reconcile: " + c.error + "\nRun 'vsrd reconcile --help' for usage.\n");
    EXPECT_EQ(out.str(), "");
  }
}

TEST_F(CommandsTest, ReconcileSaysWhenTheDaemonIsNotRunning) {
  const std::string address = FreeAddress();
  const std::string config = WriteConfig(address);
  EXPECT_EQ(RunReconcile({config, false, "VchaPassiveNode/vc01-passive"}, out_, err_), kExitError);
  EXPECT_EQ(err_.str(), "vsrd reconcile: cannot reach the daemon at " + address +
                            ": connection refused (is vsrd run running?)\n");
}

}  // namespace
}  // namespace vsrd::daemon
