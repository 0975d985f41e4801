#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "manifests/common.hpp"
#include "manifests/object.hpp"
#include "reconcilers/outcome.hpp"
#include "reconcilers/ports/appliance_port.hpp"
#include "reconcilers/ports/deployment_port.hpp"
#include "reconcilers/ports/depots_port.hpp"
#include "reconcilers/ports/secret.hpp"
#include "reconcilers/ports/tasks_port.hpp"
#include "reconcilers/ports/update_manager_port.hpp"
#include "reconcilers/ports/vcha_port.hpp"
#include "reconcilers/ports/vm_port.hpp"
#include "reconcilers/record.hpp"

// Everything a reconciler may use during one pass, provided by the engine (daemon/) or by a
// test's fake. A reconciler reads the desired object and the live state through the ports,
// decides in a pure function, makes at most one mutating call, and returns an Outcome.

namespace vsrd::reconcilers {

/// The ports of the object's target. Those of the other flavor are null.
struct TargetPorts {
  std::string name;  ///< the config's target name
  ports::VchaPort* vcha = nullptr;
  ports::DepotsPort* depots = nullptr;
  ports::TasksPort* tasks = nullptr;
  ports::DeploymentPort* deployment = nullptr;
  ports::VmPort* vm = nullptr;
  ports::AppliancePort* appliance = nullptr;
  ports::UpdateManagerPort* update_manager = nullptr;
};

/// A config target used as VchaPassiveNode's management vCenter (RedeploySpec.vc_spec).
struct ManagementVcenter {
  std::string hostname;
  std::optional<std::int64_t> port;
  std::string username;
  manifests::SecretRef password;
  std::optional<std::string> ssl_thumbprint;
};

/// The object's policy with the config's defaults filled in.
struct EffectivePolicy {
  Duration interval = std::chrono::minutes(5);
  Duration retry_interval = std::chrono::seconds(30);
  Duration timeout = std::chrono::hours(2);
  std::int64_t max_failures = 3;
  /// How long after its intent a submission without a trace on the target may be concluded
  /// not run (reconcilers/mutation.hpp): the target's request deadline, after which the
  /// request can no longer be on its way or in the server's queue as far as vsrd waited.
  Duration outcome_settle = std::chrono::seconds(60);
};

/// Why no mutation may start (Context::MutationsBlocked).
struct MutationBlock {
  std::string_view reason;  ///< JournalUnavailable, ShuttingDown, ObjectRemoved
  std::string message;
};

class Context {
 public:
  virtual ~Context() = default;

  /// The desired state: the manifest object being reconciled.
  virtual const manifests::Object& Object() const = 0;
  virtual const EffectivePolicy& Policy() const = 0;
  /// Wall-clock time (the engine's injected clock).
  virtual WallTime Now() const = 0;
  virtual const TargetPorts& Target() = 0;

  /// The journal entry of this object (empty when none).
  virtual const ObjectRecord& Record() const = 0;
  /// Replaces the journal entry durably (written, fsync'd and renamed into place) before it
  /// returns. False when that failed (logged by the engine): the reconciler must then report
  /// a transient failure rather than carry on as if the record were kept.
  virtual bool SaveRecord(const ObjectRecord& record) = 0;

  /// Reads a secret named by the manifest (a host's password). kCredentials on failure.
  virtual ports::Result<ports::Secret> ReadSecret(const manifests::SecretRef& ref) = 0;
  /// The config target named as management_vcenter; nullopt when there is none of that name.
  virtual std::optional<ManagementVcenter> ManagementTarget(const std::string& name) const = 0;

  /// True when a mutation may start now: inside policy.window (always, without a window).
  virtual bool InWindow() const = 0;
  /// Takes one of the target's mutation slots (max_concurrent_mutations) for this object. The
  /// slot stays taken while the record has an in-flight operation, and is given back at the
  /// end of the pass otherwise. False: the target is busy with other objects' mutations.
  virtual bool TryBeginMutation() = 0;
  /// Why no mutation may start now: the journal awaits an operator after it was found corrupt,
  /// a journal write failed (until one succeeds again), or a stop is in progress. nullopt: they
  /// may. Checked by the mutation protocol's gate before every submission.
  virtual std::optional<MutationBlock> MutationsBlocked() = 0;
  /// `vsrd plan`: true when reconcilers must not mutate, only describe what they would do
  /// (Outcome::plan).
  virtual bool DryRun() const = 0;

  // Observations for metrics (vsrd_vcha_health, vsrd_appliance_version_info,
  // vsrd_vm_customizable, vsrd_drift_detected_total).
  virtual void ObserveVchaHealth(std::string_view health_state) = 0;
  virtual void ObserveApplianceVersion(const std::string& version) = 0;
  virtual void ObserveVmCustomizable(const std::string& vm, bool customizable) = 0;
  virtual void ObserveDrift() = 0;
};

/// One per kind; stateless between passes (all state is in the journal and in vSphere).
class Reconciler {
 public:
  virtual ~Reconciler() = default;
  /// One pass over `context.Object()` (its key is `context.Object().Key()`): read live state,
  /// decide, make at most one mutating call, say what happened. Never throws; every failure is
  /// an Outcome.
  virtual Outcome Reconcile(Context& context) = 0;
  /// False for a kind that never mutates (a check): when many objects are new at once (a cold
  /// start, a large commit), the engine queues the kinds that may start an operation first, since
  /// their operations take minutes and make the critical path, and a check takes one request
  /// (Controller::SetObjects).
  virtual bool MayMutate() const { return true; }
};

}  // namespace vsrd::reconcilers
