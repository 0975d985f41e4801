#pragma once

#include <span>
#include <string>
#include <string_view>

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

// The API families of docs/operations.md "Metric families":
// vsrd_api_requests_total{target,operation,code} and
// vsrd_api_request_duration_seconds{target,operation}. `operation` is a fixed name from
// operations.hpp; `code` is the HTTP status ("200", "401", ...) or, when no answer came, the
// error kind ("refused", "timeout", ...): both closed sets, never ids, URLs or secrets.

namespace vsrd::daemon::vsphere {

class ApiMetrics {
 public:
  /// Registers both families in `registry`, which must outlive this object.
  explicit ApiMetrics(prometheus::Registry& registry);

  /// Creates the duration series and the code="200" request series of every (target,
  /// operation), so they read 0 before the first call. Thread-safe.
  void Precreate(std::string_view target, std::span<const std::string_view> operations);

  /// Counts one call and observes its duration. Thread-safe.
  void Record(std::string_view target, std::string_view operation, std::string_view code,
              double seconds);

 private:
  prometheus::Family<prometheus::Counter>& requests_;
  prometheus::Family<prometheus::Histogram>& durations_;
};

}  // namespace vsrd::daemon::vsphere
