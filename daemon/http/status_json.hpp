#pragma once

// ObjectStatus as JSON (docs/operations.md "Status fields"): what GET /status serves and what `vsrd
// status` reads back. Times are RFC 3339 UTC with milliseconds (FormatWallTime).

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "daemon/engine/status_store.hpp"

namespace vsrd::daemon {

/// {kind, name, target, generation, observed_generation, revision, phase, conditions: [{type:
/// "Ready", status: "True"|"False", reason, message, last_transition_time}], operation: {name,
/// task, started_at, progress} or null, waiting: {for: "window"} or {for: "dependency", object:
/// "Kind/name"} or null, last_error (null when none), next_reconcile_at (null when none),
/// failures, details: {..}, history: [{at, result, phase, reason, message}]}.
/// last_transition_time and progress are null when unknown.
nlohmann::json StatusToJson(const ObjectStatus& status);

/// Appends to `out` the same text as StatusToJson(status).dump(-1, ' ', false,
/// nlohmann::json::error_handler_t::replace) — keys sorted, no spaces, invalid UTF-8 replaced by
/// U+FFFD — written directly, without building the tree: GET /status writes every object so,
/// and at 10,000 objects the trees were two thirds of the time (bench/status_render.cpp).
void AppendStatusJson(const ObjectStatus& status, std::string& out);

/// The inverse of StatusToJson. nullopt with `error` (when not null) naming the first field of
/// the wrong shape, e.g. "phase: unknown phase \"Sleeping\"". Fields StatusToJson always
/// writes are required, except `waiting` (absent from older daemons: read as null); unknown
/// fields are ignored, so a newer daemon can add some.
std::optional<ObjectStatus> StatusFromJson(const nlohmann::json& json, std::string* error);

}  // namespace vsrd::daemon
