#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "simulator/clock.hpp"

// Cis tasks (docs/vsphere-api.md "Tasks") on the simulated clock: PENDING for `pending_for`, then
// RUNNING with progress growing linearly over `run_for`, then SUCCEEDED with `result` or FAILED
// with `error` (a std-error object). The state change a task makes (a redeployed passive node, a
// new depot) happens in its completion hook, exactly when simulated time passes its end.

namespace vsrd::simulator {

struct CisTaskSpec {
  std::string service;    ///< "com.vmware.vcenter.vcha.cluster.passive"
  std::string operation;  ///< "redeploy"
  std::string description;
  std::string user;
  std::optional<nlohmann::json> target;  ///< DynamicID {type, id}
  Duration pending_for{0};
  Duration run_for{std::chrono::seconds(30)};
  bool fail = false;
  nlohmann::json result;  ///< Info.result once SUCCEEDED (null: none)
  nlohmann::json error;   ///< Info.error once FAILED: a std-error body
  std::function<void()> on_success;
  std::function<void()> on_failure;
};

class CisTaskStore {
 public:
  /// Starts a task at `now`; returns its id ("52000001-...:service").
  std::string Start(CisTaskSpec spec, TimePoint now);
  /// Completes every task whose end is at or before `now`, in end order, running its hook.
  void Tick(TimePoint now);
  /// Cis.Task.Info at `now`, or nullopt for an unknown id.
  std::optional<nlohmann::json> Info(const std::string& id, TimePoint now,
                                     bool exclude_result) const;
  /// True while a task of `service`/`operation` has not finished.
  bool Running(std::string_view service, std::string_view operation) const;
  /// Forgets every task (an appliance restart, a simulator reset).
  void Clear() { tasks_.clear(); }
  /// Every task's Info, keyed by id, for state dumps.
  nlohmann::json Dump(TimePoint now) const;

 private:
  struct Task {
    CisTaskSpec spec;
    TimePoint created;
    bool finished = false;
  };
  std::map<std::string, Task> tasks_;
  std::uint64_t next_ = 1;
};

}  // namespace vsrd::simulator
