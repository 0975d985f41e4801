// Runs the built `vsrd` binary as a user would and checks exit codes, stdout and stderr.
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <thread>

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/integration/daemon/vsrd_process.hpp"

namespace {

namespace fs = std::filesystem;

struct Result {
  int exit_code = -1;
  std::string out;
  std::string err;
};

std::string ReadAll(const fs::path& path) {
  std::ifstream in(path);
  std::ostringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

// Runs vsrd with `args` (already shell-quoted where needed) from the source directory, with
// VSRD_CONFIG cleared so the developer's environment cannot change the outcome.
Result RunVsrd(const std::string& args) {
  const fs::path dir = fs::temp_directory_path() / ("vsrd-e2e-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const std::string command = std::string("cd '") + VSRD_SOURCE_DIR + "' && env -u VSRD_CONFIG '" +
                              VSRD_BINARY + "' " + args + " >'" + (dir / "out").string() + "' 2>'" +
                              (dir / "err").string() + "'";
  const int status = std::system(command.c_str());
  Result result;
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  result.out = ReadAll(dir / "out");
  result.err = ReadAll(dir / "err");
  fs::remove_all(dir);
  return result;
}

TEST(VsrdValidate, TheBundledExamplesAreValid) {
  const Result result = RunVsrd("validate examples/");
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.out, "7 objects in 5 files: valid\n");
  EXPECT_NE(result.err.find("examples/vsrd.yaml: note: skipped: no document has apiVersion or "
                            "kind"),
            std::string::npos)
      << result.err;
  EXPECT_EQ(result.err.find("error"), std::string::npos) << result.err;
}

TEST(VsrdValidate, WithOnlyAConfigItValidatesTheConfigsManifestsDirectory) {
  const Result result = RunVsrd("validate --config examples/vsrd.yaml");
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.out, "7 objects in 5 files: valid (config examples/vsrd.yaml: 3 targets)\n");
  EXPECT_EQ(result.err, "");
}

TEST(VsrdValidate, AnInvalidTreeExitsOneWithEveryErrorOnStderr) {
  const std::string tree = "tests/e2e/data/invalid-tree";
  const Result result = RunVsrd("validate --config " + tree + "/vsrd.yaml " + tree);
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_EQ(result.out, "4 errors in 1 file\n");
  EXPECT_EQ(result.err,
            tree +
                "/nested/bad.yaml:3:18: error: metadata.name: duplicate object "
                "ApplianceInstall/guard; first defined at " +
                tree + "/good.yaml:3:18\n" + tree +
                "/nested/bad.yaml:10:11: error: spec.target: GuestCustomizationCheck needs a "
                "target with api: vcenter (the /api surface); target \"vr01\" has api: "
                "update-manager\n" +
                tree +
                "/nested/bad.yaml:12:25: error: spec.policy.depends_on: ApplianceUpdate/nope does "
                "not exist\n" +
                tree +
                "/nested/bad.yaml:19:56: error: spec.host_credential.password: secrets are not "
                "allowed here; use password_file, password_env or password_credential\n" +
                tree + "/rules.yml: note: skipped: no document has apiVersion or kind\n");
  EXPECT_EQ(result.err.find("hunter2"), std::string::npos) << "a secret was echoed";
}

// Issue 14, defect 1: a manifest could make vsrd send a target's password, or any variable of
// the process, to a host of its choosing. Only what the config's `secrets:` allows, and never a
// target's own credentials unless lent, at the field's position.
TEST(VsrdValidate, AManifestReachesOnlyTheSecretsTheConfigAllows) {
  const std::string tree = "tests/e2e/data/exfiltration";
  const Result result = RunVsrd("validate --config " + tree + "/vsrd.yaml " + tree);
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_EQ(result.out, "3 errors in 1 file\n");
  EXPECT_EQ(result.err,
            tree +
                "/depots.yaml:10:19: error: spec.host_credential: password_env VC01_PW is the "
                "password of target vc01, which a manifest may use only if the config lends it: "
                "add vc01 to secrets.target_credentials\n" +
                tree +
                "/depots.yaml:21:19: error: spec.host_credential: password_env HOME is not a "
                "variable manifests may read: list it in the config's secrets.env (allowed: "
                "ESX_PW, VC01_PW)\n" +
                tree +
                "/depots.yaml:29:23: error: spec.management_vcenter: sends target vc02's password "
                "to target vc01; allow it by adding vc02 to the config's "
                "secrets.target_credentials\n");
}

TEST(VsrdValidate, AMissingPathIsAnError) {
  const Result result = RunVsrd("validate --config examples/vsrd.yaml does/not/exist.yaml");
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_EQ(result.err, "does/not/exist.yaml: error: no such file or directory\n");
  EXPECT_EQ(result.out, "1 error in 1 file\n");
}

TEST(VsrdValidate, ANamedFileThatIsNotAManifestIsAnError) {
  const Result result =
      RunVsrd("validate --config examples/vsrd.yaml tests/e2e/data/invalid-tree/rules.yml");
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_EQ(result.err,
            "tests/e2e/data/invalid-tree/rules.yml: error: not a vsrd manifest: no document has "
            "apiVersion or kind\n");
}

TEST(VsrdValidate, AMissingConfigNamedExplicitlyIsAnError) {
  const Result result = RunVsrd("validate --config /nonexistent/vsrd.yaml examples/manifests");
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_EQ(result.err.rfind("/nonexistent/vsrd.yaml: error: cannot read config: ", 0), 0U)
      << result.err;
}

TEST(VsrdValidate, SaysWhatWasNotCheckedWhenTheConfigHasErrors) {
  const std::string config = "tests/e2e/data/bad-config.yaml";
  Result result = RunVsrd("validate --config " + config);
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_EQ(result.err, config + ":3:10: error: workers: must be between 1 and 64, got 0\n" +
                            config +
                            ": note: the config has errors; no manifests were checked (name them "
                            "as PATH)\n");
  result = RunVsrd("validate --config " + config + " examples/manifests");
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_NE(result.err.find(config + ": note: the config has errors; spec.target and "
                                     "management_vcenter were not checked\n"),
            std::string::npos)
      << result.err;
  EXPECT_EQ(result.out, "1 error in 1 file\n");
}

// Issue 14: a manifest's value or a file's name holding a newline and "<0>" made `vsrd validate`
// print a line that journald (vsrd runs under systemd) takes for an emergency message. Each
// untrusted string must come out escaped, inside the one line of its diagnostic or note.
TEST(VsrdValidate, NoManifestValueOrFileNameCanForgeAnOutputLine) {
  const fs::path dir = fs::temp_directory_path() / ("vsrd-e2e-forge-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir / "tree");
  std::ofstream(dir / "tree" / "value.yaml")
      << "apiVersion: vsrd/v1\nkind: ApplianceInstall\n"
      << "metadata: {name: \"guard\\n<0>vsrd[1]: forged value\"}\n"
      << "spec: {target: vc01, max_duration: 4h}\n";
  std::ofstream(dir / "tree" / "bad\n<0>vsrd[1]: forged file name.yaml")
      << "apiVersion: vsrd/v1\nkind: Nope\nmetadata: {name: x}\nspec: {}\n";
  std::ofstream(dir / "tree" / "notes\n<0>vsrd[1]: forged skipped name.yaml") << "a: 1\n";

  const auto result =
      vsrd::integration::RunCommand(VSRD_BINARY, {"validate", (dir / "tree").string()}, {}, dir);
  EXPECT_EQ(result.status, 1) << result.err;
  for (const std::string* output : {&result.out, &result.err}) {
    std::istringstream lines(*output);
    for (std::string line; std::getline(lines, line);) {
      EXPECT_FALSE(line.starts_with("<")) << "a forged line: " << line;
    }
  }
  for (const char* escaped : {"\"guard\\n<0>vsrd[1]: forged value\"",
                              "bad\\n<0>vsrd[1]: forged file name.yaml:2:7: error:",
                              "notes\\n<0>vsrd[1]: forged skipped name.yaml: note: skipped"}) {
    EXPECT_NE(result.err.find(escaped), std::string::npos) << escaped << " in\n" << result.err;
  }
  if (!HasFailure()) fs::remove_all(dir);
}

TEST(VsrdCli, PrintsHelpForEveryCommand) {
  for (const char* args : {"--help", "help", "validate --help", "version --help", "plan --help",
                           "apply --help", "run --help", "journal --help"}) {
    const Result result = RunVsrd(args);
    EXPECT_EQ(result.exit_code, 0) << args;
    EXPECT_NE(result.out.find("Usage: vsrd"), std::string::npos) << args << ": " << result.out;
  }
}

TEST(VsrdCli, PrintsTheVersion) {
  const Result result = RunVsrd("version");
  EXPECT_EQ(result.exit_code, 0);
  EXPECT_EQ(result.out.rfind("vsrd 0.1.0 (commit ", 0), 0U) << result.out;
}

TEST(VsrdCli, RejectsUnknownCommandsAndOptions) {
  for (const char* args :
       {"frobnicate", "validate --frobnicate", "validate --config", "validate -", "",
        "plan --output", "plan --output yaml", "plan extra", "apply --timeout",
        "apply --timeout soon", "apply --timeout 0s", "apply --config", "journal",
        "journal frobnicate", "journal show extra", "journal show --state-dir",
        "journal show --config a.yaml --state-dir b", "journal show --frobnicate"}) {
    const Result result = RunVsrd(args);
    EXPECT_EQ(result.exit_code, 1) << args;
    EXPECT_FALSE(result.err.empty()) << args;
  }
}

TEST(VsrdCli, PlanAndApplyWithABrokenConfigExitOneNamingTheProblem) {
  for (const char* command : {"plan", "apply"}) {
    const Result result =
        RunVsrd(std::string(command) + " --config tests/e2e/data/does-not-exist.yaml");
    EXPECT_EQ(result.exit_code, 1) << command;
    EXPECT_NE(result.err.find("does-not-exist.yaml"), std::string::npos) << result.err;
  }
}

// `vsrd run` and `vsrd apply` on one state_dir, with no vSphere to talk to: a target nobody
// listens on (its logins fail and are retried; nothing here needs them) and no manifests.
class StateDirTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("vsrd-e2e-state-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_ / "manifests");
    fs::create_directories(dir_ / "state");
    std::ofstream(dir_ / "vc01.password") << "not-a-real-password\n";
    fs::permissions(dir_ / "vc01.password", fs::perms::owner_read | fs::perms::owner_write);
    WriteConfig("127.0.0.1:0");
  }
  /// The config, listening on `listen` (`vsrd status` needs a port it can find in it).
  void WriteConfig(const std::string& listen) const {
    std::ofstream(dir_ / "vsrd.yaml")
        << "manifests: manifests\nstate_dir: state\nlisten: " << listen << "\n"
        << "log: {level: info, format: text}\n"
        << "targets:\n  vc01:\n    api: vcenter\n    url: https://127.0.0.1:9\n"
        << "    username: administrator@vsphere.local\n    password_file: vc01.password\n";
  }
  /// A loopback port nobody listened on a moment ago.
  static unsigned short FreePort() {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof address;
    if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&address), length) != 0 ||
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
      throw std::runtime_error("no free loopback port");
    }
    ::close(fd);
    return ntohs(address.sin_port);
  }
  void TearDown() override {
    daemon_.reset();
    if (!HasFailure()) fs::remove_all(dir_);
  }

  std::string Config() const { return (dir_ / "vsrd.yaml").string(); }
  fs::path State() const { return dir_ / "state"; }

  /// `vsrd ARGS... --config <the test's config>` to completion.
  vsrd::integration::CommandResult Vsrd(std::vector<std::string> args) const {
    args.push_back("--config");
    args.push_back(Config());
    return vsrd::integration::RunCommand(VSRD_BINARY, args, {}, dir_);
  }

  /// Starts `vsrd run` and waits until it listens.
  void StartDaemon() {
    daemon_ = std::make_unique<vsrd::integration::VsrdProcess>(
        VSRD_BINARY, std::vector<std::string>{"run", "--config", Config()},
        std::map<std::string, std::string>{}, dir_ / "vsrd-run.log");
    daemon_->WaitForPort();
  }

  static bool Eventually(const std::function<bool()>& done) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (!done()) {
      if (std::chrono::steady_clock::now() >= deadline) return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return true;
  }

  fs::path dir_;
  std::unique_ptr<vsrd::integration::VsrdProcess> daemon_;
};

