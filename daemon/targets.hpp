#pragma once

#include <map>
#include <memory>
#include <string>

#include <spdlog/logger.h>

#include "daemon/config.hpp"
#include "daemon/vsphere/api_metrics.hpp"
#include "daemon/vsphere/api_session.hpp"
#include "daemon/vsphere/https_transport.hpp"
#include "daemon/vsphere/update_manager_client.hpp"
#include "daemon/vsphere/vcenter_client.hpp"
#include "reconcilers/context.hpp"

// The clients of every configured target, wired as docs/vsphere-client.md describes: one
// HttpsTransport, one ApiSession and one client per target, shared by all workers.

namespace vsrd::daemon {

class Targets {
 public:
  /// Builds every target's client. Throws std::runtime_error naming the target when its TLS
  /// settings are unusable (e.g. an unreadable ca_file). No network traffic yet: sessions log
  /// in at the first call.
  Targets(const Config& config, vsphere::ApiMetrics* metrics,
          const std::shared_ptr<spdlog::logger>& logger);
  ~Targets();
  Targets(const Targets&) = delete;
  Targets& operator=(const Targets&) = delete;

  /// The ports of each target by name, for the Controller.
  std::map<std::string, reconcilers::TargetPorts> Ports() const;
  /// The session of a target; null for an unknown name.
  vsphere::ApiSession* Session(const std::string& name) const;
  /// Ends every session (DELETE), best effort. Called at shutdown.
  void LogoutAll();

 private:
  struct Target {
    std::shared_ptr<vsphere::ApiSession> session;
    std::unique_ptr<vsphere::VcenterClient> vcenter;
    std::unique_ptr<vsphere::UpdateManagerClient> update_manager;
  };
  std::map<std::string, Target> targets_;
};

}  // namespace vsrd::daemon
