#include "daemon/http/daemon_api.hpp"

#include <algorithm>
#include <atomic>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "daemon/http/status_json.hpp"
#include "manifests/common.hpp"
#include "manifests/object_key.hpp"
#include "reconcilers/outcome.hpp"

namespace vsrd::daemon::http {
namespace {

using nlohmann::json;

constexpr std::string_view kJson = "application/json";
constexpr std::string_view kText = "text/plain; charset=utf-8";
constexpr std::string_view kRoutes =
    "GET /metrics, GET /healthz, GET /readyz, GET /status, GET /status/{kind}/{name}, "
    "POST /reconcile/{kind}/{name}";

Response Text(int status, std::string body) {
  return Response{status, std::string(kText), std::move(body), {}};
}

Response Json(int status, const json& body) {
  // Messages come from reconcilers and API errors: replace bytes that are not UTF-8 instead of
  // failing the whole answer.
  return Response{status,
                  std::string(kJson),
                  body.dump(-1, ' ', false, json::error_handler_t::replace) + "\n",
                  {}};
}

Response JsonError(int status, const std::string& message) {
  return Json(status, json{{"error", message}});
}

Response MethodNotAllowed(std::string_view allow, const Request& request) {
  Response response = Text(405, "method " + request.method + " not allowed on " + request.path +
                                    "; allowed: " + std::string(allow) + "\n");
  response.headers.emplace_back("Allow", std::string(allow));
  return response;
}

std::vector<std::string_view> Segments(std::string_view path) {
  std::vector<std::string_view> segments;
  if (path.starts_with('/')) path.remove_prefix(1);
  for (;;) {
    const std::size_t slash = path.find('/');
    segments.push_back(path.substr(0, slash));
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  return segments;
}

Response Checks(const std::function<std::vector<Check>()>& source, std::string_view endpoint,
                const Request& request) {
  const std::vector<Check> checks = source ? source() : std::vector<Check>{};
  const bool verbose = request.query.contains("verbose");
  bool ok = true;
  std::string body;
  for (const Check& check : checks) {
    ok = ok && check.ok;
    if (check.ok) {
      if (verbose) body += "[+]" + check.name + " ok\n";
    } else {
      body += "[-]" + check.name + (check.detail.empty() ? " failed" : ": " + check.detail) + "\n";
    }
  }
  if (ok && !verbose) return Text(200, "ok\n");
  body += std::string(endpoint) + (ok ? " check passed\n" : " check failed\n");
  return Text(ok ? 200 : 503, std::move(body));
}

// GET /status[?kind=K][&phase=P][&target=T]: the objects that match every filter given.
Response AllStatuses(const DaemonBackend& backend, const Request& request) {
  std::optional<manifests::Kind> kind;
  std::optional<std::string> phase;
  std::optional<std::string> target;
  for (const auto& [name, value] : request.query) {
    if (name == "kind") {
      kind = manifests::ParseKind(value);
      if (!kind) {
        std::string message = "unknown kind \"";
        message += value;
        message += "\"; kinds: ";
        message += manifests::KindNamesList();
        return JsonError(400, message);
      }
    } else if (name == "phase") {
      if (std::find(reconcilers::kPhaseNames.begin(), reconcilers::kPhaseNames.end(), value) ==
          reconcilers::kPhaseNames.end()) {
        std::string message = "unknown phase \"";
        message += value;
        message += "\"; phases: ";
        for (std::size_t i = 0; i < reconcilers::kPhaseNames.size(); ++i) {
          if (i > 0) message += ", ";
          message += reconcilers::kPhaseNames.at(i);
        }
        return JsonError(400, message);
      }
      phase = value;
    } else if (name == "target") {
      target = value;
    } else {
      std::string message = "unknown query parameter \"";
      message += name;
      message += "\"; filters: kind, phase, target";
      return JsonError(400, message);
    }
  }
  json manifest_errors = json::array();
  if (backend.manifest_errors) {
    for (const auto& line : backend.manifest_errors()) manifest_errors.push_back(line);
  }
  json mutations_blocked = nullptr;
  if (backend.mutations_blocked) {
    if (auto blocked = backend.mutations_blocked()) mutations_blocked = std::move(*blocked);
  }
  const json head{{"revision", backend.revision ? backend.revision() : std::string()},
                  {"manifest_errors", std::move(manifest_errors)},
                  {"mutations_blocked", std::move(mutations_blocked)}};
  // Room for the whole body at once, from the last answer's size (a hint shared by every
  // server of the process): grown by doubling, an 8 MB body touched twice its size in fresh
  // pages, which cost as much as writing it (bench/README.md "status_render.cpp").
  static std::atomic<std::size_t> last_size{0};
  const std::size_t hint = last_size.load(std::memory_order_relaxed);
  std::string body;
  body.reserve(hint + hint / 16);
  body += head.dump(-1, ' ', false, json::error_handler_t::replace);
  body.pop_back();  // the closing brace: "objects" goes last
  // Each object is written straight into the body (AppendStatusJson, no tree, no second
  // copy of the array): at 10,000 objects building trees was most of the request and the
  // copies were 15 MB (issue 15, bench/status_render.cpp).
  body += ",\"objects\":[";
  const std::size_t first = body.size();
  if (backend.statuses) {
    for (const ObjectStatus& status : backend.statuses()) {
      if ((kind && status.key.kind != *kind) ||
          (phase && reconcilers::PhaseName(status.phase) != *phase) ||
          (target && status.target != *target)) {
        continue;
      }
      if (body.size() > first) body += ',';
      AppendStatusJson(status, body);
    }
  }
  body += "]}\n";
  last_size.store(body.size(), std::memory_order_relaxed);
  return Response{200, std::string(kJson), std::move(body), {}};
}

// The 404 for a kind that is not one of the five; nullopt for a known one.
std::optional<Response> UnknownKind(std::string_view kind) {
  if (manifests::ParseKind(kind)) return std::nullopt;
  return JsonError(
      404, "unknown kind \"" + std::string(kind) + "\"; kinds: " + manifests::KindNamesList());
}

// `text` is "Kind/name" from the URL, with a known kind; `key` its parse (nullopt for a name
// that is not a DNS-1123 label: no object has one).
Response OneStatus(const DaemonBackend& backend, const std::string& text,
                   const std::optional<manifests::ObjectKey>& key) {
  if (backend.status && key) {
    if (auto status = backend.status(*key)) return Json(200, StatusToJson(*status));
    return JsonError(404, "no object " + text);
  }
  if (backend.statuses && key) {
    for (const ObjectStatus& status : backend.statuses()) {
      if (status.key == *key) return Json(200, StatusToJson(status));
    }
  }
  return JsonError(404, "no object " + text);
}

Response Reconcile(const DaemonBackend& backend, const std::string& text,
                   const std::optional<manifests::ObjectKey>& key, const Request& request) {
  bool reset = false;
  for (const auto& [name, value] : request.query) {
    if (name != "reset") return JsonError(400, "unknown query parameter \"" + name + "\"");
    if (value == "true") {
      reset = true;
    } else if (value != "false") {
      return JsonError(400, "reset must be true or false, got \"" + value + "\"");
    }
  }
  if (!key || !backend.reconcile || !backend.reconcile(*key, reset)) {
    return JsonError(404, "no object " + text);
  }
  return Json(202, json{{"accepted", text}, {"reset", reset}});
}

Response Route(const DaemonBackend& backend, const Request& request) {
  const std::vector<std::string_view> segments = Segments(request.path);
  const bool get = request.method == "GET";
  if (segments.size() == 1) {
    const std::string_view route = segments[0];
    if (route == "metrics" || route == "healthz" || route == "readyz" || route == "status") {
      if (!get) return MethodNotAllowed("GET, HEAD", request);
      if (route == "metrics") {
        return Response{200,
                        std::string(kMetricsContentType),
                        backend.metrics ? backend.metrics() : std::string(),
                        {}};
      }
      if (route == "healthz") return Checks(backend.health, "healthz", request);
      if (route == "readyz") return Checks(backend.readiness, "readyz", request);
      return AllStatuses(backend, request);
    }
  } else if (segments.size() == 3 && (segments[0] == "status" || segments[0] == "reconcile")) {
    const bool status = segments[0] == "status";
    if (status && !get) return MethodNotAllowed("GET, HEAD", request);
    if (!status && request.method != "POST") return MethodNotAllowed("POST", request);
    if (auto unknown = UnknownKind(segments[1])) return std::move(*unknown);
    const std::string text = std::string(segments[1]) + "/" + std::string(segments[2]);
    const auto key = manifests::ObjectKey::Parse(text);
    return status ? OneStatus(backend, text, key) : Reconcile(backend, text, key, request);
  }
  return Text(404, "no route for " + request.path + "; routes: " + std::string(kRoutes) + "\n");
}

}  // namespace

Handler MakeDaemonHandler(DaemonBackend backend, ApiAccess access) {
  auto shared = std::make_shared<const DaemonBackend>(std::move(backend));
  auto rules = std::make_shared<const ApiAccess>(std::move(access));
  return [shared, rules](const Request& request) {
    if (auto refused = rules->Check(request)) return std::move(*refused);
    return Route(*shared, request);
  };
}

}  // namespace vsrd::daemon::http
