#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "daemon/vsphere/credentials.hpp"
#include "reconcilers/context.hpp"
#include "simulator/simulator.hpp"

// A Context for running one reconciler against vsrd-sim: the ports are the real clients (over
// HTTPS to the in-process simulator), time is the simulator's clock, the journal record lives
// in memory (SaveRecord can be made to fail), and observations are recorded for assertions.
// What it does not model: concurrent objects (TryBeginMutation grants `free_slots` slots), and
// policy windows (InWindow returns `in_window`).

namespace vsrd::integration {

namespace rec = reconcilers;

class TestContext final : public rec::Context {
 public:
  TestContext(manifests::Object object, rec::TargetPorts ports, simulator::Simulator& sim)
      : object_(std::move(object)), ports_(std::move(ports)), sim_(sim) {}

  const manifests::Object& Object() const override { return object_; }
  const rec::EffectivePolicy& Policy() const override { return policy; }
  /// vsrd's clock: the simulator's, shifted by `vsrd_clock_skew` (a vsrd host whose clock differs
  /// from the appliance's).
  rec::WallTime Now() const override { return sim_.Now() + vsrd_clock_skew; }
  const rec::TargetPorts& Target() override { return ports_; }
  const rec::ObjectRecord& Record() const override { return record; }
  bool SaveRecord(const rec::ObjectRecord& replacement) override {
    if (fail_saves) return false;
    record = replacement;
    ++saves;
    return true;
  }
  reconcilers::ports::Result<reconcilers::ports::Secret> ReadSecret(
      const manifests::SecretRef& ref) override {
    return daemon::vsphere::ReadSecret(ref);
  }
  std::optional<rec::ManagementVcenter> ManagementTarget(const std::string& name) const override {
    const auto it = management_targets.find(name);
    if (it == management_targets.end()) return std::nullopt;
    return it->second;
  }
  bool InWindow() const override { return in_window; }
  bool TryBeginMutation() override {
    if (free_slots <= 0) return false;
    --free_slots;
    ++mutations_begun;
    return true;
  }
  bool DryRun() const override { return dry_run; }
  std::optional<rec::MutationBlock> MutationsBlocked() override { return blocked; }
  void ObserveVchaHealth(std::string_view health_state) override {
    vcha_health = std::string(health_state);
  }
  void ObserveApplianceVersion(const std::string& version) override { appliance_version = version; }
  void ObserveVmCustomizable(const std::string& vm, bool customizable) override {
    vm_customizable[vm] = customizable;
  }
  void ObserveDrift() override { ++drift; }

  // Knobs and observations, public for tests.
  std::chrono::milliseconds vsrd_clock_skew{0};
  rec::EffectivePolicy policy;
  rec::ObjectRecord record;
  bool fail_saves = false;
  int saves = 0;
  std::map<std::string, rec::ManagementVcenter> management_targets;
  bool in_window = true;
  int free_slots = 1;
  int mutations_begun = 0;
  bool dry_run = false;
  std::optional<rec::MutationBlock> blocked;  ///< what MutationsBlocked answers
  std::optional<std::string> vcha_health;
  std::optional<std::string> appliance_version;
  std::map<std::string, bool> vm_customizable;
  int drift = 0;

 private:
  manifests::Object object_;
  rec::TargetPorts ports_;
  simulator::Simulator& sim_;
};

}  // namespace vsrd::integration
