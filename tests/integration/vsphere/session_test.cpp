#include <atomic>
#include <filesystem>
#include <fstream>
#include <thread>

#include <gtest/gtest.h>

#include "daemon/vsphere/credentials.hpp"
#include "daemon/vsphere/pass_budget.hpp"
#include "simulator/faults.hpp"
#include "tests/integration/vsphere/client_fixture.hpp"

// Sessions against vsrd-sim over HTTPS: lazy login, re-login after expiry (exactly once), one
// shared login for many threads, password rotation, logout, and errors that are not retried.

namespace vsrd::integration {
namespace {

using ports::ErrorKind;

class SessionTest : public ClientTest {
 protected:
  static simulator::FaultRule Fault(const std::string& persona, const std::string& path, int status,
                                    const std::string& error_type, int times = 1) {
    simulator::FaultRule rule;
    rule.persona = persona;
    rule.path = path;
    rule.status = status;
    rule.error_type = error_type;
    rule.times = times;
    return rule;
  }
};

TEST_F(SessionTest, LogsInAtTheFirstCallAndReusesTheSession) {
  auto client = Vcenter();
  EXPECT_FALSE(client->Session().LoggedIn());
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(client->GetVersion());
  EXPECT_EQ(client->Session().LoginCount(), 1U);
  EXPECT_EQ(Count("vc01", "session.create"), 1);
  // Every call after the login carried the token in vmware-api-session-id.
  const auto requests = transports_.back()->Requests();
  ASSERT_EQ(requests.size(), 6U);
  for (std::size_t i = 1; i < requests.size(); ++i) {
    ASSERT_FALSE(requests[i].headers.empty());
    EXPECT_EQ(requests[i].headers.back().first, "vmware-api-session-id");
  }
}

TEST_F(SessionTest, AnExpiredSessionIsRenewedExactlyOnceAndTheCallRepeated) {
  auto client = Vcenter();
  ASSERT_TRUE(client->GetVersion());
  Advance(std::chrono::minutes(31));  // idle_timeout is 30m in the lab scenario
  auto version = client->GetVersion();
  ASSERT_TRUE(version) << version.Error().Summary();
  EXPECT_EQ(client->Session().LoginCount(), 2U);
  EXPECT_EQ(Count("vc01", "session.create"), 2);
  // The rejected call, the login, the repeat: in that order.
  const auto log = sim_.Requests();
  std::vector<std::pair<std::string, int>> tail;
  for (auto it = log.end() - 3; it != log.end(); ++it) tail.emplace_back(it->operation, it->status);
  EXPECT_EQ(tail,
            (std::vector<std::pair<std::string, int>>{{"appliance.system.version.get", 401},
                                                      {"session.create", 201},
                                                      {"appliance.system.version.get", 200}}));
}

TEST_F(SessionTest, A401AfterTheReloginIsReturnedNotRetriedAgain) {
  auto client = Vcenter();
  ASSERT_TRUE(client->GetVersion());
  sim_.Sim().AddFault(Fault("vc01", "/api/appliance/system/version", 401, "UNAUTHENTICATED", 2));
  auto result = client->GetVersion();
  ExpectApiError(result, 401, "UNAUTHENTICATED");
  EXPECT_EQ(Count("vc01", "session.create"), 2) << "one re-login, not a loop";
  EXPECT_EQ(Count("vc01", "appliance.system.version.get"), 3);
}

TEST_F(SessionTest, ManyThreadsSharingOneTargetLogInOnceAndOnceMoreAfterExpiry) {
  auto client = Vcenter();
  constexpr int kThreads = 16;
  auto run_all = [&] {
    std::atomic<int> failures{0};
    std::vector<std::thread> threads;
    threads.reserve(kThreads);
    for (int i = 0; i < kThreads; ++i) {
      threads.emplace_back([&] {
        if (!client->GetVersion()) ++failures;
      });
    }
    for (auto& thread : threads) thread.join();
    return failures.load();
  };
  EXPECT_EQ(run_all(), 0);
  EXPECT_EQ(Count("vc01", "session.create"), 1);
  Advance(std::chrono::minutes(31));
  EXPECT_EQ(run_all(), 0);
  EXPECT_EQ(Count("vc01", "session.create"), 2);
  EXPECT_EQ(client->Session().LoginCount(), 2U);
}

TEST_F(SessionTest, WrongCredentialsFailTheLoginAndTheCallWithoutALoop) {
  auto session = Session("vc01", vsphere::AuthScheme::kVcenter, kVcUser, "not-the-password");
  vsphere::VcenterClient client(session);
  auto result = client.GetVersion();
  ExpectApiError(result, 401, "UNAUTHENTICATED");
  EXPECT_EQ(result.Error().operation, "session.create");
  EXPECT_EQ(Count("vc01", "session.create"), 1);
  EXPECT_EQ(Count("vc01", "appliance.system.version.get"), 0);
}

TEST_F(SessionTest, ARotatedPasswordFileIsReadAtTheNextLogin) {
  const auto path = std::filesystem::temp_directory_path() /
                    ("vsrd-session-test-" + std::to_string(::getpid()) + ".password");
  std::ofstream(path) << "old-password\n";
  auto transport = std::make_shared<vsphere::HttpsTransport>(Options("vc01"));
  vsphere::SessionOptions options;
  options.target = "vc01";
  options.username = kVcUser;
  options.password = [path] {
    return vsphere::ReadSecret({manifests::SecretRef::Source::kFile, path.string()});
  };
  vsphere::VcenterClient client(
      std::make_shared<vsphere::ApiSession>(options, transport, &metrics_, logger_));
  ExpectApiError(client.GetVersion(), 401, "UNAUTHENTICATED");

  std::ofstream(path) << kVcPassword << "\n";  // rotated by the operator; no restart
  auto version = client.GetVersion();
  EXPECT_TRUE(version) << version.Error().Summary();
  std::filesystem::remove(path);
}

TEST_F(SessionTest, AnUnreadablePasswordIsACredentialsErrorAndNothingIsSent) {
  auto transport = std::make_shared<vsphere::HttpsTransport>(Options("vc01"));
  vsphere::SessionOptions options;
  options.target = "vc01";
  options.username = kVcUser;
  options.password = [] {
    return vsphere::ReadSecret({manifests::SecretRef::Source::kFile, "/nonexistent/vc01.pw"});
  };
  vsphere::VcenterClient client(
      std::make_shared<vsphere::ApiSession>(options, transport, &metrics_, logger_));
  auto result = client.GetVersion();
  ASSERT_FALSE(result);
  EXPECT_EQ(result.Error().kind, ErrorKind::kCredentials);
  EXPECT_NE(result.Error().detail.find("/nonexistent/vc01.pw"), std::string::npos);
  EXPECT_EQ(sim_.Requests().size(), 0U);
}

TEST_F(SessionTest, LogoutDeletesTheSessionAndTheNextCallLogsInAgain) {
  auto client = Vcenter();
  ASSERT_TRUE(client->GetVersion());
  client->Session().Logout();
  EXPECT_FALSE(client->Session().LoggedIn());
  EXPECT_EQ(Count("vc01", "session.delete"), 1);
  ASSERT_TRUE(client->GetVersion());
  EXPECT_EQ(Count("vc01", "session.create"), 2);
  client->Session().Logout();
  client->Session().Logout();  // nothing to end: no request
  EXPECT_EQ(Count("vc01", "session.delete"), 2);
}

// daemon/vsphere/pass_budget.hpp: a call starts only while its whole request timeout (10 s in
// these tests' sessions) fits in what is left of the pass's budget; otherwise nothing is sent,
// not even a login.
TEST_F(SessionTest, ACallThePassBudgetCannotHoldIsNotSent) {
  auto client = Vcenter();
  {
    const vsphere::PassBudget budget(std::chrono::seconds(9));
    auto result = client->GetVersion();
    ASSERT_FALSE(result);
    EXPECT_EQ(result.Error().kind, ErrorKind::kTimeout);
    EXPECT_FALSE(result.Error().sent);
    EXPECT_NE(result.Error().detail.find("budget"), std::string::npos) << result.Error().detail;
    EXPECT_EQ(sim_.Requests().size(), 0U);
  }
  {
    const vsphere::PassBudget budget(std::chrono::seconds(30));
    auto result = client->GetVersion();
    ASSERT_TRUE(result) << result.Error().Summary();
  }
  EXPECT_EQ(Count("vc01", "session.create"), 1);
  EXPECT_EQ(Count("vc01", "appliance.system.version.get"), 1);
}

TEST_F(SessionTest, ServerErrorsAreReturnedOnceAndNotRetried) {
  auto client = Vcenter();
  sim_.Sim().AddFault(Fault("vc01", "/api/appliance/system/version", 503, "SERVICE_UNAVAILABLE"));
  sim_.Sim().AddFault(Fault("vc01", "/api/vcenter/deployment", 500, "ERROR"));
  auto unavailable = client->GetVersion();
  ExpectApiError(unavailable, 503, "SERVICE_UNAVAILABLE");
  EXPECT_TRUE(unavailable.Error().IsUnreachable());
  ASSERT_FALSE(unavailable.Error().messages.empty());
  EXPECT_EQ(unavailable.Error().messages.front().default_message, "injected fault");
  ExpectApiError(client->GetDeployment(), 500, "ERROR");
  EXPECT_EQ(Count("vc01", "appliance.system.version.get"), 1);
  EXPECT_EQ(Count("vc01", "deployment.get"), 1);
}

TEST_F(SessionTest, UpdateManagerSessionsUseTheDrSessionHeaderAndRenewAfterExpiry) {
  auto client = UpdateManager();
  ASSERT_TRUE(client->GetAppliance());
  const auto requests = transports_.back()->Requests();
  ASSERT_EQ(requests.size(), 2U);
  EXPECT_EQ(requests[0].target, "/session");
  EXPECT_EQ(requests[1].headers.back().first, "x-dr-session");

  Advance(std::chrono::minutes(31));
  auto appliance = client->GetAppliance();
  ASSERT_TRUE(appliance) << appliance.Error().Summary();
  EXPECT_EQ(Count("vr01", "session.create"), 2);
  client->Session().Logout();
  EXPECT_EQ(Count("vr01", "session.delete"), 1);
}

}  // namespace
}  // namespace vsrd::integration
