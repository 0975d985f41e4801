#pragma once

#include <filesystem>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "manifests/object_key.hpp"
#include "reconcilers/record.hpp"

// The state journal (docs/reconcilers.md "Reconcile rules"): per object, the vSphere operation it
// started and has not seen finish, and the facts live state cannot give back. One JSON file,
// `<state_dir>/journal.json`, replaced atomically on every change: written to a temporary file,
// fsync'd, renamed over the old one, and the directory fsync'd, so a crash at any point leaves
// either the old or the new journal, never a torn one. Records are kept by ObjectKey; on disk the
// keys are its "Kind/name" text. An entry whose key is not a valid ObjectKey (written by a newer
// vsrd with another kind, or by hand) is kept as it is and written back, but never read.

namespace vsrd::daemon {

class Journal {
 public:
  explicit Journal(std::filesystem::path state_dir);

  struct LoadResult {
    bool ok = true;           ///< false: the journal was unusable (see error); started empty
    std::string error;        ///< what was wrong, and where the file was moved
    std::size_t entries = 0;  ///< every entry read, those kept unread included
  };

  /// Reads the journal. A missing file is an empty journal. A corrupt one (not JSON, wrong
  /// shape) is renamed to journal.json.corrupt-<UTC time> and the journal starts empty, so the
  /// daemon falls back to live state instead of refusing to start. `now` names the moved file.
  /// Call once at start, before any Save.
  /// With `move_corrupt_aside` false (vsrd plan, which must change nothing) a corrupt journal
  /// is reported and left in place.
  LoadResult Load(reconcilers::WallTime now, bool move_corrupt_aside = true);

  /// The record of `key` (empty when none). Thread-safe.
  reconcilers::ObjectRecord Get(const manifests::ObjectKey& key) const;

  /// Replaces the record of `key` (an empty record removes it) and writes the journal durably
  /// before returning. False (with `error` set) when the write failed; the in-memory record is
  /// then left as it was. Thread-safe; writes are serialised.
  bool Save(const manifests::ObjectKey& key, const reconcilers::ObjectRecord& record,
            std::string* error = nullptr);

  /// Removes records whose key is not in `keep` (objects removed from git), and the entries
  /// whose key is not an ObjectKey. Durable like Save.
  bool Retain(const std::vector<manifests::ObjectKey>& keep, std::string* error = nullptr);

  /// TEMPORARY until the journal13 branch lands. Why mutations are blocked; nullopt: they are not.
  std::optional<std::string> MutationsBlocked() const { return std::nullopt; }

  /// The keys of every record, ordered (entries whose key is not an ObjectKey are not listed).
  std::vector<manifests::ObjectKey> Keys() const;
  const std::filesystem::path& Path() const { return path_; }

  /// Shutdown: waits for a write in progress to reach the disk, then refuses every later Save
  /// and Retain (they return false), so a process that exits right after never leaves a write
  /// half done. Every accepted Save was already durable when it returned. Returns the number
  /// of records on disk. Thread-safe.
  std::size_t Seal();

 private:
  using Records = std::map<manifests::ObjectKey, reconcilers::ObjectRecord>;
  /// Entries whose key is not an ObjectKey, by their key as written.
  using Unread = std::map<std::string, reconcilers::ObjectRecord>;

  bool WriteLocked(const Records& records, const Unread& unread, std::string* error) const;

  std::filesystem::path state_dir_;
  std::filesystem::path path_;
  mutable std::mutex mutex_;
  Records records_;
  Unread unread_;
  bool sealed_ = false;
};

/// RFC 3339 UTC with milliseconds, "2026-01-01T00:00:00.000Z".
std::string FormatWallTime(reconcilers::WallTime time);
/// Parses what FormatWallTime writes (also without fraction); nullopt otherwise.
std::optional<reconcilers::WallTime> ParseWallTime(const std::string& text);

}  // namespace vsrd::daemon
