#include "daemon/cli/journal_command.hpp"

#include "daemon/cli/exit_codes.hpp"
#include "daemon/config.hpp"
#include "daemon/engine/clock.hpp"
#include "daemon/engine/journal.hpp"
#include "manifests/escape.hpp"

namespace vsrd::daemon {

namespace {

/// The state_dir of --state-dir, else of the config; nullopt (problems printed) when the
/// config has errors.
std::optional<std::string> StateDir(const JournalOptions& options, std::ostream& err) {
  if (options.state_dir) return options.state_dir;
  const std::string path = ResolveConfigPath(options.config);
  const ConfigResult loaded = LoadConfig(path);
  if (loaded.config && manifests::CountErrors(loaded.diagnostics) == 0) {
    return loaded.config->state_dir;
  }
  for (const auto& diagnostic : loaded.diagnostics) {
    err << manifests::FormatDiagnostic(diagnostic) << '\n';
  }
  err << "vsrd journal: the config " << manifests::EscapeControls(path)
      << " has errors (or name the directory with "
      << "--state-dir)\n";
  return std::nullopt;
}

// The journal holds what servers answered (task ids, error details): every such field is
// escaped so that it stays on its line.
void PrintRecord(const manifests::ObjectKey& key, const reconcilers::ObjectRecord& record,
                 std::ostream& out) {
  out << "  " << key.ToString() << '\n';
  if (record.in_flight) {
    const auto& op = *record.in_flight;
    out << "    in flight: " << op.operation << ", submission "
        << reconcilers::kSubmissionNames.at(static_cast<std::size_t>(op.state)) << ", attempt "
        << op.attempt << ", target "
        << (op.target.empty() ? "(not recorded)" : manifests::EscapeControls(op.target)) << '\n'
        << "      task "
        << (op.task.empty() ? "(none: followed by state)" : manifests::EscapeControls(op.task))
        << ", generation " << op.generation << ", started " << FormatWallTime(op.started_at)
        << '\n';
    if (!op.detail.empty()) out << "      detail: " << manifests::EscapeControls(op.detail) << '\n';
  }
  if (record.attempts != 0 || !record.attempts_generation.empty()) {
    out << "    attempts: " << record.attempts << " for generation "
        << manifests::EscapeControls(record.attempts_generation) << '\n';
  }
  if (!record.facts.empty()) {
    out << "    facts:";
    for (const auto& [name, value] : record.facts) {
      out << ' ' << manifests::EscapeControls(name) << '=' << manifests::EscapeControls(value);
    }
    out << '\n';
  }
}

void PrintKeys(const std::vector<std::string>& keys, std::ostream& out) {
  if (keys.empty()) out << "    (none found in its text)\n";
  for (const auto& key : keys) out << "    " << manifests::EscapeControls(key) << '\n';
}

/// The recovery marker part of `show`.
void PrintMutations(const Journal& journal, std::ostream& out) {
  const auto blocked = journal.MutationsBlocked();
  if (!blocked) {
    out << "mutations: allowed (no recovery marker at " << journal.RecoveryPath().string() << ")\n";
    return;
  }
  std::string error;
  const auto marker = journal.ReadRecoveryMarker(&error);
  if (!marker) {
    out << "mutations: BLOCKED: " << manifests::EscapeControls(*blocked) << '\n';
    return;
  }
  out << "mutations: BLOCKED by the recovery marker " << journal.RecoveryPath().string() << '\n'
      << "  since:    " << manifests::EscapeControls(marker->since) << '\n'
      << "  moved to: " << manifests::EscapeControls(marker->moved_to) << '\n'
      << "  problem:  " << manifests::EscapeControls(marker->problem) << '\n'
      << "  objects whose operations may be in flight (found with \"in_flight\" in the corrupt "
         "journal):\n";
  PrintKeys(marker->possibly_in_flight, out);
  out << "  Check each of them, and every object of a mutating kind (docs/reconcilers.md), in\n"
         "  vSphere: an operation still running, or one that finished. Then run\n"
         "  `vsrd journal accept-recovery`.\n";
}

int Show(const std::string& state_dir, std::ostream& out, std::ostream& err) {
  Journal journal(state_dir);
  const auto loaded = journal.Load(SystemClock().Now(), Journal::LoadMode::kReadOnly);
  if (loaded.fatal) {
    err << "vsrd journal: " << manifests::EscapeControls(loaded.error) << '\n';
    return kExitError;
  }
  int status = kExitSuccess;
  if (!loaded.ok) {
    err << "vsrd journal: " << manifests::EscapeControls(loaded.error) << '\n';
    out << "journal " << journal.Path().string() << ": CORRUPT; objects found with \"in_flight\""
        << " in its text:\n";
    PrintKeys(loaded.possibly_in_flight, out);
    status = kExitError;
  } else if (loaded.version == 0) {
    out << "journal " << journal.Path().string() << ": none (no operation recorded)\n";
  } else {
    const auto keys = journal.Keys();
    out << "journal " << journal.Path().string() << ": format version " << loaded.version
        << (loaded.version < kJournalFormatVersion
                ? " (the next write makes it version " + std::to_string(kJournalFormatVersion) + ")"
                : std::string())
        << ", " << keys.size() << (keys.size() == 1 ? " record" : " records") << '\n';
    for (const auto& key : keys) PrintRecord(key, journal.Get(key), out);
    if (const auto unknown = loaded.entries - keys.size(); unknown > 0) {
      out << "  (" << unknown << (unknown == 1 ? " entry" : " entries")
          << " of a kind this vsrd does not know, kept as written)\n";
    }
  }
  PrintMutations(journal, out);
  return status;
}

int AcceptRecovery(const std::string& state_dir, std::ostream& out, std::ostream& err) {
  const Journal journal(state_dir);
  std::string error;
  const auto removed = journal.AcceptRecovery(&error);
  if (!error.empty()) {
    err << "vsrd journal: " << manifests::EscapeControls(error) << '\n';
    return kExitError;
  }
  if (!removed) {
    out << "no recovery marker at " << journal.RecoveryPath().string()
        << ": mutations were not blocked; nothing removed\n";
    return kExitSuccess;
  }
  out << "removed " << journal.RecoveryPath().string()
      << "; mutations are allowed again (a running vsrd sees it before its next mutation). It "
         "was:\n"
      << *removed;
  if (!removed->empty() && removed->back() != '\n') out << '\n';
  return kExitSuccess;
}

}  // namespace

int RunJournal(const JournalOptions& options, std::ostream& out, std::ostream& err) {
  const auto state_dir = StateDir(options, err);
  if (!state_dir) return kExitError;
  switch (options.action) {
    case JournalOptions::Action::kShow:
      return Show(*state_dir, out, err);
    case JournalOptions::Action::kAcceptRecovery:
      return AcceptRecovery(*state_dir, out, err);
  }
  return kExitError;
}

}  // namespace vsrd::daemon
