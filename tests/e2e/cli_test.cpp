// Runs the built `vsrd` binary as a user would and checks exit codes, stdout and stderr.
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <gtest/gtest.h>
#include <sys/wait.h>

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

TEST(VsrdCli, PrintsHelpForEveryCommand) {
  for (const char* args :
       {"--help", "help", "validate --help", "version --help", "plan --help", "apply --help"}) {
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
        "apply --timeout soon", "apply --timeout 0s", "apply --config"}) {
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

}  // namespace
