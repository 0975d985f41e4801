#pragma once

#include <algorithm>
#include <memory>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <prometheus/registry.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include "daemon/vsphere/api_metrics.hpp"
#include "daemon/vsphere/api_session.hpp"
#include "daemon/vsphere/https_transport.hpp"
#include "daemon/vsphere/update_manager_client.hpp"
#include "daemon/vsphere/vcenter_client.hpp"
#include "tests/integration/vsphere/sim_https_server.hpp"

// The client under test wired as the daemon wires it (HttpsTransport → ApiSession → client),
// against the lab scenario served by vsrd-sim in-process over HTTPS. Log lines go to a string
// the tests can search; metrics to a registry they can read.

namespace vsrd::integration {

namespace vsphere = daemon::vsphere;
namespace ports = reconcilers::ports;

inline constexpr const char* kVcUser = "administrator@vsphere.local";
inline constexpr const char* kVcPassword = "demo-only-password";
inline constexpr const char* kVrUser = "admin";
inline constexpr const char* kVrPassword = "vr-demo-password";

/// A Transport that remembers every request it forwarded (to see the headers a session sent).
class RecordingTransport final : public vsphere::Transport {
 public:
  explicit RecordingTransport(std::shared_ptr<vsphere::Transport> inner)
      : inner_(std::move(inner)) {}
  ports::Result<vsphere::HttpResponse> Send(const vsphere::HttpRequest& request,
                                            std::chrono::milliseconds timeout) override {
    {
      const std::lock_guard lock(mutex_);
      requests_.push_back(request);
    }
    auto response = inner_->Send(request, timeout);
    if (response) {
      const std::lock_guard lock(mutex_);
      response_bodies_.push_back(response->body);
    }
    return response;
  }
  std::vector<vsphere::HttpRequest> Requests() const {
    const std::lock_guard lock(mutex_);
    return requests_;
  }
  std::vector<std::string> ResponseBodies() const {
    const std::lock_guard lock(mutex_);
    return response_bodies_;
  }

 private:
  std::shared_ptr<vsphere::Transport> inner_;
  mutable std::mutex mutex_;
  std::vector<vsphere::HttpRequest> requests_;
  std::vector<std::string> response_bodies_;
};

class ClientTest : public ::testing::Test {
 protected:
  ClientTest() : sim_(LabScenario()), metrics_(registry_) {
    log_sink_ = std::make_shared<spdlog::sinks::ostream_sink_mt>(log_);
    logger_ = std::make_shared<spdlog::logger>("vsphere-test", log_sink_);
    logger_->set_level(spdlog::level::trace);
  }

  /// TLS trusting the simulator's certificate file.
  vsphere::TransportOptions Options(const std::string& persona) const {
    vsphere::TransportOptions options;
    options.url = sim_.Url(persona);
    options.tls.ca_file = sim_.CaFile();
    options.requests_per_second = 0;  // unlimited: tests measure behaviour, not pacing
    return options;
  }

  /// A session to `persona` (vcenter scheme unless `scheme` says otherwise).
  std::shared_ptr<vsphere::ApiSession> Session(
      const std::string& persona, vsphere::AuthScheme scheme = vsphere::AuthScheme::kVcenter,
      std::string username = kVcUser, const std::string& password = kVcPassword) {
    auto transport = std::make_shared<RecordingTransport>(
        std::make_shared<vsphere::HttpsTransport>(Options(persona)));
    transports_.push_back(transport);
    vsphere::SessionOptions options;
    options.target = persona;
    options.scheme = scheme;
    options.username = std::move(username);
    options.password = [password] { return ports::Result<ports::Secret>(ports::Secret(password)); };
    options.request_timeout = std::chrono::seconds(10);
    return std::make_shared<vsphere::ApiSession>(std::move(options), transport, &metrics_, logger_);
  }

  std::unique_ptr<vsphere::VcenterClient> Vcenter(const std::string& persona = "vc01") {
    return std::make_unique<vsphere::VcenterClient>(Session(persona));
  }

  std::unique_ptr<vsphere::UpdateManagerClient> UpdateManager() {
    return std::make_unique<vsphere::UpdateManagerClient>(
        Session("vr01", vsphere::AuthScheme::kUpdateManager, kVrUser, kVrPassword));
  }

  /// How many requests of `operation` (the simulator's name) `persona` received.
  int Count(const std::string& persona, const std::string& operation) const {
    const auto log = sim_.Requests();
    return static_cast<int>(std::count_if(log.begin(), log.end(), [&](const auto& entry) {
      return entry.persona == persona && entry.operation == operation;
    }));
  }

  /// The value of a counter or the sample count of a histogram with these labels; -1 if absent.
  double Metric(const std::string& family, const std::map<std::string, std::string>& labels) {
    for (const auto& metric_family : registry_.Collect()) {
      if (metric_family.name != family) continue;
      for (const auto& metric : metric_family.metric) {
        std::map<std::string, std::string> have;
        for (const auto& label : metric.label) have[label.name] = label.value;
        if (have != labels) continue;
        if (metric_family.type == prometheus::MetricType::Counter) return metric.counter.value;
        return static_cast<double>(metric.histogram.sample_count);
      }
    }
    return -1;
  }

  std::string Log() const {
    log_sink_->flush();
    return log_.str();
  }

  void Advance(std::chrono::seconds by) { sim_.Sim().Advance(by); }

  SimHttpsServer sim_;
  prometheus::Registry registry_;
  vsphere::ApiMetrics metrics_;
  std::ostringstream log_;
  std::shared_ptr<spdlog::sinks::ostream_sink_mt> log_sink_;
  std::shared_ptr<spdlog::logger> logger_;
  std::vector<std::shared_ptr<RecordingTransport>> transports_;
};

/// Calls `attempt` until it returns true, for up to 5 s. vsrd-sim reopens a restarted
/// persona's port when its poll (every 50 ms of real time) sees the simulated restart is over,
/// so the first call right after advancing the clock may still be refused, as with a real
/// appliance whose services come up one by one.
template <class Attempt>
bool WaitUntilReachable(Attempt attempt) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (std::chrono::steady_clock::now() < deadline) {
    if (attempt()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

/// Asserts `result` failed with an API error of this status and error_type.
template <class T>
void ExpectApiError(const ports::Result<T>& result, int status, const std::string& error_type) {
  ASSERT_FALSE(result.HasValue()) << "expected " << status << " " << error_type;
  EXPECT_EQ(result.Error().kind, ports::ErrorKind::kApi) << result.Error().Summary();
  EXPECT_EQ(result.Error().http_status, status) << result.Error().Summary();
  EXPECT_EQ(result.Error().error_type, error_type) << result.Error().Summary();
}

}  // namespace vsrd::integration
