#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tests/integration/vsphere/client_fixture.hpp"

// No secret reaches a log line: with logging at trace level, every operation that carries a
// password (login, a redeploy with management vCenter credentials, a createFromHost with host
// credentials, an install with user_data) and every session token the server issued are absent
// from the captured log, while the log does show the calls (so the test cannot pass by logging
// nothing).

namespace vsrd::integration {
namespace {

class LogSecretsTest : public ClientTest {};

std::vector<std::string> SessionTokens(const std::vector<vsphere::HttpRequest>& requests) {
  std::vector<std::string> tokens;
  for (const auto& request : requests) {
    for (const auto& [name, value] : request.headers) {
      if (name == "vmware-api-session-id" || name == "x-dr-session" || name == "authorization") {
        tokens.push_back(value);
      }
    }
  }
  return tokens;
}

TEST_F(LogSecretsTest, NoPasswordTokenOrAuthorizationAppearsInAnyLogLine) {
  const std::string management_password = "mgmt-very-secret-1";
  const std::string host_password = "edge-demo-password";
  const std::string user_data_secret = "user-data-secret-2";
  sim_.Sim().PatchState("vc01", {{"vcha",
                                  {{"management_vcenter",
                                    {{"hostname", "mgmt.lab.example.com"},
                                     {"username", "administrator@vsphere.local"},
                                     {"password", management_password},
                                     {"ssl_thumbprint", "AA:BB:CC:DD"}}}}}});
  auto vcenter = Vcenter();
  ports::VchaCredentialsSpec credentials;
  credentials.active_location.hostname = "mgmt.lab.example.com";
  credentials.active_location.username = "administrator@vsphere.local";
  credentials.active_location.password = ports::Secret(management_password);
  credentials.active_location.ssl_thumbprint = "AA:BB:CC:DD";
  ports::RedeploySpec redeploy;
  redeploy.vc_spec = credentials;
  redeploy.placement.name = "vc01-passive";
  redeploy.placement.folder = "group-v4";
  redeploy.placement.host = "host-12";
  auto task = vcenter->RedeployPassive(redeploy);
  ASSERT_TRUE(task) << task.Error().Summary();

  ports::DepotConnectionSpec depot;
  depot.auth_type = manifests::DepotAuthType::kUsernamePassword;
  ports::DepotHostCredentials host;
  host.host_name = "esx-edge01.example.com";
  host.user_name = "root";
  host.password = ports::Secret(host_password);
  depot.host_credential = host;
  auto unverified = vcenter->CreateFromHost(depot);  // 400 UNVERIFIED_PEER, body logged
  ASSERT_FALSE(unverified);

  std::map<std::string, ports::Secret> user_data;
  user_data.emplace("vmdir.password", ports::Secret(user_data_secret));
  ASSERT_FALSE(vcenter->InstallUpdate("8.0.2.00100", user_data));  // not staged: 400

  Advance(std::chrono::minutes(31));  // the session expires: a re-login is logged too
  ASSERT_TRUE(vcenter->GetVersion());
  vcenter->Session().Logout();

  auto vr = UpdateManager();
  ASSERT_TRUE(vr->GetAppliance());
  vr->Session().Logout();

  const std::string log = Log();
  ASSERT_NE(log.find("vcha.passive.redeploy"), std::string::npos) << "the calls are logged";
  ASSERT_NE(log.find("(sensitive)"), std::string::npos) << "secrets are shown redacted";

  std::vector<std::string> secrets{kVcPassword, kVrPassword, management_password, host_password,
                                   user_data_secret};
  for (const auto& transport : transports_) {
    for (auto& token : SessionTokens(transport->Requests())) secrets.push_back(token);
  }
  ASSERT_GE(secrets.size(), 5U + 4U) << "logins and calls carried tokens";
  for (const auto& secret : secrets) {
    ASSERT_FALSE(secret.empty());
    EXPECT_EQ(log.find(secret), std::string::npos) << "a secret appears in the log:\n" << log;
    // Session tokens come back in login answers: their JSON form must not appear either.
    EXPECT_EQ(log.find(nlohmann::json(secret).dump()), std::string::npos);
  }
}

}  // namespace
}  // namespace vsrd::integration
