#include "daemon/cli.hpp"

#include <optional>
#include <string>
#include <vector>

#include "daemon/exit_codes.hpp"
#include "daemon/validate_command.hpp"
#include "vsrd_version.hpp"

namespace vsrd::daemon {
namespace {

constexpr std::string_view kMainHelp =
    R"(vsrd: declarative desired-state reconciler for VMware vSphere

Usage: vsrd <command> [options]

Commands:
  validate [--config FILE] [PATH...]   parse and validate manifests and config; no network
  version                              print the version
  help                                 print this help

Run 'vsrd <command> --help' for the options of a command.
Config: --config FILE, else $VSRD_CONFIG, else /etc/vsrd/vsrd.yaml.
Exit codes: 0 success, 1 error, 2 plan found changes, 3 apply ended with objects not Ready.
)";

constexpr std::string_view kValidateHelp = R"(Usage: vsrd validate [--config FILE] [PATH...]

Parse and validate manifests and the daemon config without contacting any target.

PATH is a manifest file or a directory read recursively for *.yaml and *.yml (hidden entries
skipped). Without PATH, the config's `manifests` directory is validated. In a directory, YAML
files with no apiVersion or kind (Prometheus rules, simulator scenarios) are skipped with a note.

Options:
  --config FILE   daemon config (default: $VSRD_CONFIG, else /etc/vsrd/vsrd.yaml if it exists);
                  with a config, every spec.target is checked against its targets
  -h, --help      print this help

Every problem is printed to stderr as FILE:LINE:COL: error: MESSAGE; a summary goes to stdout.
Exit status: 0 when valid, 1 when any error was found.
)";

bool IsHelp(std::string_view arg) { return arg == "--help" || arg == "-h"; }

int Usage(std::ostream& err, std::string_view message, std::string_view command) {
  err << "vsrd" << (command.empty() ? "" : " ") << command << ": " << message << "\n"
      << "Run 'vsrd " << command << (command.empty() ? "" : " ") << "--help' for usage.\n";
  return kExitError;
}

int Validate(std::span<const std::string_view> args, std::ostream& out, std::ostream& err) {
  ValidateOptions options;
  bool only_paths = false;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string_view arg = args[i];
    if (!only_paths && IsHelp(arg)) {
      out << kValidateHelp;
      return kExitSuccess;
    }
    if (!only_paths && arg == "--") {
      only_paths = true;
    } else if (!only_paths && arg == "--config") {
      if (i + 1 >= args.size()) return Usage(err, "--config needs a FILE", "validate");
      options.config = std::string(args[++i]);
    } else if (!only_paths && arg.starts_with("--config=")) {
      options.config = std::string(arg.substr(9));
    } else if (!only_paths && arg == "-") {
      return Usage(err, "reading manifests from stdin is not supported; name a file", "validate");
    } else if (!only_paths && arg.starts_with("-")) {
      return Usage(err, "unknown option " + std::string(arg), "validate");
    } else {
      options.paths.emplace_back(arg);
    }
  }
  return RunValidate(options, out, err);
}

}  // namespace

std::string_view VersionLine() {
  static const std::string kLine =
      std::string("vsrd ") + VSRD_VERSION + " (commit " + VSRD_GIT_COMMIT + ")";
  return kLine;
}

int RunCli(std::span<const std::string_view> args, std::ostream& out, std::ostream& err) {
  if (args.empty()) {
    err << kMainHelp;
    return kExitError;
  }
  const std::string_view command = args.front();
  const auto rest = args.subspan(1);
  if (IsHelp(command) || command == "help") {
    out << kMainHelp;
    return kExitSuccess;
  }
  if (command == "version" || command == "--version") {
    if (!rest.empty() && IsHelp(rest.front())) {
      out << "Usage: vsrd version\n\nPrint the version and the commit vsrd was built from.\n";
      return kExitSuccess;
    }
    out << VersionLine() << '\n';
    return kExitSuccess;
  }
  if (command == "validate") return Validate(rest, out, err);
  return Usage(err, "unknown command \"" + std::string(command) + "\"", "");
}

}  // namespace vsrd::daemon
