#pragma once

#include <optional>
#include <ostream>
#include <string>

// `vsrd plan`: reads live state for every object and prints what `vsrd apply` would do.

namespace vsrd::daemon {

struct PlanOptions {
  std::optional<std::string> config;
  bool json = false;  ///< --output json
};

/// Prints, per object, `=` in sync, `~` what would change with the exact API calls apply would
/// make (passwords shown as "(sensitive)"), `!` blocked with why. Makes no mutating request and
/// writes nothing (not even the journal). Returns kExitSuccess when nothing would change,
/// kExitChanges when something would, kExitError on bad input or a failed read.
int RunPlan(const PlanOptions& options, std::ostream& out, std::ostream& err);

}  // namespace vsrd::daemon
