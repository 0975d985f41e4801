// `vsrd journal show` and `vsrd journal accept-recovery` on a state directory in /tmp.

#include "daemon/cli/journal_command.hpp"

#include <filesystem>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>
#include <unistd.h>

#include "daemon/cli/exit_codes.hpp"
#include "daemon/engine/journal.hpp"

namespace vsrd::daemon {
namespace {

namespace fs = std::filesystem;
using reconcilers::InFlight;
using reconcilers::ObjectRecord;
using reconcilers::Submission;

const reconcilers::WallTime kStart = *ParseWallTime("2026-01-01T00:00:00.250Z");

struct Output {
  int status = -1;
  std::string out;
  std::string err;
};

class JournalCommandTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("vsrd-journal-command-test-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  Output Run(JournalOptions::Action action) const {
    JournalOptions options;
    options.action = action;
    options.state_dir = dir_.string();
    std::ostringstream out;
    std::ostringstream err;
    Output result;
    result.status = RunJournal(options, out, err);
    result.out = out.str();
    result.err = err.str();
    return result;
  }

  fs::path dir_;
};

TEST_F(JournalCommandTest, ShowsThatThereIsNoJournal) {
  const auto shown = Run(JournalOptions::Action::kShow);
  EXPECT_EQ(shown.status, kExitSuccess) << shown.err;
  EXPECT_EQ(shown.out, "journal " + (dir_ / "journal.json").string() +
                           ": none (no operation recorded)\n"
                           "mutations: allowed (no recovery marker at " +
                           (dir_ / "journal.recovery").string() + ")\n");
  EXPECT_FALSE(fs::exists(dir_)) << "show creates nothing";
}

TEST_F(JournalCommandTest, ShowsEachRecordWithItsSubmission) {
  {
    Journal journal(dir_);
    ASSERT_TRUE(journal.Load(kStart).ok);
    ObjectRecord record;
    record.in_flight =
        InFlight::Accepted("vcha.passive.redeploy", "", "1b0c", kStart, "vc01-passive");
    record.in_flight->state = Submission::kSubmitting;
    record.in_flight->attempt = 2;
    record.in_flight->target = "vc01";
    record.attempts_generation = "1b0c";
    record.attempts = 2;
    ASSERT_TRUE(journal.Save({manifests::Kind::kVchaPassiveNode, "vc01-passive"}, record));
    ObjectRecord depot;
    depot.facts["depot"] = "depot-1";
    ASSERT_TRUE(journal.Save({manifests::Kind::kOfflineDepotFromHost, "esx01"}, depot));
  }
  const auto shown = Run(JournalOptions::Action::kShow);
  EXPECT_EQ(shown.status, kExitSuccess) << shown.err;
  EXPECT_EQ(shown.out, "journal " + (dir_ / "journal.json").string() +
                           ": format version 2, 2 records\n"
                           "  OfflineDepotFromHost/esx01\n"
                           "    facts: depot=depot-1\n"
                           "  VchaPassiveNode/vc01-passive\n"
                           "    in flight: vcha.passive.redeploy, submission submitting, attempt "
                           "2, target vc01\n"
                           "      task (none: followed by state), generation 1b0c, started "
                           "2026-01-01T00:00:00.250Z\n"
                           "      detail: vc01-passive\n"
                           "    attempts: 2 for generation 1b0c\n"
                           "mutations: allowed (no recovery marker at " +
                           (dir_ / "journal.recovery").string() + ")\n");
}

TEST_F(JournalCommandTest, ShowsTheRecoveryMarkerAndAcceptRecoveryRemovesIt) {
  fs::create_directories(dir_);
  std::ofstream(dir_ / "journal.json")
      << R"({"version": 2, "objects": {"ApplianceUpdate/vr01": {"in_flight": {"operation": )";
  ASSERT_FALSE(Journal(dir_).Load(kStart).ok);

  auto shown = Run(JournalOptions::Action::kShow);
  EXPECT_EQ(shown.status, kExitSuccess) << shown.err;
  EXPECT_NE(shown.out.find("journal " + (dir_ / "journal.json").string() + ": none"),
            std::string::npos)
      << shown.out;
  EXPECT_NE(shown.out.find("mutations: BLOCKED by the recovery marker " +
                           (dir_ / "journal.recovery").string() + "\n" +
                           "  since:    2026-01-01T00:00:00.250Z\n" + "  moved to: " +
                           (dir_ / "journal.json.corrupt-2026-01-01T00:00:00.250Z").string()),
            std::string::npos)
      << shown.out;
  EXPECT_NE(shown.out.find("journal):\n    ApplianceUpdate/vr01\n  Check each of them, and every "
                           "object of a mutating kind"),
            std::string::npos)
      << shown.out;

  const auto accepted = Run(JournalOptions::Action::kAcceptRecovery);
  EXPECT_EQ(accepted.status, kExitSuccess) << accepted.err;
  EXPECT_EQ(
      accepted.out.rfind(
          "removed " + (dir_ / "journal.recovery").string() + "; mutations are allowed again", 0),
      0U)
      << accepted.out;
  EXPECT_NE(accepted.out.find("\"ApplianceUpdate/vr01\""), std::string::npos) << accepted.out;
  EXPECT_FALSE(fs::exists(dir_ / "journal.recovery"));

  shown = Run(JournalOptions::Action::kShow);
  EXPECT_NE(shown.out.find("mutations: allowed"), std::string::npos) << shown.out;
  const auto again = Run(JournalOptions::Action::kAcceptRecovery);
  EXPECT_EQ(again.status, kExitSuccess);
  EXPECT_EQ(again.out, "no recovery marker at " + (dir_ / "journal.recovery").string() +
                           ": mutations were not blocked; nothing removed\n");
}

TEST_F(JournalCommandTest, ShowReportsACorruptJournalAndLeavesIt) {
  fs::create_directories(dir_);
  const std::string text = R"({"VchaPassiveNode/vc01-passive": {"in_flight": {"task": )";
  std::ofstream(dir_ / "journal.json") << text;
  const auto shown = Run(JournalOptions::Action::kShow);
  EXPECT_EQ(shown.status, kExitError);
  EXPECT_NE(shown.err.find("is corrupt"), std::string::npos) << shown.err;
  EXPECT_NE(shown.out.find(": CORRUPT; objects found with \"in_flight\" in its text:\n"
                           "    VchaPassiveNode/vc01-passive\n"),
            std::string::npos)
      << shown.out;
  EXPECT_TRUE(fs::exists(dir_ / "journal.json"));
  EXPECT_FALSE(fs::exists(dir_ / "journal.recovery"));
}

TEST_F(JournalCommandTest, ShowFailsOnAJournalItCannotRead) {
  fs::create_directories(dir_);
  std::ofstream(dir_ / "journal.json") << R"({"version": 3, "objects": {}})";
  const auto shown = Run(JournalOptions::Action::kShow);
  EXPECT_EQ(shown.status, kExitError);
  EXPECT_EQ(shown.out, "");
  EXPECT_NE(shown.err.find("has format version 3, newer than this vsrd reads"), std::string::npos)
      << shown.err;
}

}  // namespace
}  // namespace vsrd::daemon
