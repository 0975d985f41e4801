#pragma once

// The routes `vsrd run` serves (docs/daemon.md "HTTP", issue 6): /metrics, /healthz,
// /readyz, /status, /status/{kind}/{name} and POST /reconcile/{kind}/{name}, as a Handler for
// Server. The daemon supplies the data through DaemonBackend; nothing here touches the engine.

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "daemon/engine/status_store.hpp"
#include "daemon/http/api_access.hpp"
#include "daemon/http/server.hpp"

namespace vsrd::daemon::http {

/// One health or readiness check, e.g. {"target vc01", false, "not logged in yet"}.
struct Check {
  std::string name;
  bool ok = false;
  std::string detail;  ///< why it fails (shown after "[-]name: "); ignored when ok
};

/// Callbacks supplied by `vsrd run`. Each must be thread-safe and fast: it runs on the HTTP
/// server's thread. A callback left empty counts as "nothing": no metrics, no checks (so
/// healthy / ready), no objects, unknown revision, and every reconcile answered 404. A callback
/// that throws makes the request fail with 500.
struct DaemonBackend {
  std::function<std::string()> metrics;                 ///< Prometheus text exposition
  std::function<std::vector<Check>()> health;           ///< liveness, e.g. "workers"
  std::function<std::vector<Check>()> readiness;        ///< e.g. "manifests", "target vc01"
  std::function<std::vector<ObjectStatus>()> statuses;  ///< daemon/engine/status_store.hpp
  /// One object's status (nullopt: no such object); without it, GET /status/{kind}/{name}
  /// looks through statuses().
  std::function<std::optional<ObjectStatus>(const manifests::ObjectKey& key)> status;
  std::function<std::string()> revision;  ///< git revision in force ("" unknown)
  /// The manifest problems of the last load, one "FILE:LINE:COL: error: ..." line each.
  std::function<std::vector<std::string>()> manifest_errors;
  /// Why no vSphere mutation may be submitted (Journal::MutationsBlocked), nullopt when they
  /// may.
  std::function<std::optional<std::string>()> mutations_blocked;
  /// Requests a reconcile of `key` now, with `reset` clearing Stalled and the failure count
  /// first. False: no such object.
  std::function<bool(const manifests::ObjectKey& key, bool reset)> reconcile;
};

/// Content type of GET /metrics (Prometheus text format 0.0.4).
inline constexpr std::string_view kMetricsContentType = "text/plain; version=0.0.4; charset=utf-8";

/// The routes, each behind `access` (api_access.hpp: a request it refuses gets its 400, 421 or
/// 403 and reaches no route):
/// - GET /metrics: 200, body = metrics().
/// - GET /healthz, GET /readyz: 200 "ok\n" when every check passes; else 503 with one line
///   "[-]NAME: DETAIL" per failing check and "healthz check failed" / "readyz check failed".
///   With ?verbose, every check is listed ("[+]NAME ok" or "[-]NAME: DETAIL") and the last
///   line is "... check passed" or "... check failed".
/// - GET /status[?kind=K][&phase=P][&target=T]: 200 {"revision": "...", "manifest_errors":
///   ["FILE:LINE:COL: error: ..."], "mutations_blocked": null or "why", "objects":
///   [StatusToJson...]}, objects by key, only those matching every filter given; 400 for an
///   unknown kind or phase or another query parameter.
/// - GET /status/{kind}/{name}: 200 the object's JSON; 404 {"error": ...} for an unknown kind
///   (the message lists the kinds) or an absent object.
/// - POST /reconcile/{kind}/{name}[?reset=true|false]: 202 {"accepted": "Kind/name", "reset":
///   bool}; 404 for an unknown kind or absent object; 400 for another reset value or another
///   query parameter.
/// A known path with another method gets 405 with Allow; any other path 404. No answer has an
/// Access-Control-* header: a CORS preflight is never granted.
Handler MakeDaemonHandler(DaemonBackend backend, ApiAccess access = ApiAccess());

}  // namespace vsrd::daemon::http
