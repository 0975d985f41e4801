#pragma once

#include <span>

#include "manifests/diagnostic.hpp"
#include "manifests/object.hpp"

namespace vsrd::manifests {

/// Checks that need every object at once: no kind/name defined twice (reported at the second
/// definition, naming the first), and every `policy.depends_on` names an existing object other
/// than itself with no cycle. Pure; objects are looked at in the order given.
Diagnostics CheckObjectSet(std::span<const Object> objects);
/// The same over objects held elsewhere (the daemon's manifest set shares its objects instead of
/// copying 10,000 of them at every reload; issue 15).
Diagnostics CheckObjectSet(std::span<const Object* const> objects);

}  // namespace vsrd::manifests
