#include "daemon/engine/journal.hpp"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <iterator>
#include <mutex>
#include <set>
#include <utility>

#include <fcntl.h>
#include <nlohmann/json.hpp>
#include <sys/stat.h>
#include <unistd.h>

#include "manifests/bounded_file.hpp"
#include "manifests/rfc3339.hpp"
#include "net/bounded_json.hpp"

namespace vsrd::daemon {

namespace {

using nlohmann::json;
using reconcilers::InFlight;
using reconcilers::ObjectRecord;
using reconcilers::Submission;
using reconcilers::WallTime;

constexpr std::string_view kTemporaryPrefix = "journal.json.tmp";
constexpr std::string_view kRecoveryTemporaryPrefix = "journal.recovery.tmp";
constexpr std::string_view kWhatToDo =
    "check every object listed here, and every object of a mutating kind (docs/reconcilers.md), "
    "in vSphere: an operation still running, or one that finished; then run `vsrd journal "
    "accept-recovery`";

/// The number of this journal write in this process, counted from 1 (VSRD_CRASH_AT counts
/// them, and they name the temporary files). A forked child starts again from 1.
std::int64_t NextWriteNumber() {
  static std::mutex mutex;
  static pid_t counted_for = 0;
  static std::int64_t count = 0;
  const std::lock_guard lock(mutex);
  if (counted_for != ::getpid()) {
    counted_for = ::getpid();
    count = 0;
  }
  return ++count;
}

bool IsEmpty(const ObjectRecord& record) { return record == ObjectRecord{}; }

std::string_view SubmissionName(Submission state) {
  return reconcilers::kSubmissionNames.at(static_cast<std::size_t>(state));
}

Submission ParseSubmission(const std::string& text) {
  const auto& names = reconcilers::kSubmissionNames;
  const auto it = std::find(names.begin(), names.end(), text);
  if (it == names.end()) throw std::runtime_error("in_flight.state \"" + text + "\" is unknown");
  return static_cast<Submission>(std::distance(names.begin(), it));
}

json ToJson(const ObjectRecord& record) {
  json out = json::object();
  if (record.in_flight) {
    const InFlight& op = *record.in_flight;
    out["in_flight"] = {
        {"operation", op.operation},   {"task", op.task},
        {"generation", op.generation}, {"started_at", FormatWallTime(op.started_at)},
        {"detail", op.detail},         {"state", SubmissionName(op.state)},
        {"attempt", op.attempt},       {"target", op.target}};
    if (!op.known_tasks.empty()) out["in_flight"]["known_tasks"] = op.known_tasks;
  }
  if (!record.facts.empty()) out["facts"] = record.facts;
  if (record.attempts != 0 || !record.attempts_generation.empty()) {
    out["attempts_generation"] = record.attempts_generation;
    out["attempts"] = record.attempts;
  }
  return out;
}

/// Throws json exceptions (caught by Load) on a wrong shape. Version 1 has no state, attempt
/// or target: its operations were all accepted by the server before they were written.
ObjectRecord FromJson(const json& in, int version) {
  ObjectRecord record;
  if (const auto it = in.find("in_flight"); it != in.end()) {
    InFlight op;
    op.operation = it->at("operation").get<std::string>();
    op.task = it->at("task").get<std::string>();
    op.generation = it->at("generation").get<std::string>();
    const auto started = ParseWallTime(it->at("started_at").get<std::string>());
    if (!started) throw std::runtime_error("in_flight.started_at is not an RFC 3339 time");
    op.started_at = *started;
    op.detail = it->value("detail", "");
    if (version >= 2) {
      op.state = ParseSubmission(it->at("state").get<std::string>());
      op.attempt = it->at("attempt").get<std::int64_t>();
      op.target = it->at("target").get<std::string>();
      if (const auto known = it->find("known_tasks"); known != it->end()) {
        op.known_tasks = known->get<std::vector<std::string>>();
      }
    } else {
      op.state = Submission::kAccepted;
      op.attempt = 0;
      op.target.clear();
    }
    record.in_flight = std::move(op);
  }
  if (const auto it = in.find("facts"); it != in.end()) {
    record.facts = it->get<std::map<std::string, std::string>>();
  }
  record.attempts_generation = in.value("attempts_generation", "");
  record.attempts = in.value("attempts", std::int64_t{0});
  return record;
}

std::string Errno(const std::string& what, int error = errno) {
  return what + ": " + std::strerror(error);
}

/// Writes `content` to `path` and fsyncs it.
bool WriteFileSynced(const std::filesystem::path& path, const std::string& content,
                     std::string* error) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) {
    if (error) *error = Errno("open " + path.string());
    return false;
  }
  std::size_t written = 0;
  while (written < content.size()) {
    const ssize_t n = ::write(fd, content.data() + written, content.size() - written);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (error) *error = Errno("write " + path.string());
      ::close(fd);
      return false;
    }
    written += static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0) {
    if (error) *error = Errno("fsync " + path.string());
    ::close(fd);
    return false;
  }
  if (::close(fd) != 0) {
    if (error) *error = Errno("close " + path.string());
    return false;
  }
  return true;
}

