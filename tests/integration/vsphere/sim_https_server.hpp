#pragma once

#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <unistd.h>

#include "manifests/diagnostic.hpp"
#include "simulator/scenario.hpp"
#include "simulator/server/certificate.hpp"
#include "simulator/server/server.hpp"
#include "simulator/simulator.hpp"

// vsrd-sim in the test process: the same Server (Beast + OpenSSL) the vsrd-sim binary runs,
// serving a scenario on 127.0.0.1 with kernel-chosen ports and a fresh self-signed certificate.
// Tests reach the Simulator directly to advance its clock, add faults and read the request
// log, while the client under test talks HTTPS to it exactly as to a vCenter. The destructor
// stops the server and joins its thread, so nothing outlives the test.

namespace vsrd::integration {

class SimHttpsServer {
 public:
  /// Serves `scenario_text` (vsrd-sim scenario YAML); every persona's `listen` is replaced by
  /// 127.0.0.1:0. `time_scale` 0 keeps the simulated clock manual (Sim().Advance); N > 0 runs
  /// it N times faster than real time. Throws std::runtime_error with the scenario's
  /// diagnostics when it is invalid.
  explicit SimHttpsServer(const std::string& scenario_text, int threads = 2,
                          double time_scale = 0) {
    auto loaded = simulator::DecodeScenario(scenario_text, "scenario.yaml");
    if (!loaded.scenario) {
      std::string problems;
      for (const auto& d : loaded.diagnostics) problems += manifests::FormatDiagnostic(d) + "\n";
      throw std::runtime_error("invalid test scenario:\n" + problems);
    }
    simulator::Scenario scenario = *loaded.scenario;

    const auto identity = simulator::server::MakeSelfSignedCertificate({});
    thumbprint_ = simulator::server::Sha256Thumbprint(identity.certificate_pem);
    ca_file_ =
        (std::filesystem::temp_directory_path() /
         ("vsrd-test-ca-" + std::to_string(::getpid()) + "-" + std::to_string(NextId()) + ".pem"))
            .string();
    std::ofstream(ca_file_) << identity.certificate_pem;

    simulator::server::ServerOptions options;
    options.certificate_pem = identity.certificate_pem;
    options.private_key_pem = identity.private_key_pem;
    options.threads = threads;
    options.stop_grace = std::chrono::milliseconds(500);
    std::vector<simulator::server::ListenerSpec> specs;
    for (auto& persona : scenario.personas) {
      persona.listen = "127.0.0.1:0";
      specs.push_back({persona.name, persona.listen});
    }
    server_ = std::make_unique<simulator::server::Server>(std::move(options), specs);
    const auto& bound = server_->Listeners();
    for (std::size_t i = 0; i < scenario.personas.size(); ++i) {
      scenario.personas[i].listen = simulator::server::FormatAddress(bound[i].endpoint);
      ports_[scenario.personas[i].name] = bound[i].endpoint.port();
    }
    simulator_ = std::make_unique<simulator::Simulator>(scenario, time_scale);
    thread_ = std::thread([this] { server_->Run(*simulator_); });
  }

  ~SimHttpsServer() {
    server_->Stop();
    if (thread_.joinable()) thread_.join();
    std::error_code ignored;
    std::filesystem::remove(ca_file_, ignored);
  }

  SimHttpsServer(const SimHttpsServer&) = delete;
  SimHttpsServer& operator=(const SimHttpsServer&) = delete;

  simulator::Simulator& Sim() { return *simulator_; }
  /// "https://127.0.0.1:PORT" of a persona.
  std::string Url(const std::string& persona) const {
    return "https://127.0.0.1:" + std::to_string(ports_.at(persona));
  }
  unsigned short Port(const std::string& persona) const { return ports_.at(persona); }
  /// The PEM file of the server's certificate (what a target's tls.ca_file names).
  const std::string& CaFile() const { return ca_file_; }
  /// "AB:CD:..." SHA-256 of the certificate (what tls.thumbprint_sha256 pins).
  const std::string& Thumbprint() const { return thumbprint_; }

  /// Every request the simulator logged, oldest first (bodies redacted).
  std::vector<simulator::LogEntry> Requests() const { return simulator_->Requests(); }

 private:
  static int NextId() {
    static int next = 0;
    return ++next;
  }

  std::unique_ptr<simulator::server::Server> server_;
  std::unique_ptr<simulator::Simulator> simulator_;
  std::map<std::string, unsigned short> ports_;
  std::string ca_file_;
  std::string thumbprint_;
  std::thread thread_;
};

/// The lab scenario the tests use: vc01 (vCenter) and vr01 (update-manager) with the state of
/// examples/sim/lab.yaml, and vc02 with an install running for 5 hours.
inline std::string LabScenario() {
  std::ifstream in(std::string(VSRD_SOURCE_DIR) + "/examples/sim/lab.yaml");
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

}  // namespace vsrd::integration
