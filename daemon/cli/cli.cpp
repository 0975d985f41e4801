#include "daemon/cli/cli.hpp"

#include <optional>
#include <string>
#include <vector>

#include "daemon/cli/apply_command.hpp"
#include "daemon/cli/exit_codes.hpp"
#include "daemon/cli/journal_command.hpp"
#include "daemon/cli/plan_command.hpp"
#include "daemon/cli/reconcile_command.hpp"
#include "daemon/cli/run_command.hpp"
#include "daemon/cli/status_command.hpp"
#include "daemon/cli/validate_command.hpp"
#include "manifests/duration.hpp"
#include "manifests/escape.hpp"
#include "vsrd_version.hpp"

namespace vsrd::daemon {
namespace {

constexpr std::string_view kMainHelp =
    R"(vsrd: declarative desired-state reconciler for VMware vSphere

Usage: vsrd <command> [options]

Commands:
  validate [--config FILE] [PATH...]   parse and validate manifests and config; no network
  plan     [--config FILE] [--output text|json]
                                       read live state, print what apply would do; never mutates
  apply    [--config FILE] [--timeout DUR]
                                       reconcile every manifest until settled, then exit
  run      [--config FILE]             the daemon: watch the manifests, reconcile forever, serve
                                       /metrics /healthz /readyz /status (systemd ExecStart)
  status   [--config FILE] [--output text|json]
                                       ask the running daemon for every object's status
  reconcile [--config FILE] [--reset] KIND/NAME
                                       ask the running daemon to reconcile one object now
                                       (--reset clears Stalled)
  journal show [--config FILE | --state-dir DIR]
                                       print the journal's records and the recovery marker
  journal accept-recovery [--config FILE | --state-dir DIR]
                                       after a corrupt journal: allow mutations again, once
                                       the objects it lists were checked in vSphere
  version                              print the version
  help                                 print this help

Run 'vsrd <command> --help' for the options of a command.
Config: --config FILE, else $VSRD_CONFIG, else /etc/vsrd/vsrd.yaml.
Exit codes: 0 success, 1 error, 2 plan found changes, 3 apply ended with objects not Ready.
Only one `run` or `apply` at a time uses a state_dir (it holds state_dir/vsrd.lock); a second
one exits 1 naming the holder's pid.
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

constexpr std::string_view kPlanHelp = R"(Usage: vsrd plan [--config FILE] [--output text|json]

Read the live state of every object's target and print what `vsrd apply` would do:
  =  in sync
  ~  would change: the exact API calls apply would make now (passwords shown as (sensitive)),
     or an operation in progress that apply would wait for
  !  blocked: Stalled, outside its window, waiting for a dependency, Degraded, or a failed read
Only live-state reads are sent; nothing is changed in vSphere or in state_dir.

Options:
  --config FILE          daemon config (default: $VSRD_CONFIG, else /etc/vsrd/vsrd.yaml)
  --output text|json     output format (default text)
  -h, --help             print this help

Exit status: 0 nothing to do, 2 changes to make, 1 error (bad input, unreachable target).
)";

constexpr std::string_view kApplyHelp = R"(Usage: vsrd apply [--config FILE] [--timeout DUR]

Reconcile every manifest with the daemon's engine until each object is Ready, Stalled,
Degraded, Suspended or waiting for a window, or until the timeout; print a line whenever an
object changes phase, then a summary. Started vSphere tasks are journaled in state_dir: an
interrupted apply is resumed by the next apply or by the daemon, never resubmitted.

Only one `vsrd run` or `vsrd apply` at a time may use a state_dir: apply takes
state_dir/vsrd.lock and exits 1 at once, naming the holder's pid, when another holds it. A
journal it cannot read (or of a newer vsrd) stops it too; after a corrupt one, mutations wait
for `vsrd journal accept-recovery` (see vsrd journal --help).

Options:
  --config FILE     daemon config (default: $VSRD_CONFIG, else /etc/vsrd/vsrd.yaml)
  --timeout DUR     give up waiting after DUR (default 1h), e.g. 30s, 10m, 2h
  -h, --help        print this help

Exit status: 0 every object Ready, 3 some object not Ready, 1 error (bad input, state_dir
locked by another vsrd, journal unreadable).
)";

bool IsHelp(std::string_view arg) { return arg == "--help" || arg == "-h"; }

int Usage(std::ostream& err, std::string_view message, std::string_view command) {
  // The message may quote an argument: escaped, a script passing untrusted text gets one line.
  err << "vsrd" << (command.empty() ? "" : " ") << command << ": "
      << manifests::EscapeControls(message) << "\n"
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

/// Reads "--config FILE" / "--config=FILE" at args[i]; true when consumed (i advanced).
bool ConfigOption(std::span<const std::string_view> args, std::size_t& i,
                  std::optional<std::string>& config, std::string& problem) {
  const std::string_view arg = args[i];
  if (arg == "--config") {
    if (i + 1 >= args.size()) {
      problem = "--config needs a FILE";
    } else {
      config = std::string(args[++i]);
    }
    return true;
  }
  if (arg.starts_with("--config=")) {
    config = std::string(arg.substr(9));
    return true;
  }
  return false;
}

/// Reads "--output text|json" / "--output=..." at args[i]; true when consumed (i advanced).
bool OutputOption(std::span<const std::string_view> args, std::size_t& i, bool& json,
                  std::string& problem) {
  const std::string_view arg = args[i];
  std::string_view value;
  if (arg == "--output") {
    if (i + 1 >= args.size()) {
      problem = "--output needs text or json";
      return true;
    }
    value = args[++i];
  } else if (arg.starts_with("--output=")) {
    value = arg.substr(9);
  } else {
    return false;
  }
  if (value != "text" && value != "json") {
    problem = "--output must be text or json, not \"" + std::string(value) + "\"";
  }
  json = value == "json";
  return true;
}

int Plan(std::span<const std::string_view> args, std::ostream& out, std::ostream& err) {
  PlanOptions options;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string_view arg = args[i];
    std::string problem;
    if (IsHelp(arg)) {
      out << kPlanHelp;
      return kExitSuccess;
    }
    if (ConfigOption(args, i, options.config, problem) ||
        OutputOption(args, i, options.json, problem)) {
      if (!problem.empty()) return Usage(err, problem, "plan");
    } else {
      return Usage(err, "unexpected argument " + std::string(arg), "plan");
    }
  }
  return RunPlan(options, out, err);
}

