#include "daemon/engine/journal.hpp"

#include <algorithm>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

namespace vsrd::daemon {
namespace {

namespace fs = std::filesystem;
using manifests::ObjectKey;
using reconcilers::InFlight;
using reconcilers::ObjectRecord;
using reconcilers::Submission;

ObjectKey Key(std::string_view text) { return ObjectKey::Parse(text).value(); }

const reconcilers::WallTime kStart = *ParseWallTime("2026-01-01T00:00:00.250Z");

ObjectRecord Redeploying() {
  ObjectRecord record;
  record.in_flight = InFlight::Accepted("vcha.passive.redeploy", "52000001-0000:com.vmware.vcha",
                                        "0123456789abcdef", kStart, "");
  record.in_flight->attempt = 1;
  record.in_flight->target = "vc01";
  record.in_flight->known_tasks = {"52000000-0000:com.vmware.vcha"};
  return record;
}

std::string ReadText(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

/// The names in `dir` that start with `prefix`.
std::vector<std::string> FilesStartingWith(const fs::path& dir, std::string_view prefix) {
  std::vector<std::string> names;
  std::error_code ignored;
  for (const auto& entry : fs::directory_iterator(dir, ignored)) {
    const auto name = entry.path().filename().string();
    if (name.starts_with(prefix)) names.push_back(name);
  }
  std::sort(names.begin(), names.end());
  return names;
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
    record.in_flight->state = Submission::kSubmitting;
    record.in_flight->attempt = 2;
    std::string error;
    ASSERT_TRUE(journal.Save(Key("VchaPassiveNode/vc01-ha"), record, &error)) << error;
  }
  Journal reopened(dir_);
  const auto loaded = reopened.Load(kStart);
  ASSERT_TRUE(loaded.ok) << loaded.error;
  EXPECT_EQ(loaded.entries, 1U);
  EXPECT_EQ(loaded.version, 2);
  ObjectRecord expected = Redeploying();
  expected.facts["depot"] = "depot-3";
  expected.attempts_generation = "0123456789abcdef";
  expected.attempts = 2;
  expected.in_flight->state = Submission::kSubmitting;
  expected.in_flight->attempt = 2;
  EXPECT_EQ(reopened.Get(Key("VchaPassiveNode/vc01-ha")), expected);
  EXPECT_EQ(FilesStartingWith(dir_, "journal.json.tmp"), std::vector<std::string>{})
      << "the temporary file was renamed";
}

TEST_F(JournalTest, EverySubmissionStateIsWrittenByNameAndReadBack) {
  for (const auto state : {Submission::kSubmitting, Submission::kAccepted, Submission::kUnknown}) {
    const auto name = reconcilers::kSubmissionNames.at(static_cast<std::size_t>(state));
    SCOPED_TRACE(name);
    fs::remove_all(dir_);
    ObjectRecord record = Redeploying();
    record.in_flight->state = state;
    record.in_flight->attempt = 3;
    record.in_flight->target = "vc02";
    {
      Journal journal(dir_);
      ASSERT_TRUE(journal.Load(kStart).ok);
      ASSERT_TRUE(journal.Save(Key("VchaPassiveNode/vc01-ha"), record));
    }
    const auto on_disk = nlohmann::json::parse(ReadText(dir_ / "journal.json"));
    EXPECT_EQ(on_disk["version"], 2);
    const auto& in_flight = on_disk["objects"]["VchaPassiveNode/vc01-ha"]["in_flight"];
    EXPECT_EQ(in_flight["state"], name);
    EXPECT_EQ(in_flight["attempt"], 3);
    EXPECT_EQ(in_flight["target"], "vc02");
    Journal reopened(dir_);
    ASSERT_TRUE(reopened.Load(kStart).ok);
    EXPECT_EQ(reopened.Get(Key("VchaPassiveNode/vc01-ha")), record);
  }
}

TEST_F(JournalTest, AnEmptyRecordRemovesTheEntry) {
  Journal journal(dir_);
  ASSERT_TRUE(journal.Load(kStart).ok);
  ASSERT_TRUE(journal.Save(Key("ApplianceInstall/a"), Redeploying()));
  ASSERT_TRUE(journal.Save(Key("ApplianceUpdate/b"), Redeploying()));
  ASSERT_TRUE(journal.Save(Key("VchaPassiveNode/c"), Redeploying()));
  ASSERT_TRUE(journal.Save(Key("ApplianceInstall/a"), ObjectRecord{}));
  EXPECT_EQ(journal.Keys(),
            (std::vector<ObjectKey>{Key("ApplianceUpdate/b"), Key("VchaPassiveNode/c")}));
  Journal reopened(dir_);
  ASSERT_TRUE(reopened.Load(kStart).ok);
  EXPECT_EQ(reopened.Keys(),
            (std::vector<ObjectKey>{Key("ApplianceUpdate/b"), Key("VchaPassiveNode/c")}));
}

// A journal.json of format version 1, as the string-keyed journal (before ObjectKey) wrote it
// and as every vsrd before the mutation protocol did: it loads, its in_flight entries read as
// accepted by the server (state accepted, attempt 0, target ""), and an entry whose key is not
// an ObjectKey is kept and written back. The next write rewrites the whole file as version 2:
// the same entries, the same layout, each in_flight with "state": "accepted", "attempt": 0 and
// "target": "" added.
TEST_F(JournalTest, AVersion1JournalLoadsAndIsRewrittenAsVersion2) {
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
  const std::string rewritten_as_2 = R"({
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
        "attempt": 0,
        "detail": "",
        "generation": "1b0c000000000000",
        "operation": "vcha.passive.redeploy",
        "started_at": "2026-01-01T00:00:00.250Z",
        "state": "accepted",
        "target": "",
        "task": "52000001-0000:com.vmware.vcha"
      }
    }
  },
  "version": 2
}
)";
  fs::create_directories(dir_);
  std::ofstream(dir_ / "journal.json") << written_before;
  Journal journal(dir_);
  const auto loaded = journal.Load(kStart);
  ASSERT_TRUE(loaded.ok) << loaded.error;
  EXPECT_EQ(loaded.entries, 4U);
  EXPECT_EQ(loaded.version, 1);
  EXPECT_EQ(journal.Keys(), (std::vector<ObjectKey>{Key("ApplianceUpdate/vc01-update"),
                                                    Key("OfflineDepotFromHost/esx01-golden"),
                                                    Key("VchaPassiveNode/vc01-passive")}));
  ObjectRecord redeploying;
  redeploying.in_flight = InFlight::Accepted(
      "vcha.passive.redeploy", "52000001-0000:com.vmware.vcha", "1b0c000000000000", kStart, "");
  EXPECT_EQ(journal.Get(Key("VchaPassiveNode/vc01-passive")), redeploying);
  EXPECT_EQ(journal.Get(Key("OfflineDepotFromHost/esx01-golden")).facts.at("depot"), "depot-1");
  EXPECT_EQ(journal.Get(Key("ApplianceUpdate/vc01-update")).AttemptsFor("77c2000000000000"), 1);
  EXPECT_EQ(ReadText(dir_ / "journal.json"), written_before) << "loading changes nothing";

  // Saving a record unchanged rewrites the file as version 2, entries and layout kept.
  ASSERT_TRUE(journal.Save(Key("VchaPassiveNode/vc01-passive"), redeploying));
  EXPECT_EQ(ReadText(dir_ / "journal.json"), rewritten_as_2);
  Journal reopened(dir_);
  const auto reloaded = reopened.Load(kStart);
  ASSERT_TRUE(reloaded.ok) << reloaded.error;
  EXPECT_EQ(reloaded.version, 2);
  EXPECT_EQ(reloaded.entries, 4U);
  EXPECT_EQ(reopened.Get(Key("VchaPassiveNode/vc01-passive")), redeploying);
}

