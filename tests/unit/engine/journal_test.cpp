#include "daemon/engine/journal.hpp"

#include <filesystem>
#include <fstream>
#include <iterator>

#include <gtest/gtest.h>
#include <unistd.h>

namespace vsrd::daemon {
namespace {

namespace fs = std::filesystem;
using manifests::ObjectKey;
using reconcilers::InFlight;
using reconcilers::ObjectRecord;

ObjectKey Key(std::string_view text) { return ObjectKey::Parse(text).value(); }

const reconcilers::WallTime kStart = *ParseWallTime("2026-01-01T00:00:00.250Z");

ObjectRecord Redeploying() {
  ObjectRecord record;
  record.in_flight = InFlight::Accepted("vcha.passive.redeploy", "52000001-0000:com.vmware.vcha",
                              "0123456789abcdef", kStart, "");
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
  EXPECT_EQ(journal.Get(Key("VchaPassiveNode/vc01-ha")), ObjectRecord{});
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
    ASSERT_TRUE(journal.Save(Key("VchaPassiveNode/vc01-ha"), record, &error)) << error;
  }
  Journal reopened(dir_);
  const auto loaded = reopened.Load(kStart);
  ASSERT_TRUE(loaded.ok) << loaded.error;
  EXPECT_EQ(loaded.entries, 1U);
  ObjectRecord expected = Redeploying();
  expected.facts["depot"] = "depot-3";
  expected.attempts_generation = "0123456789abcdef";
  expected.attempts = 2;
  EXPECT_EQ(reopened.Get(Key("VchaPassiveNode/vc01-ha")), expected);
  EXPECT_FALSE(fs::exists(dir_ / "journal.json.tmp")) << "the temporary file was renamed";
}

TEST_F(JournalTest, AnEmptyRecordRemovesTheEntryAndRetainKeepsOnlyListedKeys) {
  Journal journal(dir_);
  ASSERT_TRUE(journal.Load(kStart).ok);
  ASSERT_TRUE(journal.Save(Key("ApplianceInstall/a"), Redeploying()));
  ASSERT_TRUE(journal.Save(Key("ApplianceUpdate/b"), Redeploying()));
  ASSERT_TRUE(journal.Save(Key("VchaPassiveNode/c"), Redeploying()));
  ASSERT_TRUE(journal.Save(Key("ApplianceInstall/a"), ObjectRecord{}));
  EXPECT_EQ(journal.Keys(),
            (std::vector<ObjectKey>{Key("ApplianceUpdate/b"), Key("VchaPassiveNode/c")}));
  ASSERT_TRUE(journal.Retain({Key("VchaPassiveNode/c")}));
  Journal reopened(dir_);
  ASSERT_TRUE(reopened.Load(kStart).ok);
  EXPECT_EQ(reopened.Keys(), std::vector<ObjectKey>{Key("VchaPassiveNode/c")});
}

// A journal.json as the string-keyed journal (before ObjectKey) wrote it: it loads unchanged,
// and a write leaves the format byte for byte as that code wrote it. An entry whose key is not
// an ObjectKey is kept and written back.
TEST_F(JournalTest, AJournalWrittenBeforeObjectKeyLoadsAndIsWrittenBackTheSame) {
  const std::string written_before = R"({
  "objects": {
    "ApplianceUpdate/vc01-update": {
      "attempts": 1,
      "attempts_generation": "77c2000000000000"
    },
    "FutureKind/x": {
      "facts": {
        "k": "v"
      }
    },
    "OfflineDepotFromHost/esx01-golden": {
      "facts": {
        "depot": "depot-1",
        "generation": "9a4e000000000000"
      }
    },
    "VchaPassiveNode/vc01-passive": {
      "in_flight": {
        "detail": "",
        "generation": "1b0c000000000000",
        "operation": "vcha.passive.redeploy",
        "started_at": "2026-01-01T00:00:00.250Z",
        "task": "52000001-0000:com.vmware.vcha"
      }
    }
  },
  "version": 1
}
)";
  fs::create_directories(dir_);
  std::ofstream(dir_ / "journal.json") << written_before;
  Journal journal(dir_);
  const auto loaded = journal.Load(kStart);
  ASSERT_TRUE(loaded.ok) << loaded.error;
  EXPECT_EQ(loaded.entries, 4U);
  EXPECT_EQ(journal.Keys(), (std::vector<ObjectKey>{Key("ApplianceUpdate/vc01-update"),
                                                    Key("OfflineDepotFromHost/esx01-golden"),
                                                    Key("VchaPassiveNode/vc01-passive")}));
  ObjectRecord redeploying;
  redeploying.in_flight = InFlight::Accepted("vcha.passive.redeploy", "52000001-0000:com.vmware.vcha",
                                   "1b0c000000000000", kStart, "");
  EXPECT_EQ(journal.Get(Key("VchaPassiveNode/vc01-passive")), redeploying);
  EXPECT_EQ(journal.Get(Key("OfflineDepotFromHost/esx01-golden")).facts.at("depot"), "depot-1");
  EXPECT_EQ(journal.Get(Key("ApplianceUpdate/vc01-update")).AttemptsFor("77c2000000000000"), 1);

  // Saving a record unchanged rewrites the file exactly as it was.
  ASSERT_TRUE(journal.Save(Key("VchaPassiveNode/vc01-passive"), redeploying));
  std::ifstream in(dir_ / "journal.json");
  const std::string rewritten((std::istreambuf_iterator<char>(in)),
                              std::istreambuf_iterator<char>());
  EXPECT_EQ(rewritten, written_before);
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
    EXPECT_TRUE(journal.Save(Key("ApplianceInstall/a"), Redeploying()))
        << "a fresh journal is written";
  }
}

TEST_F(JournalTest, AFailedWriteKeepsTheOldRecordAndSaysWhy) {
  fs::create_directories(dir_.parent_path());
  std::ofstream(dir_.string()) << "a file where the state directory should be";
  Journal journal(dir_);
  std::string error;
  EXPECT_FALSE(journal.Save(Key("ApplianceInstall/a"), Redeploying(), &error));
  EXPECT_FALSE(error.empty());
  EXPECT_EQ(journal.Get(Key("ApplianceInstall/a")), ObjectRecord{});
  fs::remove(dir_);
}

TEST_F(JournalTest, ASealedJournalRefusesWritesAndKeepsWhatWasDurable) {
  Journal journal(dir_);
  ASSERT_TRUE(journal.Load(kStart).ok);
  ASSERT_TRUE(journal.Save(Key("VchaPassiveNode/vc01-passive"), Redeploying()));
  EXPECT_EQ(journal.Seal(), 1U);
  std::string error;
  EXPECT_FALSE(journal.Save(Key("OfflineDepotFromHost/esx01"), Redeploying(), &error));
  EXPECT_NE(error.find("shutting down"), std::string::npos) << error;
  EXPECT_FALSE(journal.Retain({}, &error));

  Journal restarted(dir_);
  ASSERT_TRUE(restarted.Load(kStart).ok);
  EXPECT_EQ(restarted.Keys(), std::vector<ObjectKey>{Key("VchaPassiveNode/vc01-passive")});
}

}  // namespace
}  // namespace vsrd::daemon
