#pragma once

#include <string>

#include "reconcilers/outcome.hpp"
#include "reconcilers/ports/api_error.hpp"

// The shared mapping from port errors to outcomes, so every reconciler treats the same failure
// the same way (docs/architecture.md "Style", rule 3: errors carry their retry policy).

namespace vsrd::reconcilers {

/// ALREADY_IN_DESIRED_STATE and ALREADY_EXISTS: a mutation that found its work already done
/// counts as success (docs/reconcilers.md "Reconcile rules").
inline bool IsAlreadyDone(const ports::ApiError& error) {
  return error.Is("ALREADY_IN_DESIRED_STATE") || error.Is("ALREADY_EXISTS");
}

/// 404: the object (a task after a vCenter restart, a deleted depot) does not exist. Both
/// dialects answer it, with or without a body.
inline bool IsNotFound(const ports::ApiError& error) {
  return error.kind == ports::ErrorKind::kApi && error.http_status == 404;
}

/// A read failed: "TargetUnreachable" when vSphere could not be reached (retried with backoff,
/// never Stalled by itself), "CredentialsUnavailable" for a password that cannot be read,
/// "ReadFailed" otherwise.
inline Outcome ReadFailure(const ports::ApiError& error) {
  if (error.IsUnreachable()) return Outcome::ReadFailed("TargetUnreachable", error.Summary());
  if (error.kind == ports::ErrorKind::kCredentials) {
    return Outcome::ReadFailed("CredentialsUnavailable", error.Summary());
  }
  if (error.kind == ports::ErrorKind::kApi && error.http_status == 401) {
    return Outcome::ReadFailed("LoginFailed", error.Summary());
  }
  return Outcome::ReadFailed("ReadFailed", error.Summary());
}

/// A mutating call failed: counts towards max_failures, with `reason` naming the step
/// (e.g. "RedeployFailed").
inline Outcome MutationFailure(std::string reason, const ports::ApiError& error) {
  return Outcome::MutationFailed(std::move(reason), error.Summary());
}

/// The journal could not be written after a task started: retried; the task is found again
/// from live state or the record on the next pass.
inline Outcome JournalFailure() {
  return Outcome::ReadFailed("JournalWriteFailed",
                             "could not record the started operation in state_dir");
}

}  // namespace vsrd::reconcilers