int Apply(std::span<const std::string_view> args, std::ostream& out, std::ostream& err) {
  ApplyOptions options;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string_view arg = args[i];
    std::string problem;
    if (IsHelp(arg)) {
      out << kApplyHelp;
      return kExitSuccess;
    }
    if (ConfigOption(args, i, options.config, problem)) {
      if (!problem.empty()) return Usage(err, problem, "apply");
    } else if (arg == "--timeout" || arg.starts_with("--timeout=")) {
      std::string_view value;
      if (arg == "--timeout") {
        if (i + 1 >= args.size()) return Usage(err, "--timeout needs a duration", "apply");
        value = args[++i];
      } else {
        value = arg.substr(10);
      }
      const auto timeout = manifests::ParseDuration(value);
      if (!timeout || timeout->count() <= 0) {
        return Usage(err,
                     "--timeout: \"" + std::string(value) +
                         "\" is not a positive duration (e.g. 30s, 10m, 2h)",
                     "apply");
      }
      options.timeout = *timeout;
    } else {
      return Usage(err, "unexpected argument " + std::string(arg), "apply");
    }
  }
  return RunApply(options, out, err);
}

int Run(std::span<const std::string_view> args, std::ostream& out, std::ostream& err) {
  RunOptions options;
  for (std::size_t i = 0; i < args.size(); ++i) {
    std::string problem;
    if (IsHelp(args[i])) {
      out << kRunHelp;
      return kExitSuccess;
    }
    if (ConfigOption(args, i, options.config, problem)) {
      if (!problem.empty()) return Usage(err, problem, "run");
    } else {
      return Usage(err, "unexpected argument " + std::string(args[i]), "run");
    }
  }
  return RunDaemon(options, err);
}

int Status(std::span<const std::string_view> args, std::ostream& out, std::ostream& err) {
  StatusOptions options;
  for (std::size_t i = 0; i < args.size(); ++i) {
    std::string problem;
    if (IsHelp(args[i])) {
      out << kStatusHelp;
      return kExitSuccess;
    }
    if (ConfigOption(args, i, options.config, problem) ||
        OutputOption(args, i, options.json, problem)) {
      if (!problem.empty()) return Usage(err, problem, "status");
    } else {
      return Usage(err, "unexpected argument " + std::string(args[i]), "status");
    }
  }
  return RunStatus(options, out, err);
}

int Reconcile(std::span<const std::string_view> args, std::ostream& out, std::ostream& err) {
  ReconcileOptions options;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string_view arg = args[i];
    std::string problem;
    if (IsHelp(arg)) {
      out << kReconcileHelp;
      return kExitSuccess;
    }
    if (ConfigOption(args, i, options.config, problem)) {
      if (!problem.empty()) return Usage(err, problem, "reconcile");
    } else if (arg == "--reset") {
      options.reset = true;
    } else if (arg.starts_with("-") || !options.key.empty()) {
      return Usage(err, "unexpected argument " + std::string(arg), "reconcile");
    } else {
      options.key = std::string(arg);
    }
  }
  if (options.key.empty()) return Usage(err, "name the object as KIND/NAME", "reconcile");
  return RunReconcile(options, out, err);
}

int JournalCommand(std::span<const std::string_view> args, std::ostream& out, std::ostream& err) {
  JournalOptions options;
  std::optional<std::string_view> action;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string_view arg = args[i];
    std::string problem;
    if (IsHelp(arg)) {
      out << kJournalHelp;
      return kExitSuccess;
    }
    if (ConfigOption(args, i, options.config, problem)) {
      if (!problem.empty()) return Usage(err, problem, "journal");
    } else if (arg == "--state-dir") {
      if (i + 1 >= args.size()) return Usage(err, "--state-dir needs a DIR", "journal");
      options.state_dir = std::string(args[++i]);
    } else if (arg.starts_with("--state-dir=")) {
      options.state_dir = std::string(arg.substr(12));
    } else if (!arg.starts_with("-") && !action) {
      action = arg;
    } else {
      return Usage(err, "unexpected argument " + std::string(arg), "journal");
    }
  }
  if (!action) return Usage(err, "name the action: show or accept-recovery", "journal");
  if (*action == "show") {
    options.action = JournalOptions::Action::kShow;
  } else if (*action == "accept-recovery") {
    options.action = JournalOptions::Action::kAcceptRecovery;
  } else {
    return Usage(err, "unknown action \"" + std::string(*action) + "\" (show or accept-recovery)",
                 "journal");
  }
  if (options.config && options.state_dir) {
    return Usage(err, "--config and --state-dir exclude each other", "journal");
  }
  return RunJournal(options, out, err);
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
  if (command == "plan") return Plan(rest, out, err);
  if (command == "apply") return Apply(rest, out, err);
  if (command == "run") return Run(rest, out, err);
  if (command == "status") return Status(rest, out, err);
  if (command == "reconcile") return Reconcile(rest, out, err);
  if (command == "journal") return JournalCommand(rest, out, err);
  return Usage(err, "unknown command \"" + std::string(command) + "\"", "");
}

}  // namespace vsrd::daemon
