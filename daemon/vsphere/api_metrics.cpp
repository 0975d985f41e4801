#include "daemon/vsphere/api_metrics.hpp"

namespace vsrd::daemon::vsphere {

namespace {

// From a fast read on loopback (ms) to a slow vCenter call (a minute).
const prometheus::Histogram::BucketBoundaries& Buckets() {
  static const prometheus::Histogram::BucketBoundaries kBuckets{
      0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60};
  return kBuckets;
}

}  // namespace

ApiMetrics::ApiMetrics(prometheus::Registry& registry)
    : requests_(prometheus::BuildCounter()
                    .Name("vsrd_api_requests_total")
                    .Help("vSphere API requests by target, operation and HTTP status (or, when "
                          "no answer came, the transport error kind)")
                    .Register(registry)),
      durations_(prometheus::BuildHistogram()
                     .Name("vsrd_api_request_duration_seconds")
                     .Help("Duration of vSphere API requests, including a re-login and retry")
                     .Register(registry)) {}

void ApiMetrics::Precreate(std::string_view target, std::span<const std::string_view> operations) {
  for (const auto operation : operations) {
    durations_.Add({{"target", std::string(target)}, {"operation", std::string(operation)}},
                   Buckets());
    // The status codes are not known in advance; the success series exists from the start so
    // that the family is exported (and rate() has a zero to start from) before the first call.
    requests_.Add(
        {{"target", std::string(target)}, {"operation", std::string(operation)}, {"code", "200"}});
  }
}

void ApiMetrics::Record(std::string_view target, std::string_view operation, std::string_view code,
                        double seconds) {
  requests_
      .Add({{"target", std::string(target)},
            {"operation", std::string(operation)},
            {"code", std::string(code)}})
      .Increment();
  durations_
      .Add({{"target", std::string(target)}, {"operation", std::string(operation)}}, Buckets())
      .Observe(seconds);
}

}  // namespace vsrd::daemon::vsphere
