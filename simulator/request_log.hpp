#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "simulator/clock.hpp"
#include "simulator/http.hpp"

// Every request a persona received, for assertions such as "exactly one redeploy was submitted".
// Secrets never enter it: headers are not kept, and every JSON body field whose name contains
// "password" is replaced by "<redacted>".

namespace vsrd::simulator {

struct LogEntry {
  std::uint64_t seq = 0;
  TimePoint time;
  std::string persona;
  std::string method;
  std::string path;
  std::string path_template;
  std::string operation;  ///< the route's fixed operation name, "" when unrouted
  std::multimap<std::string, std::string> query;
  nlohmann::json body;  ///< the redacted JSON body; null when empty or not JSON
  /// The persona's status when it executed the request (even when a fault then replaced or lost
  /// that answer); otherwise a respond fault's status; 0 when nothing was answered.
  int status = 0;
  std::string answer;     ///< "respond", or the fault/restart disposition ("hold", "close", ...)
  int fault_id = 0;       ///< the fault rule that answered, 0 for none
  bool executed = false;  ///< the persona handled the request (false: a fault answered instead,
                          ///< or the persona was down)
};

/// Replaces the value of every key containing "password" (any case), recursively.
nlohmann::json RedactSecrets(nlohmann::json value);

class RequestLog {
 public:
  void Add(LogEntry entry);
  const std::vector<LogEntry>& Entries() const { return entries_; }
  void Clear() { entries_.clear(); }
  nlohmann::json ToJson(std::string_view persona_filter, std::string_view method_filter,
                        std::string_view path_filter) const;

 private:
  std::vector<LogEntry> entries_;
  std::uint64_t next_seq_ = 1;
};

nlohmann::json LogEntryToJson(const LogEntry& entry);

}  // namespace vsrd::simulator
