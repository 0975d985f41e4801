#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <unistd.h>

#include "daemon/cli/apply_command.hpp"
#include "daemon/cli/exit_codes.hpp"
#include "daemon/cli/plan_command.hpp"
#include "tests/integration/vsphere/sim_https_server.hpp"

// `vsrd plan` and `vsrd apply` against vsrd-sim over HTTPS, with the bundled example manifests
// (examples/manifests) and a config pointing at the in-process simulator.

namespace vsrd::integration {
namespace {

namespace fs = std::filesystem;

class PlanApplyTest : public ::testing::Test {
 protected:
  /// `time_scale` 0: the simulated clock only moves when a test advances it.
  void Start(double time_scale, const std::string& manifests_from) {
    sim_ = std::make_unique<SimHttpsServer>(LabScenario(), 2, time_scale);
    dir_ = fs::temp_directory_path() /
           ("vsrd-plan-apply-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_ / "credentials");
    fs::copy(manifests_from, dir_ / "manifests", fs::copy_options::recursive);
    std::ofstream(dir_ / "credentials" / "vr01") << "vr-demo-password\n";
    std::ofstream(dir_ / "credentials" / "esx-edge01") << "edge-demo-password\n";
    std::ofstream(dir_ / "vc.password") << "demo-only-password\n";
    ::setenv("CREDENTIALS_DIRECTORY", (dir_ / "credentials").c_str(), 1);
    ::setenv("VSRD_VC02_PASSWORD", "demo-only-password", 1);
    std::ofstream(dir_ / "vsrd.yaml")
        << "manifests: manifests\nstate_dir: state\nworkers: 2\n"
        << "log: {level: warn}\n"
        << "defaults: {interval: 5m, retry_interval: 2s, timeout: 2h}\n"
        << "secrets: {credentials: [esx-edge01]}\n"
        << "targets:\n"
        << Target("vc01", "vcenter", "administrator@vsphere.local", "password_file: vc.password")
        << Target("vc02", "vcenter", "administrator@vsphere.local",
                  "password_env: VSRD_VC02_PASSWORD")
        << Target("vr01", "update-manager", "admin", "password_credential: vr01");
  }
  void TearDown() override {
    ::unsetenv("CREDENTIALS_DIRECTORY");
    ::unsetenv("VSRD_VC02_PASSWORD");
    if (!dir_.empty()) fs::remove_all(dir_);
  }
  std::string Target(const std::string& name, const std::string& api, const std::string& user,
                     const std::string& password) const {
    return "  " + name + ":\n    api: " + api + "\n    url: " + sim_->Url(name) +
           "\n    username: " + user + "\n    " + password +
           "\n    tls: {ca_file: " + sim_->CaFile() + "}\n    requests_per_second: 1000\n";
  }
  std::string Config() const { return (dir_ / "vsrd.yaml").string(); }
  std::set<std::string> Operations() const {
    std::set<std::string> operations;
    for (const auto& entry : sim_->Requests()) operations.insert(entry.operation);
    return operations;
  }

  std::unique_ptr<SimHttpsServer> sim_;
  fs::path dir_;
};

std::string Examples() { return std::string(VSRD_SOURCE_DIR) + "/examples/manifests"; }

TEST_F(PlanApplyTest, PlanShowsTheChangesAndSendsOnlyReads) {
  Start(0, Examples());
  std::ostringstream out;
  std::ostringstream err;
  const int code = daemon::RunPlan({Config(), false}, out, err);
  EXPECT_EQ(code, daemon::kExitChanges) << out.str() << err.str();
  const std::string text = out.str();
  EXPECT_NE(text.find("~ VchaPassiveNode/vc01-passive (vc01)"), std::string::npos) << text;
  EXPECT_NE(text.find("action=redeploy&vmw-task=true"), std::string::npos) << text;
  EXPECT_NE(text.find("~ OfflineDepotFromHost/esx01-golden"), std::string::npos) << text;
  EXPECT_NE(text.find("GuestCustomizationCheck/web-tier"), std::string::npos) << text;
  EXPECT_NE(text.find("Plan: "), std::string::npos) << text;
  EXPECT_EQ(text.find("edge-demo-password"), std::string::npos) << "no secret in a plan";
  EXPECT_EQ(err.str().find("edge-demo-password"), std::string::npos);

  const std::set<std::string> reads{
      "session.create",
      "session.delete",
      "vcha.cluster.get",
      "vcha.cluster.mode.get",
      "depots.offline.list",
      "depots.offline.get",
      "cis.tasks.get",
      "deployment.get",
      "vm.get",
      "vm.guest.customization.check",
      "appliance.system.version.get",
      "appliance.update.get",
      "appliance.update.pending.list",
      "appliance.update.pending.get",
      "appliance.get",
      "tasks.get",
  };
  for (const auto& operation : Operations()) {
    EXPECT_TRUE(reads.contains(operation)) << "plan sent a mutating request: " << operation;
  }
  EXPECT_FALSE(fs::exists(dir_ / "state" / "journal.json")) << "plan writes nothing";
}

TEST_F(PlanApplyTest, PlanAsJsonListsEveryObjectWithItsCalls) {
  Start(0, Examples());
  std::ostringstream out;
  std::ostringstream err;
  EXPECT_EQ(daemon::RunPlan({Config(), true}, out, err), daemon::kExitChanges) << err.str();
  const auto plan = nlohmann::json::parse(out.str());
  ASSERT_EQ(plan.at("objects").size(), 7U) << plan.dump(2);
  bool redeploy = false;
  for (const auto& object : plan.at("objects")) {
    if (object.at("kind") == "VchaPassiveNode") {
      EXPECT_EQ(object.at("action"), "change");
      for (const auto& call : object.at("calls")) {
        redeploy = redeploy || call.get<std::string>().find("redeploy") != std::string::npos;
      }
    }
  }
  EXPECT_TRUE(redeploy) << plan.dump(2);
  EXPECT_GT(plan.at("summary").at("change").get<int>(), 0);
}

TEST_F(PlanApplyTest, ABrokenManifestIsAnErrorNamingItsPosition) {
  Start(0, Examples());
  std::ofstream(dir_ / "manifests" / "broken.yaml")
      << "apiVersion: vsrd/v1\nkind: ApplianceInstall\nmetadata: {name: x}\n"
         "spec: {target: vc02, max_duration: forever}\n";
  std::ostringstream out;
  std::ostringstream err;
  EXPECT_EQ(daemon::RunPlan({Config(), false}, out, err), daemon::kExitError);
  EXPECT_NE(err.str().find("broken.yaml:4:"), std::string::npos) << err.str();
  EXPECT_TRUE(sim_->Requests().empty()) << "nothing is read when the input is bad";
}

TEST_F(PlanApplyTest, ApplyConvergesEveryObjectAndSubmitsEachOperationOnce) {
  // The example manifests without their maintenance windows (Saturday night in Amsterdam),
  // against a simulator whose clock runs 600 times faster than real time.
  const auto manifests =
      fs::temp_directory_path() / ("vsrd-apply-manifests-" + std::to_string(::getpid()));
  fs::remove_all(manifests);
  fs::copy(Examples(), manifests, fs::copy_options::recursive);
  {
    std::ifstream in(manifests / "appliance-updates.yaml");
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const std::string window =
        "    window: {days: [sat, sun], start: \"02:00\", duration: 4h, timezone: "
        "Europe/Amsterdam}\n";
    for (auto at = text.find(window); at != std::string::npos; at = text.find(window)) {
      text.erase(at, window.size());
    }
    // A policy left empty (vr01's had only its window) goes too.
    const std::string empty_policy = "  policy:\n";
    if (text.ends_with(empty_policy)) text.resize(text.size() - empty_policy.size());
    std::ofstream(manifests / "appliance-updates.yaml") << text;
  }
  Start(600, manifests.string());
  fs::remove_all(manifests);

  std::ostringstream out;
  std::ostringstream err;
  daemon::ApplyOptions options;
  options.config = Config();
  options.timeout = std::chrono::seconds(150);
  options.poll = std::chrono::milliseconds(100);
  const int code = daemon::RunApply(options, out, err);
  // The lab's web tier has two VMs that cannot be customized: that check stays Degraded (it
  // never mutates), so apply ends with 6 of 7 Ready and exit code 3.
  EXPECT_EQ(code, daemon::kExitNotReady) << out.str() << err.str();
  EXPECT_NE(out.str().find("Apply: 6 of 7 objects Ready."), std::string::npos) << out.str();
  EXPECT_NE(out.str().find("  GuestCustomizationCheck/web-tier: Degraded NotCustomizable"),
            std::string::npos)
      << out.str();

  int redeploys = 0;
  int extracts = 0;
  int installs = 0;
  int cancels = 0;
  for (const auto& entry : sim_->Requests()) {
    redeploys += entry.operation == "vcha.passive.redeploy$task" ? 1 : 0;
    extracts += entry.operation == "depots.offline.create_from_host$task" ? 1 : 0;
    installs += entry.operation == "appliance.update.pending.install" ||
                        entry.operation == "update-manager.updates.install"
                    ? 1
                    : 0;
    cancels += entry.operation == "deployment.install.cancel" ? 1 : 0;
  }
  EXPECT_EQ(redeploys, 1);
  EXPECT_EQ(extracts, 2);
  EXPECT_EQ(installs, 2);
  EXPECT_EQ(cancels, 1);
}

}  // namespace
}  // namespace vsrd::integration
