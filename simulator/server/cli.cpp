#include "simulator/server/cli.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <unistd.h>

#include "manifests/bounded_file.hpp"
#include "simulator/server/certificate.hpp"
#include "simulator/server/server.hpp"
#include "simulator/simulator.hpp"

namespace vsrd::simulator::server {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kHelp = R"(Usage: vsrd-sim --scenario FILE [options]

Serves the personas of a simulator scenario (a vCenter /api, an update-manager appliance API)
over HTTPS, each on its own listen address, with the /sim/ admin API on every port.

Options:
  --scenario FILE                 the scenario (docs/simulator.md); required
  --listen ADDR                   listen address of the scenario's first persona
  --listen-override PERSONA=ADDR  listen address of a persona (repeatable; wins over --listen)
  --admin-listen ADDR             also serve only /sim/ on ADDR: it stays reachable while a
                                  persona restarts and refuses connections
  --time-scale X                  simulated time also follows real time, X times faster;
                                  0 (default): it moves only by POST /sim/clock/advance
  --clock-start TIME|now          simulated time at start, instead of the scenario's
                                  clock.start (RFC 3339 UTC); `now`: the real time, so that
                                  a client comparing with its own clock sees sensible ages
  --cert FILE --key FILE          serve this certificate (PEM, leaf first) and its key
  --san NAME                      add a DNS name or IP address to the generated certificate,
                                  which always has 127.0.0.1, ::1 and localhost (repeatable)
  --cert-out PATH                 write the generated certificate there for clients to trust
                                  (default: $TMPDIR/vsrd-sim-PID.pem, removed at exit)
  --plain-http                    serve plain HTTP instead of HTTPS (debugging only)
  --threads N                     I/O threads (default 2)
  -h, --help                      print this help

ADDR is IP:PORT, [IPV6]:PORT or localhost:PORT; port 0 takes a free port. At start vsrd-sim
prints the certificate's SHA-256 thumbprint and PEM path, then one line per listener:
  vsrd-sim: vc01 (vcenter) listening on https://127.0.0.1:8443
SIGINT or SIGTERM stops it: requests in flight finish (up to 5s), then it exits 0.
Exit status 1: bad arguments, an invalid scenario (FILE:LINE:COL: error: ... on stderr), an
unusable certificate or an address that cannot be bound.
)";

struct Options {
  std::string scenario;
  std::optional<std::string> listen;
  std::vector<std::pair<std::string, std::string>> listen_overrides;  // persona, address
  std::optional<std::string> admin_listen;
  double time_scale = 0;
  std::optional<std::string> clock_start;
  std::string cert;
  std::string key;
  std::vector<std::string> sans;
  std::string cert_out;
  bool plain_http = false;
  int threads = 2;
};

int Usage(std::ostream& err, std::string_view message) {
  err << "vsrd-sim: " << message << "\nRun 'vsrd-sim --help' for usage.\n";
  return 1;
}

