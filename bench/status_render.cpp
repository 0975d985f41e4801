// Benchmark: the work of one GET /status at N objects (issue 15: /status at 10,000 objects),
// without HTTP. N statuses shaped as bench/scale.sh's in-sync GuestCustomizationChecks (two
// details, one history entry) are put in a StatusStore; then, ROUNDS times, the two steps of
// daemon/http/daemon_api.cpp's AllStatuses are timed on their own: StatusStore::Snapshot (every
// status copied out), and writing each status as JSON into one string, as it did before (a tree
// per object, StatusToJson, then dump; and StatusToJson alone) and as it does now
// (AppendStatusJson, which must write the same text). Prints the median and the minimum of
// each, in milliseconds, and the body's size.
//
//   build/release/bench/vsrd-bench-status [N] [ROUNDS]        (defaults 10000 and 20)
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "daemon/engine/status_store.hpp"
#include "daemon/http/status_json.hpp"

namespace {

using vsrd::daemon::ObjectStatus;
using vsrd::daemon::OutcomeEntry;
using Clock = std::chrono::steady_clock;

ObjectStatus Make(int index, vsrd::daemon::WallTime now) {
  ObjectStatus status;
  status.key = {vsrd::manifests::Kind::kGuestCustomizationCheck,
                "vc01-check-" + std::to_string(index)};
  status.target = "vc01";
  status.generation = "sha256:4f1c9a0b7d3e2f61";
  status.observed_generation = status.generation;
  status.revision = "9f71c85378c9d2b4e6a1f0c3b5d7e9a2c4f6b8d0";
  status.phase = vsrd::reconcilers::Phase::kReady;
  status.reason = "InSync";
  status.message = "1 VM customizable";
  status.last_transition = now;
  status.next_reconcile_at = now + std::chrono::seconds(30);
  status.details["customizable"] = "1/1";
  status.details["vm-" + std::to_string(index)] = "customizable (LINUX)";
  status.Record(OutcomeEntry{now, now, 1, "success", status.phase, status.reason, status.message});
  return status;
}

double Milliseconds(Clock::duration duration) {
  return std::chrono::duration<double, std::milli>(duration).count();
}

void Report(const char* what, std::vector<double> times) {
  std::sort(times.begin(), times.end());
  std::printf("%-28s median %.1f ms, min %.1f ms\n", what, times[times.size() / 2], times.front());
}

}  // namespace

int main(int argc, char** argv) {
  const int objects = argc > 1 ? std::atoi(argv[1]) : 10000;
  const int rounds = argc > 2 ? std::max(1, std::atoi(argv[2])) : 20;
  vsrd::daemon::StatusStore store;
  const auto now = vsrd::daemon::WallTime(std::chrono::seconds(1'790'000'000));
  for (int i = 0; i < objects; ++i) store.Put(Make(i, now));

  std::vector<double> snapshot_ms;
  std::vector<double> write_ms;
  std::vector<double> tree_ms;    // StatusToJson alone: the part of write_ms that builds trees
  std::vector<double> append_ms;  // AppendStatusJson, what GET /status does now
  std::size_t bytes = 0;
  for (int round = 0; round < rounds; ++round) {
    const auto started = Clock::now();
    const std::vector<ObjectStatus> statuses = store.Snapshot();
    const auto copied = Clock::now();
    std::string body = "[";
    for (const ObjectStatus& status : statuses) {
      if (body.size() > 1) body += ',';
      body += vsrd::daemon::StatusToJson(status).dump(-1, ' ', false,
                                                      nlohmann::json::error_handler_t::replace);
    }
    body += ']';
    const auto written = Clock::now();
    std::vector<nlohmann::json> trees;
    trees.reserve(statuses.size());
    for (const ObjectStatus& status : statuses) {
      trees.push_back(vsrd::daemon::StatusToJson(status));
    }
    const auto built = Clock::now();
    std::string direct = "[";
    for (const ObjectStatus& status : statuses) {
      if (direct.size() > 1) direct += ',';
      vsrd::daemon::AppendStatusJson(status, direct);
    }
    direct += ']';
    const auto appended = Clock::now();
    if (direct != body) {
      std::fprintf(stderr, "AppendStatusJson wrote another text than StatusToJson + dump\n");
      return 1;
    }
    snapshot_ms.push_back(Milliseconds(copied - started));
    write_ms.push_back(Milliseconds(written - copied));
    tree_ms.push_back(Milliseconds(built - written));
    append_ms.push_back(Milliseconds(appended - built));
    bytes = body.size();
  }
  std::printf("objects %d, rounds %d, body %.2f MB\n", objects, rounds,
              static_cast<double>(bytes) / 1e6);
  Report("StatusStore::Snapshot", snapshot_ms);
  Report("StatusToJson + dump, each", write_ms);
  Report("  of which StatusToJson", tree_ms);
  Report("AppendStatusJson, each", append_ms);
  return 0;
}
