#pragma once

#include <optional>
#include <ostream>
#include <string>
#include <vector>

namespace vsrd::daemon {

struct ValidateOptions {
  /// --config; when unset, $VSRD_CONFIG or /etc/vsrd/vsrd.yaml is used if it exists, and the
  /// target checks are skipped (with a note) if it does not.
  std::optional<std::string> config;
  /// Files or directories; empty means the config's `manifests` directory.
  std::vector<std::string> paths;
};

/// `vsrd validate`: decodes the config and every manifest, runs every cross-check, prints each
/// problem to `err` as FILE:LINE:COL: error: MESSAGE (sorted by file and position) and a summary
/// line to `out`. Returns kExitSuccess when there is no error, else kExitError. No network.
int RunValidate(const ValidateOptions& options, std::ostream& out, std::ostream& err);

}  // namespace vsrd::daemon
