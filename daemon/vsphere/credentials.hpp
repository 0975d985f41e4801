#pragma once

#include <cstddef>
#include <string>
#include <utility>
#include <vector>

#include "manifests/common.hpp"
#include "reconcilers/ports/api_error.hpp"
#include "reconcilers/ports/secret.hpp"

// Where passwords come from (docs/config.md "Passwords" and "secrets"): a file, an environment
// variable, or a systemd credential ($CREDENTIALS_DIRECTORY/<name>, LoadCredential=). A secret is
// read each time it is needed (at every login), so a rotated password file takes effect at the
// next login without a restart.
//
// Every read is bounded: a secret file must be a regular file of at most kMaxSecretBytes, not
// writable by other users (anyone could swap the password), opened without blocking (a FIFO
// cannot stall a worker). A manifest's secret is moreover confined (SecretConfinement): only
// what the config's `secrets:` section lists, never a target's own credentials unless the config
// lends them, and a file is opened beneath its allowed directory (openat2 RESOLVE_BENEATH), so a
// symlink cannot lead out of it.

namespace vsrd::daemon::vsphere {

namespace ports = reconcilers::ports;

/// The longest secret read: a password, with room to spare. Longer files are refused, not cut.
inline constexpr std::size_t kMaxSecretBytes = 4096;

/// Reads the secret `ref` points at. A file's content loses one trailing newline ("\n" or
/// "\r\n"); nothing else is trimmed. Errors (kind kCredentials) name the file, variable or
/// credential and why, never the content: missing, unreadable, not a regular file, too large,
/// writable by others, empty, or $CREDENTIALS_DIRECTORY unset. Thread-safe (reads the
/// environment with getenv).
ports::Result<ports::Secret> ReadSecret(const manifests::SecretRef& ref);

/// What a manifest may take its passwords from: the config's `secrets:` section, and the
/// targets' own credentials it must never reach.
struct SecretConfinement {
  /// Absolute, lexically normal directories: a password_file must lie beneath one.
  std::vector<std::string> directories;
  std::vector<std::string> env;          ///< password_env names allowed
  std::vector<std::string> credentials;  ///< password_credential names allowed
  /// The credentials of the targets the config does not lend (secrets.target_credentials):
  /// target name and its password reference. A manifest reference to the same secret (the same
  /// variable, credential, or file, by path or by inode) is refused even where the lists above
  /// would allow it.
  std::vector<std::pair<std::string, manifests::SecretRef>> reserved;
};

/// Why a manifest may not reference `ref` under `confinement`, naming the field's value and the
/// config setting that would allow it; "" when it may. Resolves symlinks of a file that exists
/// (one leading out of the allowed directory is refused). Reads no secret.
std::string ConfinementProblem(const SecretConfinement& confinement,
                               const manifests::SecretRef& ref);

/// ReadSecret for a manifest's reference: ConfinementProblem first (an error of kind
/// kCredentials), then a file is opened beneath its allowed directory without following a
/// symlink out of it.
ports::Result<ports::Secret> ReadConfinedSecret(const SecretConfinement& confinement,
                                                const manifests::SecretRef& ref);

/// A warning for a secret file other users can read ("" when none, or when it cannot be
/// stat'ed: reading it reports that). Warned, not refused: the directory's permissions may keep
/// them out, which the file's own mode cannot tell.
std::string SecretFileWarning(const manifests::SecretRef& ref);

}  // namespace vsrd::daemon::vsphere
