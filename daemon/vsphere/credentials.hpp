#pragma once

#include "manifests/common.hpp"
#include "reconcilers/ports/api_error.hpp"
#include "reconcilers/ports/secret.hpp"

// Where passwords come from (docs/config.md): a file, an environment variable, or a
// systemd credential ($CREDENTIALS_DIRECTORY/<name>, LoadCredential=). A secret is read each
// time it is needed (at every login), so a rotated password file takes effect at the next login
// without a restart.

namespace vsrd::daemon::vsphere {

namespace ports = reconcilers::ports;

/// Reads the secret `ref` points at. A file's content loses one trailing newline ("\n" or
/// "\r\n"); nothing else is trimmed. Errors (kind kCredentials) name the file, variable or
/// credential and why, never the content: missing, unreadable, empty, or
/// $CREDENTIALS_DIRECTORY unset. Thread-safe (reads the environment with getenv).
ports::Result<ports::Secret> ReadSecret(const manifests::SecretRef& ref);

}  // namespace vsrd::daemon::vsphere
