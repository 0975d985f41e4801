#include "daemon/vsphere/credentials.hpp"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

namespace vsrd::daemon::vsphere {
namespace {

namespace fs = std::filesystem;
using manifests::SecretRef;
using Source = SecretRef::Source;

class CredentialsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("vsrd-credentials-test-" + std::to_string(::getpid()));
    fs::create_directories(dir_);
  }
  void TearDown() override {
    ::unsetenv("VSRD_TEST_SECRET");
    ::unsetenv("CREDENTIALS_DIRECTORY");
    fs::remove_all(dir_);
  }
  std::string Write(const std::string& name, const std::string& content) {
    const auto path = dir_ / name;
    std::ofstream(path, std::ios::binary) << content;
    return path.string();
  }
  fs::path dir_;
};

TEST_F(CredentialsTest, AFileLosesOneTrailingNewlineAndNothingElse) {
  struct Case {
    std::string content;
    std::string secret;
  };
  const std::vector<Case> cases{{"s3cret\n", "s3cret"},
                                {"s3cret\r\n", "s3cret"},
                                {"s3cret", "s3cret"},
                                {" spaced s3cret \n\n", " spaced s3cret \n"}};
  for (const auto& c : cases) {
    const auto path = Write("pw", c.content);
    auto secret = ReadSecret({Source::kFile, path});
    ASSERT_TRUE(secret) << secret.Error().detail;
    EXPECT_EQ(secret->Reveal(), c.secret);
  }
}

TEST_F(CredentialsTest, AMissingOrEmptyFileIsAnErrorNamingItButNotItsContent) {
  auto missing = ReadSecret({Source::kFile, (dir_ / "absent").string()});
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.Error().kind, reconcilers::ports::ErrorKind::kCredentials);
  EXPECT_NE(missing.Error().detail.find((dir_ / "absent").string()), std::string::npos);
  EXPECT_NE(missing.Error().detail.find("No such file"), std::string::npos);

  auto empty = ReadSecret({Source::kFile, Write("empty", "\n")});
  ASSERT_FALSE(empty);
  EXPECT_NE(empty.Error().detail.find("is empty"), std::string::npos);
}

TEST_F(CredentialsTest, AnEnvironmentVariableIsReadWhenSetAndNotEmpty) {
  auto unset = ReadSecret({Source::kEnv, "VSRD_TEST_SECRET"});
  ASSERT_FALSE(unset);
  EXPECT_EQ(unset.Error().detail, "password_env VSRD_TEST_SECRET is not set");
  ::setenv("VSRD_TEST_SECRET", "", 1);
  EXPECT_FALSE(ReadSecret({Source::kEnv, "VSRD_TEST_SECRET"}));
  ::setenv("VSRD_TEST_SECRET", "from-env", 1);
  auto secret = ReadSecret({Source::kEnv, "VSRD_TEST_SECRET"});
  ASSERT_TRUE(secret);
  EXPECT_EQ(secret->Reveal(), "from-env");
}

TEST_F(CredentialsTest, ASystemdCredentialIsReadFromCredentialsDirectory) {
  auto outside = ReadSecret({Source::kCredential, "vr01"});
  ASSERT_FALSE(outside);
  EXPECT_NE(outside.Error().detail.find("$CREDENTIALS_DIRECTORY is not set"), std::string::npos);

  Write("vr01", "from-credential\n");
  ::setenv("CREDENTIALS_DIRECTORY", dir_.c_str(), 1);
  auto secret = ReadSecret({Source::kCredential, "vr01"});
  ASSERT_TRUE(secret) << secret.Error().detail;
  EXPECT_EQ(secret->Reveal(), "from-credential");
  EXPECT_FALSE(ReadSecret({Source::kCredential, "other"}));
}

TEST(Secret, AMovedFromSecretIsEmptyAndTheCopyKeepsTheValue) {
  reconcilers::ports::Secret original("value");
  reconcilers::ports::Secret copy = original;
  reconcilers::ports::Secret moved = std::move(original);
  EXPECT_EQ(copy.Reveal(), "value");
  EXPECT_EQ(moved.Reveal(), "value");
  EXPECT_TRUE(original.Empty());  // NOLINT(bugprone-use-after-move): the contract under test
}

