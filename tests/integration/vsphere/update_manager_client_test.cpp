#include <gtest/gtest.h>

#include "tests/integration/vsphere/client_fixture.hpp"

// The update-manager flavor (appliance configuration API) against vsrd-sim's vr01 persona:
// appliance info, retrieve-updates, install, task polling, and the restart that drops tasks.

namespace vsrd::integration {
namespace {

using ports::UpdateManagerTaskStatus;

class UpdateManagerClientTest : public ClientTest {};

TEST_F(UpdateManagerClientTest, ReadsTheAppliance) {
  auto client = UpdateManager();
  auto appliance = client->GetAppliance();
  ASSERT_TRUE(appliance) << appliance.Error().Summary();
  EXPECT_EQ(appliance->hostname, "vr01.lab.example.com");
  EXPECT_EQ(appliance->product_name, "vSphere Replication");
  EXPECT_EQ(appliance->appliance_version, "9.0.1.0");
  EXPECT_EQ(appliance->appliance_build_number, "24100000");
}

TEST_F(UpdateManagerClientTest, RetrievesTheAvailableUpdatesThroughATask) {
  auto client = UpdateManager();
  auto task = client->RetrieveUpdates();
  ASSERT_TRUE(task) << task.Error().Summary();
  EXPECT_EQ(task->status, UpdateManagerTaskStatus::kQueued);
  EXPECT_FALSE(task->id.empty());

  Advance(std::chrono::seconds(12));
  auto done = client->GetTask({task->id});
  ASSERT_TRUE(done) << done.Error().Summary();
  EXPECT_EQ(done->status, UpdateManagerTaskStatus::kSuccess);
  EXPECT_EQ(done->available_versions, std::vector<std::string>{"9.0.2.0-24522545"});
  ASSERT_TRUE(done->start_time_ms && done->complete_time_ms);
  // Queued for 1s, then running for 10s (the lab's retrieve timings), in epoch milliseconds.
  EXPECT_EQ(*done->complete_time_ms - *done->start_time_ms, 11000);
}

TEST_F(UpdateManagerClientTest, InstallsAnUpdateAcrossTheApplianceRestart) {
  auto client = UpdateManager();
  const std::string version = "9.0.2.0-24522545";
  auto task = client->InstallUpdate(version);
  ASSERT_TRUE(task) << task.Error().Summary();

  Advance(std::chrono::seconds(30));
  auto running = client->GetTask({task->id});
  ASSERT_TRUE(running) << running.Error().Summary();
  EXPECT_EQ(running->status, UpdateManagerTaskStatus::kRunning);
  ASSERT_TRUE(running->progress.has_value());

  auto busy = client->InstallUpdate(version);
  ExpectApiError(busy, 400, "UPDATE_IN_PROGRESS");
  ASSERT_FALSE(busy.Error().messages.empty());
  EXPECT_FALSE(busy.Error().messages.front().default_message.empty());

  // The install ends with a restart (refuse for 3 minutes).
  Advance(std::chrono::minutes(2));
  auto down = client->GetTask({task->id});
  ASSERT_FALSE(down);
  EXPECT_TRUE(down.Error().IsUnreachable()) << down.Error().Summary();

  // Back: the task is gone (404, no body) and the new version decides.
  Advance(std::chrono::minutes(4));
  ASSERT_TRUE(WaitUntilReachable([&] { return client->GetAppliance().HasValue(); }));
  auto gone = client->GetTask({task->id});
  ExpectApiError(gone, 404, "");
  auto appliance = client->GetAppliance();
  ASSERT_TRUE(appliance) << appliance.Error().Summary();
  EXPECT_EQ(appliance->appliance_version, version);
  EXPECT_EQ(Count("vr01", "update-manager.updates.install"), 2);
}

TEST_F(UpdateManagerClientTest, InstallErrorsAreResponseErrorsOrBodiless404) {
  auto client = UpdateManager();
  ExpectApiError(client->InstallUpdate("1.2.3"), 404, "");
  auto unknown_task = client->GetTask({"00000000-0000-4000-8000-000000000000"});
  ExpectApiError(unknown_task, 404, "");
}

}  // namespace
}  // namespace vsrd::integration
