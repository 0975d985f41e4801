#include "daemon/cli/daemon_client.hpp"

#include "daemon/config.hpp"
#include "manifests/escape.hpp"

namespace vsrd::daemon {

std::optional<std::string> ReadDaemonAddress(const std::optional<std::string>& config_flag,
                                             std::string_view command, std::ostream& err) {
  const std::string path = ResolveConfigPath(config_flag);
  const ConfigResult loaded = LoadConfig(path);
  if (loaded.config && manifests::CountErrors(loaded.diagnostics) == 0) {
    return loaded.config->listen;
  }
  for (const auto& diagnostic : loaded.diagnostics) {
    err << manifests::FormatDiagnostic(diagnostic) << '\n';
  }
  err << "vsrd " << command << ": the config " << manifests::EscapeControls(path)
      << " has errors\n";
  return std::nullopt;
}

std::optional<http::ClientResponse> CallDaemon(const std::string& address,
                                               const std::string& method, const std::string& target,
                                               std::string_view command, std::ostream& err) {
  auto response = http::Fetch(address, method, target, kDaemonTimeout);
  if (!response) {
    err << "vsrd " << command << ": cannot reach the daemon at " << http::ClientAddress(address)
        << ": " << manifests::EscapeControls(response.Error()) << " (is vsrd run running?)\n";
    return std::nullopt;
  }
  return std::move(*response);
}

}  // namespace vsrd::daemon