// Issue 14, defect 1: `password_file: /dev/zero` read until std::bad_alloc; a FIFO blocked the
// reader. Every secret file is a regular file of at most kMaxSecretBytes, opened without blocking.
TEST_F(CredentialsTest, ASecretFileIsARegularFileOfBoundedSizeNotWritableByOthers) {
  const auto device = ReadSecret({Source::kFile, "/dev/zero"});
  ASSERT_FALSE(device);
  EXPECT_NE(device.Error().detail.find("/dev/zero: is not a regular file"), std::string::npos)
      << device.Error().detail;

  const auto fifo = dir_ / "fifo";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  const auto from_fifo = ReadSecret({Source::kFile, fifo.string()});  // returns at once
  ASSERT_FALSE(from_fifo);
  EXPECT_NE(from_fifo.Error().detail.find("is not a regular file"), std::string::npos);

  const auto directory = ReadSecret({Source::kFile, dir_.string()});
  EXPECT_FALSE(directory);

  const auto largest = Write("largest", std::string(kMaxSecretBytes, 'x'));
  EXPECT_TRUE(ReadSecret({Source::kFile, largest}));
  const auto large = Write("large", std::string(kMaxSecretBytes + 1, 'x'));
  const auto too_large = ReadSecret({Source::kFile, large});
  ASSERT_FALSE(too_large);
  EXPECT_NE(too_large.Error().detail.find("is larger than 4096 bytes"), std::string::npos);

  const auto shared = Write("shared", "s3cret\n");
  fs::permissions(shared, fs::perms::others_write, fs::perm_options::add);
  const auto writable = ReadSecret({Source::kFile, shared});
  ASSERT_FALSE(writable);
  EXPECT_NE(writable.Error().detail.find("writable by other users (mode 0"), std::string::npos)
      << writable.Error().detail;
  EXPECT_EQ(writable.Error().detail.find("s3cret"), std::string::npos);

  ::setenv("VSRD_TEST_SECRET", std::string(kMaxSecretBytes + 1, 'x').c_str(), 1);
  EXPECT_FALSE(ReadSecret({Source::kEnv, "VSRD_TEST_SECRET"}));
}

TEST_F(CredentialsTest, AFileOthersCanReadIsWarnedAbout) {
  const auto path = Write("readable", "s3cret\n");
  fs::permissions(path, fs::perms::owner_read | fs::perms::owner_write | fs::perms::others_read);
  const auto warning = SecretFileWarning({Source::kFile, path});
  EXPECT_NE(warning.find("readable by other users (mode 0604)"), std::string::npos) << warning;
  fs::permissions(path, fs::perms::owner_read | fs::perms::owner_write);
  EXPECT_EQ(SecretFileWarning({Source::kFile, path}), "");
  EXPECT_EQ(SecretFileWarning({Source::kEnv, "VSRD_TEST_SECRET"}), "");
}

// Issue 14, defect 1: a manifest made vsrd send the vCenter password (the config's password_file)
// to a host of its choosing. What a manifest may reference is confined; the targets' own
// credentials are reserved unless lent.
class ConfinementTest : public CredentialsTest {
 protected:
  void SetUp() override {
    CredentialsTest::SetUp();
    fs::create_directories(dir_ / "allowed" / "nested");
    fs::create_directories(dir_ / "credentials");
    host_ = Write("allowed/esx.pw", "host-pw\n");
    target_file_ = Write("allowed/vc01.pw", "vc01-pw\n");  // a target's own, inside the dir
    outside_ = Write("outside.pw", "other\n");
    Write("credentials/vr01", "vr01-pw\n");
    ::setenv("CREDENTIALS_DIRECTORY", (dir_ / "credentials").c_str(), 1);
    confinement_.directories = {(dir_ / "allowed").string()};
    confinement_.env = {"ESX_PW", "VC02_PW"};
    confinement_.credentials = {"esx-edge01", "vr01"};
    confinement_.reserved = {{"vc01", {Source::kFile, target_file_}},
                             {"vc02", {Source::kEnv, "VC02_PW"}},
                             {"vr01", {Source::kFile, (dir_ / "credentials" / "vr01").string()}}};
  }
  std::string host_, target_file_, outside_;
  SecretConfinement confinement_;
};

