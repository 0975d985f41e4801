#pragma once

#include <memory>
#include <string>

#include <gtest/gtest.h>

#include "simulator/base64.hpp"
#include "simulator/simulator.hpp"

// In-process harness for simulator tests: a Simulator built from scenario text, and calls that
// log in and carry the session like a client would.

namespace vsrd::simulator::testing {

/// A small vCenter + update-manager scenario; `state` is inserted under the vc01 persona.
inline std::string Scenario(const std::string& vcenter_state = "{}",
                            const std::string& update_manager_state = "{}") {
  return R"(clock: {start: "2026-01-01T00:00:00Z"}
personas:
  vc01:
    type: vcenter
    listen: 127.0.0.1:18443
    users: {administrator@vsphere.local: {password: "VMware1!"}}
    sessions: {idle_timeout: 30m, max_lifetime: 24h}
    state: )" +
         vcenter_state + R"(
  vr01:
    type: update-manager
    listen: 127.0.0.1:18444
    users: {admin: {password: "vr-secret"}}
    state: )" +
         update_manager_state + "\n";
}

class SimulatorTest : public ::testing::Test {
 protected:
  /// Builds the simulator; fails the test with every diagnostic if the scenario is invalid.
  void Load(const std::string& scenario_text) {
    auto result = DecodeScenario(scenario_text, "scenario.yaml");
    std::string problems;
    for (const auto& d : result.diagnostics) problems += manifests::FormatDiagnostic(d) + "\n";
    ASSERT_TRUE(result.scenario) << problems;
    sim_ = std::make_unique<Simulator>(*result.scenario);
  }

  void SetUp() override { Load(Scenario()); }

  /// POST /api/session as administrator and keep the token for Call().
  void Login(const std::string& user = "administrator@vsphere.local",
             const std::string& password = "VMware1!") {
    Request request = Request::FromTarget("POST", "/api/session");
    request.headers["authorization"] = "Basic " + Base64Encode(user + ":" + password);
    const Reply reply = sim_->Handle("vc01", request);
    ASSERT_EQ(reply.response.status, 201) << reply.response.body;
    token_ = nlohmann::json::parse(reply.response.body).get<std::string>();
  }

  /// A vCenter call with the session header (when logged in).
  Reply Call(const std::string& method, const std::string& target, const std::string& body = "",
             const std::string& persona = "vc01") {
    Request request = Request::FromTarget(method, target, body);
    if (!token_.empty()) request.headers["vmware-api-session-id"] = token_;
    return sim_->Handle(persona, request);
  }

  /// The JSON body of a reply (null when empty).
  static nlohmann::json Json(const Reply& reply) {
    if (reply.response.body.empty()) return nullptr;
    return nlohmann::json::parse(reply.response.body);
  }

  std::unique_ptr<Simulator> sim_;
  std::string token_;
};

}  // namespace vsrd::simulator::testing