bool SyncDirectory(const std::filesystem::path& dir, std::string* error) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) {
    if (error) *error = Errno("open " + dir.string());
    return false;
  }
  const int synced = ::fsync(fd);
  ::close(fd);
  if (synced != 0) {
    if (error) *error = Errno("fsync " + dir.string());
    return false;
  }
  return true;
}

/// Replaces `path` by `content` durably through `temporary` (in the same directory), which is
/// removed again when any step fails.
bool ReplaceDurably(const std::filesystem::path& path, const std::filesystem::path& temporary,
                    const std::string& content, std::string* error) {
  if (!WriteFileSynced(temporary, content, error)) {
    ::unlink(temporary.c_str());
    return false;
  }
  if (::rename(temporary.c_str(), path.c_str()) != 0) {
    if (error) *error = Errno("rename " + temporary.string() + " to " + path.string());
    ::unlink(temporary.c_str());
    return false;
  }
  return SyncDirectory(path.parent_path(), error);
}

enum class ReadStatus { kRead, kMissing, kFailed };

/// Reads a whole regular file. kMissing: ENOENT; kFailed: `*error` says why (EACCES, EIO, a
/// directory or a special file in its place, ENOTDIR on the way).
/// A journal or recovery marker as JSON, nesting bounded like everything vsrd parses
/// (net/bounded_json.hpp): a damaged or planted file deeper than any vsrd writes is a corrupt
/// journal, not a stack overflow at every start. Throws std::runtime_error with the reason.
json ParseJournalJson(std::string_view text) {
  net::JsonError problem;
  auto document = net::ParseJsonBounded(text, &problem);
  if (!document) throw std::runtime_error(problem.message);
  return std::move(*document);
}

ReadStatus ReadRegularFile(const std::filesystem::path& path, std::string& text,
                           std::string* error) {
  auto read = manifests::ReadBoundedFile(path, kMaxJournalFileBytes);
  if (read.content) {
    text = std::move(*read.content);
    return ReadStatus::kRead;
  }
  if (read.open_errno == ENOENT) return ReadStatus::kMissing;
  if (read.mode != 0 && !S_ISREG(read.mode)) {
    *error = path.string() + (S_ISDIR(read.mode) ? " is a directory" : " is not a regular file") +
             ", not the file vsrd wrote";
  } else {
    *error = "cannot read " + path.string() + ": " + read.error;
  }
  return ReadStatus::kFailed;
}

json MarkerToJson(const RecoveryMarker& marker) {
  return json{{"since", marker.since},
              {"moved_to", marker.moved_to},
              {"problem", marker.problem},
              {"possibly_in_flight", marker.possibly_in_flight},
              {"what_to_do", kWhatToDo}};
}

/// A temporary file of a journal or marker write: "<prefix>" (vsrd 1's one name) or
/// "<prefix>.<pid>[.<n>]".
bool IsTemporary(std::string_view name) {
  for (const std::string_view prefix : {kTemporaryPrefix, kRecoveryTemporaryPrefix}) {
    if (name == prefix) return true;
    if (name.starts_with(prefix) && name.substr(prefix.size()).starts_with('.')) return true;
  }
  return false;
}

bool RefuseSealed(std::string* error) {
  if (error != nullptr) *error = "the journal is closed: vsrd is shutting down";
  return false;
}

[[noreturn]] void CrashNow() {
  ::kill(::getpid(), SIGKILL);
  std::abort();  // never reached: SIGKILL cannot be caught
}

}  // namespace

