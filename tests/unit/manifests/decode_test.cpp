#include "manifests/decode.hpp"

#include <filesystem>
#include <fstream>
#include <set>

#include <gtest/gtest.h>

namespace vsrd::manifests {
namespace {

using std::chrono::hours;
using std::chrono::minutes;

std::vector<std::string> Messages(const ManifestFile& file) {
  std::vector<std::string> out;
  for (const auto& d : file.diagnostics) out.push_back(FormatDiagnostic(d));
  return out;
}

ManifestFile DecodeOk(const std::string& text) {
  auto file = DecodeManifests(text, "m.yaml");
  EXPECT_TRUE(file.diagnostics.empty()) << ::testing::PrintToString(Messages(file));
  return file;
}

TEST(DecodeManifests, ReadsAFullVchaPassiveNode) {
  const auto file = DecodeOk(R"(apiVersion: vsrd/v1
kind: VchaPassiveNode
metadata: {name: vc01-passive, labels: {site: ams}}
spec:
  target: vc01
  placement: {name: vc01-passive, folder: group-v4, host: host-12, ha_network_type: STANDARD_PORTGROUP,
              ha_network: network-13, management_network_type: DISTRIBUTED_PORTGROUP,
              management_network: network-11, storage: {datastore: datastore-15}}
  ha_ip: {ip_family: IPV6, ipv6: {address: "2001:db8::12", prefix: 64}}
  failover_ip: {ip_family: IPV4, ipv4: {address: 192.0.2.10, subnet_mask: 255.255.255.0}, default_gateway: 192.0.2.1}
  management_vcenter: mgmt
  policy: {interval: 5m, suspend: true}
)");
  ASSERT_EQ(file.objects.size(), 1U);
  const Object& object = file.objects[0];
  EXPECT_EQ(object.kind, Kind::kVchaPassiveNode);
  EXPECT_EQ(object.Key().ToString(), "VchaPassiveNode/vc01-passive");
  EXPECT_EQ(object.metadata.labels.at("site"), "ams");
  EXPECT_EQ(object.target.name, "vc01");
  EXPECT_EQ(object.target.location, (SourceLocation{"m.yaml", 5, 11}));
  EXPECT_EQ(object.location, (SourceLocation{"m.yaml", 3, 18}));
  EXPECT_EQ(object.policy.interval, minutes(5));
  EXPECT_TRUE(object.policy.suspend);
  EXPECT_FALSE(object.policy.timeout);
  EXPECT_EQ(object.generation.size(), 16U);
  const auto& spec = std::get<VchaPassiveNodeSpec>(object.spec);
  EXPECT_EQ(spec.placement.name, "vc01-passive");
  EXPECT_EQ(spec.placement.folder, "group-v4");
  EXPECT_EQ(spec.placement.host, "host-12");
  EXPECT_EQ(spec.placement.ha_network_type, NetworkType::kStandardPortgroup);
  EXPECT_EQ(spec.placement.management_network_type, NetworkType::kDistributedPortgroup);
  EXPECT_EQ(spec.placement.storage_datastore, "datastore-15");
  EXPECT_FALSE(spec.placement.resource_pool);
  ASSERT_TRUE(spec.ha_ip);
  EXPECT_EQ(spec.ha_ip->ip_family, IpFamily::kIpv6);
  EXPECT_EQ(spec.ha_ip->ipv6->prefix, 64);
  ASSERT_TRUE(spec.failover_ip);
  EXPECT_EQ(spec.failover_ip->ipv4->subnet_mask, "255.255.255.0");
  EXPECT_FALSE(spec.failover_ip->ipv4->prefix);
  EXPECT_EQ(spec.failover_ip->default_gateway, "192.0.2.1");
  ASSERT_TRUE(spec.management_vcenter);
  EXPECT_EQ(spec.management_vcenter->name, "mgmt");
}

TEST(DecodeManifests, ReadsBothAuthFlavorsOfOfflineDepotFromHost) {
  const auto file = DecodeOk(R"(apiVersion: vsrd/v1
kind: OfflineDepotFromHost
metadata: {name: a}
spec: {target: vc01, host: host-101}
---
apiVersion: vsrd/v1
kind: OfflineDepotFromHost
metadata: {name: b}
spec:
  target: vc01
  host_credential: {host_name: esx01.example.com, user_name: root, password_env: ESX01_PW,
                    port: 8443, ssl_thumb_print: "0123456789abcdef0123456789abcdef01234567"}
)");
  ASSERT_EQ(file.objects.size(), 2U);
  const auto& existing = std::get<OfflineDepotFromHostSpec>(file.objects[0].spec);
  EXPECT_EQ(existing.AuthType(), DepotAuthType::kExisting);
  EXPECT_EQ(existing.host, "host-101");
  const auto& credentials = std::get<OfflineDepotFromHostSpec>(file.objects[1].spec);
  EXPECT_EQ(credentials.AuthType(), DepotAuthType::kUsernamePassword);
  ASSERT_TRUE(credentials.host_credential);
  EXPECT_EQ(credentials.host_credential->password,
            (SecretRef{SecretRef::Source::kEnv, "ESX01_PW"}));
  EXPECT_EQ(credentials.host_credential->port, 8443);
}

TEST(DecodeManifests, ReadsApplianceUpdateInstallAndCustomizationCheck) {
  const auto file = DecodeOk(R"(apiVersion: vsrd/v1
kind: ApplianceUpdate
metadata: {name: vr01-update}
spec:
  target: vr01
  version: "9.0.2.0-24522545"
  policy:
    window: {days: [sat, sun], start: "02:30", duration: 4h, timezone: Europe/Amsterdam}
    depends_on: [{kind: ApplianceInstall, name: guard}]
    max_failures: 5
---
apiVersion: vsrd/v1
kind: ApplianceInstall
metadata: {name: guard}
spec: {target: vc02, max_duration: 0s}
---
apiVersion: vsrd/v1
kind: GuestCustomizationCheck
metadata: {name: web}
spec: {target: vc01, vms: [vm-42, vm-43]}
)");
  ASSERT_EQ(file.objects.size(), 3U);
  const auto& update = std::get<ApplianceUpdateSpec>(file.objects[0].spec);
  EXPECT_EQ(update.version, "9.0.2.0-24522545");
  const Policy& policy = file.objects[0].policy;
  ASSERT_TRUE(policy.window);
  EXPECT_EQ(policy.window->days, (std::vector{Window::Day::kSat, Window::Day::kSun}));
  EXPECT_EQ(policy.window->start_minute, 150);
  EXPECT_EQ(policy.window->duration, hours(4));
  EXPECT_EQ(policy.window->timezone, "Europe/Amsterdam");
  ASSERT_EQ(policy.depends_on.size(), 1U);
  EXPECT_EQ(policy.depends_on[0].kind, Kind::kApplianceInstall);
  EXPECT_EQ(policy.max_failures, 5);
  EXPECT_EQ(std::get<ApplianceInstallSpec>(file.objects[1].spec).max_duration, Duration{0});
  EXPECT_EQ(std::get<GuestCustomizationCheckSpec>(file.objects[2].spec).vms,
            (std::vector<std::string>{"vm-42", "vm-43"}));
}

TEST(DecodeManifests, KeepsTheGoodDocumentsOfAFileWithABadOne) {
  const auto file = DecodeManifests(R"(apiVersion: vsrd/v1
kind: ApplianceInstall
metadata: {name: one}
spec: {target: vc02, max_duration: 1h}
---
apiVersion: vsrd/v1
kind: ApplianceInstall
metadata: {name: two}
spec: {target: vc02, max_duration: forever}
---
apiVersion: vsrd/v1
kind: ApplianceInstall
metadata: {name: three}
spec: {target: vc02, max_duration: 2h}
)",
                                    "m.yaml");
  ASSERT_EQ(file.objects.size(), 2U);
  EXPECT_EQ(file.objects[0].metadata.name, "one");
  EXPECT_EQ(file.objects[1].metadata.name, "three");
  ASSERT_EQ(file.incomplete.size(), 1U);
  EXPECT_EQ(file.incomplete[0].metadata.name, "two");
  ASSERT_EQ(file.diagnostics.size(), 1U);
  EXPECT_EQ(file.diagnostics[0].location, (SourceLocation{"m.yaml", 9, 36}));
}

TEST(DecodeManifests, AFileThatDoesNotParseYieldsOneErrorAndNoObjects) {
  const auto file = DecodeManifests(R"(apiVersion: vsrd/v1
kind: ApplianceInstall
metadata: {name: one}
spec: {target: vc02, max_duration: 1h}
---
spec: [unclosed
)",
                                    "m.yaml");
  EXPECT_TRUE(file.objects.empty());
  ASSERT_EQ(file.diagnostics.size(), 1U);
  EXPECT_EQ(file.diagnostics[0].location.file, "m.yaml");
  EXPECT_GT(file.diagnostics[0].location.line, 0);
  EXPECT_TRUE(file.diagnostics[0].message.starts_with("invalid YAML: "))
      << file.diagnostics[0].message;
}

TEST(DecodeManifests, ADocumentWhoseOnlyProblemIsAnInlinePasswordIsRejected) {
  const auto file = DecodeManifests(R"(apiVersion: vsrd/v1
kind: ApplianceInstall
metadata: {name: one, labels: {password: hunter2}}
spec: {target: vc02, max_duration: 1h}
)",
                                    "m.yaml");
  EXPECT_TRUE(file.objects.empty());
  EXPECT_EQ(Messages(file), std::vector<std::string>{
                                "m.yaml:3:32: error: metadata.labels.password: secrets are not "
                                "allowed here; use password_file, password_env or "
                                "password_credential"});
}

