#include "daemon/vsphere/credentials.hpp"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include <gtest/gtest.h>
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

}  // namespace
}  // namespace vsrd::daemon::vsphere
