#pragma once

#include <string>

#include "reconcilers/ports/tasks_port.hpp"

// Wall times as status, messages and `vsrd plan` show them. (The journal writes its own
// millisecond form: daemon/engine/journal.hpp.)

namespace vsrd::reconcilers {

using ports::WallTime;

/// "2026-01-01T00:00:00Z": UTC, whole seconds (rounded down; manifests/rfc3339.hpp).
std::string FormatWallTime(WallTime time);

}  // namespace vsrd::reconcilers