TEST_F(StateDirTest, ASecondRunOrApplyFailsAtOnceNamingThePidThatHoldsTheLock) {
  StartDaemon();
  const std::string lock = (State() / "vsrd.lock").string();
  const std::string holder = "(pid " + std::to_string(daemon_->Pid()) + ")";

  const auto apply = Vsrd({"apply", "--timeout", "1m"});
  EXPECT_EQ(apply.status, 1) << apply.err;
  EXPECT_NE(apply.err.find("vsrd apply: " + lock + " is locked by another vsrd " + holder),
            std::string::npos)
      << apply.err;

  const auto run = Vsrd({"run"});
  EXPECT_EQ(run.status, 1) << run.err;
  EXPECT_NE(run.err.find(lock + " is locked by another vsrd " + holder), std::string::npos)
      << run.err;

  // plan and journal show take no lock.
  const auto plan = Vsrd({"plan"});
  EXPECT_EQ(plan.status, 0) << plan.err;
  const auto show = Vsrd({"journal", "show"});
  EXPECT_EQ(show.status, 0) << show.err;

  // SIGKILL leaves the lock file behind, not the lock.
  EXPECT_EQ(daemon_->Kill(), 137);
  const auto after = Vsrd({"apply", "--timeout", "1s"});
  EXPECT_EQ(after.status, 0) << after.err;
  EXPECT_EQ(after.err.find("locked"), std::string::npos) << after.err;
}

