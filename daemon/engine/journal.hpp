#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "manifests/object_key.hpp"
#include "reconcilers/record.hpp"

// The state journal (docs/reconcilers.md "The journal"): per object, the vSphere operation it
// submitted (or is submitting) and has not seen finish, and the facts live state cannot give
// back. One JSON file, `<state_dir>/journal.json`, replaced atomically on every change: written
// to a temporary file of its own (`journal.json.tmp.<pid>.<n>`), fsync'd, renamed over the old
// one, and the directory fsync'd, so a crash at any point leaves either the old or the new
// journal, never a torn one. Only the holder of the state_dir's StateLock (state_lock.hpp)
// writes it. Records are kept by ObjectKey; on disk the keys are its "Kind/name" text. An entry
// whose key is not a valid ObjectKey (written by a newer vsrd with another kind, or by hand) is
// kept as it is and written back, but never read.
//
// A journal that is lost must never let vsrd forget an operation in flight: one it cannot read
// stops the start (Load's `fatal`); a corrupt one is moved aside and blocks every mutation
// (MutationsBlocked) until an operator has checked vSphere and removed the recovery marker
// (`vsrd journal accept-recovery`).

namespace vsrd::daemon {

/// The largest journal (and recovery marker) Load reads: a record is under 1 KiB, so this holds
/// far more objects than one vsrd serves (docs/reconcilers.md "The journal"); a larger file is a
/// journal that cannot be read, never an unbounded allocation.
inline constexpr std::size_t kMaxJournalFileBytes = std::size_t{256} << 20;

/// The format versions Load reads; Save writes kJournalFormatVersion.
inline constexpr int kJournalFormatVersion = 2;
inline constexpr int kOldestJournalFormatVersion = 1;

/// The crash failpoint of VSRD_CRASH_AT (docs/reconcilers.md "Test hooks").
struct CrashPoint {
  std::int64_t write = 0;  ///< the process's N-th journal write, counted from 1
  bool after = false;      ///< after its durable rename; false: before anything is written
  friend bool operator==(const CrashPoint&, const CrashPoint&) = default;
};

/// Parses "journal-save:N:before" / "journal-save:N:after" (N a decimal number ≥ 1); nullopt for
/// anything else (an unparsable VSRD_CRASH_AT is ignored).
std::optional<CrashPoint> ParseCrashPoint(std::string_view text);

/// `<state_dir>/journal.recovery`: written when a corrupt journal is moved aside; while it
/// exists, no mutation is submitted.
struct RecoveryMarker {
  std::string since;     ///< when the first corrupt journal was found (RFC 3339 UTC)
  std::string moved_to;  ///< where the (last) corrupt journal was moved
  std::string problem;   ///< why it did not load
  /// "Kind/name" of every object that appeared with "in_flight" in the corrupt text: its
  /// operation may still run in vSphere. Every object of a mutating kind must be checked too.
  std::vector<std::string> possibly_in_flight;
  friend bool operator==(const RecoveryMarker&, const RecoveryMarker&) = default;
};

class Journal {
 public:
  /// Reads VSRD_CRASH_AT (once). Touches no file.
  explicit Journal(std::filesystem::path state_dir);

  /// Who loads the journal.
  enum class LoadMode {
    /// The holder of the state_dir's StateLock (`vsrd run`, `vsrd apply`): a corrupt journal
    /// is moved aside (and the recovery marker written), stale temporary files are removed.
    kOwner,
    /// Everyone else (`vsrd plan`, `vsrd journal show`): nothing in state_dir is changed.
    kReadOnly,
  };

  struct LoadResult {
    /// false: the journal was not read (see error); it starts empty.
    bool ok = true;
    /// The journal exists but cannot be used, and must not be forgotten: state_dir or the file
    /// unreadable (EACCES, EIO, a directory in its place), a format version newer than this vsrd
    /// reads, or (kOwner) a corrupt one that could not be moved aside with its recovery marker.
    /// `vsrd run` and `vsrd apply` refuse to start. Implies !ok.
    bool fatal = false;
    std::string error;        ///< what was wrong, where the file is, what to do
    std::size_t entries = 0;  ///< every entry read, those kept unread included
    int version = 0;          ///< the format version read (0: no journal, or not read)
    /// A corrupt journal: the keys that appeared with "in_flight" in its text (the marker's
    /// list; see RecoveryMarker).
    std::vector<std::string> possibly_in_flight;
    /// Set when a corrupt journal was moved aside (kOwner): the marker as written.
    std::optional<RecoveryMarker> recovery;
    /// Stale `journal.json.tmp*` files of a killed process, removed (kOwner).
    std::size_t removed_temporaries = 0;
  };