TEST(DecodeManifests, FilesWithoutApiVersionOrKindAreNotManifests) {
  EXPECT_FALSE(DecodeManifests("groups:\n- name: vsrd\n", "rules.yml").is_manifest);
  EXPECT_TRUE(DecodeManifests("kind: Nope\n", "m.yaml").is_manifest);
  EXPECT_TRUE(DecodeManifests("", "empty.yaml").is_manifest);
  EXPECT_TRUE(DecodeManifests("---\n---\n", "empty.yaml").objects.empty());
}

TEST(DecodeManifests, ReportsEveryProblemOfADocumentInOnePass) {
  const auto file = DecodeManifests(R"(apiVersion: vsrd/v2
kind: GuestCustomizationCheck
metadata: {name: Web_Tier}
spec: {target: vc01, vms: [], policy: {interval: 5, suspend: yes}}
)",
                                    "m.yaml");
  EXPECT_TRUE(file.objects.empty());
  EXPECT_EQ(Messages(file),
            (std::vector<std::string>{
                "m.yaml:1:13: error: apiVersion: unsupported \"vsrd/v2\"; this vsrd reads "
                "\"vsrd/v1\"",
                "m.yaml:3:18: error: metadata.name: \"Web_Tier\" is not a valid name: use 1-63 "
                "lowercase letters, digits and '-', starting and ending with a letter or digit",
                "m.yaml:4:27: error: spec.vms: must list at least one VM id",
                "m.yaml:4:50: error: spec.policy.interval: invalid duration \"5\": add a unit, "
                "e.g. 5s or 5m",
                "m.yaml:4:62: error: spec.policy.suspend: must be true or false, got \"yes\"",
            }));
}

