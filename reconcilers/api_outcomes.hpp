#pragma once

#include <string>
#include <string_view>

#include "manifests/object.hpp"
#include "reconcilers/outcome.hpp"
#include "reconcilers/ports/api_error.hpp"
#include "reconcilers/reasons.hpp"

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

/// A read failed: TargetUnreachable when vSphere could not be reached (retried with backoff,
/// never Stalled by itself), CredentialsUnavailable for a password that cannot be read,
/// LoginFailed for a 401, ReadFailed otherwise.
inline Outcome ReadFailure(const ports::ApiError& error) {
  if (error.IsUnreachable()) {
    return Outcome::ReadFailed(reasons::kTargetUnreachable, error.Summary());
  }
  if (error.kind == ports::ErrorKind::kCredentials) {
    return Outcome::ReadFailed(reasons::kCredentialsUnavailable, error.Summary());
  }
  if (error.kind == ports::ErrorKind::kApi && error.http_status == 401) {
    return Outcome::ReadFailed(reasons::kLoginFailed, error.Summary());
  }
  return Outcome::ReadFailed(reasons::kReadFailed, error.Summary());
}

/// A mutating call failed: counts towards max_failures, with `reason` naming the step
/// (e.g. vcha_passive_node::reasons::kRedeployFailed).
inline Outcome MutationFailure(std::string_view reason, const ports::ApiError& error) {
  return Outcome::MutationFailed(reason, error.Summary());
}

/// The journal could not be written (a task's end, a learned fact): retried; nothing is
/// submitted until it can be (reconcilers/mutation.hpp).
inline Outcome JournalFailure() {
  return Outcome::ReadFailed(reasons::kJournalUnavailable,
                             "could not write the journal in state_dir; no mutation starts until "
                             "it can be written");
}

/// The engine handed a reconciler an object of another kind (a bug in the wiring): Stalled
/// KindMismatch. Every reconciler checks its spec type first, e.g.
/// `if (spec == nullptr) return KindMismatch(context.Object(), Kind::kApplianceInstall);`.
inline Outcome KindMismatch(const manifests::Object& object, manifests::Kind expected) {
  return Outcome::Stalled(reasons::kKindMismatch,
                          "the " + std::string(manifests::KindName(expected)) +
                              " reconciler was given " + object.Key().ToString());
}

}  // namespace vsrd::reconcilers
