#include "daemon/engine/journal.hpp"

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>
#include <unistd.h>

namespace vsrd::daemon {
namespace {

namespace fs = std::filesystem;
using reconcilers::InFlight;
using reconcilers::ObjectRecord;

const reconcilers::WallTime kStart = *ParseWallTime("2026-01-01T00:00:00.250Z");

ObjectRecord Redeploying() {
  ObjectRecord record;
  record.in_flight = InFlight{"vcha.passive.redeploy", "52000001-0000:com.vmware.vcha",
                              "0123456789abcdef", kStart, ""};
  return record;
}

class JournalTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("vsrd-journal-test-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
};

TEST_F(JournalTest, WallTimesRoundTripWithMilliseconds) {
  EXPECT_EQ(FormatWallTime(kStart), "2026-01-01T00:00:00.250Z");
  EXPECT_EQ(ParseWallTime("2026-01-01T00:00:00Z"), kStart - std::chrono::milliseconds(250));
  EXPECT_EQ(ParseWallTime("2026-01-01 00:00:00"), std::nullopt);
  EXPECT_EQ(ParseWallTime("yesterday"), std::nullopt);
}

TEST_F(JournalTest, AMissingJournalIsEmpty) {
  Journal journal(dir_);
  const auto loaded = journal.Load(kStart);
  EXPECT_TRUE(loaded.ok);
  EXPECT_EQ(loaded.entries, 0U);
  EXPECT_EQ(journal.Get("VchaPassiveNode/vc01-ha"), ObjectRecord{});
}

TEST_F(JournalTest, ASavedRecordSurvivesARestart) {
  {
    Journal journal(dir_);
    ASSERT_TRUE(journal.Load(kStart).ok);
    ObjectRecord record = Redeploying();
    record.facts["depot"] = "depot-3";
    record.attempts_generation = "0123456789abcdef";
    record.attempts = 2;
    std::string error;
    ASSERT_TRUE(journal.Save("VchaPassiveNode/vc01-ha", record, &error)) << error;
  }
  Journal reopened(dir_);
  const auto loaded = reopened.Load(kStart);
  ASSERT_TRUE(loaded.ok) << loaded.error;
  EXPECT_EQ(loaded.entries, 1U);
  ObjectRecord expected = Redeploying();
  expected.facts["depot"] = "depot-3";
  expected.attempts_generation = "0123456789abcdef";
  expected.attempts = 2;
  EXPECT_EQ(reopened.Get("VchaPassiveNode/vc01-ha"), expected);
  EXPECT_FALSE(fs::exists(dir_ / "journal.json.tmp")) << "the temporary file was renamed";
}

TEST_F(JournalTest, AnEmptyRecordRemovesTheEntryAndRetainKeepsOnlyListedKeys) {
  Journal journal(dir_);
  ASSERT_TRUE(journal.Load(kStart).ok);
  ASSERT_TRUE(journal.Save("A/a", Redeploying()));
  ASSERT_TRUE(journal.Save("B/b", Redeploying()));
  ASSERT_TRUE(journal.Save("C/c", Redeploying()));
  ASSERT_TRUE(journal.Save("A/a", ObjectRecord{}));
  EXPECT_EQ(journal.Keys(), (std::vector<std::string>{"B/b", "C/c"}));
  ASSERT_TRUE(journal.Retain({"C/c"}));
  Journal reopened(dir_);
  ASSERT_TRUE(reopened.Load(kStart).ok);
  EXPECT_EQ(reopened.Keys(), std::vector<std::string>{"C/c"});
}

TEST_F(JournalTest, ACorruptJournalIsMovedAsideAndTheDaemonStartsEmpty) {
  const std::vector<std::string> corrupt{
      "{not json",
      R"({"version": 1})",
      R"({"version": 99, "objects": {}})",
      R"({"version": 1, "objects": {"A/a": {"in_flight": {"operation": "x"}}}})",
      R"({"version": 1, "objects": {"A/a": {"in_flight": {"operation": "x", "task": "t",
         "generation": "g", "started_at": "noon"}}}})",
  };
  for (const auto& text : corrupt) {
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    std::ofstream(dir_ / "journal.json") << text;
    Journal journal(dir_);
    const auto loaded = journal.Load(kStart);
    EXPECT_FALSE(loaded.ok) << text;
    EXPECT_NE(loaded.error.find("is corrupt"), std::string::npos) << loaded.error;
    EXPECT_NE(loaded.error.find("journal.json.corrupt-2026-01-01T00:00:00.250Z"), std::string::npos)
        << loaded.error;
    EXPECT_TRUE(fs::exists(dir_ / "journal.json.corrupt-2026-01-01T00:00:00.250Z"));
    EXPECT_FALSE(fs::exists(dir_ / "journal.json"));
    EXPECT_EQ(journal.Keys().size(), 0U);
    EXPECT_TRUE(journal.Save("A/a", Redeploying())) << "a fresh journal is written";
  }
}

TEST_F(JournalTest, AFailedWriteKeepsTheOldRecordAndSaysWhy) {
  fs::create_directories(dir_.parent_path());
  std::ofstream(dir_.string()) << "a file where the state directory should be";
  Journal journal(dir_);
  std::string error;
  EXPECT_FALSE(journal.Save("A/a", Redeploying(), &error));
  EXPECT_FALSE(error.empty());
  EXPECT_EQ(journal.Get("A/a"), ObjectRecord{});
  fs::remove(dir_);
}

TEST_F(JournalTest, ASealedJournalRefusesWritesAndKeepsWhatWasDurable) {
  Journal journal(dir_);
  ASSERT_TRUE(journal.Load(kStart).ok);
  ASSERT_TRUE(journal.Save("VchaPassiveNode/vc01-passive", Redeploying()));
  EXPECT_EQ(journal.Seal(), 1U);
  std::string error;
  EXPECT_FALSE(journal.Save("OfflineDepotFromHost/esx01", Redeploying(), &error));
  EXPECT_NE(error.find("shutting down"), std::string::npos) << error;
  EXPECT_FALSE(journal.Retain({}, &error));

  Journal restarted(dir_);
  ASSERT_TRUE(restarted.Load(kStart).ok);
  EXPECT_EQ(restarted.Keys(), std::vector<std::string>{"VchaPassiveNode/vc01-passive"});
}

}  // namespace
}  // namespace vsrd::daemon
