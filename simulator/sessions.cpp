#include "simulator/sessions.hpp"

#include <algorithm>

#include "simulator/base64.hpp"

namespace vsrd::simulator {

std::optional<std::string> CheckBasicAuth(const Request& request,
                                          const std::vector<UserScenario>& users) {
  const auto header = request.Header("authorization");
  if (!header || !header->starts_with("Basic ")) return std::nullopt;
  const auto decoded = Base64Decode(header->substr(6));
  const auto colon = decoded ? decoded->find(':') : std::string::npos;
  if (colon == std::string::npos) return std::nullopt;
  const std::string user = decoded->substr(0, colon);
  const std::string password = decoded->substr(colon + 1);
  const bool known = std::any_of(users.begin(), users.end(), [&](const UserScenario& candidate) {
    return candidate.name == user && candidate.password == password;
  });
  if (!known) return std::nullopt;
  return user;
}

void SessionStore::Add(const std::string& token, std::string user, TimePoint now) {
  sessions_.insert_or_assign(token, Session{std::move(user), now, now});
}

const SessionStore::Session* SessionStore::Authenticate(const std::string& token, TimePoint now) {
  const auto it = sessions_.find(token);
  if (it == sessions_.end()) return nullptr;
  Session& session = it->second;
  if (now - session.last_access > idle_timeout_ || now - session.created > max_lifetime_) {
    sessions_.erase(it);
    return nullptr;
  }
  session.last_access = now;
  return &session;
}

nlohmann::json SessionStore::Dump() const {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& [token, session] : sessions_) {
    out.push_back({{"user", session.user},
                   {"created_time", FormatTime(session.created)},
                   {"last_accessed_time", FormatTime(session.last_access)}});
  }
  return out;
}

}  // namespace vsrd::simulator
