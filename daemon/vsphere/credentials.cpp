#include "daemon/vsphere/credentials.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <optional>
#include <string>
#include <system_error>

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "manifests/bounded_file.hpp"

namespace vsrd::daemon::vsphere {

namespace {

namespace fs = std::filesystem;
using Source = manifests::SecretRef::Source;

ports::Result<ports::Secret> Failure(std::string detail) {
  ports::ApiError error;
  error.kind = ports::ErrorKind::kCredentials;
  error.detail = std::move(detail);
  return ports::MakeUnexpected(std::move(error));
}

std::string Octal(mode_t mode) {
  std::array<char, 8> text{};
  std::snprintf(text.data(), text.size(), "%04o", static_cast<unsigned>(mode & 07777));
  return text.data();
}

/// The secret in a file read by `read`: the checks every secret file passes, then one trailing
/// newline removed.
ports::Result<ports::Secret> SecretFromFile(manifests::BoundedRead read, const std::string& what,
                                            const std::string& path) {
  if (!read.content) return Failure(what + " " + path + ": " + read.error);
  std::string content = std::move(*read.content);
  if ((read.mode & S_IWOTH) != 0) {
    ports::Secret wipe(std::move(content));
    return Failure(what + " " + path + " is writable by other users (mode " + Octal(read.mode) +
                   "): anyone could replace the password; chmod o-w " + path);
  }
  if (content.ends_with("\r\n")) {
    content.resize(content.size() - 2);
  } else if (content.ends_with('\n')) {
    content.pop_back();
  }
  if (content.empty()) return Failure(what + " " + path + " is empty");
  return ports::Secret(std::move(content));
}

ports::Result<ports::Secret> ReadFile(const std::string& path, const std::string& what) {
  return SecretFromFile(manifests::ReadBoundedFile(path, kMaxSecretBytes), what, path);
}

/// $CREDENTIALS_DIRECTORY/<name>, or nullopt when the variable is unset.
std::optional<fs::path> CredentialPath(const std::string& name) {
  const char* directory = std::getenv("CREDENTIALS_DIRECTORY");  // NOLINT(concurrency-mt-unsafe)
  if (directory == nullptr || *directory == '\0') return std::nullopt;
  return fs::path(directory) / name;
}

/// The file a reference reads (a password_file, or a credential's file); nullopt for a variable.
std::optional<fs::path> FileOf(const manifests::SecretRef& ref) {
  switch (ref.source) {
    case Source::kFile:
      return fs::path(ref.value);
    case Source::kCredential:
      return CredentialPath(ref.value);
    case Source::kEnv:
      return std::nullopt;
  }
  return std::nullopt;
}

/// Whether two references read the same secret: the same variable, or the same file by path or
/// by inode (a hard link, a symlink, a credential that is a target's password_file).
bool SameSecret(const manifests::SecretRef& a, const manifests::SecretRef& b) {
  if (a.source == Source::kEnv || b.source == Source::kEnv) {
    return a.source == b.source && a.value == b.value;
  }
  if (a.source == b.source && a.value == b.value) return true;
  const auto file_a = FileOf(a);
  const auto file_b = FileOf(b);
  if (!file_a || !file_b) return false;
  if (file_a->lexically_normal() == file_b->lexically_normal()) return true;
  std::error_code error;
  return fs::equivalent(*file_a, *file_b, error);
}

/// Whether `path` lies beneath `directory` (both absolute and lexically normal).
bool IsBeneath(const fs::path& path, const fs::path& directory) {
  const fs::path relative = path.lexically_relative(directory);
  return !relative.empty() && relative != "." && *relative.begin() != "..";
}

/// The allowed directory `path` lies beneath (lexically), if any.
std::optional<fs::path> AllowedDirectory(const SecretConfinement& confinement,
                                         const fs::path& path) {
  for (const auto& directory : confinement.directories) {
    if (IsBeneath(path, fs::path(directory))) return fs::path(directory);
  }
  return std::nullopt;
}

std::string Listed(const std::vector<std::string>& names) {
  if (names.empty()) return "none";
  std::string out;
  for (const auto& name : names) out += (out.empty() ? "" : ", ") + name;
  return out;
}

bool Contains(const std::vector<std::string>& names, const std::string& name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

}  // namespace

ports::Result<ports::Secret> ReadSecret(const manifests::SecretRef& ref) {
  switch (ref.source) {
    case Source::kFile:
      return ReadFile(ref.value, "password_file");
    case Source::kEnv: {
      // getenv is safe here: vsrd never calls setenv after start-up.
      const char* value = std::getenv(ref.value.c_str());  // NOLINT(concurrency-mt-unsafe)
      if (value == nullptr) return Failure("password_env " + ref.value + " is not set");
      if (*value == '\0') return Failure("password_env " + ref.value + " is empty");
      if (std::strlen(value) > kMaxSecretBytes) {
        return Failure("password_env " + ref.value + " is longer than " +
                       std::to_string(kMaxSecretBytes) + " bytes");
      }
      return ports::Secret(value);
    }
    case Source::kCredential: {
      const auto path = CredentialPath(ref.value);
      if (!path) {
        return Failure("password_credential " + ref.value +
                       ": $CREDENTIALS_DIRECTORY is not set (run under systemd with "
                       "LoadCredential=" +
                       ref.value + ":...)");
      }
      return ReadFile(path->string(), "password_credential");
    }
  }
  return Failure("unknown secret source");
}

std::string ConfinementProblem(const SecretConfinement& confinement,
                               const manifests::SecretRef& ref) {
  const std::string field =
      std::string(manifests::kSecretRefFields.at(static_cast<std::size_t>(ref.source))) + " " +
      ref.value;
  const auto reserved =
      std::find_if(confinement.reserved.begin(), confinement.reserved.end(),
                   [&ref](const auto& entry) { return SameSecret(ref, entry.second); });
  if (reserved != confinement.reserved.end()) {
    const std::string& target = reserved->first;
    return field + " is the password of target " + target +
           ", which a manifest may use only if the config lends it: add " + target +
           " to secrets.target_credentials";
  }
  switch (ref.source) {
    case Source::kEnv:
      if (Contains(confinement.env, ref.value)) return "";
      return field +
             " is not a variable manifests may read: list it in the config's secrets.env (" +
             "allowed: " + Listed(confinement.env) + ")";
    case Source::kCredential:
      if (Contains(confinement.credentials, ref.value)) return "";
      return field +
             " is not a credential manifests may read: list it in the config's "
             "secrets.credentials (allowed: " +
             Listed(confinement.credentials) + ")";
    case Source::kFile: {
      const fs::path path = fs::path(ref.value).lexically_normal();
      const auto directory = AllowedDirectory(confinement, path);
      if (!directory) {
        return field +
               " is outside the directories manifests may read: put it under one listed in the "
               "config's secrets.directories (allowed: " +
               Listed(confinement.directories) + ")";
      }
      // A symlink on the way may lead elsewhere: what exists is judged by where it resolves.
      std::error_code error;
      const fs::path resolved = fs::weakly_canonical(path, error);
      const fs::path base = fs::weakly_canonical(*directory, error);
      if (!error && !IsBeneath(resolved, base)) {
        return field + " resolves to " + resolved.string() + ", outside " + directory->string() +
               " (a symlink leads out of the allowed directory)";
      }
      return "";
    }
  }
  return field + ": unknown secret source";
}

ports::Result<ports::Secret> ReadConfinedSecret(const SecretConfinement& confinement,
                                                const manifests::SecretRef& ref) {
  if (auto problem = ConfinementProblem(confinement, ref); !problem.empty()) {
    return Failure(std::move(problem));
  }
  if (ref.source != Source::kFile) return ReadSecret(ref);
  const fs::path path = fs::path(ref.value).lexically_normal();
  const fs::path directory = *AllowedDirectory(confinement, path);
  // Opened by its resolved path beneath the resolved directory, with no symlink allowed on the
  // way: one swapped in after the paths were resolved fails (ELOOP) instead of leading out.
  std::error_code error;
  const fs::path base = fs::canonical(directory, error);
  if (error)
    return Failure("password_file " + ref.value + ": " + directory.string() + ": " +
                   error.message());
  const fs::path resolved = fs::canonical(path, error);
  if (error) return Failure("password_file " + ref.value + ": " + error.message());
  if (!IsBeneath(resolved, base)) {
    return Failure("password_file " + ref.value + " resolves to " + resolved.string() +
                   ", outside " + directory.string() + ": refused");
  }
  const manifests::UniqueFd dir(::open(base.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!dir.Valid()) {
    const int code = errno;
    return Failure("password_file " + ref.value + ": " + base.string() + ": " +
                   std::strerror(code));
  }
  open_how how{};
  how.flags = O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY;
  how.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS;
  const std::string relative = resolved.lexically_relative(base).string();
  const manifests::UniqueFd file(static_cast<int>(
      ::syscall(SYS_openat2, dir.Get(), relative.c_str(), &how, sizeof(how))));  // NOLINT
  if (!file.Valid()) {
    const int code = errno;
    if (code == ENOSYS || code == EPERM) {
      // No openat2 (a kernel before 5.6, or a seccomp filter that refuses it): the resolved
      // path, refusing a symlink at its end.
      return SecretFromFile(manifests::ReadBoundedFile(resolved, kMaxSecretBytes, O_NOFOLLOW),
                            "password_file", ref.value);
    }
    if (code == EXDEV || code == ELOOP) {
      return Failure("password_file " + ref.value + " changed while it was opened (a symlink " +
                     "appeared on its way): refused");
    }
    return Failure("password_file " + ref.value + ": " + std::strerror(code));
  }
  return SecretFromFile(manifests::ReadBoundedFd(file.Get(), kMaxSecretBytes), "password_file",
                        ref.value);
}

std::string SecretFileWarning(const manifests::SecretRef& ref) {
  const auto path = FileOf(ref);
  if (!path) return "";
  struct stat info {};
  if (::stat(path->c_str(), &info) != 0 || (info.st_mode & S_IROTH) == 0) return "";
  return std::string(manifests::kSecretRefFields.at(static_cast<std::size_t>(ref.source))) + " " +
         path->string() + " is readable by other users (mode " + Octal(info.st_mode) +
         "); unless its directory keeps them out, chmod o-r " + path->string();
}

}  // namespace vsrd::daemon::vsphere
