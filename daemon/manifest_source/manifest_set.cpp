#include "daemon/manifest_source/manifest_set.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <memory>
#include <optional>
#include <span>
#include <sstream>
#include <system_error>
#include <tuple>
#include <unordered_set>
#include <utility>

#include "daemon/manifest_source/git_revision.hpp"
#include "manifests/bounded_file.hpp"
#include "manifests/decode.hpp"
#include "manifests/object_set.hpp"

namespace vsrd::daemon {
namespace {

namespace fs = std::filesystem;
using manifests::Diagnostic;
using manifests::Object;

/// One manifest file of this load.
struct FileLoad {
  std::string relative;  ///< the file's identity across loads
  std::string display;   ///< the path printed in diagnostics
  std::shared_ptr<const manifests::ManifestFile> decoded;
};

/// An object in force before duplicates are resolved.
struct Candidate {
  manifests::SharedObject object;
  std::size_t file = 0;  ///< index into the load's files
  bool kept = false;     ///< from the file's last good version, not from its current content
};

const manifests::SharedObject* FindByKey(const std::vector<manifests::SharedObject>* objects,
                                         const manifests::ObjectKey& key) {
  if (objects == nullptr) return nullptr;
  const auto found =
      std::find_if(objects->begin(), objects->end(),
                   [&](const manifests::SharedObject& object) { return object->Key() == key; });
  return found == objects->end() ? nullptr : &*found;
}

/// Sorts the candidates of one file by position.
void SortByPosition(std::span<Candidate> candidates) {
  std::stable_sort(candidates.begin(), candidates.end(), [](const auto& a, const auto& b) {
    return std::tie(a.object->location.line, a.object->location.column) <
           std::tie(b.object->location.line, b.object->location.column);
  });
}

/// Appends the diagnostics of `more` that `into` does not hold yet: the checks run on the
/// directory as written and on the objects in force overlap.
void AppendNew(manifests::Diagnostics& into, const manifests::Diagnostics& more) {
  for (const auto& diagnostic : more) {
    if (std::find(into.begin(), into.end(), diagnostic) == into.end()) into.push_back(diagnostic);
  }
}

}  // namespace

std::shared_ptr<const manifests::ManifestFile> ManifestSet::Decode(
    const std::filesystem::path& path, const std::string& display,
    std::map<std::string, DecodedFile>& next) const {
  manifests::Diagnostics problems;
  // Read as manifests::LoadManifestFile reads (bounded, a regular file only), then decoded
  // only when the bytes differ from the last decode of this file.
  auto text = manifests::ReadTextFile(path, display, manifests::kMaxManifestFileBytes, problems);
  if (!text) {
    auto unreadable = std::make_shared<manifests::ManifestFile>();
    unreadable->path = display;
    unreadable->diagnostics = std::move(problems);
    return unreadable;
  }
  std::shared_ptr<const manifests::ManifestFile> file;
  if (const auto cached = decoded_.find(display);
      cached != decoded_.end() && cached->second.text == *text) {
    file = cached->second.file;
  } else {
    file =
        std::make_shared<const manifests::ManifestFile>(manifests::DecodeManifests(*text, display));
  }
  next[display] = DecodedFile{std::move(*text), file};
  return file;
}

ManifestLoad ManifestSet::Reload(const Config& config) {
  const fs::path display_root(config.manifests);
  const auto missing = [&](const std::string& message) {
    ManifestLoad load = last_;
    load.root_missing = true;
    load.diagnostics = {Diagnostic{manifests::SourceLocation{display_root.string(), 0, 0},
                                   Diagnostic::Severity::kError, message}};
    last_ = load;
    return load;
  };

  // Resolving once and walking the resolved directory keeps a symlink swap during the walk from
  // mixing two checkouts.
  std::error_code error;
  const fs::path root = fs::canonical(display_root, error);
  if (error) {
    return missing(error == std::errc::no_such_file_or_directory
                       ? std::string("no such file or directory")
                       : "cannot read: " + error.message());
  }
  if (!fs::is_directory(root, error)) return missing("not a directory");
  manifests::Diagnostics walk_problems;
  const auto paths = manifests::FindManifestFiles({root}, walk_problems);
  // A partial listing would forget the objects of every file not listed. Warnings (a symlink
  // out of the tree, a FIFO) name entries that are never part of the set.
  for (const auto& problem : walk_problems) {
    if (problem.severity == manifests::Diagnostic::Severity::kError)
      return missing(problem.message);
  }

  // The last good versions belong to one manifests directory; a config naming another one
  // starts afresh.
  if (config.manifests != last_good_root_) {
    last_good_.clear();
    decoded_.clear();
  }

  ManifestLoad load;
  load.diagnostics = std::move(walk_problems);
  std::map<std::string, DecodedFile> next_decoded;
  std::vector<FileLoad> files;
  for (const auto& path : paths) {
    if (fs::equivalent(path, config.path, error)) continue;
    FileLoad file;
    file.relative = path.lexically_relative(root).generic_string();
    file.display = (display_root / fs::path(file.relative)).string();
    file.decoded = Decode(path, file.display, next_decoded);
    if (!file.decoded->is_manifest) continue;
    files.push_back(std::move(file));
  }
  load.files = files.size();
  decoded_ = std::move(next_decoded);  // files gone from the tree leave the cache

  // Objects are shared, never copied: an object of a file's decode is an aliasing pointer that
  // keeps that decode alive (issue 15).
  const ObjectConfigCheck target_check(config);
  const auto passes_target_check = [&target_check](const Object& object,
                                                   manifests::Diagnostics* out) {
    manifests::Diagnostics problems;
    target_check.Check(object, problems);
    const bool passes = manifests::CountErrors(problems) == 0;
    if (out != nullptr) out->insert(out->end(), problems.begin(), problems.end());
    return passes;
  };
  std::map<std::string, std::vector<manifests::SharedObject>> next_last_good;
  // What `vsrd validate` reports on the directory as written: each object checked against the
  // config once, here, and its problems kept (CheckObjectsAgainstConfig's, object by object).
  manifests::Diagnostics config_problems;
  manifests::Diagnostics in_force_problems;  // of kept objects, which `as written` does not see
  std::vector<const Object*> as_written;     // for the cross-object checks
  std::vector<Candidate> candidates;         // in file order
  for (std::size_t index = 0; index < files.size(); ++index) {
    const FileLoad& file = files[index];
    const auto& decoded = file.decoded;
    load.diagnostics.insert(load.diagnostics.end(), decoded->diagnostics.begin(),
                            decoded->diagnostics.end());
    for (const auto& object : decoded->objects) as_written.push_back(&object);
    for (const auto& object : decoded->incomplete) {
      as_written.push_back(&object);
      passes_target_check(object, &config_problems);
    }

    const bool has_errors = manifests::CountErrors(decoded->diagnostics) > 0;
    const auto previous = last_good_.find(file.relative);
    const std::vector<manifests::SharedObject>* last_good =
        previous == last_good_.end() ? nullptr : &previous->second;
    const std::size_t first = candidates.size();

    for (const auto& object : decoded->objects) {
      if (passes_target_check(object, &config_problems)) {
        candidates.push_back(Candidate{manifests::SharedObject(decoded, &object), index, false});
        continue;
      }
      // Reported (config_problems); the last good version, if it still passes, stays in force.
      const manifests::SharedObject* old = FindByKey(last_good, object.Key());
      if (old != nullptr && passes_target_check(**old, nullptr)) {
        candidates.push_back(Candidate{*old, index, true});
      }
    }
    if (has_errors && last_good != nullptr) {
      std::unordered_set<manifests::ObjectKey> new_keys;
      for (const auto& object : decoded->objects) new_keys.insert(object.Key());
      for (const auto& old : *last_good) {
        if (new_keys.contains(old->Key())) continue;
        manifests::Diagnostics problems;
        if (passes_target_check(*old, &problems)) {
          candidates.push_back(Candidate{old, index, true});
          continue;
        }
        for (auto& problem : problems) {
          problem.message += " (in the last good version of this file; not loaded)";
        }
        in_force_problems.insert(in_force_problems.end(), problems.begin(), problems.end());
      }
    }
    const std::span<Candidate> of_file(candidates.begin() + static_cast<std::ptrdiff_t>(first),
                                       candidates.end());
    SortByPosition(of_file);
    if (!has_errors) {
      auto& good = next_last_good[file.relative];
      good.reserve(of_file.size());
      for (const auto& candidate : of_file) good.push_back(candidate.object);
    } else if (last_good != nullptr) {
      next_last_good[file.relative] = *last_good;
    }
  }
  last_good_ = std::move(next_last_good);
  last_good_root_ = config.manifests;

  // Cross-object checks, as `vsrd validate` runs them on the directory as written, then on the
  // objects in force (which differ by the kept last good objects).
  std::vector<const Object*> in_force;
  in_force.reserve(candidates.size());
  for (const auto& candidate : candidates) in_force.push_back(candidate.object.get());
  using Objects = std::span<const Object* const>;
  AppendNew(load.diagnostics, manifests::CheckObjectSet(Objects(as_written)));
  AppendNew(load.diagnostics, config_problems);
  // Usually the same objects: then the same problems, already reported.
  if (!std::equal(in_force.begin(), in_force.end(), as_written.begin(), as_written.end())) {
    AppendNew(load.diagnostics, manifests::CheckObjectSet(Objects(in_force)));
  }
  AppendNew(load.diagnostics, in_force_problems);
  manifests::SortByLocation(load.diagnostics);

  // Duplicates: the first in file order wins.
  std::unordered_set<manifests::ObjectKey> loaded_keys;
  loaded_keys.reserve(candidates.size());
  load.objects.reserve(candidates.size());
  for (auto& candidate : candidates) {
    if (!loaded_keys.insert(candidate.object->Key()).second) continue;
    if (candidate.kept) ++load.kept_last_good[files[candidate.file].relative];
    load.objects.push_back(std::move(candidate.object));
  }

  std::map<std::string, std::string> relative_by_display;
  for (const auto& file : files) {
    relative_by_display.emplace(file.display, file.relative);
    load.file_paths.push_back(file.relative);
  }
  std::sort(load.file_paths.begin(), load.file_paths.end());
  for (const auto& diagnostic : load.diagnostics) {
    if (diagnostic.severity != Diagnostic::Severity::kError) continue;
    const auto found = relative_by_display.find(diagnostic.location.file);
    if (found != relative_by_display.end()) ++load.errors_by_file[found->second];
  }
  load.revision = GitRevision(root).value_or("");
  last_ = load;
  return load;
}

}  // namespace vsrd::daemon
