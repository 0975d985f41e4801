#include "daemon/cli/reconcile_command.hpp"

#include <nlohmann/json.hpp>

#include "daemon/cli/daemon_client.hpp"
#include "daemon/cli/exit_codes.hpp"
#include "manifests/escape.hpp"
#include "manifests/object_key.hpp"
#include "net/bounded_json.hpp"

namespace vsrd::daemon {
namespace {

// The daemon's {"error": "..."} message, or the body's first line when it is not one; the
// caller escapes it.
std::string ErrorMessage(const std::string& body) {
  if (const auto document = net::ParseJsonBounded(body); document && document->is_object()) {
    const auto error = document->find("error");
    if (error != document->end() && error->is_string()) return error->get<std::string>();
  }
  return body.substr(0, body.find('\n'));
}

}  // namespace

std::optional<std::string> CheckObjectKey(std::string_view key) {
  return manifests::ObjectKeyProblem(key);
}

int RunReconcile(const ReconcileOptions& options, std::ostream& out, std::ostream& err) {
  if (const auto problem = CheckObjectKey(options.key)) {
    err << "vsrd reconcile: " << manifests::EscapeControls(*problem)
        << "\nRun 'vsrd reconcile --help' for usage.\n";
    return kExitError;
  }
  const auto address = ReadDaemonAddress(options.config, "reconcile", err);
  if (!address) return kExitError;
  const std::string target = "/reconcile/" + options.key + (options.reset ? "?reset=true" : "");
  const auto response = CallDaemon(*address, "POST", target, "reconcile", err);
  if (!response) return kExitError;
  if (response->status != 202) {
    err << "vsrd reconcile: " << manifests::EscapeControls(ErrorMessage(response->body));
    if (response->status != 404) err << " (HTTP " << response->status << ")";
    err << '\n';
    return kExitError;
  }
  out << "reconcile requested for " << options.key << (options.reset ? " (reset)" : "") << '\n';
  return kExitSuccess;
}

}  // namespace vsrd::daemon
