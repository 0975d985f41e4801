// Benchmark: the work of one GET /metrics at N objects (issue 15: /metrics at 10,000 objects),
// without HTTP. Metrics is filled as bench/scale.sh's daemon fills it: N in-sync
// GuestCustomizationChecks on T targets (default 10), each checking one VM of its own, and
// every target's API series precreated (daemon/targets.cpp). Then, ROUNDS times,
// Metrics::Render is timed. Prints the median and the minimum in milliseconds, the text's size
// and its number of lines.
//
//   build/release/bench/vsrd-bench-metrics [N] [ROUNDS] [T]      (defaults 10000, 20 and 10)
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "daemon/metrics.hpp"
#include "reconcilers/ports/operations.hpp"

namespace {

using Clock = std::chrono::steady_clock;
using vsrd::manifests::Kind;
using vsrd::manifests::ObjectKey;

double Milliseconds(Clock::duration duration) {
  return std::chrono::duration<double, std::milli>(duration).count();
}

}  // namespace

int main(int argc, char** argv) {
  const int objects = argc > 1 ? std::atoi(argv[1]) : 10000;
  const int rounds = argc > 2 ? std::max(1, std::atoi(argv[2])) : 20;
  const int targets = argc > 3 ? std::max(1, std::atoi(argv[3])) : 10;
  vsrd::daemon::Metrics metrics("0.0.0-bench");
  for (int t = 0; t < targets; ++t) {
    metrics.Api().Precreate("vc" + std::to_string(t),
                            vsrd::reconcilers::ports::operations::kVcenter);
  }
  std::vector<ObjectKey> keys;
  keys.reserve(static_cast<std::size_t>(objects));
  for (int i = 0; i < objects; ++i) {
    keys.push_back({Kind::kGuestCustomizationCheck, "check-" + std::to_string(i)});
  }
  metrics.SetObjects(keys);
  for (int i = 0; i < objects; ++i) {
    const ObjectKey& key = keys[static_cast<std::size_t>(i)];
    metrics.SetObjectPhase(key, vsrd::reconcilers::Phase::kReady);
    metrics.SetVmsCustomizable(key, "vc" + std::to_string(i % targets),
                               {{"vm-" + std::to_string(i), true}});
    metrics.CountReconcile(Kind::kGuestCustomizationCheck, "success", 0.002);
  }

  std::vector<double> times;
  std::size_t bytes = 0;
  std::size_t lines = 0;
  for (int round = 0; round < rounds; ++round) {
    const auto started = Clock::now();
    const std::string text = metrics.Render();
    times.push_back(Milliseconds(Clock::now() - started));
    bytes = text.size();
    lines = static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n'));
  }
  std::sort(times.begin(), times.end());
  std::printf("objects %d, targets %d, rounds %d, text %.2f MB, %zu lines\n", objects, targets,
              rounds, static_cast<double>(bytes) / 1e6, lines);
  std::printf("Metrics::Render             median %.1f ms, min %.1f ms\n", times[times.size() / 2],
              times.front());
  return 0;
}
