#pragma once

#include <string_view>

// The reasons every kind shares, and those the engine sets around the reconcilers. A reason is
// the CamelCase word of the Ready condition (status, `vsrd plan`, `vsrd apply`, logs); each kind's
// own are in reconcilers/<kind>/reasons.hpp. docs/operations.md "Reasons" lists every one
// (tests/unit/reconcilers/reasons_test.cpp checks that list against these files). Nothing
// decides by comparing a reason: what a caller needs to know is a field of the Outcome.

namespace vsrd::reconcilers::reasons {

// Reads (api_outcomes.hpp): Progressing, retried with backoff, never Stalled by themselves.

/// The target did not answer (DNS, refused, reset, timeout, TLS).
inline constexpr std::string_view kTargetUnreachable = "TargetUnreachable";
/// The target refused the credentials (401).
inline constexpr std::string_view kLoginFailed = "LoginFailed";
/// A password could not be read (file, environment variable, systemd credential).
inline constexpr std::string_view kCredentialsUnavailable = "CredentialsUnavailable";
/// A read answered another error, or a body vsrd cannot read.
inline constexpr std::string_view kReadFailed = "ReadFailed";
/// A started operation could not be recorded in state_dir.
inline constexpr std::string_view kJournalWriteFailed = "JournalWriteFailed";

// Before a mutation (every kind that mutates).

/// Waiting: a change is due, and starts when policy.window opens.
inline constexpr std::string_view kOutsideWindow = "OutsideWindow";
/// Waiting: every mutation slot of the target is taken; looked at again after 15s.
inline constexpr std::string_view kTargetBusy = "TargetBusy";
/// Progressing: an operation runs past policy.timeout; vsrd keeps following it.
inline constexpr std::string_view kOperationOverdue = "OperationOverdue";

// Configuration problems: Stalled.

/// The target lacks the API the kind needs (e.g. an update-manager target for a vCenter kind).
inline constexpr std::string_view kUnsupportedTarget = "UnsupportedTarget";
/// A reconciler was given an object of another kind (a bug in the engine's wiring).
inline constexpr std::string_view kKindMismatch = "KindMismatch";

// Set by the engine (daemon/engine/controller.cpp, status_store.hpp).

/// Progressing: no pass has run for this generation yet.
inline constexpr std::string_view kPending = "Pending";
/// Suspended: policy.suspend is true.
inline constexpr std::string_view kSuspended = "Suspended";
/// Waiting: a depends_on object is not Ready.
inline constexpr std::string_view kDependencyNotReady = "DependencyNotReady";
/// Stalled: policy.max_failures failed mutations in a row for this generation.
inline constexpr std::string_view kMaxFailuresReached = "MaxFailuresReached";
/// Stalled: no reconciler for the kind, or spec.target is not a configured target.
inline constexpr std::string_view kNotConfigured = "NotConfigured";
/// Progressing (retried): a reconciler threw, which it must not; a bug.
inline constexpr std::string_view kInternalError = "InternalError";

}  // namespace vsrd::reconcilers::reasons