TEST_F(ConfinementTest, OnlyWhatTheConfigListsAndNeverATargetsOwnCredential) {
  struct Case {
    std::string name;
    SecretRef ref;
    std::string problem;  ///< a part of the refusal; "" = allowed
  };
  const std::string allowed = (dir_ / "allowed").string();
  const std::vector<Case> cases{
      {"file beneath an allowed directory", {Source::kFile, host_}, ""},
      {"file outside", {Source::kFile, outside_}, "is outside the directories manifests may read"},
      {"dot-dot out", {Source::kFile, allowed + "/../outside.pw"}, "is outside the directories"},
      {"the directory itself", {Source::kFile, allowed}, "is outside the directories"},
      {"prefix is not beneath", {Source::kFile, allowed + "-x/pw"}, "is outside the directories"},
      {"a target's file", {Source::kFile, target_file_}, "is the password of target vc01"},
      {"a target's file, another path",
       {Source::kFile, allowed + "/nested/../vc01.pw"},
       "is the password of target vc01"},
      {"listed variable", {Source::kEnv, "ESX_PW"}, ""},
      {"unlisted variable", {Source::kEnv, "HOME"}, "secrets.env"},
      {"a target's variable, though listed", {Source::kEnv, "VC02_PW"}, "target vc02"},
      {"listed credential", {Source::kCredential, "esx-edge01"}, ""},
      {"unlisted credential", {Source::kCredential, "vsrd_vc01"}, "secrets.credentials"},
      {"a credential that is a target's file", {Source::kCredential, "vr01"}, "target vr01"},
  };
  for (const auto& c : cases) {
    const std::string problem = ConfinementProblem(confinement_, c.ref);
    if (c.problem.empty()) {
      EXPECT_EQ(problem, "") << c.name;
    } else {
      EXPECT_NE(problem.find(c.problem), std::string::npos) << c.name << ": " << problem;
    }
  }
}

TEST_F(ConfinementTest, AHardLinkOrSymlinkToATargetsFileIsThatFile) {
  fs::create_hard_link(target_file_, dir_ / "allowed" / "innocent.pw");
  EXPECT_NE(
      ConfinementProblem(confinement_, {Source::kFile, (dir_ / "allowed" / "innocent.pw").string()})
          .find("target vc01"),
      std::string::npos);
  fs::create_symlink(target_file_, dir_ / "allowed" / "link.pw");
  EXPECT_NE(
      ConfinementProblem(confinement_, {Source::kFile, (dir_ / "allowed" / "link.pw").string()})
          .find("target vc01"),
      std::string::npos);
}

TEST_F(ConfinementTest, ASymlinkOutOfTheDirectoryIsRefusedAtTheCheckAndAtTheRead) {
  const auto link = dir_ / "allowed" / "escape.pw";
  fs::create_symlink(outside_, link);
  EXPECT_NE(ConfinementProblem(confinement_, {Source::kFile, link.string()})
                .find("a symlink leads out of the allowed directory"),
            std::string::npos);
  const auto read = ReadConfinedSecret(confinement_, {Source::kFile, link.string()});
  ASSERT_FALSE(read);
  EXPECT_EQ(read.Error().kind, ports::ErrorKind::kCredentials);

  // A symlink inside the directory is fine.
  fs::create_symlink(host_, dir_ / "allowed" / "nested" / "esx-link.pw");
  const auto inside = ReadConfinedSecret(
      confinement_, {Source::kFile, (dir_ / "allowed" / "nested" / "esx-link.pw").string()});
  ASSERT_TRUE(inside) << inside.Error().detail;
  EXPECT_EQ(inside->Reveal(), "host-pw");
}

TEST_F(ConfinementTest, ReadingAConfinedSecretChecksFirstAndReadsBounded) {
  const auto refused = ReadConfinedSecret(confinement_, {Source::kFile, target_file_});
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.Error().detail.find("target vc01"), std::string::npos);
  EXPECT_EQ(refused.Error().detail.find("vc01-pw"), std::string::npos);
  ::setenv("ESX_PW", "from-env", 1);
  const auto env = ReadConfinedSecret(confinement_, {Source::kEnv, "ESX_PW"});
  ::unsetenv("ESX_PW");
  ASSERT_TRUE(env);
  EXPECT_EQ(env->Reveal(), "from-env");
  const auto file = ReadConfinedSecret(confinement_, {Source::kFile, host_});
  ASSERT_TRUE(file) << file.Error().detail;
  EXPECT_EQ(file->Reveal(), "host-pw");
  ASSERT_EQ(::mkfifo((dir_ / "allowed" / "fifo").c_str(), 0600), 0);
  EXPECT_FALSE(
      ReadConfinedSecret(confinement_, {Source::kFile, (dir_ / "allowed" / "fifo").string()}));
}

}  // namespace
}  // namespace vsrd::daemon::vsphere
