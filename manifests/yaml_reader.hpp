#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "manifests/diagnostic.hpp"
#include "manifests/duration.hpp"

// The strict reading layer shared by the manifest and config decoders. Every read reports its
// problems to a ReadContext as "FIELD: message" at the node's own line:column and returns nullopt,
// so decoding carries on and one pass reports every problem of a document.

namespace vsrd::manifests {

/// Collects the diagnostics of one file. Not thread-safe; one per file being decoded.
class ReadContext {
 public:
  ReadContext(std::string file, Diagnostics& out) : file_(std::move(file)), out_(&out) {}

  const std::string& File() const { return file_; }
  SourceLocation Locate(const YAML::Node& node) const;
  SourceLocation Locate(const YAML::Mark& mark) const;
  void Error(const SourceLocation& where, std::string message);
  void Error(const YAML::Node& at, std::string_view field, std::string_view message);
  /// Errors reported through this context so far.
  std::size_t ErrorCount() const { return errors_; }
  /// yaml-cpp gives an empty value (`key:`) the position of whatever follows it, often the next
  /// line; MapReader and ReadStringMap record the key's position here so that Locate reports
  /// the key instead.
  void RememberNullValue(const YAML::Node& value, const YAML::Mark& key_mark);

 private:
  std::vector<std::pair<YAML::Node, YAML::Mark>> null_values_;
  std::string file_;
  Diagnostics* out_;
  std::size_t errors_ = 0;
};

/// Limits on one YAML text before it becomes nodes (docs/manifests.md "Limits"). yaml-cpp keeps
/// an alias as one shared node, but everything that walks the tree (the inline-secret check,
/// the spec hash, the decoders) visits it once per reference: 30 lines of nested aliases expand
/// to 10^9 nodes. So every document is measured as expanded, from the parser's events, before a
/// node is built.
struct YamlLimits {
  std::size_t max_documents = 10000;
  /// Nodes of one document with every alias expanded (scalars, nulls and collections).
  std::size_t max_expanded_nodes = 100000;
  /// Collections nested in one another.
  std::size_t max_depth = 64;
};

/// Every document of `text`, or nullopt after reporting at its line:column why not: invalid
/// YAML ("invalid YAML: ..."), more than max_documents documents, a document past
/// max_expanded_nodes ("aliases expand ... (an alias bomb?)") or nested deeper than max_depth.
/// The cost is linear in the text's length.
std::optional<std::vector<YAML::Node>> LoadYamlDocuments(ReadContext& context,
                                                         std::string_view text,
                                                         const YamlLimits& limits = {});

/// "spec.placement" + "name" -> "spec.placement.name"; "" + "spec" -> "spec".
std::string JoinPath(std::string_view parent, std::string_view key);
/// "spec.vms" + 2 -> "spec.vms[2]".
std::string IndexPath(std::string_view parent, std::size_t index);

/// Secrets are never accepted inline; this names the alternatives.
inline constexpr std::string_view kInlineSecretMessage =
    "secrets are not allowed here; use password_file, password_env or password_credential";

/// Reports every mapping key named "password" anywhere below `node` (the secret rule is checked
/// on the raw tree so that it holds in places the typed decoder never looks at).
void RejectInlineSecrets(ReadContext& context, const YAML::Node& node, std::string_view path);

/// A strict view of one YAML mapping: construction reports a non-mapping value, duplicate keys and
/// every key outside `allowed` (with a "did you mean" hint); Get/Require then read allowed keys.
/// "password" keys are left to RejectInlineSecrets and not reported again here.
class MapReader {
 public:
  MapReader(ReadContext& context, const YAML::Node& node, std::string path,
            std::vector<std::string_view> allowed);

  /// False when the node was not a mapping (already reported); Get then finds nothing.
  bool IsValid() const { return valid_; }
  const std::string& FieldPath() const { return path_; }
  const YAML::Node& MapNode() const { return node_; }
  ReadContext& Context() const { return *context_; }
  std::string Path(std::string_view key) const { return JoinPath(path_, key); }

  /// The value of `key`, or nullopt when absent. An explicit null (`key:` / `key: ~`) is
  /// returned as a null node so the typed read reports it. `key` must be in `allowed`.
  std::optional<YAML::Node> Get(std::string_view key) const;
  /// As Get, and reports "FIELD: required field is missing" at the mapping when absent, unless
  /// an unknown key was already reported as a misspelling of it ("did you mean").
  std::optional<YAML::Node> Require(std::string_view key) const;
  bool Has(std::string_view key) const { return Get(key).has_value(); }
  /// True when the mapping has a "password" key (reported by RejectInlineSecrets), so that
  /// a "password_file is required" message would only repeat that error.
  bool HasInlineSecret() const { return has_inline_secret_; }

 private:
  ReadContext* context_;
  YAML::Node node_;
  std::string path_;
  std::vector<std::string_view> allowed_;
  bool valid_ = false;
  bool has_inline_secret_ = false;
  std::vector<std::string> suggested_;  ///< keys offered as "did you mean" for unknown keys
};

/// A plain or quoted scalar, not null, not empty.
std::optional<std::string> ReadString(ReadContext& context, const YAML::Node& node,
                                      std::string_view field);
/// `true` or `false` (plain scalars; YAML 1.1's yes/no/on/off are rejected as ambiguous).
std::optional<bool> ReadBool(ReadContext& context, const YAML::Node& node, std::string_view field);
/// A plain decimal integer in [min, max].
std::optional<std::int64_t> ReadInt(ReadContext& context, const YAML::Node& node,
                                    std::string_view field, std::int64_t min, std::int64_t max);
/// A plain decimal number (integer or fraction) strictly greater than `exclusive_min`.
std::optional<double> ReadNumber(ReadContext& context, const YAML::Node& node,
                                 std::string_view field, double exclusive_min);
/// A duration as ParseDuration accepts it, at least `min`.
std::optional<Duration> ReadDuration(ReadContext& context, const YAML::Node& node,
                                     std::string_view field, Duration min);
/// A string that must be one of `values` (exact spelling; a hint names a near miss).
std::optional<std::string> ReadOneOf(ReadContext& context, const YAML::Node& node,
                                     std::string_view field,
                                     std::span<const std::string_view> values);
/// A sequence whose items are strings; each bad item is reported at its own position.
std::optional<std::vector<std::string>> ReadStringList(ReadContext& context, const YAML::Node& node,
                                                       std::string_view field);
/// A mapping of strings to strings (labels, annotations).
std::optional<std::map<std::string, std::string>> ReadStringMap(ReadContext& context,
                                                                const YAML::Node& node,
                                                                std::string_view field);
/// The sequence node itself, or nullopt after reporting that it is something else.
std::optional<YAML::Node> ReadSequence(ReadContext& context, const YAML::Node& node,
                                       std::string_view field);

/// "a mapping", "a sequence", "null", or the scalar quoted: for "got ..." in messages.
std::string DescribeNode(const YAML::Node& node);

}  // namespace vsrd::manifests

namespace vsrd::manifests {

/// ReadOneOf mapped to an enum whose values index `names` (names[i] spells E(i)).
template <typename E, std::size_t N>
std::optional<E> ReadEnum(ReadContext& context, const YAML::Node& node, std::string_view field,
                          const std::array<std::string_view, N>& names) {
  const auto text = ReadOneOf(context, node, field, names);
  if (!text) return std::nullopt;
  for (std::size_t i = 0; i < N; ++i) {
    if (names[i] == *text) return static_cast<E>(i);
  }
  return std::nullopt;
}

}  // namespace vsrd::manifests
