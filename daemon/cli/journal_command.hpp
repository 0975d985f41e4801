#pragma once

// `vsrd journal show` and `vsrd journal accept-recovery`: the operator's view of state_dir's
// journal and the recovery from a corrupt one (docs/operations.md "Recovering from a corrupt
// journal"). Neither takes the state_dir's lock: show only reads, and accept-recovery only
// removes the recovery marker, which a running vsrd checks before every mutation.

#include <optional>
#include <ostream>
#include <string>
#include <string_view>

namespace vsrd::daemon {

inline constexpr std::string_view kJournalHelp =
    R"(Usage: vsrd journal show [--config FILE | --state-dir DIR]
       vsrd journal accept-recovery [--config FILE | --state-dir DIR]

The journal (state_dir/journal.json) records the vSphere operations vsrd has submitted and not
yet seen finish. A corrupt journal is moved aside (journal.json.corrupt-<time>) and a recovery
marker (state_dir/journal.recovery) stops every vSphere mutation until an operator has checked
what may still be running.

  show              print each record (operation, submission state, attempt, target, task),
                    and the recovery marker with the objects whose operations may be in flight;
                    changes nothing
  accept-recovery   remove the recovery marker after checking, in vSphere, every object it
                    lists and every object of a mutating kind; prints what it removed. Works
                    while vsrd runs: the daemon checks the marker before every mutation

Options:
  --config FILE     daemon config, read only for state_dir
                    (default: $VSRD_CONFIG, else /etc/vsrd/vsrd.yaml)
  --state-dir DIR   the state directory itself (no config read)
  -h, --help        print this help

Exit status: 0 success (also with mutations blocked, or no marker to remove), 1 error (bad
config, a journal that cannot be read or is corrupt, a marker that cannot be removed).
)";

struct JournalOptions {
  enum class Action { kShow, kAcceptRecovery };
  Action action = Action::kShow;
  std::optional<std::string> config;
  std::optional<std::string> state_dir;  ///< --state-dir; else the config's
};

/// Runs `vsrd journal ACTION`: results on `out`, problems on `err`. Returns kExitSuccess or
/// kExitError (see kJournalHelp). Never takes the state_dir's lock and never writes the
/// journal; accept-recovery only unlinks the marker.
int RunJournal(const JournalOptions& options, std::ostream& out, std::ostream& err);

}  // namespace vsrd::daemon
