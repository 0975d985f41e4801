#pragma once

#include <memory>
#include <string>

#include <gtest/gtest.h>

#include "daemon/vsphere/api_session.hpp"
#include "daemon/vsphere/https_transport.hpp"
#include "daemon/vsphere/update_manager_client.hpp"
#include "daemon/vsphere/vcenter_client.hpp"
#include "manifests/decode.hpp"
#include "tests/integration/reconcilers/test_context.hpp"
#include "tests/integration/vsphere/sim_https_server.hpp"

// A reconciler against the lab scenario (examples/sim/lab.yaml) served by vsrd-sim in-process
// over HTTPS: real clients for vc01, vc02 (vcenter) and vr01 (update-manager), manifests decoded
// from YAML text exactly as vsrd decodes them, and a TestContext per object.

namespace vsrd::integration {

class ReconcilerTest : public ::testing::Test {
 protected:
  ReconcilerTest() : sim_(LabScenario()) {}

  /// The ports of a lab target: "vc01", "vc02" (vcenter) or "vr01" (update-manager).
  rec::TargetPorts Ports(const std::string& target) {
    namespace vsphere = daemon::vsphere;
    vsphere::TransportOptions transport_options;
    transport_options.url = sim_.Url(target);
    transport_options.tls.ca_file = sim_.CaFile();
    transport_options.requests_per_second = 0;
    vsphere::SessionOptions options;
    options.target = target;
    const bool vr = target == "vr01";
    options.scheme = vr ? vsphere::AuthScheme::kUpdateManager : vsphere::AuthScheme::kVcenter;
    options.username = vr ? "admin" : "administrator@vsphere.local";
    options.password = [vr] {
      return reconcilers::ports::Result<reconcilers::ports::Secret>(
          reconcilers::ports::Secret(vr ? "vr-demo-password" : "demo-only-password"));
    };
    options.request_timeout = std::chrono::seconds(10);
    auto session = std::make_shared<vsphere::ApiSession>(
        options, std::make_shared<vsphere::HttpsTransport>(transport_options), nullptr, nullptr);
    rec::TargetPorts ports;
    ports.name = target;
    if (vr) {
      update_manager_clients_.push_back(std::make_unique<vsphere::UpdateManagerClient>(session));
      ports.update_manager = update_manager_clients_.back().get();
    } else {
      vcenter_clients_.push_back(std::make_unique<vsphere::VcenterClient>(session));
      auto* client = vcenter_clients_.back().get();
      ports.vcha = client;
      ports.depots = client;
      ports.tasks = client;
      ports.deployment = client;
      ports.vm = client;
      ports.appliance = client;
    }
    return ports;
  }

  /// Decodes one manifest document; fails the test on any diagnostic.
  static manifests::Object Manifest(const std::string& yaml) {
    auto file = manifests::DecodeManifests(yaml, "test.yaml");
    std::string problems;
    for (const auto& d : file.diagnostics) problems += manifests::FormatDiagnostic(d) + "\n";
    EXPECT_EQ(file.objects.size(), 1U) << problems;
    if (file.objects.empty()) return {};
    return file.objects.front();
  }

  /// A context for `yaml` whose spec.target names a lab persona.
  std::unique_ptr<TestContext> Context(const std::string& yaml) {
    auto object = Manifest(yaml);
    auto ports = Ports(object.target.name);
    return std::make_unique<TestContext>(std::move(object), std::move(ports), sim_.Sim());
  }

  /// How many requests of `operation` (the simulator's name) `persona` received.
  int Count(const std::string& persona, const std::string& operation) const {
    int count = 0;
    for (const auto& entry : sim_.Requests()) {
      if (entry.persona == persona && entry.operation == operation) ++count;
    }
    return count;
  }

  void Advance(std::chrono::seconds by) { sim_.Sim().Advance(by); }

  SimHttpsServer sim_;
  std::vector<std::unique_ptr<daemon::vsphere::VcenterClient>> vcenter_clients_;
  std::vector<std::unique_ptr<daemon::vsphere::UpdateManagerClient>> update_manager_clients_;
};

}  // namespace vsrd::integration
