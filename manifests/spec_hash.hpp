#pragma once

#include <string>

#include <yaml-cpp/yaml.h>

#include "manifests/common.hpp"

namespace vsrd::manifests {

/// The generation of an object: 16 hex digits of a 64-bit FNV-1a hash over the kind and a
/// canonical rendering of the `spec` node (mapping keys sorted, scalars by value with quoting
/// style ignored, comments and layout gone). Stable across runs, machines and yaml-cpp versions;
/// meant for change detection, not as a security property.
std::string SpecHash(Kind kind, const YAML::Node& spec);

/// The canonical rendering SpecHash hashes; exposed for tests and debugging.
std::string CanonicalYaml(const YAML::Node& node);

}  // namespace vsrd::manifests