std::optional<CrashPoint> ParseCrashPoint(std::string_view text) {
  constexpr std::string_view kPrefix = "journal-save:";
  if (!text.starts_with(kPrefix)) return std::nullopt;
  text.remove_prefix(kPrefix.size());
  const auto colon = text.find(':');
  if (colon == std::string_view::npos || colon == 0) return std::nullopt;
  const std::string_view number = text.substr(0, colon);
  const std::string_view when = text.substr(colon + 1);
  CrashPoint point;
  const auto [end, status] =
      std::from_chars(number.data(), number.data() + number.size(), point.write);
  if (status != std::errc{} || end != number.data() + number.size() || point.write < 1) {
    return std::nullopt;
  }
  if (when == "after") {
    point.after = true;
  } else if (when != "before") {
    return std::nullopt;
  }
  return point;
}

std::vector<std::string> RecoverInFlightKeys(std::string_view text) {
  // Every quoted ObjectKey followed by ':' is an entry's key, wherever the quotes' parity went
  // wrong in a damaged file: each '"' is tried as the start of a key.
  struct Found {
    std::size_t start;  ///< the opening quote
    std::size_t body;   ///< just after the ':'
    std::string key;    ///< "" for a key that is not an ObjectKey
  };
  std::vector<Found> found;
  for (std::size_t open = text.find('"'); open != std::string_view::npos;
       open = text.find('"', open + 1)) {
    const std::size_t close = text.find('"', open + 1);
    if (close == std::string_view::npos) break;
    std::size_t colon = close + 1;
    while (colon < text.size() && std::isspace(static_cast<unsigned char>(text[colon])) != 0) {
      ++colon;
    }
    if (colon >= text.size() || text[colon] != ':') continue;
    // Every "X/Y" key ends the entry before it (the keys inside an entry have no '/'), but
    // only ObjectKeys are listed: this vsrd mutates nothing else.
    const std::string_view candidate = text.substr(open + 1, close - open - 1);
    if (candidate.find('/') == std::string_view::npos) continue;
    const auto key = manifests::ObjectKey::Parse(candidate);
    found.push_back({open, colon + 1, key ? key->ToString() : std::string()});
  }
  std::set<std::string> keys;
  for (std::size_t i = 0; i < found.size(); ++i) {
    if (found[i].key.empty()) continue;
    const std::size_t end = i + 1 < found.size() ? found[i + 1].start : text.size();
    const std::string_view body = text.substr(found[i].body, end - found[i].body);
    if (body.find("\"in_flight\"") != std::string_view::npos) keys.insert(found[i].key);
  }
  return {keys.begin(), keys.end()};
}

std::string FormatWallTime(WallTime time) { return manifests::FormatRfc3339(time, 3); }

std::optional<WallTime> ParseWallTime(const std::string& text) {
  const auto time = manifests::ParseRfc3339(text, manifests::Rfc3339Form::kUtc);
  if (!time) return std::nullopt;
  // To the millisecond, what FormatWallTime writes (rounded down: a fraction counts up from its
  // whole second, before 1970 too).
  return WallTime(std::chrono::floor<std::chrono::milliseconds>(*time));
}

Journal::Journal(std::filesystem::path state_dir)
    : state_dir_(std::move(state_dir)),
      path_(state_dir_ / "journal.json"),
      recovery_path_(state_dir_ / "journal.recovery") {
  if (const char* crash_at = std::getenv("VSRD_CRASH_AT"); crash_at != nullptr) {
    crash_at_ = ParseCrashPoint(crash_at);
  }
}

std::size_t Journal::RemoveStaleTemporaries(std::string* error) const {
  std::error_code listing;
  std::filesystem::directory_iterator entries(state_dir_, listing);
  if (listing) {
    if (listing == std::errc::no_such_file_or_directory) return 0;
    *error = "cannot read the state directory " + state_dir_.string() + ": " + listing.message();
    return 0;
  }
  // Under the lock, before this process's first write: every temporary file is a killed
  // writer's (a pid in its name may have been reused since, even this process's).
  std::size_t removed = 0;
  for (const auto& entry : entries) {
    if (!IsTemporary(entry.path().filename().string())) continue;
    std::error_code ignored;
    if (std::filesystem::remove(entry.path(), ignored)) ++removed;
  }
  return removed;
}

