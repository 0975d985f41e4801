#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include <spdlog/logger.h>

#include "daemon/config.hpp"
#include "daemon/vsphere/api_metrics.hpp"
#include "daemon/vsphere/transport.hpp"
#include "reconcilers/ports/secret.hpp"

// One authenticated API session with one target, shared by every thread calling that target.
//
// - vcenter (docs/vsphere-api.md "Sessions"): POST /api/session with HTTP Basic → 201 JSON
//   string token, sent as `vmware-api-session-id`; DELETE /api/session ends it.
// - update-manager (same page, "The update-manager appliance API"): POST /session with HTTP
//   Basic → 200 {session_id}, sent as `x-dr-session`; DELETE /session ends it.
//
// A 401 from any call means the call did not run (the session expired or was dropped): the
// session logs in again once and repeats that call. Concurrent callers that meet an expired
// session share one login. The password is read at each login, so a rotated password file is
// picked up without a restart. Every call is counted and timed in ApiMetrics and, at debug
// level, logged with Authorization, session headers, passwords and tokens redacted.

namespace vsrd::daemon::vsphere {

enum class AuthScheme { kVcenter, kUpdateManager };

/// Reads the target's password when a login needs it.
using PasswordSource = std::function<Result<ports::Secret>()>;

struct SessionOptions {
  std::string target;  ///< the config's target name: the `target` label and log field
  AuthScheme scheme = AuthScheme::kVcenter;
  std::string username;
  PasswordSource password;
  /// Deadline of each HTTP exchange (a re-login and the repeat each get their own).
  std::chrono::milliseconds request_timeout = std::chrono::seconds(60);
};

class ApiSession {
 public:
  /// `metrics` may be null (no metrics); `logger` may be null (no logs).
  ApiSession(SessionOptions options, std::shared_ptr<Transport> transport, ApiMetrics* metrics,
             std::shared_ptr<spdlog::logger> logger);
  ~ApiSession() = default;
  ApiSession(const ApiSession&) = delete;
  ApiSession& operator=(const ApiSession&) = delete;

  /// Sends `request` with the session header, logging in first when there is no session, and
  /// once more after a 401. Returns the answer for a 2xx status; an ApiError (kind kApi, the
  /// decoded error body) for any other status; the transport's error otherwise, with
  /// `operation` set. Blocking; thread-safe.
  Result<HttpResponse> Call(std::string_view operation, HttpRequest request);

  /// Logs in unless a session exists. Blocking; thread-safe; concurrent callers share one login.
  Result<void> Login();

  /// Ends the session (DELETE), best effort: errors are logged, not returned. Later calls log in
  /// again. Blocking; thread-safe.
  void Logout();

  /// How many logins succeeded so far (for tests and the readiness check).
  std::uint64_t LoginCount() const;
  /// True when a session token is held.
  bool LoggedIn() const;

  const std::string& Target() const { return options_.target; }
  AuthScheme Scheme() const { return options_.scheme; }

 private:
  struct Token {
    ports::Secret value;
    std::uint64_t generation = 0;  ///< increases with every login; 0: none yet
  };

  /// Logs in unless a login newer than `stale_generation` already happened.
  Result<void> Relogin(std::uint64_t stale_generation);
  Result<void> DoLogin();
  Result<HttpResponse> Exchange(std::string_view operation, const HttpRequest& request,
                                bool sensitive_response);
  std::optional<Token> CurrentToken() const;
  void Log(std::string_view operation, const HttpRequest& request) const;

  SessionOptions options_;
  std::shared_ptr<Transport> transport_;
  ApiMetrics* metrics_;
  std::shared_ptr<spdlog::logger> logger_;

  mutable std::mutex token_mutex_;  ///< guards token_ and login_count_
  std::optional<Token> token_;
  std::uint64_t next_generation_ = 1;
  std::uint64_t login_count_ = 0;
  std::mutex login_mutex_;  ///< held during a login, so that concurrent callers share it
};

/// The session of a configured target: its flavor, username and password reference.
std::shared_ptr<ApiSession> MakeSession(const TargetConfig& target,
                                        std::shared_ptr<Transport> transport, ApiMetrics* metrics,
                                        std::shared_ptr<spdlog::logger> logger);

/// One call whose 2xx body `decode(operation, body)` turns into the result. A 2xx that does
/// not decode is marked ApiError::sent: the server took the request.
template <class Decode>
auto CallAndDecode(ApiSession& session, std::string_view operation, HttpRequest request,
                   Decode decode) -> decltype(decode(operation, std::string_view())) {
  auto response = session.Call(operation, std::move(request));
  if (!response) return ports::MakeUnexpected(std::move(response).Error());
  auto decoded = decode(operation, std::string_view(response->body));
  if (!decoded) {
    ports::ApiError error = std::move(decoded).Error();
    error.sent = true;
    return ports::MakeUnexpected(std::move(error));
  }
  return decoded;
}

/// Percent-encodes one path segment or query value (RFC 3986 unreserved characters pass).
std::string EncodeUriComponent(std::string_view value);

}  // namespace vsrd::daemon::vsphere