// Parses `args` into `options`; an error message when they are not usable.
std::optional<std::string> ParseArgs(std::span<const std::string_view> args, Options& options,
                                     bool& help) {
  for (std::size_t i = 0; i < args.size(); ++i) {
    std::string_view name = args[i];
    if (name == "--help" || name == "-h") {
      help = true;
      return std::nullopt;
    }
    if (name == "--plain-http") {
      options.plain_http = true;
      continue;
    }
    // Every other option takes a value: "--name VALUE" or "--name=VALUE".
    std::string value;
    if (const auto equals = name.find('='); name.starts_with("--") && equals != name.npos) {
      value = std::string(name.substr(equals + 1));
      name = name.substr(0, equals);
    } else if (name.starts_with("--") && i + 1 < args.size()) {
      value = std::string(args[++i]);
    } else if (name.starts_with("-")) {
      return fmt::format("{}: needs a value, or is not an option", name);
    } else {
      return fmt::format("unexpected argument \"{}\"", name);
    }
    if (name == "--scenario") {
      options.scenario = value;
    } else if (name == "--listen") {
      options.listen = value;
    } else if (name == "--listen-override") {
      const auto equals = value.find('=');
      if (equals == std::string::npos || equals == 0) {
        return fmt::format("--listen-override: \"{}\" is not PERSONA=ADDR", value);
      }
      options.listen_overrides.emplace_back(value.substr(0, equals), value.substr(equals + 1));
    } else if (name == "--admin-listen") {
      options.admin_listen = value;
    } else if (name == "--time-scale") {
      const auto [end, error] =
          std::from_chars(value.data(), value.data() + value.size(), options.time_scale);
      if (error != std::errc() || end != value.data() + value.size() ||
          !std::isfinite(options.time_scale) || options.time_scale < 0) {
        return fmt::format("--time-scale: \"{}\" is not a number >= 0", value);
      }
    } else if (name == "--clock-start") {
      TimePoint ignored;
      if (value != "now" && !ParseTime(value, ignored)) {
        return fmt::format("--clock-start: \"{}\" is not now or an RFC 3339 UTC time", value);
      }
      options.clock_start = value;
    } else if (name == "--cert") {
      options.cert = value;
    } else if (name == "--key") {
      options.key = value;
    } else if (name == "--san") {
      options.sans.push_back(value);
    } else if (name == "--cert-out") {
      options.cert_out = value;
    } else if (name == "--threads") {
      const auto [end, error] =
          std::from_chars(value.data(), value.data() + value.size(), options.threads);
      if (error != std::errc() || end != value.data() + value.size() || options.threads < 1 ||
          options.threads > 64) {
        return fmt::format("--threads: \"{}\" is not a number from 1 to 64", value);
      }
    } else {
      return fmt::format("unknown option {}", name);
    }
  }
  if (options.scenario.empty()) return "--scenario FILE is required";
  if (options.cert.empty() != options.key.empty()) return "--cert and --key go together";
  if (options.plain_http && (!options.cert.empty() || !options.cert_out.empty())) {
    return "--plain-http serves no certificate: drop --cert, --key and --cert-out";
  }
  if (!options.cert.empty() && (!options.cert_out.empty() || !options.sans.empty())) {
    return "--cert-out and --san apply to the generated certificate, not to --cert";
  }
  return std::nullopt;
}

/// A PEM file (--cert, --key): a regular file of at most 1 MiB.
std::optional<std::string> ReadFile(const std::string& path) {
  return manifests::ReadBoundedFile(path, std::size_t{1} << 20).content;
}

// The TLS identity, its thumbprint and the PEM file clients trust.
struct Identity {
  std::string certificate_pem;
  std::string private_key_pem;
  std::string thumbprint;
  std::string pem_path;
  bool remove_at_exit = false;
};

std::optional<Identity> MakeIdentity(const Options& options, std::ostream& err) {
  Identity identity;
  try {
    if (!options.cert.empty()) {
      const auto certificate = ReadFile(options.cert);
      const auto key = ReadFile(options.key);
      if (!certificate || !key) {
        err << "vsrd-sim: cannot read " << (certificate ? options.key : options.cert) << "\n";
        return std::nullopt;
      }
      CheckKeyMatchesCertificate(*certificate, *key);
      identity.thumbprint = Sha256Thumbprint(*certificate);
      identity.certificate_pem = *certificate;
      identity.private_key_pem = *key;
      identity.pem_path = options.cert;
      return identity;
    }
    CertificateAndKey generated = MakeSelfSignedCertificate(options.sans);
    identity.thumbprint = Sha256Thumbprint(generated.certificate_pem);
    identity.certificate_pem = std::move(generated.certificate_pem);
    identity.private_key_pem = std::move(generated.private_key_pem);
  } catch (const std::exception& error) {
    err << "vsrd-sim: certificate: " << error.what() << "\n";
    return std::nullopt;
  }
  identity.pem_path = options.cert_out;
  if (identity.pem_path.empty()) {
    std::error_code ignored;
    identity.pem_path =
        (fs::temp_directory_path(ignored) / fmt::format("vsrd-sim-{}.pem", ::getpid())).string();
    identity.remove_at_exit = true;
  }
  std::ofstream out(identity.pem_path, std::ios::binary | std::ios::trunc);
  out << identity.certificate_pem;
  out.close();
  if (!out) {
    err << "vsrd-sim: cannot write the certificate to " << identity.pem_path << "\n";
    return std::nullopt;
  }
  return identity;
}

}  // namespace