TEST(DecodeManifests, EveryBundledExampleIsValid) {
  const std::filesystem::path dir = VSRD_SOURCE_DIR "/examples/manifests";
  Diagnostics found;
  const auto files = FindManifestFiles({dir}, found);
  EXPECT_TRUE(found.empty());
  ASSERT_GE(files.size(), 5U);
  std::set<Kind> kinds;
  for (const auto& path : files) {
    const auto file = LoadManifestFile(path);
    EXPECT_TRUE(file.diagnostics.empty()) << ::testing::PrintToString(Messages(file));
    for (const auto& object : file.objects) kinds.insert(object.kind);
  }
  EXPECT_EQ(kinds.size(), kKindNames.size()) << "an example of every kind";
}

TEST(FindManifestFiles, WalksDirectoriesSortedSkippingHiddenAndNonYaml) {
  const auto root =
      std::filesystem::temp_directory_path() /
      ("vsrd-find-" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()));
  std::filesystem::remove_all(root);
  for (const char* dir : {"a/b", ".git", "c"}) std::filesystem::create_directories(root / dir);
  for (const char* file :
       {"z.yaml", "a/b/x.yml", "a/readme.md", ".git/config.yaml", "c/.hidden.yaml", "c/y.yaml"}) {
    std::ofstream(root / file) << "";
  }
  Diagnostics diagnostics;
  const auto files = FindManifestFiles({root, root / "missing"}, diagnostics);
  EXPECT_EQ(files, (std::vector<std::filesystem::path>{root / "a/b/x.yml", root / "c/y.yaml",
                                                       root / "z.yaml"}));
  ASSERT_EQ(diagnostics.size(), 1U);
  EXPECT_EQ(diagnostics[0].message, "no such file or directory");
  std::filesystem::remove_all(root);
}

