#include "daemon/targets.hpp"

#include <stdexcept>

#include "reconcilers/ports/operations.hpp"

namespace vsrd::daemon {

Targets::Targets(const Config& config, vsphere::ApiMetrics* metrics,
                 const std::shared_ptr<spdlog::logger>& logger) {
  for (const auto& [name, target] : config.targets) {
    vsphere::TransportOptions options;
    options.url = target.url;
    options.tls = target.tls;
    options.requests_per_second = target.requests_per_second;
    std::shared_ptr<vsphere::HttpsTransport> transport;
    try {
      transport = std::make_shared<vsphere::HttpsTransport>(options);
    } catch (const std::exception& error) {
      throw std::runtime_error("target " + name + ": " + error.what());
    }
    Target built;
    built.session = vsphere::MakeSession(target, transport, metrics, logger);
    if (target.api == ApiFlavor::kVcenter) {
      built.vcenter = std::make_unique<vsphere::VcenterClient>(built.session);
      if (metrics != nullptr) metrics->Precreate(name, reconcilers::ports::operations::kVcenter);
    } else {
      built.update_manager = std::make_unique<vsphere::UpdateManagerClient>(built.session);
      if (metrics != nullptr)
        metrics->Precreate(name, reconcilers::ports::operations::kUpdateManager);
    }
    targets_.emplace(name, std::move(built));
  }
}

Targets::~Targets() = default;

std::map<std::string, reconcilers::TargetPorts> Targets::Ports() const {
  std::map<std::string, reconcilers::TargetPorts> ports;
  for (const auto& [name, target] : targets_) {
    reconcilers::TargetPorts entry;
    entry.name = name;
    if (auto* client = target.vcenter.get()) {
      entry.vcha = client;
      entry.depots = client;
      entry.tasks = client;
      entry.deployment = client;
      entry.vm = client;
      entry.appliance = client;
    }
    entry.update_manager = target.update_manager.get();
    ports.emplace(name, entry);
  }
  return ports;
}

vsphere::ApiSession* Targets::Session(const std::string& name) const {
  const auto it = targets_.find(name);
  return it == targets_.end() ? nullptr : it->second.session.get();
}

void Targets::LogoutAll() {
  for (auto& [name, target] : targets_) target.session->Logout();
}

}  // namespace vsrd::daemon
