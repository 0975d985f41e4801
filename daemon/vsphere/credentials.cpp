#include "daemon/vsphere/credentials.hpp"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

namespace vsrd::daemon::vsphere {

namespace {

ports::Result<ports::Secret> Failure(std::string detail) {
  ports::ApiError error;
  error.kind = ports::ErrorKind::kCredentials;
  error.detail = std::move(detail);
  return ports::MakeUnexpected(std::move(error));
}

ports::Result<ports::Secret> ReadFile(const std::string& path, const std::string& what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    const int code = errno;
    return Failure(what + " " + path + ": " + std::strerror(code));
  }
  std::string content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) return Failure(what + " " + path + ": read error");
  if (content.ends_with("\r\n")) {
    content.resize(content.size() - 2);
  } else if (content.ends_with('\n')) {
    content.pop_back();
  }
  if (content.empty()) return Failure(what + " " + path + " is empty");
  return ports::Secret(std::move(content));
}

}  // namespace

ports::Result<ports::Secret> ReadSecret(const manifests::SecretRef& ref) {
  using Source = manifests::SecretRef::Source;
  switch (ref.source) {
    case Source::kFile:
      return ReadFile(ref.value, "password_file");
    case Source::kEnv: {
      // getenv is safe here: vsrd never calls setenv after start-up.
      const char* value = std::getenv(ref.value.c_str());  // NOLINT(concurrency-mt-unsafe)
      if (value == nullptr) return Failure("password_env " + ref.value + " is not set");
      if (*value == '\0') return Failure("password_env " + ref.value + " is empty");
      return ports::Secret(value);
    }
    case Source::kCredential: {
      const char* directory =
          std::getenv("CREDENTIALS_DIRECTORY");  // NOLINT(concurrency-mt-unsafe)
      if (directory == nullptr || *directory == '\0') {
        return Failure("password_credential " + ref.value +
                       ": $CREDENTIALS_DIRECTORY is not set (run under systemd with "
                       "LoadCredential=" +
                       ref.value + ":...)");
      }
      return ReadFile((std::filesystem::path(directory) / ref.value).string(),
                      "password_credential");
    }
  }
  return Failure("unknown secret source");
}

}  // namespace vsrd::daemon::vsphere
