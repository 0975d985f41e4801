#pragma once

#include <compare>
#include <cstddef>
#include <functional>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>

#include "manifests/common.hpp"

// The one name of an object everywhere in vsrd: the work queue, the journal, the status store,
// the mutation slots and the reconcile contract hold an ObjectKey; its text "Kind/name" appears
// only at the edges (JSON, logs, URLs, metric labels, the command line).

namespace vsrd::manifests {

/// An object's identity: its kind and its metadata.name (unique per kind).
struct ObjectKey {
  Kind kind = Kind::kVchaPassiveNode;
  std::string name;  ///< a DNS-1123 label (names.hpp) when it comes from a manifest or Parse

  /// "Kind/name", e.g. "VchaPassiveNode/vc01-passive".
  std::string ToString() const;

  /// The key of "Kind/name": one of the five kind names, a slash, a DNS-1123 label. nullopt for
  /// anything else (ObjectKeyProblem says why).
  static std::optional<ObjectKey> Parse(std::string_view text);

  friend bool operator==(const ObjectKey&, const ObjectKey&) = default;
  /// Ordered like ToString() (kind name, then name), so listings sorted by key read the same
  /// as sorted "Kind/name" text.
  friend std::strong_ordering operator<=>(const ObjectKey& a, const ObjectKey& b);
};

/// Why `text` is not an object key, for the command line's and the API's error messages:
/// "... is not KIND/NAME ...", "unknown kind ...; kinds: ...", "... is not a valid name: ...".
/// nullopt when ObjectKey::Parse accepts it.
std::optional<std::string> ObjectKeyProblem(std::string_view text);

/// Writes ToString() (test failure messages).
std::ostream& operator<<(std::ostream& out, const ObjectKey& key);

}  // namespace vsrd::manifests

/// For hash containers: a set of 10,000 keys checked at every manifest reload costs one hash per
/// key instead of some fourteen name comparisons (issue 15).
template <>
struct std::hash<vsrd::manifests::ObjectKey> {
  std::size_t operator()(const vsrd::manifests::ObjectKey& key) const noexcept {
    return std::hash<std::string>{}(key.name) ^ (static_cast<std::size_t>(key.kind) << 1U);
  }
};
