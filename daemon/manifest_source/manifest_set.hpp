#pragma once

#include <cstddef>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "daemon/config.hpp"
#include "manifests/decode.hpp"
#include "manifests/diagnostic.hpp"
#include "manifests/object.hpp"

// The manifests `vsrd run` keeps in force: the manifests directory read with the same decoder and
// checks as `vsrd validate`, merged per file with the last version of that file that had no
// errors, so that a broken commit never takes objects away.

namespace vsrd::daemon {

/// The result of one ManifestSet::Reload.
struct ManifestLoad {
  /// The objects in force after the merge, sorted by file (in the walk order of
  /// manifests::FindManifestFiles) then by position in the file. No two share a Kind/name.
  /// Shared with the manifest set's cache of each file's decode: a reload copies no object.
  std::vector<manifests::SharedObject> objects;
  /// Every problem of this load, sorted by location: what `vsrd validate` reports for the
  /// directory as it is now, plus the problems of the last good objects kept in force (a kept
  /// object whose target is gone from the config, a duplicate involving a kept object).
  /// Paths are `config.manifests` joined with the path relative to it, as `vsrd validate` prints.
  manifests::Diagnostics diagnostics;
  /// Every manifest file read (paths relative to the manifests root, '/'-separated), sorted.
  std::vector<std::string> file_paths;
  /// Manifest file (path relative to the manifests root, '/'-separated) -> number of errors
  /// reported in it by this load. Files without errors are absent.
  std::map<std::string, std::size_t> errors_by_file;
  /// Manifest file (relative path) -> number of objects in force that come from its last good
  /// version rather than from its current content. Files without such objects are absent.
  std::map<std::string, std::size_t> kept_last_good;
  /// Manifest files read (files that are not manifests, such as Prometheus rules, not counted).
  std::size_t files = 0;
  /// The git commit (40 lowercase hex digits) the manifests directory is at (GitRevision), or ""
  /// when it is not inside a git work tree.
  std::string revision;
  /// The manifests directory does not exist, is not a directory or could not be read completely.
  bool root_missing = false;
};

/// Keeps, per manifest file, the objects of its last version that had no errors.
///
/// Files are identified by their path relative to the manifests root, so a git-sync symlink swap
/// (same relative paths, new target directory) is seen as edits, not as removals and additions.
/// The root is resolved (symlinks followed) once per reload and the whole walk reads that one
/// directory, so a swap during a reload yields either the old tree or the new one, never a mix.
///
/// The merge, per file:
/// - A file without decode errors: its objects are exactly the new ones, and they become the
///   file's last good version.
/// - A file with decode errors (YAML that no longer parses, or some documents invalid, or a file
///   that cannot be read): the new valid objects are used, and every object of the file's last
///   good version whose Kind/name is not among them stays in force with its last good spec
///   (counted in `kept_last_good`). The errors are reported; the last good version is unchanged.
///   One bad document never stops the others.
/// - A file that disappeared, or that is no longer a manifest file: its objects are gone. This is
///   the orphan policy: an object removed from git is forgotten (its status disappears) and is
///   never deleted in vSphere.
///
/// Then, across files:
/// - An object whose `spec.target` (or `management_vcenter`) fails CheckObjectsAgainstConfig is
///   reported and not loaded, unless its file's last good version has an object of the same
///   Kind/name that passes, which is kept in its place (counted in `kept_last_good`).
/// - Duplicate Kind/name: the first in file order wins; the others are reported and not loaded.
///   (Objects dropped for their target are removed before duplicates are resolved.)
/// - `depends_on` problems are reported; the objects stay loaded.
///
/// If the root is missing or unreadable (mid symlink swap, a git-sync checkout not there yet, a
/// directory deleted during the walk): `root_missing` is true, `diagnostics` holds that one
/// problem, and everything else (objects, counts, revision) is the previous load's, unchanged:
/// nothing is forgotten because the directory blinked. The first load with a missing root has
/// no objects.
///
/// Only errors make a file "with errors"; warnings and notes are reported and change nothing.
/// The config file is skipped when it sits inside the manifests directory.
class ManifestSet {
 public:
  /// Reads `config.manifests` and merges it as described above. Blocks on file I/O; never
  /// throws (except std::bad_alloc). Not thread-safe: the caller serializes reloads.
  ManifestLoad Reload(const Config& config);

  /// The result of the last Reload (empty before the first).
  const ManifestLoad& Last() const { return last_; }

 private:
  /// The last decode of one file, reused while its bytes stay the same: a reload decodes only
  /// the files that changed (issue 15: 10,000 objects took 0.8 s to decode, at every edit).
  /// The bytes are compared whole, not by a hash or a file time: a git-sync swap gives every
  /// file a new inode and time but the same bytes, and an edit that keeps size and times is
  /// still seen.
  struct DecodedFile {
    std::string text;
    std::shared_ptr<const manifests::ManifestFile> file;
  };

  /// Reads `path` (bounded, as manifests::LoadManifestFile) and decodes it, or takes the last
  /// decode of `display` from decoded_ when the bytes are the same; records it in `next`.
  std::shared_ptr<const manifests::ManifestFile> Decode(
      const std::filesystem::path& path, const std::string& display,
      std::map<std::string, DecodedFile>& next) const;

  /// Per relative path: the objects of the file's last version without decode errors, as they
  /// were loaded (after the target check and its own fallback).
  std::map<std::string, std::vector<manifests::SharedObject>> last_good_;
  /// Per display path: the last decode of each manifest file of the last reload.
  std::map<std::string, DecodedFile> decoded_;
  std::string last_good_root_;  ///< the config.manifests that last_good_ was read from
  ManifestLoad last_;
};

}  // namespace vsrd::daemon
