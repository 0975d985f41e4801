#include "daemon/daemon.hpp"

#include <gtest/gtest.h>

// The pure parts of the daemon wiring; the daemon as a process is tested in
// tests/integration/daemon/.

namespace vsrd::daemon {
namespace {

using reconcilers::Phase;

std::vector<ObjectStatus> WithPhases(const std::vector<Phase>& phases) {
  std::vector<ObjectStatus> statuses;
  for (const auto phase : phases) {
    ObjectStatus status;
    status.key.name = "o" + std::to_string(statuses.size());
    status.phase = phase;
    statuses.push_back(status);
  }
  return statuses;
}

TEST(SummarizeStatusTest, CountsEachPhasePresentInPhaseOrder) {
  struct Row {
    std::vector<Phase> phases;
    std::size_t manifest_errors;
    std::string expected;
  };
  const std::vector<Row> rows{
      {{}, 0, "0 objects"},
      {{Phase::kReady}, 0, "1 object: 1 ready"},
      {{Phase::kStalled, Phase::kReady, Phase::kProgressing, Phase::kReady},
       0,
       "4 objects: 2 ready, 1 progressing, 1 stalled"},
      {{Phase::kSuspended, Phase::kWaiting, Phase::kDegraded},
       1,
       "3 objects: 1 waiting, 1 degraded, 1 suspended, 1 manifest error"},
      {{Phase::kReady}, 3, "1 object: 1 ready, 3 manifest errors"},
  };
  for (const auto& row : rows) {
    EXPECT_EQ(SummarizeStatus(WithPhases(row.phases), row.manifest_errors), row.expected);
  }
}

// The STATUS= line counts phases in the store itself, copying no status (issue 15).
TEST(SummarizeStatusTest, TheStoreCountsItsPhasesAsTheStatusesDo) {
  const auto statuses =
      WithPhases({Phase::kStalled, Phase::kReady, Phase::kProgressing, Phase::kReady});
  StatusStore store;
  for (const auto& status : statuses) store.Put(status);
  const PhaseCounts counts = store.CountPhases();
  EXPECT_EQ(counts.at(static_cast<std::size_t>(Phase::kReady)), 2U);
  EXPECT_EQ(counts.at(static_cast<std::size_t>(Phase::kWaiting)), 0U);
  EXPECT_EQ(SummarizeStatus(counts, 2), SummarizeStatus(statuses, 2));
  store.Remove(statuses.front().key);
  EXPECT_EQ(SummarizeStatus(store.CountPhases(), 0), "3 objects: 2 ready, 1 progressing");
}

}  // namespace
}  // namespace vsrd::daemon
