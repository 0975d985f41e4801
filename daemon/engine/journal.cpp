#include "daemon/engine/journal.hpp"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <fstream>
#include <iterator>
#include <utility>

#include <fcntl.h>
#include <nlohmann/json.hpp>
#include <unistd.h>

namespace vsrd::daemon {

namespace {

using nlohmann::json;
using reconcilers::InFlight;
using reconcilers::ObjectRecord;
using reconcilers::WallTime;

constexpr int kFormatVersion = 1;

bool IsEmpty(const ObjectRecord& record) { return record == ObjectRecord{}; }

json ToJson(const ObjectRecord& record) {
  json out = json::object();
  if (record.in_flight) {
    const InFlight& op = *record.in_flight;
    out["in_flight"] = {{"operation", op.operation},
                        {"task", op.task},
                        {"generation", op.generation},
                        {"started_at", FormatWallTime(op.started_at)},
                        {"detail", op.detail}};
  }
  if (!record.facts.empty()) out["facts"] = record.facts;
  if (record.attempts != 0 || !record.attempts_generation.empty()) {
    out["attempts_generation"] = record.attempts_generation;
    out["attempts"] = record.attempts;
  }
  return out;
}

/// Throws json exceptions (caught by Load) on a wrong shape.
ObjectRecord FromJson(const json& in) {
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
    record.in_flight = std::move(op);
  }
  if (const auto it = in.find("facts"); it != in.end()) {
    record.facts = it->get<std::map<std::string, std::string>>();
  }
  record.attempts_generation = in.value("attempts_generation", "");
  record.attempts = in.value("attempts", std::int64_t{0});
  return record;
}

std::string Errno(const std::string& what) { return what + ": " + std::strerror(errno); }

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

bool RefuseSealed(std::string* error) {
  if (error != nullptr) *error = "the journal is closed: vsrd is shutting down";
  return false;
}

}  // namespace

std::string FormatWallTime(WallTime time) {
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(time.time_since_epoch());
  const std::time_t seconds = static_cast<std::time_t>(ms.count() / 1000);
  const auto millis = static_cast<int>(ms.count() % 1000);
  std::tm tm{};
  ::gmtime_r(&seconds, &tm);
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, millis);
  return buffer;
}

std::optional<WallTime> ParseWallTime(const std::string& text) {
  std::tm tm{};
  int millis = 0;
  char tail[8] = {};
  const int fields =
      std::sscanf(text.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d.%3d%7s", &tm.tm_year, &tm.tm_mon,
                  &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &millis, tail);
  if (fields == 8 && std::strcmp(tail, "Z") == 0) {
    // with milliseconds
  } else {
    millis = 0;
    const int plain =
        std::sscanf(text.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%7s", &tm.tm_year, &tm.tm_mon,
                    &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec, tail);
    if (plain != 7 || std::strcmp(tail, "Z") != 0) return std::nullopt;
  }
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  const std::time_t seconds = ::timegm(&tm);
  if (seconds == static_cast<std::time_t>(-1)) return std::nullopt;
  return WallTime(std::chrono::seconds(seconds)) + std::chrono::milliseconds(millis);
}

Journal::Journal(std::filesystem::path state_dir)
    : state_dir_(std::move(state_dir)), path_(state_dir_ / "journal.json") {}

Journal::LoadResult Journal::Load(WallTime now, bool move_corrupt_aside) {
  LoadResult result;
  std::error_code exists_error;
  if (!std::filesystem::exists(path_, exists_error)) return result;
  std::ifstream in(path_, std::ios::binary);
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  Records records;
  Unread unread;
  std::string problem;
  try {
    const json document = json::parse(text);
    if (document.at("version").get<int>() != kFormatVersion) {
      throw std::runtime_error("unsupported journal version " + document.at("version").dump());
    }
    for (const auto& [written, value] : document.at("objects").items()) {
      if (const auto key = manifests::ObjectKey::Parse(written)) {
        records.emplace(*key, FromJson(value));
      } else {
        unread.emplace(written, FromJson(value));
      }
    }
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
  result.ok = false;
  if (!move_corrupt_aside) {
    result.error = path_.string() + " is corrupt (" + problem + "); ignored";
    return result;
  }
  // Keep the evidence, start empty: in-flight tasks are then found again from live state.
  const auto aside = path_.string() + ".corrupt-" + FormatWallTime(now);
  std::error_code rename_error;
  std::filesystem::rename(path_, aside, rename_error);
  result.ok = false;
  result.error =
      path_.string() + " is corrupt (" + problem + "); " +
      (rename_error ? "could not move it aside: " + rename_error.message() : "moved to " + aside) +
      "; starting with an empty journal, live state decides";
  return result;
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
      json{{"version", kFormatVersion}, {"objects", std::move(objects)}}.dump(2) + "\n";
  std::error_code dir_error;
  std::filesystem::create_directories(state_dir_, dir_error);
  const auto temporary = state_dir_ / "journal.json.tmp";
  if (!WriteFileSynced(temporary, content, error)) return false;
  if (::rename(temporary.c_str(), path_.c_str()) != 0) {
    if (error) *error = Errno("rename " + temporary.string() + " to " + path_.string());
    return false;
  }
  return SyncDirectory(state_dir_, error);
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

bool Journal::Retain(const std::vector<manifests::ObjectKey>& keep, std::string* error) {
  const std::lock_guard lock(mutex_);
  if (sealed_) return RefuseSealed(error);
  auto records = records_;
  std::erase_if(records, [&keep](const auto& entry) {
    return std::find(keep.begin(), keep.end(), entry.first) == keep.end();
  });
  if (records.size() == records_.size() && unread_.empty()) return true;
  if (!WriteLocked(records, Unread{}, error)) return false;
  records_ = std::move(records);
  unread_.clear();
  return true;
}

}  // namespace vsrd::daemon
