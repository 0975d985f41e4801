#include "daemon/metrics.hpp"

#include <algorithm>
#include <array>
#include <sstream>
#include <string>
#include <unordered_set>
#include <vector>

#include <prometheus/text_serializer.h>

namespace vsrd::daemon {

namespace {

using prometheus::Histogram;

std::string KindLabel(manifests::Kind kind) { return std::string(manifests::KindName(kind)); }

const Histogram::BucketBoundaries& ReconcileBuckets() {
  static const Histogram::BucketBoundaries kBuckets{0.01, 0.05, 0.1, 0.25, 0.5, 1,
                                                    2.5,  5,    10,  30,   60};
  return kBuckets;
}

// Operations (a redeploy, an extraction, an appliance update) take minutes to hours.
const Histogram::BucketBoundaries& OperationBuckets() {
  static const Histogram::BucketBoundaries kBuckets{30,   60,   120,  300,   600,  900,
                                                    1800, 3600, 7200, 10800, 14400};
  return kBuckets;
}

template <class T>
prometheus::Family<T>& Build(prometheus::Registry& registry, const std::string& name,
                             const std::string& help) {
  if constexpr (std::is_same_v<T, prometheus::Gauge>) {
    return prometheus::BuildGauge().Name(name).Help(help).Register(registry);
  } else if constexpr (std::is_same_v<T, prometheus::Counter>) {
    return prometheus::BuildCounter().Name(name).Help(help).Register(registry);
  } else {
    return prometheus::BuildHistogram().Name(name).Help(help).Register(registry);
  }
}

}  // namespace

Metrics::Metrics(std::string_view version)
    : registry_(std::make_shared<prometheus::Registry>()),
      api_(*registry_),
      build_info_(
          Build<prometheus::Gauge>(*registry_, "vsrd_build_info", "vsrd's version, always 1")),
      manifests_loaded_(Build<prometheus::Gauge>(*registry_, "vsrd_manifests_loaded",
                                                 "Objects in force from the manifests")),
      manifest_errors_(Build<prometheus::Gauge>(
          *registry_, "vsrd_manifest_errors",
          "Errors in a manifest file; its last good objects stay in force")),
      reconcile_total_(Build<prometheus::Counter>(
          *registry_, "vsrd_reconcile_total",
          "Reconcile passes by kind and result (success, error, requeue, stalled)")),
      reconcile_duration_(Build<prometheus::Histogram>(
          *registry_, "vsrd_reconcile_duration_seconds", "Duration of one reconcile pass")),
      operations_in_flight_(Build<prometheus::Gauge>(*registry_, "vsrd_operations_in_flight",
                                                     "vSphere operations started and not ended")),
      operation_duration_(Build<prometheus::Histogram>(
          *registry_, "vsrd_operation_duration_seconds",
          "Duration of vSphere operations (redeploy, extraction, update, ...) by outcome")),
      workqueue_depth_(Build<prometheus::Gauge>(*registry_, "vsrd_workqueue_depth",
                                                "Objects due for a reconcile pass")),
      workqueue_retries_(Build<prometheus::Counter>(*registry_, "vsrd_workqueue_retries_total",
                                                    "Passes queued again after a failure")),
      appliance_version_(Build<prometheus::Gauge>(*registry_, "vsrd_appliance_version_info",
                                                  "The version an appliance runs, always 1")),
      vcha_health_(Build<prometheus::Gauge>(*registry_, "vsrd_vcha_health",
                                            "1 for the VCHA cluster's health state")),
      revision_(Build<prometheus::Gauge>(*registry_, "vsrd_last_applied_revision_info",
                                         "The git commit of the manifests in force, always 1")),
      journal_writable_(Build<prometheus::Gauge>(
          *registry_, "vsrd_journal_writable",
          "1 while the journal in state_dir can be written; 0: no mutation starts")) {
  build_info_.Add({{"version", std::string(version)}}).Set(1);
  manifests_loaded_.Add({}).Set(0);
  workqueue_depth_.Add({}).Set(0);
  journal_writable_.Add({}).Set(1);
  for (std::size_t i = 0; i < manifests::kKindNames.size(); ++i) {
    const std::string kind(manifests::kKindNames.at(i));
    for (const auto result : kReconcileResults) {
      reconcile_total_.Add({{"kind", kind}, {"result", std::string(result)}});
    }
    reconcile_duration_.Add({{"kind", kind}}, ReconcileBuckets());
    operations_in_flight_.Add({{"kind", kind}}).Set(0);
    for (const auto outcome : kOperationOutcomes) {
      operation_duration_.Add({{"kind", kind}, {"outcome", std::string(outcome)}},
                              OperationBuckets());
    }
    workqueue_retries_.Add({{"kind", kind}});
  }
}

void Metrics::SetObjects(const std::vector<manifests::ObjectKey>& objects) {
  const std::unordered_set<manifests::ObjectKey> wanted(objects.begin(), objects.end());
  const std::lock_guard lock(mutex_);
  // In place: a reload usually keeps every object (rebuilding the map took a quarter of a
  // reload at 10,000 objects). The series of objects that are gone go with them.
  std::erase_if(objects_, [&wanted](const auto& entry) { return !wanted.contains(entry.first); });
  if (objects_.size() != wanted.size()) {
    for (const auto& key : objects) objects_.try_emplace(key);
  }
  manifests_loaded_.Add({}).Set(static_cast<double>(objects.size()));
}

void Metrics::SetObjectPhase(const manifests::ObjectKey& key, reconcilers::Phase phase) {
  const std::lock_guard lock(mutex_);
  // Only objects in force: a pass that ends after its object was removed (or an orphan's)
  // must not bring its series back.
  const auto it = objects_.find(key);
  if (it == objects_.end()) return;
  it->second.phase = phase;
}

void Metrics::CountReconcile(manifests::Kind kind, std::string_view result, double seconds) {
  reconcile_total_.Add({{"kind", KindLabel(kind)}, {"result", std::string(result)}}).Increment();
  reconcile_duration_.Add({{"kind", KindLabel(kind)}}, ReconcileBuckets()).Observe(seconds);
}

void Metrics::CountDrift(const manifests::ObjectKey& key) {
  const std::lock_guard lock(mutex_);
  const auto it = objects_.find(key);
  if (it == objects_.end()) return;
  ++it->second.drift;
}

void Metrics::SetJournalWritable(bool writable) { journal_writable_.Add({}).Set(writable ? 1 : 0); }

void Metrics::SetOperationsInFlight(manifests::Kind kind, std::int64_t count) {
  operations_in_flight_.Add({{"kind", KindLabel(kind)}}).Set(static_cast<double>(count));
}

void Metrics::ObserveOperation(manifests::Kind kind, std::string_view outcome, double seconds) {
  operation_duration_
      .Add({{"kind", KindLabel(kind)}, {"outcome", std::string(outcome)}}, OperationBuckets())
      .Observe(seconds);
}

void Metrics::SetQueueDepth(std::size_t depth) {
  workqueue_depth_.Add({}).Set(static_cast<double>(depth));
}

void Metrics::CountRetry(manifests::Kind kind) {
  workqueue_retries_.Add({{"kind", KindLabel(kind)}}).Increment();
}

void Metrics::SetApplianceVersion(const std::string& target, const std::string& version) {
  const std::lock_guard lock(mutex_);
  auto& shown = appliance_versions_[target];
  if (!shown.empty() && shown != version) {
    appliance_version_.Remove(&appliance_version_.Add({{"target", target}, {"version", shown}}));
  }
  appliance_version_.Add({{"target", target}, {"version", version}}).Set(1);
  shown = version;
}

void Metrics::SetVchaHealth(const std::string& target, std::string_view state) {
  for (const auto known : kVchaStates) {
    vcha_health_.Add({{"target", target}, {"state", std::string(known)}})
        .Set(known == state ? 1 : 0);
  }
}

void Metrics::SetVmsCustomizable(const manifests::ObjectKey& key, const std::string& target,
                                 std::vector<std::pair<std::string, bool>> vms) {
  const std::lock_guard lock(mutex_);
  const auto it = objects_.find(key);
  if (it == objects_.end()) return;
  it->second.vm_target = target;
  it->second.vms = std::move(vms);
}

void Metrics::SetRevision(const std::string& revision) {
  const std::lock_guard lock(mutex_);
  if (!revision_shown_.empty() && revision_shown_ != revision) {
    revision_.Remove(&revision_.Add({{"revision", revision_shown_}}));
  }
  revision_.Add({{"revision", revision}}).Set(1);
  revision_shown_ = revision;
}

void Metrics::SetManifestsLoaded(std::size_t objects) {
  manifests_loaded_.Add({}).Set(static_cast<double>(objects));
}

void Metrics::SetManifestErrors(const std::map<std::string, std::int64_t>& errors_by_file) {
  const std::lock_guard lock(mutex_);
  for (auto it = manifest_error_series_.begin(); it != manifest_error_series_.end();) {
    if (!errors_by_file.contains(it->first)) {
      manifest_errors_.Remove(it->second);
      it = manifest_error_series_.erase(it);
    } else {
      ++it;
    }
  }
  for (const auto& [file, count] : errors_by_file) {
    auto& gauge = manifest_errors_.Add({{"file", file}});
    gauge.Set(static_cast<double>(count));
    manifest_error_series_[file] = &gauge;
  }
}

std::string Metrics::Render() const {
  std::ostringstream registry;
  prometheus::TextSerializer().Serialize(registry, registry_->Collect());
  // Room for the whole text at once, from the last scrape's size: grown by doubling, an 8 MB
  // text (10,000 objects) touched twice its size in fresh pages, which cost as much as writing
  // it (bench/README.md "metrics_render.cpp").
  const std::size_t hint = last_size_.load(std::memory_order_relaxed);
  std::string out;
  out.reserve(hint + hint / 16);
  out += registry.view();
  const std::lock_guard lock(mutex_);
  RenderObjectsLocked(out);
  last_size_.store(out.size(), std::memory_order_relaxed);
  return out;
}

namespace {

/// A label value in the text format: backslash, double quote and newline escaped.
void AppendLabelValue(std::string& out, std::string_view value) {
  for (const char c : value) {
    if (c == '\\' || c == '"') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
}

}  // namespace

void Metrics::RenderObjectsLocked(std::string& out) const {
  // Each object's labels, written once: kind="...",name="..."
  std::vector<std::string> labels;
  labels.reserve(objects_.size());
  for (const auto& [key, series] : objects_) {
    std::string text = "{kind=\"";
    AppendLabelValue(text, manifests::KindName(key.kind));
    text += "\",name=\"";
    AppendLabelValue(text, key.name);
    text += '"';
    labels.push_back(std::move(text));
  }
  const auto family = [&](std::string_view name, std::string_view type, std::string_view help) {
    out += "# HELP ";
    out += name;
    out += ' ';
    out += help;
    out += "\n# TYPE ";
    out += name;
    out += ' ';
    out += type;
    out += '\n';
  };
  const auto series = [&](std::string_view name, const std::string& label, std::string_view more,
                          std::uint64_t value) {
    out += name;
    out += label;
    out += more;
    out += "} ";
    out += std::to_string(value);
    out += '\n';
  };
  family("vsrd_object_ready", "gauge", "1 when the object is Ready");
  std::size_t i = 0;
  for (const auto& [key, object] : objects_) {
    series("vsrd_object_ready", labels[i++], "",
           object.phase == reconcilers::Phase::kReady ? 1 : 0);
  }
  family("vsrd_object_phase", "gauge", "1 for the object's current phase, 0 for the others");
  std::array<std::string, reconcilers::kPhaseNames.size()> phase_labels;
  for (std::size_t phase = 0; phase < phase_labels.size(); ++phase) {
    phase_labels.at(phase) = ",phase=\"" + std::string(reconcilers::kPhaseNames.at(phase)) + "\"";
  }
  i = 0;
  for (const auto& [key, object] : objects_) {
    for (std::size_t phase = 0; phase < phase_labels.size(); ++phase) {
      series("vsrd_object_phase", labels[i], phase_labels.at(phase),
             object.phase && static_cast<std::size_t>(*object.phase) == phase ? 1 : 0);
    }
    ++i;
  }
  family("vsrd_object_suspended", "gauge", "1 when policy.suspend is set");
  i = 0;
  for (const auto& [key, object] : objects_) {
    series("vsrd_object_suspended", labels[i++], "",
           object.phase == reconcilers::Phase::kSuspended ? 1 : 0);
  }
  family("vsrd_drift_detected_total", "counter",
         "Times live state was found to have drifted from a Ready object's desired state");
  i = 0;
  for (const auto& [key, object] : objects_) {
    series("vsrd_drift_detected_total", labels[i++], "", object.drift);
  }
  family("vsrd_vm_customizable", "gauge", "1 when the VM can be guest-customized");
  // A VM that two objects check would otherwise be two samples of one series, which Prometheus
  // rejects: the first object's (in key order) is shown.
  std::unordered_set<std::string> shown;
  for (const auto& [key, object] : objects_) {
    for (const auto& [vm, customizable] : object.vms) {
      std::string id = object.vm_target;
      id += '\0';
      id += vm;
      if (!shown.insert(std::move(id)).second) continue;
      out += "vsrd_vm_customizable{target=\"";
      AppendLabelValue(out, object.vm_target);
      out += "\",vm=\"";
      AppendLabelValue(out, vm);
      out += customizable ? "\"} 1\n" : "\"} 0\n";
    }
  }
}

}  // namespace vsrd::daemon