TEST_F(JournalTest, ACorruptJournalIsMovedAsideAndBlocksMutationsUntilAccepted) {
  const std::vector<std::string> corrupt{
      "{not json",
      R"({"version": 1})",
      R"({"version": 0, "objects": {}})",
      R"({"version": "2", "objects": {}})",
      R"({"version": 1, "objects": {"A/a": {"in_flight": {"operation": "x"}}}})",
      R"({"version": 1, "objects": {"A/a": {"in_flight": {"operation": "x", "task": "t",
         "generation": "g", "started_at": "noon"}}}})",
      // Version 2 needs the submission fields, with a state it knows.
      R"({"version": 2, "objects": {"VchaPassiveNode/a": {"in_flight": {"operation": "x",
         "task": "t", "generation": "g", "started_at": "2026-01-01T00:00:00Z", "detail": ""}}}})",
      R"({"version": 2, "objects": {"VchaPassiveNode/a": {"in_flight": {"operation": "x",
         "task": "t", "generation": "g", "started_at": "2026-01-01T00:00:00Z", "detail": "",
         "state": "posted", "attempt": 1, "target": "vc01"}}}})",
      // Deeper than any journal vsrd writes (issue 14: every JSON parse is bounded).
      R"({"version": 2, "objects": {"A/a": )" + std::string(100, '[') + std::string(100, ']') +
          "}}",
  };
  for (const auto& text : corrupt) {
    SCOPED_TRACE(text);
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    std::ofstream(dir_ / "journal.json") << text;
    Journal journal(dir_);
    const auto loaded = journal.Load(kStart);
    EXPECT_FALSE(loaded.ok);
    EXPECT_FALSE(loaded.fatal) << loaded.error;
    EXPECT_NE(loaded.error.find("is corrupt"), std::string::npos) << loaded.error;
    EXPECT_NE(loaded.error.find("journal.json.corrupt-2026-01-01T00:00:00.250Z"), std::string::npos)
        << loaded.error;
    EXPECT_NE(loaded.error.find("vsrd journal accept-recovery"), std::string::npos) << loaded.error;
    EXPECT_EQ(ReadText(dir_ / "journal.json.corrupt-2026-01-01T00:00:00.250Z"), text)
        << "the evidence is kept as it was";
    EXPECT_FALSE(fs::exists(dir_ / "journal.json"));
    EXPECT_EQ(journal.Keys().size(), 0U);

    // The marker says where the journal went and what may be in flight.
    ASSERT_TRUE(loaded.recovery.has_value());
    EXPECT_EQ(loaded.recovery->moved_to,
              (dir_ / "journal.json.corrupt-2026-01-01T00:00:00.250Z").string());
    EXPECT_EQ(loaded.recovery->since, "2026-01-01T00:00:00.250Z");
    std::string error;
    EXPECT_EQ(journal.ReadRecoveryMarker(&error), loaded.recovery) << error;
    const auto blocked = journal.MutationsBlocked();
    ASSERT_TRUE(blocked.has_value());
    EXPECT_NE(blocked->find("journal.json.corrupt-2026-01-01T00:00:00.250Z"), std::string::npos)
        << *blocked;
    EXPECT_NE(blocked->find("vsrd journal accept-recovery"), std::string::npos) << *blocked;

    // Reads and journal writes go on meanwhile; only mutations wait.
    EXPECT_TRUE(journal.Save(Key("ApplianceInstall/a"), Redeploying()))
        << "a fresh journal is written";
    EXPECT_TRUE(journal.MutationsBlocked().has_value());
    const auto removed = journal.AcceptRecovery(&error);
    ASSERT_TRUE(removed.has_value()) << error;
    EXPECT_NE(removed->find("\"moved_to\""), std::string::npos) << *removed;
    EXPECT_EQ(journal.MutationsBlocked(), std::nullopt);
    EXPECT_FALSE(fs::exists(dir_ / "journal.recovery"));
  }
}

