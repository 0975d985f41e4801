#include "simulator/request_log.hpp"

#include <algorithm>
#include <cctype>
#include <iterator>

#include "simulator/router.hpp"

namespace vsrd::simulator {
namespace {

bool IsSecretKey(std::string key) {
  std::transform(key.begin(), key.end(), key.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return key.find("password") != std::string::npos || key == "authorization" ||
         key.find("session") != std::string::npos;
}

}  // namespace

nlohmann::json RedactSecrets(nlohmann::json value) {
  if (value.is_object()) {
    for (auto& [key, child] : value.items()) {
      child = IsSecretKey(key) ? nlohmann::json("<redacted>") : RedactSecrets(child);
    }
  } else if (value.is_array()) {
    for (auto& child : value) child = RedactSecrets(child);
  }
  return value;
}

void RequestLog::Add(LogEntry entry) {
  entry.seq = next_seq_++;
  entries_.push_back(std::move(entry));
}

nlohmann::json LogEntryToJson(const LogEntry& entry) {
  // A key given once is a string; a repeated key (names=a&names=b) is the array of its values
  // in the order they were sent (a multimap keeps equal keys in insertion order).
  nlohmann::json query = nlohmann::json::object();
  for (auto it = entry.query.begin(); it != entry.query.end();) {
    const auto range = entry.query.equal_range(it->first);
    if (std::next(range.first) == range.second) {
      query[it->first] = it->second;
    } else {
      nlohmann::json values = nlohmann::json::array();
      for (auto value = range.first; value != range.second; ++value)
        values.push_back(value->second);
      query[it->first] = std::move(values);
    }
    it = range.second;
  }
  return {{"seq", entry.seq},
          {"time", FormatTime(entry.time)},
          {"persona", entry.persona},
          {"method", entry.method},
          {"path", entry.path},
          {"path_template", entry.path_template},
          {"operation", entry.operation},
          {"query", query},
          {"body", entry.body},
          {"status", entry.status},
          {"answer", entry.answer},
          {"executed", entry.executed},
          {"fault_id", entry.fault_id}};
}

nlohmann::json RequestLog::ToJson(std::string_view persona_filter, std::string_view method_filter,
                                  std::string_view path_filter) const {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& entry : entries_) {
    if (!persona_filter.empty() && entry.persona != persona_filter) continue;
    if (!method_filter.empty() && entry.method != method_filter) continue;
    if (!path_filter.empty() && entry.path != path_filter && entry.path_template != path_filter) {
      continue;
    }
    out.push_back(LogEntryToJson(entry));
  }
  return out;
}

}  // namespace vsrd::simulator
