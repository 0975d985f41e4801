#pragma once

#include <map>
#include <memory>
#include <string>
#include <variant>

#include "manifests/common.hpp"
#include "manifests/kinds/appliance_install.hpp"
#include "manifests/kinds/appliance_update.hpp"
#include "manifests/kinds/guest_customization_check.hpp"
#include "manifests/kinds/offline_depot_from_host.hpp"
#include "manifests/kinds/vcha_passive_node.hpp"
#include "manifests/object_key.hpp"

namespace vsrd::manifests {

inline constexpr std::string_view kApiVersion = "vsrd/v1";

struct Metadata {
  std::string name;  ///< DNS-1123 label, unique per kind
  std::map<std::string, std::string> labels;
  std::map<std::string, std::string> annotations;
};

/// The kind-specific part of `spec`; the alternative's index equals the Kind's value.
using KindSpec = std::variant<VchaPassiveNodeSpec, OfflineDepotFromHostSpec, ApplianceUpdateSpec,
                              ApplianceInstallSpec, GuestCustomizationCheckSpec>;

/// One decoded, valid manifest document.
struct Object {
  Kind kind = Kind::kVchaPassiveNode;
  Metadata metadata;
  NameRef target;  ///< spec.target: a config target name
  Policy policy;
  KindSpec spec;
  /// The spec hash (spec_hash.hpp): changes when the content of `spec` changes; key order,
  /// quoting style, comments and formatting do not change it.
  std::string generation;
  /// Where metadata.name is written: the object's identity in error messages.
  SourceLocation location;

  /// The object's key everywhere (queue, journal, status); ToString() is "Kind/name".
  ObjectKey Key() const { return ObjectKey{kind, metadata.name}; }
};

/// An object shared, never copied, between whoever holds it: the daemon's manifest set keeps each
/// file's decode and the controller holds the same objects (issue 15: at 10,000 objects each
/// reload copied every object five times, and each copy stayed in memory).
using SharedObject = std::shared_ptr<const Object>;

}  // namespace vsrd::manifests