int RunSimCli(std::span<const std::string_view> args, std::ostream& out, std::ostream& err) {
  Options options;
  bool help = false;
  if (const auto problem = ParseArgs(args, options, help)) return Usage(err, *problem);
  if (help) {
    out << kHelp;
    return 0;
  }

  ScenarioResult loaded = LoadScenario(options.scenario);
  for (const auto& diagnostic : loaded.diagnostics) {
    err << manifests::FormatDiagnostic(diagnostic) << "\n";
  }
  if (!loaded.scenario) return 1;
  Scenario& scenario = *loaded.scenario;
  if (options.clock_start) {
    TimePoint start;
    if (*options.clock_start == "now") {
      start = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
    } else {
      ParseTime(*options.clock_start, start);
    }
    scenario.clock_start = start;
    for (auto& persona : scenario.personas) persona.clock_start = start;
  }
  if (options.listen) scenario.personas.front().listen = *options.listen;
  for (const auto& override_entry : options.listen_overrides) {
    const std::string& persona = override_entry.first;
    auto it = std::find_if(scenario.personas.begin(), scenario.personas.end(),
                           [&](const PersonaScenario& entry) { return entry.name == persona; });
    if (it == scenario.personas.end()) {
      return Usage(err, fmt::format("--listen-override: {} has no persona \"{}\"", options.scenario,
                                    persona));
    }
    it->listen = override_entry.second;
  }

  std::optional<Identity> identity;
  if (!options.plain_http) {
    identity = MakeIdentity(options, err);
    if (!identity) return 1;
  }
  // Removes a generated certificate file however this function returns.
  struct RemoveAtExit {
    const std::optional<Identity>& identity;
    ~RemoveAtExit() {
      std::error_code ignored;
      if (identity && identity->remove_at_exit) fs::remove(identity->pem_path, ignored);
    }
  };
  const RemoveAtExit remove_at_exit{identity};

  ServerOptions server_options;
  server_options.threads = options.threads;
  if (identity) {
    server_options.certificate_pem = identity->certificate_pem;
    server_options.private_key_pem = identity->private_key_pem;
  }
  std::vector<ListenerSpec> specs;
  for (const auto& persona : scenario.personas) specs.push_back({persona.name, persona.listen});
  if (options.admin_listen) specs.push_back({"", *options.admin_listen});

  std::optional<Server> server;
  try {
    server.emplace(std::move(server_options), specs);
  } catch (const std::exception& error) {
    err << "vsrd-sim: " << error.what() << "\n";
    return 1;
  }
  // The Simulator learns the bound addresses, so that GET /sim/personas shows the real ports.
  const auto& bound = server->Listeners();
  for (std::size_t i = 0; i < scenario.personas.size(); ++i) {
    scenario.personas[i].listen = FormatAddress(bound[i].endpoint);
  }
  Simulator simulator(scenario, options.time_scale);

  const std::string_view scheme = server->Tls() ? "https" : "http";
  if (identity) {
    out << "vsrd-sim: certificate SHA-256 " << identity->thumbprint << "\n"
        << "vsrd-sim: certificate PEM " << identity->pem_path << "\n";
  }
  for (std::size_t i = 0; i < bound.size(); ++i) {
    const std::string url = fmt::format("{}://{}", scheme, FormatAddress(bound[i].endpoint));
    if (i < scenario.personas.size()) {
      out << "vsrd-sim: " << scenario.personas[i].name << " (" << scenario.personas[i].type
          << ") listening on " << url << "\n";
    } else {
      out << "vsrd-sim: admin API (/sim/ only) listening on " << url << "\n";
    }
  }
  out << std::flush;

  server->Run(simulator);
  out << "vsrd-sim: stopped\n" << std::flush;
  return 0;
}

}  // namespace vsrd::simulator::server