TEST_F(StateDirTest, AJournalOfANewerVersionRefusesToStart) {
  const std::string text = R"({"version": 3, "objects": {}})";
  std::ofstream(State() / "journal.json") << text;
  const std::string journal = (State() / "journal.json").string();
  for (const std::string command : {"run", "apply"}) {
    const auto result = Vsrd({command});
    EXPECT_EQ(result.status, 1) << command << ": " << result.err;
    EXPECT_NE(result.err.find(journal + " has format version 3, newer than this vsrd reads"),
              std::string::npos)
        << command << ": " << result.err;
    EXPECT_NE(result.err.find("vsrd will not start without its journal"), std::string::npos)
        << command << ": " << result.err;
  }
  std::ifstream in(State() / "journal.json");
  EXPECT_EQ(std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()), text)
      << "left as it was";
  EXPECT_FALSE(fs::exists(State() / "journal.recovery"));
}

TEST_F(StateDirTest, ACorruptJournalBlocksMutationsUntilTheOperatorAcceptsTheRecovery) {
  std::ofstream(State() / "journal.json")
      << R"({"version": 2, "objects": {"VchaPassiveNode/vc01-passive": {"in_flight": {"task": )";
  WriteConfig("127.0.0.1:" + std::to_string(FreePort()));
  StartDaemon();
  EXPECT_EQ(daemon_->CountLines("mutations are blocked: the journal was found corrupt"), 1U)
      << daemon_->Log();

  auto status = Vsrd({"status"});
  EXPECT_EQ(status.status, 0) << status.err;
  EXPECT_NE(status.out.find("mutations blocked: the journal was found corrupt"), std::string::npos)
      << status.out;
  EXPECT_NE(status.out.find("VchaPassiveNode/vc01-passive"), std::string::npos) << status.out;

  const auto show = Vsrd({"journal", "show"});
  EXPECT_EQ(show.status, 0) << show.err;
  EXPECT_NE(show.out.find("mutations: BLOCKED by the recovery marker " +
                          (State() / "journal.recovery").string()),
            std::string::npos)
      << show.out;
  EXPECT_NE(show.out.find("    VchaPassiveNode/vc01-passive\n"), std::string::npos) << show.out;

  const auto accept = Vsrd({"journal", "accept-recovery"});
  EXPECT_EQ(accept.status, 0) << accept.err;
  EXPECT_NE(accept.out.find("removed " + (State() / "journal.recovery").string()),
            std::string::npos)
      << accept.out;
  EXPECT_FALSE(fs::exists(State() / "journal.recovery"));

  // The running daemon sees it without a restart.
  EXPECT_TRUE(Eventually([&] { return daemon_->CountLines("mutations are allowed again") == 1; }))
      << daemon_->Log();
  status = Vsrd({"status"});
  EXPECT_EQ(status.out.find("mutations blocked"), std::string::npos) << status.out;
  const auto again = Vsrd({"journal", "show"});
  EXPECT_NE(again.out.find("mutations: allowed"), std::string::npos) << again.out;
}

}  // namespace
