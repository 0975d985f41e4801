#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "simulator/clock.hpp"

// Cis tasks (docs/vsphere-api.md "Tasks") on the simulated clock: PENDING for `pending_for`, then
// RUNNING with progress growing linearly over `run_for`, then SUCCEEDED with `result` or FAILED
// with `error` (a std-error object). The state change a task makes (a redeployed passive node, a
// new depot) happens in its completion hook, exactly when simulated time passes its end.
// Finished tasks are kept, listable and readable, until Clear (a simulator reset): unlike a real
// vCenter, whose vAPI runtime forgets a finished task after a while (docs/simulator.md "Tasks").

namespace vsrd::simulator {

struct CisTaskSpec {
  std::string service;    ///< "com.vmware.vcenter.vcha.cluster.passive"
  std::string operation;  ///< "redeploy$task" (docs/simulator.md "Tasks")
  std::string description;
  std::string user;                      ///< "" = performed by the system: Info has no `user`
  std::optional<nlohmann::json> target;  ///< DynamicID {type, id}
  Duration pending_for{0};
  Duration run_for{std::chrono::seconds(30)};
  bool fail = false;
  nlohmann::json result;  ///< Info.result once SUCCEEDED (null: none)
  nlohmann::json error;   ///< Info.error once FAILED: a std-error body
  std::function<void()> on_success;
  std::function<void()> on_failure;
};

/// Tasks.FilterSpec of POST /api/cis/tasks?action=list: a task matches when it matches every
/// field; an empty field matches every task.
struct CisTaskFilter {
  std::vector<std::string> tasks;       ///< task ids
  std::vector<std::string> services;    ///< Info.service
  std::vector<std::string> operations;  ///< Info.operation
  std::vector<std::string> status;      ///< Info.status at the time of the list
  std::vector<nlohmann::json> targets;  ///< DynamicID {type, id}: equal to Info.target
  std::vector<std::string> users;       ///< Info.user
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
  /// Cis.Task.Info at `now` of every task matching `filter`, keyed by id (running and finished
  /// ones alike).
  nlohmann::json List(const CisTaskFilter& filter, TimePoint now, bool exclude_result) const;
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
