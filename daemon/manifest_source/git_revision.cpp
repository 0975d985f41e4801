#include "daemon/manifest_source/git_revision.hpp"

#include <memory>
#include <system_error>

#include <git2.h>

namespace vsrd::daemon {
namespace {

/// Initializes libgit2 for the life of the process. A function-local static: thread-safe, and
/// never shut down, so a late call from another static's destructor still works.
void EnsureLibgit2() {
  static const bool kInitialized = [] {
    git_libgit2_init();
    git_libgit2_opts(GIT_OPT_SET_OWNER_VALIDATION, 0);
    return true;
  }();
  (void)kInitialized;
}

struct RepositoryCloser {
  void operator()(git_repository* repository) const { git_repository_free(repository); }
};

}  // namespace

std::optional<std::string> GitRevision(const std::filesystem::path& dir) {
  EnsureLibgit2();
  std::error_code error;
  const auto resolved = std::filesystem::canonical(dir, error);
  if (error) return std::nullopt;
  git_repository* raw = nullptr;
  if (git_repository_open_ext(&raw, resolved.c_str(), 0, nullptr) != 0) return std::nullopt;
  const std::unique_ptr<git_repository, RepositoryCloser> repository(raw);
  if (git_repository_is_bare(repository.get()) != 0) return std::nullopt;
  git_oid oid;
  if (git_reference_name_to_id(&oid, repository.get(), "HEAD") != 0) return std::nullopt;
  char hex[GIT_OID_HEXSZ + 1] = {};
  git_oid_tostr(hex, sizeof hex, &oid);
  return std::string(hex);
}

}  // namespace vsrd::daemon
