#pragma once

#include <map>
#include <memory>

#include "manifests/common.hpp"
#include "reconcilers/context.hpp"

// The reconciler of each manifest kind.

namespace vsrd::reconcilers {

/// One reconciler per kind; they are stateless and shared by all workers.
std::map<manifests::Kind, std::shared_ptr<Reconciler>> MakeReconcilers();

}  // namespace vsrd::reconcilers
