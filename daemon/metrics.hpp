#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include "daemon/vsphere/api_metrics.hpp"
#include "manifests/common.hpp"
#include "manifests/object_key.hpp"
#include "reconcilers/outcome.hpp"

// Every metric family of docs/operations.md "Metric families", in one registry, rendered with
// prometheus-cpp's text serializer for GET /metrics, except the five per-object families, which
// Render writes itself from one small record per object (ObjectSeries). Label values come from
// closed sets (kinds, phases, results, states) or from manifest and config names; never URLs,
// ids of tasks, or secrets.
// Every label set that can be known in advance is created at once so it reads 0 before the first
// event: per kind at construction, per object in SetObjects. Thread-safe.

namespace vsrd::daemon {

class Metrics {
 public:
  /// `version` is vsrd_build_info's label.
  explicit Metrics(std::string_view version);
  Metrics(const Metrics&) = delete;
  Metrics& operator=(const Metrics&) = delete;

  prometheus::Registry& Registry() { return *registry_; }
  /// vsrd_api_requests_total and vsrd_api_request_duration_seconds (the clients record them).
  vsphere::ApiMetrics& Api() { return api_; }

  /// The objects in force: creates their series (ready, phase, suspended, drift) and removes
  /// the series of objects that are gone.
  void SetObjects(const std::vector<manifests::ObjectKey>& objects);
  /// vsrd_object_ready, vsrd_object_phase (1 for `phase`, 0 for the others),
  /// vsrd_object_suspended.
  void SetObjectPhase(const manifests::ObjectKey& key, reconcilers::Phase phase);
  /// vsrd_reconcile_total{kind,result} (success|error|requeue|stalled) and
  /// vsrd_reconcile_duration_seconds{kind}.
  void CountReconcile(manifests::Kind kind, std::string_view result, double seconds);
  /// vsrd_drift_detected_total{kind,name} += 1.
  void CountDrift(const manifests::ObjectKey& key);
  void SetOperationsInFlight(manifests::Kind kind, std::int64_t count);
  /// vsrd_operation_duration_seconds{kind,outcome} (succeeded|failed), buckets up to 4h.
  void ObserveOperation(manifests::Kind kind, std::string_view outcome, double seconds);
  void SetQueueDepth(std::size_t depth);
  void CountRetry(manifests::Kind kind);
  /// vsrd_appliance_version_info{target,version} = 1; the target's previous version goes.
  void SetApplianceVersion(const std::string& target, const std::string& version);
  /// vsrd_vcha_health{target,state}: 1 for `state`, 0 for the other states.
  void SetVchaHealth(const std::string& target, std::string_view state);
  /// vsrd_vm_customizable{target,vm}: 1 or 0 for each VM of `key`'s last complete check, on
  /// `target`. Replaces what the object showed before: a VM it no longer checks goes, and all
  /// go with the object (SetObjects). A VM that two objects check is one series (the first
  /// object's, in key order). Ignored for an object not in force.
  void SetVmsCustomizable(const manifests::ObjectKey& key, const std::string& target,
                          std::vector<std::pair<std::string, bool>> vms);
  /// vsrd_last_applied_revision_info{revision} = 1; the previous revision goes.
  void SetRevision(const std::string& revision);
  void SetManifestsLoaded(std::size_t objects);
  /// vsrd_journal_writable: 0 after a journal write failed, until one succeeds.
  void SetJournalWritable(bool writable);
  /// vsrd_manifest_errors{file}: the files listed now (files no longer listed go).
  void SetManifestErrors(const std::map<std::string, std::int64_t>& errors_by_file);

  /// The exposition text of every family (text/plain; version=0.0.4).
  std::string Render() const;

  /// The states vsrd_vcha_health knows (Cluster.Info.health_state).
  static constexpr std::array<std::string_view, 3> kVchaStates{"HEALTHY", "DEGRADED", "ISOLATED"};
  static constexpr std::array<std::string_view, 4> kReconcileResults{"success", "error", "requeue",
                                                                     "stalled"};
  static constexpr std::array<std::string_view, 2> kOperationOutcomes{"succeeded", "failed"};

 private:
  template <class T>
  using Family = prometheus::Family<T>;

  /// What the per-object families (vsrd_object_ready, vsrd_object_phase, vsrd_object_suspended,
  /// vsrd_drift_detected_total: nine series per object; vsrd_vm_customizable: one per VM
  /// checked) show for one object in force. They are kept here and written by Render, not as
  /// prometheus-cpp series: at 10,000 objects those 100,000 series were most of vsrd's memory
  /// (a label map, a hash and a node each) and of the time of a scrape, and a pass built their
  /// label sets to set them (issue 15, bench/scale.sh, bench/metrics_render.cpp).
  struct ObjectSeries {
    std::optional<reconcilers::Phase> phase;        ///< the phase shown; none yet: every gauge 0
    std::uint64_t drift = 0;                        ///< vsrd_drift_detected_total
    std::string vm_target;                          ///< the target of `vms`
    std::vector<std::pair<std::string, bool>> vms;  ///< vsrd_vm_customizable: VM, customizable
  };

  /// Appends the per-object families, in the text format, to `out`. Requires mutex_.
  void RenderObjectsLocked(std::string& out) const;

  std::shared_ptr<prometheus::Registry> registry_;
  vsphere::ApiMetrics api_;
  Family<prometheus::Gauge>& build_info_;
  Family<prometheus::Gauge>& manifests_loaded_;
  Family<prometheus::Gauge>& manifest_errors_;
  Family<prometheus::Counter>& reconcile_total_;
  Family<prometheus::Histogram>& reconcile_duration_;
  Family<prometheus::Gauge>& operations_in_flight_;
  Family<prometheus::Histogram>& operation_duration_;
  Family<prometheus::Gauge>& workqueue_depth_;
  Family<prometheus::Counter>& workqueue_retries_;
  Family<prometheus::Gauge>& appliance_version_;
  Family<prometheus::Gauge>& vcha_health_;
  Family<prometheus::Gauge>& revision_;
  Family<prometheus::Gauge>& journal_writable_;

  mutable std::atomic<std::size_t> last_size_{0};  ///< of the last Render's text: a size hint
  mutable std::mutex mutex_;
  std::map<manifests::ObjectKey, ObjectSeries> objects_;
  std::map<std::string, std::string> appliance_versions_;  ///< target -> version shown
  std::string revision_shown_;
  std::map<std::string, prometheus::Gauge*> manifest_error_series_;
};

}  // namespace vsrd::daemon
