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
/// The journal in state_dir cannot be written (or awaits an operator after it was found
/// corrupt; a stop is in progress): no mutation starts; reads and status go on.
inline constexpr std::string_view kJournalUnavailable = "JournalUnavailable";

// Before a mutation (every kind that mutates).

/// Waiting: a change is due, and starts when policy.window opens.
inline constexpr std::string_view kOutsideWindow = "OutsideWindow";
/// Waiting: every mutation slot of the target is taken; looked at again after 15s.
inline constexpr std::string_view kTargetBusy = "TargetBusy";
/// Progressing: vsrd is stopping; no mutation starts (the next start goes on).
inline constexpr std::string_view kShuttingDown = "ShuttingDown";
/// The object was removed from the manifests while its operation ran: it is followed (and holds
/// its mutation slot) until it ends, then forgotten; nothing new is submitted for it.
inline constexpr std::string_view kObjectRemoved = "ObjectRemoved";
/// Progressing: a submission's outcome is unknown (a crash mid-submission, a timeout after the
/// request was sent); live state is read to resolve it, nothing is submitted meanwhile.
inline constexpr std::string_view kResolvingOutcome = "ResolvingOutcome";
/// Stalled: live state could not tell by policy.timeout whether a submission ran; an operator
/// checks the target and resets the object (docs/operations.md "Runbook").
inline constexpr std::string_view kOutcomeUnknown = "OutcomeUnknown";
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
/// Stalled: policy.max_failures submissions of this generation did not succeed (rejected,
/// failed, or crashed mid-submission), counted in the journal across restarts and reloads.
inline constexpr std::string_view kMaxFailuresReached = "MaxFailuresReached";
/// Stalled: no reconciler for the kind, or spec.target is not a configured target.
inline constexpr std::string_view kNotConfigured = "NotConfigured";
/// Progressing (retried): a reconciler threw, which it must not; a bug.
inline constexpr std::string_view kInternalError = "InternalError";

}  // namespace vsrd::reconcilers::reasons