TEST_F(JournalTest, TheMarkerListsTheObjectsFoundInFlightInTheCorruptText) {
  // Truncated mid-write by a disk that lied about fsync: not JSON, but its keys are readable.
  const std::string truncated = R"({
  "objects": {
    "ApplianceUpdate/vc01-update": {
      "attempts": 1,
      "attempts_generation": "77c2000000000000"
    },
    "OfflineDepotFromHost/esx01-golden": {
      "in_flight": {
        "operation": "depots.offline.create_from_host",
        "task": "task-9"
      }
    },
    "VchaPassiveNode/vc01-passive": {
      "in_fli)";
  fs::create_directories(dir_);
  std::ofstream(dir_ / "journal.json") << truncated;
  Journal journal(dir_);
  const auto loaded = journal.Load(kStart);
  ASSERT_FALSE(loaded.ok);
  ASSERT_FALSE(loaded.fatal) << loaded.error;
  const std::vector<std::string> expected{"OfflineDepotFromHost/esx01-golden"};
  EXPECT_EQ(loaded.possibly_in_flight, expected);
  ASSERT_TRUE(loaded.recovery.has_value());
  EXPECT_EQ(loaded.recovery->possibly_in_flight, expected);
  const auto marker = nlohmann::json::parse(ReadText(dir_ / "journal.recovery"));
  EXPECT_EQ(marker["possibly_in_flight"], nlohmann::json(expected));
  EXPECT_EQ(marker["since"], "2026-01-01T00:00:00.250Z");
  EXPECT_NE(marker["problem"].get<std::string>(), "");
  EXPECT_NE(marker["what_to_do"].get<std::string>().find("every object of a mutating kind"),
            std::string::npos);
  EXPECT_NE(journal.MutationsBlocked()->find("OfflineDepotFromHost/esx01-golden"),
            std::string::npos);
}

TEST_F(JournalTest, ASecondCorruptJournalBeforeAcceptanceAddsToTheMarker) {
  fs::create_directories(dir_);
  std::ofstream(dir_ / "journal.json") << R"({"VchaPassiveNode/a": {"in_flight": )";
  ASSERT_FALSE(Journal(dir_).Load(kStart).ok);
  const auto later = kStart + std::chrono::hours(1);
  std::ofstream(dir_ / "journal.json") << R"({"ApplianceUpdate/b": {"in_flight": )";
  Journal journal(dir_);
  const auto loaded = journal.Load(later);
  ASSERT_TRUE(loaded.recovery.has_value()) << loaded.error;
  EXPECT_EQ(loaded.recovery->since, "2026-01-01T00:00:00.250Z") << "the first finding";
  EXPECT_EQ(loaded.recovery->moved_to,
            (dir_ / "journal.json.corrupt-2026-01-01T01:00:00.250Z").string());
  EXPECT_EQ(loaded.recovery->possibly_in_flight,
            (std::vector<std::string>{"ApplianceUpdate/b", "VchaPassiveNode/a"}));
  EXPECT_TRUE(fs::exists(dir_ / "journal.json.corrupt-2026-01-01T00:00:00.250Z"));
}

TEST_F(JournalTest, ACorruptJournalMovedAsideInTheSameMillisecondKeepsBothCopies) {
  fs::create_directories(dir_);
  std::ofstream(dir_ / "journal.json") << "first";
  ASSERT_FALSE(Journal(dir_).Load(kStart).ok);
  std::ofstream(dir_ / "journal.json") << "second";
  const auto loaded = Journal(dir_).Load(kStart);
  ASSERT_TRUE(loaded.recovery.has_value()) << loaded.error;
  EXPECT_EQ(ReadText(dir_ / "journal.json.corrupt-2026-01-01T00:00:00.250Z"), "first");
  EXPECT_EQ(ReadText(dir_ / "journal.json.corrupt-2026-01-01T00:00:00.250Z.1"), "second");
}

TEST_F(JournalTest, ReadOnlyLoadsLeaveACorruptJournalAndWriteNoMarker) {
  fs::create_directories(dir_);
  std::ofstream(dir_ / "journal.json") << R"({"VchaPassiveNode/a": {"in_flight": {)";
  Journal journal(dir_);
  const auto loaded = journal.Load(kStart, Journal::LoadMode::kReadOnly);
  EXPECT_FALSE(loaded.ok);
  EXPECT_FALSE(loaded.fatal);
  EXPECT_NE(loaded.error.find("left in place"), std::string::npos) << loaded.error;
  EXPECT_EQ(loaded.possibly_in_flight, std::vector<std::string>{"VchaPassiveNode/a"});
  EXPECT_FALSE(loaded.recovery.has_value());
  EXPECT_TRUE(fs::exists(dir_ / "journal.json"));
  EXPECT_FALSE(fs::exists(dir_ / "journal.recovery"));
  EXPECT_EQ(FilesStartingWith(dir_, "journal.json.corrupt"), std::vector<std::string>{});
}

TEST_F(JournalTest, ANewerFormatIsFatalAndLeftAsItIs) {
  for (const std::string text : {R"({"version": 3, "objects": {}})",
                                 R"({"version": 99, "objects": {"X/y": {"new": "shape"}}})"}) {
    SCOPED_TRACE(text);
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    std::ofstream(dir_ / "journal.json") << text;
    for (const auto mode : {Journal::LoadMode::kOwner, Journal::LoadMode::kReadOnly}) {
      Journal journal(dir_);
      const auto loaded = journal.Load(kStart, mode);
      EXPECT_FALSE(loaded.ok);
      EXPECT_TRUE(loaded.fatal);
      EXPECT_NE(loaded.error.find((dir_ / "journal.json").string()), std::string::npos)
          << loaded.error;
      EXPECT_NE(loaded.error.find("newer than this vsrd reads (1 to 2)"), std::string::npos)
          << loaded.error;
      EXPECT_EQ(ReadText(dir_ / "journal.json"), text);
      EXPECT_FALSE(fs::exists(dir_ / "journal.recovery"));
      EXPECT_EQ(FilesStartingWith(dir_, "journal.json.corrupt"), std::vector<std::string>{});
    }
  }
}

TEST_F(JournalTest, AJournalThatCannotBeReadIsFatalNeverEmpty) {
  // A directory where the file should be.
  fs::create_directories(dir_ / "journal.json");
  {
    Journal journal(dir_);
    const auto loaded = journal.Load(kStart);
    EXPECT_TRUE(loaded.fatal);
    EXPECT_NE(loaded.error.find("journal.json is a directory"), std::string::npos) << loaded.error;
    EXPECT_NE(loaded.error.find("will not start"), std::string::npos) << loaded.error;
  }
  fs::remove_all(dir_);

  // A file where the state directory should be.
  fs::create_directories(dir_.parent_path());
  std::ofstream(dir_.string()) << "not a directory";
  {
    Journal journal(dir_);
    const auto loaded = journal.Load(kStart, Journal::LoadMode::kReadOnly);
    EXPECT_TRUE(loaded.fatal);
    EXPECT_NE(loaded.error.find("Not a directory"), std::string::npos) << loaded.error;
  }
  fs::remove(dir_);

  // No permission (root reads anyway: then there is nothing to refuse).
  if (::geteuid() != 0) {
    fs::create_directories(dir_);
    std::ofstream(dir_ / "journal.json") << R"({"version": 2, "objects": {}})";
    fs::permissions(dir_ / "journal.json", fs::perms::none);
    Journal journal(dir_);
    const auto loaded = journal.Load(kStart);
    EXPECT_TRUE(loaded.fatal);
    EXPECT_NE(loaded.error.find("Permission denied"), std::string::npos) << loaded.error;
    EXPECT_TRUE(fs::exists(dir_ / "journal.json")) << "left where it is";
    fs::permissions(dir_ / "journal.json", fs::perms::owner_read | fs::perms::owner_write);

    // A state directory it cannot list (for the stale temporary files).
    fs::permissions(dir_, fs::perms::owner_exec);
    const auto unlisted = Journal(dir_).Load(kStart);
    EXPECT_TRUE(unlisted.fatal);
    EXPECT_NE(unlisted.error.find("cannot read the state directory"), std::string::npos)
        << unlisted.error;
    fs::permissions(dir_, fs::perms::owner_all);
  }
}

TEST_F(JournalTest, StaleTemporaryFilesAreRemovedOnlyByTheOwner) {
  fs::create_directories(dir_);
  const std::vector<std::string> stale{"journal.json.tmp", "journal.json.tmp.4242.7",
                                       "journal.json.tmp." + std::to_string(::getpid()) + ".1",
                                       "journal.recovery.tmp.4242"};
  for (const auto& name : stale) std::ofstream(dir_ / name) << "{half";
  std::ofstream(dir_ / "journal.json.tmpfile") << "not ours";
  {
    Journal journal(dir_);
    const auto loaded = journal.Load(kStart, Journal::LoadMode::kReadOnly);
    EXPECT_TRUE(loaded.ok) << loaded.error;
    EXPECT_EQ(loaded.removed_temporaries, 0U);
    EXPECT_EQ(FilesStartingWith(dir_, "journal.json.tmp").size(), 4U);
  }
  Journal journal(dir_);
  const auto loaded = journal.Load(kStart);
  EXPECT_TRUE(loaded.ok) << loaded.error;
  EXPECT_EQ(loaded.removed_temporaries, 4U);
  EXPECT_EQ(FilesStartingWith(dir_, "journal.json.tmp"),
            std::vector<std::string>{"journal.json.tmpfile"});
  EXPECT_FALSE(fs::exists(dir_ / "journal.recovery.tmp.4242"));
}

TEST_F(JournalTest, RecoverInFlightKeysReadsWhatItCanOfAnyText) {
  struct Case {
    std::string name;
    std::string text;
    std::vector<std::string> keys;
  };
  const std::vector<Case> cases{
      {"nothing", "", {}},
      {"not JSON at all", "\x01\x02 garbage \"VchaPassiveNode/a\"", {}},
      {"a well-formed journal of the wrong shape",
       R"({"objects": {"VchaPassiveNode/a": {"in_flight": {"started_at": "noon"}},
           "ApplianceUpdate/b": {"attempts": 1}}})",
       {"VchaPassiveNode/a"}},
      {"only entries with in_flight",
       R"({"ApplianceUpdate/b": {"attempts": 1}, "ApplianceInstall/c": {"in_flight": {}}})",
       {"ApplianceInstall/c"}},
      {"keys of kinds it does not know, and values that look like keys",
       R"({"VchaPassiveNode/d": {"detail": "ApplianceUpdate/e"}, "FutureKind/x": {"in_flight": {}}})",
       {}},
      {"quotes out of step after damage",
       R"({"VchaPassiveNode/a": {"in_flight": {"task": "t}, "OfflineDepotFromHost/f" : {"in_flight")",
       {"OfflineDepotFromHost/f", "VchaPassiveNode/a"}},
      {"a key twice",
       R"({"VchaPassiveNode/a": {"in_flight": 1}, "VchaPassiveNode/a": {"in_flight": 2}})",
       {"VchaPassiveNode/a"}},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(RecoverInFlightKeys(c.text), c.keys) << c.name;
  }
}

