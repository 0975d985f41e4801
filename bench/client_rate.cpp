// vsrd-bench-client: how many task polls per second vsrd's own vSphere client makes against a
// vCenter (vsrd-sim in bench/client_rate.sh): N threads share one VcenterClient, as reconciler
// workers do, each calling GetTask in a loop for the duration. Prints the rate and latency
// percentiles in a wrk-like summary so the two can be read side by side.
//
//   vsrd-bench-client URL CA_FILE USER TASK_ID [THREADS=4] [SECONDS=10]
//   (the password is read from $VSRD_BENCH_PASSWORD)

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "daemon/vsphere/api_session.hpp"
#include "daemon/vsphere/https_transport.hpp"
#include "daemon/vsphere/vcenter_client.hpp"

namespace {

namespace vsphere = vsrd::daemon::vsphere;
namespace ports = vsrd::reconcilers::ports;
using Clock = std::chrono::steady_clock;

double Percentile(std::vector<double>& samples, double p) {
  if (samples.empty()) return 0;
  const auto index = static_cast<std::size_t>(p * static_cast<double>(samples.size() - 1));
  std::nth_element(samples.begin(), samples.begin() + static_cast<std::ptrdiff_t>(index),
                   samples.end());
  return samples[index];
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 5) {
    std::fprintf(stderr,
                 "usage: vsrd-bench-client URL CA_FILE USER TASK_ID [THREADS] [SECONDS]\n"
                 "       (password from $VSRD_BENCH_PASSWORD)\n");
    return 2;
  }
  const std::string url = argv[1];
  const std::string ca_file = argv[2];
  const std::string user = argv[3];
  const ports::TaskId task{argv[4]};
  const int threads = argc > 5 ? std::atoi(argv[5]) : 4;
  const int seconds = argc > 6 ? std::atoi(argv[6]) : 10;
  const char* password = std::getenv("VSRD_BENCH_PASSWORD");  // NOLINT(concurrency-mt-unsafe)
  if (password == nullptr || threads < 1 || seconds < 1) {
    std::fprintf(stderr, "vsrd-bench-client: set VSRD_BENCH_PASSWORD; THREADS, SECONDS >= 1\n");
    return 2;
  }

  vsphere::TransportOptions transport_options;
  transport_options.url = url;
  transport_options.tls.ca_file = ca_file;
  transport_options.requests_per_second = 0;  // measure the client, not the rate limit
  transport_options.max_connections = static_cast<std::size_t>(threads);
  auto transport = std::make_shared<vsphere::HttpsTransport>(transport_options);
  vsphere::SessionOptions session_options;
  session_options.target = "bench";
  session_options.username = user;
  session_options.password = [secret = std::string(password)] {
    return ports::Result<ports::Secret>(ports::Secret(secret));
  };
  vsphere::VcenterClient client(
      std::make_shared<vsphere::ApiSession>(session_options, transport, nullptr, nullptr));
  if (auto login = client.Session().Login(); !login) {
    std::fprintf(stderr, "vsrd-bench-client: login failed: %s\n", login.Error().Summary().c_str());
    return 1;
  }
  if (auto first = client.GetTask(task); !first) {
    std::fprintf(stderr, "vsrd-bench-client: %s\n", first.Error().Summary().c_str());
    return 1;
  }

  std::atomic<long> failures{0};
  std::vector<std::vector<double>> latencies(static_cast<std::size_t>(threads));
  const auto start = Clock::now();
  const auto end = start + std::chrono::seconds(seconds);
  std::vector<std::thread> workers;
  workers.reserve(static_cast<std::size_t>(threads));
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      auto& mine = latencies[static_cast<std::size_t>(t)];
      while (Clock::now() < end) {
        const auto before = Clock::now();
        auto result = client.GetTask(task);
        const auto after = Clock::now();
        if (!result) ++failures;
        mine.push_back(std::chrono::duration<double, std::micro>(after - before).count());
      }
    });
  }
  for (auto& worker : workers) worker.join();
  const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();

  std::vector<double> all;
  for (const auto& mine : latencies) all.insert(all.end(), mine.begin(), mine.end());
  const auto requests = all.size();
  std::printf("vsrd client: %d threads sharing one VcenterClient, GetTask for %d s\n", threads,
              seconds);
  std::printf("  Latency Distribution (microseconds)\n");
  for (const double p : {0.5, 0.75, 0.9, 0.99}) {
    std::printf("     %2.0f%%  %10.0f us\n", p * 100, Percentile(all, p));
  }
  std::printf("  %zu requests in %.2fs, %ld failed, %llu connections opened\n", requests, elapsed,
              failures.load(),
              static_cast<unsigned long long>(transport->Stats().connections_opened));
  std::printf("Requests/sec: %10.2f\n", static_cast<double>(requests) / elapsed);
  return failures.load() == 0 ? 0 : 1;
}