// Issue 14: the walk followed symlinks out of the tree, a symlink loop aborted it (and stopped
// the daemon's updates), a FIFO blocked the reader.
TEST(FindManifestFiles, FollowsSymlinksOnlyWithinTheTreeAndSkipsLoopsAndFifos) {
  namespace fs = std::filesystem;
  const auto base =
      fs::temp_directory_path() /
      ("vsrd-walk-" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()));
  fs::remove_all(base);
  const auto root = base / "tree";
  fs::create_directories(root / "a");
  fs::create_directories(base / "elsewhere");
  std::ofstream(root / "a" / "x.yaml") << "";
  std::ofstream(base / "elsewhere" / "secret.yaml") << "";
  fs::create_directory_symlink(base / "elsewhere", root / "out");  // out of the tree
  fs::create_symlink(base / "elsewhere" / "secret.yaml", root / "s.yaml");
  fs::create_directory_symlink(root, root / "a" / "loop");        // a loop
  fs::create_directory_symlink(root / "a", root / "alias");       // within: followed once
  fs::create_symlink(root / "a" / "x.yaml", root / "link.yaml");  // within: listed
  fs::create_symlink(root / "nowhere.yaml", root / "broken.yaml");
  ASSERT_EQ(::mkfifo((root / "pipe.yaml").c_str(), 0600), 0);

  Diagnostics diagnostics;
  const auto files = FindManifestFiles({root}, diagnostics);
  EXPECT_EQ(files, (std::vector<fs::path>{root / "a" / "x.yaml", root / "link.yaml"}))
      << ::testing::PrintToString(files);
  std::vector<std::string> messages;
  for (const auto& d : diagnostics) {
    EXPECT_EQ(d.severity, Diagnostic::Severity::kWarning) << FormatDiagnostic(d);
    messages.push_back(FormatDiagnostic(d));
  }
  std::sort(messages.begin(), messages.end());
  EXPECT_EQ(messages.size(), 4U) << ::testing::PrintToString(messages);
  const auto has = [&](const std::string& text) {
    return std::any_of(messages.begin(), messages.end(),
                       [&](const std::string& m) { return m.find(text) != std::string::npos; });
  };
  EXPECT_TRUE(has("out: warning: skipped: a symlink to " + (base / "elsewhere").string() +
                  ", outside the manifests directory"));
  EXPECT_TRUE(has("s.yaml: warning: skipped: a symlink to"));
  EXPECT_TRUE(has("broken.yaml: warning: skipped: a symlink that does not resolve"));
  EXPECT_TRUE(has("pipe.yaml: warning: skipped: not a regular file"));

  // Reading a FIFO that slipped through returns at once.
  const auto fifo = LoadManifestFile(root / "pipe.yaml");
  ASSERT_EQ(fifo.diagnostics.size(), 1U);
  EXPECT_NE(FormatDiagnostic(fifo.diagnostics[0]).find("cannot read: is not a regular file"),
            std::string::npos);
  fs::remove_all(base);
}

}  // namespace
}  // namespace vsrd::manifests
