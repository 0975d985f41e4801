#include "reconcilers/wall_time.hpp"

#include "manifests/rfc3339.hpp"

namespace vsrd::reconcilers {

std::string FormatWallTime(WallTime time) { return manifests::FormatRfc3339(time, 0); }

}  // namespace vsrd::reconcilers
