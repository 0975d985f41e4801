#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "manifests/diagnostic.hpp"
#include "manifests/object.hpp"

namespace vsrd::manifests {

/// The result of decoding one manifest file.
struct ManifestFile {
  std::string path;
  /// The documents that decoded without error, in file order. A bad document is left out and
  /// does not affect the others.
  std::vector<Object> objects;
  /// Documents with errors whose kind and metadata.name could still be read, decoded as far as
  /// they go. Never reconciled; `vsrd validate` runs the cross-object checks on them too, so
  /// that one run reports every problem.
  std::vector<Object> incomplete;
  /// Every problem found, in file order. A file whose YAML does not parse has exactly one.
  Diagnostics diagnostics;
  /// False when no document of the file has an apiVersion or kind key: the file is something
  /// else (Prometheus rules, a simulator scenario) and directory walks skip it.
  bool is_manifest = true;
};

/// Decodes every document of `text`; `file` names it in diagnostics. Never throws.
ManifestFile DecodeManifests(std::string_view text, const std::string& file);

/// The largest manifest file read (docs/manifests.md "Limits"); YamlLimits bound what is in it.
inline constexpr std::size_t kMaxManifestFileBytes = std::size_t{4} << 20;

/// Reads (bounded: a regular file of at most kMaxManifestFileBytes, manifests/bounded_file.hpp)
/// and decodes `path`, naming it `display` in diagnostics (default: the path). A file that
/// cannot be read yields one diagnostic. Never throws.
ManifestFile LoadManifestFile(const std::filesystem::path& path, const std::string& display = "");

/// The most manifest files one walk lists.
inline constexpr std::size_t kMaxManifestFiles = 100000;

/// The files named by `paths`: files as given, directories walked recursively for *.yaml and
/// *.yml (hidden entries such as .git skipped), sorted by path. A symlink in a walked directory
/// is followed only when it resolves within that directory's tree (each directory entered once,
/// so loops end); others, and a *.yaml that is not a regular file (a FIFO), are skipped with a
/// warning. Errors in `diagnostics`: a path that does not exist, a directory that cannot be read,
/// more than kMaxManifestFiles files.
std::vector<std::filesystem::path> FindManifestFiles(
    const std::vector<std::filesystem::path>& paths, Diagnostics& diagnostics);

}  // namespace vsrd::manifests