  /// Reads the journal. Call once at start, before any Save. A missing file (or a missing
  /// state_dir) is an empty journal. Versions 1 and 2 are read (a version 1 in_flight is
  /// accepted, attempt 0, target ""); every write is version 2.
  /// - Cannot be read, or a newer version: `fatal`, the file left as it is.
  /// - Corrupt (not JSON, wrong shape, a version below 1): with kOwner, the recovery marker is
  ///   written (merged with one already there) and the file renamed to
  ///   journal.json.corrupt-<UTC time of `now`>; the journal starts empty and MutationsBlocked
  ///   answers until the marker is removed. With kReadOnly it is reported and left in place.
  /// kOwner requires holding the StateLock (it removes other writers' temporary files).
  LoadResult Load(reconcilers::WallTime now, LoadMode mode = LoadMode::kOwner);

  /// Why no mutation may be submitted: the recovery marker exists (its summary and what to
  /// do), or its presence cannot be checked (fail closed). nullopt: mutations are allowed.
  /// Cheap (one stat(2) while there is no marker); meant for every mutation gate, /readyz and
  /// status. Thread-safe; reads the disk each call, so a marker removed by `vsrd journal
  /// accept-recovery` while the daemon runs is seen at the next call.
  std::optional<std::string> MutationsBlocked() const;

  /// The recovery marker: nullopt when there is none (`*error` empty) or it cannot be read or
  /// parsed (`*error` says why; MutationsBlocked still blocks). Thread-safe.
  std::optional<RecoveryMarker> ReadRecoveryMarker(std::string* error) const;

  /// `vsrd journal accept-recovery`: removes the recovery marker (only unlinks it, so it is
  /// safe while a daemon runs) and returns its text as it was. nullopt when there was none
  /// (`*error` empty) or it could not be removed (`*error` set). Thread-safe.
  std::optional<std::string> AcceptRecovery(std::string* error) const;

  /// The record of `key` (empty when none). Thread-safe.
  reconcilers::ObjectRecord Get(const manifests::ObjectKey& key) const;

  /// Replaces the record of `key` (an empty record removes it) and writes the journal durably
  /// before returning. False (with `error` set) when the write failed; the in-memory record is
  /// then left as it was, and the temporary file removed. Thread-safe; writes are serialised.
  bool Save(const manifests::ObjectKey& key, const reconcilers::ObjectRecord& record,
            std::string* error = nullptr);

  /// The keys of every record, ordered (entries whose key is not an ObjectKey are not listed).
  std::vector<manifests::ObjectKey> Keys() const;
  const std::filesystem::path& Path() const { return path_; }
  /// `<state_dir>/journal.recovery`.
  const std::filesystem::path& RecoveryPath() const { return recovery_path_; }

  /// Shutdown: waits for a write in progress to reach the disk, then refuses every later Save
  /// (it returns false), so a process that exits right after never leaves a write half done.
  /// Every accepted Save was already durable when it returned. Returns the number of records on
  /// disk. Thread-safe.
  std::size_t Seal();

 private:
  using Records = std::map<manifests::ObjectKey, reconcilers::ObjectRecord>;
  /// Entries whose key is not an ObjectKey, by their key as written.
  using Unread = std::map<std::string, reconcilers::ObjectRecord>;

  bool WriteLocked(const Records& records, const Unread& unread, std::string* error) const;
  /// Moves a corrupt journal aside after writing the recovery marker (kOwner).
  void MoveAside(const std::string& problem, reconcilers::WallTime now, LoadResult& result) const;
  std::size_t RemoveStaleTemporaries(std::string* error) const;

  std::filesystem::path state_dir_;
  std::filesystem::path path_;
  std::filesystem::path recovery_path_;
  std::optional<CrashPoint> crash_at_;  ///< VSRD_CRASH_AT, read at construction
  mutable std::mutex mutex_;
  Records records_;
  Unread unread_;
  bool sealed_ = false;
};

/// The "Kind/name" keys (valid ObjectKeys) whose entry in `text`, a journal that may be
/// truncated or not JSON at all, mentions "in_flight": each quoted key with a '/' followed by
/// ':' owns the text up to the next such key. Lenient by design: it may list a key too many; a key
/// whose own text is damaged cannot be found. Sorted, without duplicates.
std::vector<std::string> RecoverInFlightKeys(std::string_view text);

/// RFC 3339 UTC with milliseconds, "2026-01-01T00:00:00.000Z" (manifests/rfc3339.hpp, as every
/// time vsrd writes).
std::string FormatWallTime(reconcilers::WallTime time);
/// Parses what FormatWallTime writes, also with no fraction or 1 to 9 digits of one (read to the
/// millisecond): manifests::ParseRfc3339 in its kUtc form; nullopt for anything else (a field out
/// of range, a sign, a space, a date that does not exist), and for a time WallTime cannot hold
/// (before 1677-09-21 or after 2262-04-11).
std::optional<reconcilers::WallTime> ParseWallTime(const std::string& text);

}  // namespace vsrd::daemon
