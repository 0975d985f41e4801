#pragma once

#include <vector>

#include "daemon/config.hpp"
#include "manifests/diagnostic.hpp"
#include "manifests/object.hpp"

// The desired state for `vsrd plan` and `vsrd apply`: every valid object of the config's
// manifests directory, after the same checks as `vsrd validate`.

namespace vsrd::daemon {

struct DesiredState {
  std::vector<manifests::Object> objects;  ///< in file order
  manifests::Diagnostics diagnostics;      ///< sorted by file and position
  std::size_t files = 0;                   ///< manifest files read
};

/// Reads `config.manifests` recursively. Files that are not manifests are skipped; the config
/// file itself is skipped when it sits in the directory. Never throws.
DesiredState LoadDesiredState(const Config& config);

}  // namespace vsrd::daemon