Journal::LoadResult Journal::Load(WallTime now, LoadMode mode) {
  LoadResult result;
  const auto fail = [&result](std::string error) {
    result.ok = false;
    result.fatal = true;
    result.error = std::move(error) +
                   "; vsrd will not start without its journal, which may record vSphere "
                   "operations in flight (docs/operations.md \"The journal cannot be read\")";
    return result;
  };
  if (mode == LoadMode::kOwner) {
    std::string error;
    result.removed_temporaries = RemoveStaleTemporaries(&error);
    if (!error.empty()) return fail(error);
  }
  std::string text;
  std::string read_error;
  switch (ReadRegularFile(path_, text, &read_error)) {
    case ReadStatus::kMissing:
      return result;
    case ReadStatus::kFailed:
      return fail("the journal cannot be read: " + read_error);
    case ReadStatus::kRead:
      break;
  }
  Records records;
  Unread unread;
  std::string problem;
  try {
    const json document = ParseJournalJson(text);
    const int version = document.at("version").get<int>();
    if (version > kJournalFormatVersion) {
      return fail(path_.string() + " has format version " + std::to_string(version) +
                  ", newer than this vsrd reads (" + std::to_string(kOldestJournalFormatVersion) +
                  " to " + std::to_string(kJournalFormatVersion) +
                  "): a newer vsrd wrote it. Run that version again; the file is left as it is");
    }
    if (version < kOldestJournalFormatVersion) {
      throw std::runtime_error("unsupported journal version " + std::to_string(version));
    }
    for (const auto& [written, value] : document.at("objects").items()) {
      if (const auto key = manifests::ObjectKey::Parse(written)) {
        records.emplace(*key, FromJson(value, version));
      } else {
        unread.emplace(written, FromJson(value, version));
      }
    }
    result.version = version;
  } catch (const std::exception& error) {
    problem = error.what();
  }
  if (problem.empty()) {
    const std::lock_guard lock(mutex_);
    records_ = std::move(records);
    unread_ = std::move(unread);
    result.entries = records_.size() + unread_.size();
    return result;
  }
  result.version = 0;
  result.ok = false;
  result.possibly_in_flight = RecoverInFlightKeys(text);
  if (mode == LoadMode::kReadOnly) {
    result.error = path_.string() + " is corrupt (" + problem +
                   "); left in place: `vsrd run` or `vsrd apply` will move it aside and block "
                   "mutations until `vsrd journal accept-recovery`";
    return result;
  }
  MoveAside(problem, now, result);
  return result;
}

void Journal::MoveAside(const std::string& problem, WallTime now, LoadResult& result) const {
  RecoveryMarker marker;
  marker.since = FormatWallTime(now);
  std::string aside = path_.string() + ".corrupt-" + marker.since;
  for (int suffix = 1; std::filesystem::exists(aside); ++suffix) {
    aside = path_.string() + ".corrupt-" + marker.since + "." + std::to_string(suffix);
  }
  marker.moved_to = aside;
  marker.problem = problem;
  std::set<std::string> keys(result.possibly_in_flight.begin(), result.possibly_in_flight.end());
  std::string earlier_error;
  if (const auto earlier = ReadRecoveryMarker(&earlier_error)) {
    // Not accepted yet: its objects still need checking.
    marker.since = earlier->since;
    keys.insert(earlier->possibly_in_flight.begin(), earlier->possibly_in_flight.end());
  }
  marker.possibly_in_flight.assign(keys.begin(), keys.end());
  const auto refuse = [&](const std::string& why) {
    result.fatal = true;
    result.error = path_.string() + " is corrupt (" + problem + ") and " + why +
                   "; it is left in place and vsrd will not start, which would forget the "
                   "operations it may record (docs/operations.md \"Recovering from a corrupt "
                   "journal\")";
  };
  const auto temporary =
      state_dir_ / (std::string(kRecoveryTemporaryPrefix) + "." + std::to_string(::getpid()));
  std::string write_error;
  if (!ReplaceDurably(recovery_path_, temporary, MarkerToJson(marker).dump(2) + "\n",
                      &write_error)) {
    refuse("the recovery marker " + recovery_path_.string() + " cannot be written: " + write_error);
    return;
  }
  if (::rename(path_.c_str(), aside.c_str()) != 0) {
    refuse(Errno("it cannot be moved aside to " + aside));
    return;
  }
  std::string sync_error;
  SyncDirectory(state_dir_, &sync_error);  // the marker is durable already; this is the rename
  result.recovery = marker;
  result.error = path_.string() + " is corrupt (" + problem + "); moved to " + aside +
                 "; starting with an empty journal, and no vSphere mutation is submitted until "
                 "an operator has checked the objects in " +
                 recovery_path_.string() +
                 " (`vsrd journal show`) and run `vsrd journal accept-recovery`";
}