TEST_F(JournalTest, AMarkerItCannotReadStillBlocksAndCanBeAccepted) {
  fs::create_directories(dir_);
  std::ofstream(dir_ / "journal.recovery") << "written by hand";
  const Journal journal(dir_);
  std::string error;
  EXPECT_EQ(journal.ReadRecoveryMarker(&error), std::nullopt);
  EXPECT_NE(error.find("is not a recovery marker vsrd wrote"), std::string::npos) << error;
  const auto blocked = journal.MutationsBlocked();
  ASSERT_TRUE(blocked.has_value());
  EXPECT_NE(blocked->find("is not a recovery marker vsrd wrote"), std::string::npos) << *blocked;
  EXPECT_EQ(journal.AcceptRecovery(&error), "written by hand");
  EXPECT_EQ(error, "");
  EXPECT_EQ(journal.MutationsBlocked(), std::nullopt);
  EXPECT_EQ(journal.AcceptRecovery(&error), std::nullopt) << "nothing left to remove";
  EXPECT_EQ(error, "");
}

TEST_F(JournalTest, WithoutAStateDirectoryNothingIsBlocked) {
  const Journal journal(dir_);
  EXPECT_EQ(journal.MutationsBlocked(), std::nullopt);
  std::string error;
  EXPECT_EQ(journal.ReadRecoveryMarker(&error), std::nullopt);
  EXPECT_EQ(error, "");
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

TEST_F(JournalTest, AFailedRenameRemovesItsTemporaryFileAndKeepsTheOldRecord) {
  Journal journal(dir_);
  ASSERT_TRUE(journal.Load(kStart).ok);
  ASSERT_TRUE(journal.Save(Key("ApplianceInstall/a"), Redeploying()));
  // A non-empty directory in the journal's place: the rename over it fails.
  fs::remove(dir_ / "journal.json");
  fs::create_directories(dir_ / "journal.json" / "in-the-way");
  std::string error;
  EXPECT_FALSE(journal.Save(Key("ApplianceInstall/a"), ObjectRecord{}, &error));
  EXPECT_NE(error.find("rename"), std::string::npos) << error;
  EXPECT_EQ(journal.Get(Key("ApplianceInstall/a")), Redeploying());
  EXPECT_EQ(FilesStartingWith(dir_, "journal.json.tmp"), std::vector<std::string>{});
}

TEST_F(JournalTest, ASealedJournalRefusesWritesAndKeepsWhatWasDurable) {
  Journal journal(dir_);
  ASSERT_TRUE(journal.Load(kStart).ok);
  ASSERT_TRUE(journal.Save(Key("VchaPassiveNode/vc01-passive"), Redeploying()));
  EXPECT_EQ(journal.Seal(), 1U);
  std::string error;
  EXPECT_FALSE(journal.Save(Key("OfflineDepotFromHost/esx01"), Redeploying(), &error));
  EXPECT_NE(error.find("shutting down"), std::string::npos) << error;

  Journal restarted(dir_);
  ASSERT_TRUE(restarted.Load(kStart).ok);
  EXPECT_EQ(restarted.Keys(), std::vector<ObjectKey>{Key("VchaPassiveNode/vc01-passive")});
}

// WallTime holds nanoseconds in 64 bits (1677-09-21 to 2262-04-11): a year outside overflowed the
// conversion (UBSan: signed integer overflow in chrono; found by fuzz/json_codec_fuzz.cpp with a
// status answer's "next_reconcile_at": "4421-01-01T10:00:30.000Z").
TEST(Journal, ParseWallTimeRefusesTimesOutsideWhatWallTimeHolds) {
  for (const char* text :
       {"4421-01-01T10:00:30.000Z", "9999-12-31T23:59:59Z", "2263-01-01T00:00:00Z",
        "1012-12-31T23:00:00.000Z", "0000-01-01T00:00:00Z"}) {
    EXPECT_EQ(ParseWallTime(text), std::nullopt) << text;
  }
  EXPECT_EQ(
      ParseWallTime("2262-01-01T00:00:00.999Z"),
      std::chrono::sys_days(std::chrono::year(2262) / 1 / 1) + std::chrono::milliseconds(999));
  EXPECT_EQ(ParseWallTime("1678-01-01T00:00:00Z"),
            std::chrono::sys_days(std::chrono::year(1678) / 1 / 1));
}
// Before 1970 the milliseconds were written negative after the next whole second
// ("1878-01-01T10:00:01.-500Z"), which ParseWallTime refuses: `vsrd status` could not read back
// what it wrote (found by fuzz/json_codec_fuzz.cpp; its input is in the corpus). And
// ParseWallTime refused 1969-12-31T23:59:59, whose timegm value is timegm's error value -1.
TEST(Journal, FormatWallTimeWritesEveryTimeParseWallTimeReadsAsItWasRead) {
  for (const char* text :
       {"1878-01-01T10:00:00.500Z", "1969-12-31T23:59:59.999Z", "1969-12-31T23:59:59.001Z",
        "1970-01-01T00:00:00.000Z", "1970-01-01T00:00:00.001Z", "1678-01-01T00:00:00.250Z",
        "2026-01-01T00:00:00.250Z", "2262-01-01T00:00:00.999Z"}) {
    const auto time = ParseWallTime(text);
    ASSERT_TRUE(time.has_value()) << text;
    EXPECT_EQ(FormatWallTime(*time), text);
  }
  // What is not a time is refused, not normalized into another one.
  for (const char* wrong :
       {"2026-13-01T00:00:00Z", "2026-00-01T00:00:00Z", "2026-02-29T00:00:00Z",
        "2026-01-32T00:00:00Z", "2026-01-01T24:00:00Z", "2026-01-01T00:60:00Z",
        "2026-01-01T00:00:61Z", "2026-01-01T00:00:00.-50Z", "2026-01-01T-1:00:00Z",
        " 2026-01-01T00:00:00Z", "+2026-01-01T00:00:00Z", "2026-01-01T00:00:00.Z",
        "2026-01-01T00:00:00.1234567890Z", "2026-01-01T00:00:00Zx", "2026-01-01T00:00:00"}) {
    EXPECT_EQ(ParseWallTime(wrong), std::nullopt) << wrong;
  }
  EXPECT_EQ(ParseWallTime("2016-12-31T23:59:60Z"), ParseWallTime("2017-01-01T00:00:00Z"));
  // A fraction is a fraction of a second, at any number of digits up to 9 (to the millisecond).
  EXPECT_EQ(ParseWallTime("2026-01-01T00:00:00.5Z"), ParseWallTime("2026-01-01T00:00:00.500Z"));
  EXPECT_EQ(ParseWallTime("2026-01-01T00:00:00.123456789Z"),
            ParseWallTime("2026-01-01T00:00:00.123Z"));
  // A time between two milliseconds is written at the earlier one, before 1970 too.
  EXPECT_EQ(FormatWallTime(reconcilers::WallTime(std::chrono::microseconds(-1))),
            "1969-12-31T23:59:59.999Z");
}

TEST(CrashPointTest, ParsesOnlyTheDocumentedForms) {
  EXPECT_EQ(ParseCrashPoint("journal-save:1:before"), (CrashPoint{1, false}));
  EXPECT_EQ(ParseCrashPoint("journal-save:12:after"), (CrashPoint{12, true}));
  for (const char* wrong :
       {"", "journal-save", "journal-save:1", "journal-save:0:before", "journal-save:-1:after",
        "journal-save::after", "journal-save:1:during", "journal-save:1:after:x",
        "journal-save:1x:after", "journal-save: 1:after", "journal-load:1:before",
        "Journal-save:1:before"}) {
    EXPECT_EQ(ParseCrashPoint(wrong), std::nullopt) << wrong;
  }
}

/// Forks a child that sets VSRD_CRASH_AT to `crash_at`, loads the journal of `dir` and saves
/// the records of `saves` in turn (the N-th save is the process's N-th journal write); returns
/// the child's wait status. The child exits 0 when it got through every save, 1 on a failure.
int SaveInAChild(const fs::path& dir, const std::string& crash_at,
                 const std::vector<std::pair<ObjectKey, ObjectRecord>>& saves) {
  const pid_t child = ::fork();
  if (child == 0) {
    ::setenv("VSRD_CRASH_AT", crash_at.c_str(), 1);
    Journal journal(dir);
    if (!journal.Load(kStart).ok) ::_exit(1);
    for (const auto& [key, record] : saves) {
      if (!journal.Save(key, record)) ::_exit(1);
    }
    ::_exit(0);
  }
  int status = 0;
  ::waitpid(child, &status, 0);
  return status;
}

class CrashTest : public JournalTest {
 protected:
  std::vector<std::pair<ObjectKey, ObjectRecord>> Saves() const {
    ObjectRecord second = Redeploying();
    second.in_flight->attempt = 2;
    return {{Key("VchaPassiveNode/a"), Redeploying()},
            {Key("VchaPassiveNode/b"), second},
            {Key("VchaPassiveNode/c"), Redeploying()}};
  }
};

TEST_F(CrashTest, BeforeTheNthWriteTheJournalHasThePreviousOne) {
  const int status = SaveInAChild(dir_, "journal-save:2:before", Saves());
  ASSERT_TRUE(WIFSIGNALED(status)) << "exit status " << WEXITSTATUS(status);
  EXPECT_EQ(WTERMSIG(status), SIGKILL);
  Journal journal(dir_);
  const auto loaded = journal.Load(kStart);
  ASSERT_TRUE(loaded.ok) << loaded.error;
  EXPECT_EQ(journal.Keys(), std::vector<ObjectKey>{Key("VchaPassiveNode/a")});
  EXPECT_EQ(loaded.removed_temporaries, 0U) << "nothing was written for the second save";
}

TEST_F(CrashTest, AfterTheNthWriteTheJournalHasItDurably) {
  const int status = SaveInAChild(dir_, "journal-save:2:after", Saves());
  ASSERT_TRUE(WIFSIGNALED(status)) << "exit status " << WEXITSTATUS(status);
  EXPECT_EQ(WTERMSIG(status), SIGKILL);
  EXPECT_EQ(FilesStartingWith(dir_, "journal.json.tmp"), std::vector<std::string>{});
  Journal journal(dir_);
  ASSERT_TRUE(journal.Load(kStart).ok);
  EXPECT_EQ(journal.Keys(),
            (std::vector<ObjectKey>{Key("VchaPassiveNode/a"), Key("VchaPassiveNode/b")}));
  EXPECT_EQ(journal.Get(Key("VchaPassiveNode/b")), Saves()[1].second);
}

TEST_F(CrashTest, TheFirstWriteCountsAsOneAndAnUnparsableValueIsIgnored) {
  int status = SaveInAChild(dir_, "journal-save:1:before", Saves());
  ASSERT_TRUE(WIFSIGNALED(status));
  EXPECT_FALSE(fs::exists(dir_ / "journal.json"));
  status = SaveInAChild(dir_, "journal-save:two:before", Saves());
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
  Journal journal(dir_);
  ASSERT_TRUE(journal.Load(kStart).ok);
  EXPECT_EQ(journal.Keys().size(), 3U);
}

}  // namespace
}  // namespace vsrd::daemon
