#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "simulator/clock.hpp"
#include "simulator/http.hpp"
#include "simulator/scenario.hpp"

// Logins and sessions, shared by every persona: HTTP Basic credentials checked against the
// scenario's users, and session tokens that expire when idle or at an absolute lifetime
// (docs/vsphere-api.md "Sessions"). Not thread-safe: personas use it under the Simulator lock.

namespace vsrd::simulator {

/// The user named by the request's `Authorization: Basic` header when its password matches a
/// scenario user; nullopt for a missing, malformed or wrong credential.
std::optional<std::string> CheckBasicAuth(const Request& request,
                                          const std::vector<UserScenario>& users);

class SessionStore {
 public:
  struct Session {
    std::string user;
    TimePoint created;
    TimePoint last_access;
  };

  SessionStore(Duration idle_timeout, Duration max_lifetime)
      : idle_timeout_(idle_timeout), max_lifetime_(max_lifetime) {}

  void Add(const std::string& token, std::string user, TimePoint now);
  /// The live session for `token` with its last access set to `now`; nullptr when unknown or
  /// expired (an expired session is removed).
  const Session* Authenticate(const std::string& token, TimePoint now);
  void Remove(const std::string& token) { sessions_.erase(token); }
  void Clear() { sessions_.clear(); }
  /// [{user, created_time, last_accessed_time}]: who is logged in, never with which token.
  nlohmann::json Dump() const;

 private:
  Duration idle_timeout_;
  Duration max_lifetime_;
  std::map<std::string, Session> sessions_;
};

}  // namespace vsrd::simulator