std::optional<RecoveryMarker> Journal::ReadRecoveryMarker(std::string* error) const {
  std::string ignored;
  if (error == nullptr) error = &ignored;
  error->clear();
  std::string text;
  // kMissing leaves `error` empty; kFailed has said why.
  if (ReadRegularFile(recovery_path_, text, error) != ReadStatus::kRead) return std::nullopt;
  try {
    const json document = ParseJournalJson(text);
    RecoveryMarker marker;
    marker.since = document.at("since").get<std::string>();
    marker.moved_to = document.at("moved_to").get<std::string>();
    marker.problem = document.at("problem").get<std::string>();
    marker.possibly_in_flight = document.at("possibly_in_flight").get<std::vector<std::string>>();
    return marker;
  } catch (const std::exception& problem) {
    *error = recovery_path_.string() + " is not a recovery marker vsrd wrote: " + problem.what();
    return std::nullopt;
  }
}

std::optional<std::string> Journal::MutationsBlocked() const {
  struct stat info {};
  if (::stat(recovery_path_.c_str(), &info) != 0) {
    if (errno == ENOENT) return std::nullopt;
    return Errno("cannot tell whether the recovery marker " + recovery_path_.string() +
                 " exists, so mutations stay blocked");
  }
  std::string error;
  const auto marker = ReadRecoveryMarker(&error);
  std::string reason = "the journal was found corrupt";
  if (marker) {
    reason += " at " + marker->since + " and moved to " + marker->moved_to + " (" +
              marker->problem + "); ";
    if (marker->possibly_in_flight.empty()) {
      reason += "no object was found with an operation in flight in it";
    } else {
      reason += "operations may be in flight for";
      for (const auto& key : marker->possibly_in_flight) reason += " " + key;
    }
  } else {
    reason += " (" + error + ")";
  }
  return reason + "; " + std::string(kWhatToDo) + " (marker " + recovery_path_.string() + ")";
}

std::optional<std::string> Journal::AcceptRecovery(std::string* error) const {
  std::string ignored;
  if (error == nullptr) error = &ignored;
  error->clear();
  std::string text;
  std::string read_error;
  const auto read = ReadRegularFile(recovery_path_, text, &read_error);
  if (read == ReadStatus::kMissing) return std::nullopt;
  if (read == ReadStatus::kFailed) text = "(its content cannot be read: " + read_error + ")\n";
  if (::unlink(recovery_path_.c_str()) != 0) {
    if (errno == ENOENT) return std::nullopt;  // removed meanwhile
    *error = Errno("cannot remove " + recovery_path_.string());
    return std::nullopt;
  }
  SyncDirectory(state_dir_, &read_error);
  return text;
}

ObjectRecord Journal::Get(const manifests::ObjectKey& key) const {
  const std::lock_guard lock(mutex_);
  const auto it = records_.find(key);
  return it == records_.end() ? ObjectRecord{} : it->second;
}

std::vector<manifests::ObjectKey> Journal::Keys() const {
  const std::lock_guard lock(mutex_);
  std::vector<manifests::ObjectKey> keys;
  keys.reserve(records_.size());
  for (const auto& [key, record] : records_) keys.push_back(key);
  return keys;
}

bool Journal::WriteLocked(const Records& records, const Unread& unread, std::string* error) const {
  json objects = json::object();
  for (const auto& [key, record] : records) objects[key.ToString()] = ToJson(record);
  for (const auto& [text, record] : unread) objects[text] = ToJson(record);
  const std::string content =
      json{{"version", kJournalFormatVersion}, {"objects", std::move(objects)}}.dump(2) + "\n";
  const std::int64_t write = NextWriteNumber();
  if (crash_at_ && crash_at_->write == write && !crash_at_->after) CrashNow();
  std::error_code dir_error;
  std::filesystem::create_directories(state_dir_, dir_error);
  const auto temporary = state_dir_ / (std::string(kTemporaryPrefix) + "." +
                                       std::to_string(::getpid()) + "." + std::to_string(write));
  if (!ReplaceDurably(path_, temporary, content, error)) return false;
  if (crash_at_ && crash_at_->write == write && crash_at_->after) CrashNow();
  return true;
}

std::size_t Journal::Seal() {
  const std::lock_guard lock(mutex_);
  sealed_ = true;
  return records_.size();
}

bool Journal::Save(const manifests::ObjectKey& key, const ObjectRecord& record,
                   std::string* error) {
  const std::lock_guard lock(mutex_);
  if (sealed_) return RefuseSealed(error);
  auto records = records_;
  if (IsEmpty(record)) {
    records.erase(key);
  } else {
    records[key] = record;
  }
  if (!WriteLocked(records, unread_, error)) return false;
  records_ = std::move(records);
  return true;
}

}  // namespace vsrd::daemon
