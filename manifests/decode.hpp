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

/// Reads and decodes `path`. A file that cannot be read yields one diagnostic. Never throws.
ManifestFile LoadManifestFile(const std::filesystem::path& path);

/// The files named by `paths`: files as given, directories walked recursively for *.yaml and
/// *.yml (hidden entries such as .git skipped, symlinks followed), sorted by path. A path that
/// does not exist is reported to `diagnostics`.
std::vector<std::filesystem::path> FindManifestFiles(
    const std::vector<std::filesystem::path>& paths, Diagnostics& diagnostics);

}  // namespace vsrd::manifests
