#include "daemon/vsphere/api_session.hpp"

#include <utility>
#include <vector>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "daemon/vsphere/codec/error_codec.hpp"
#include "daemon/vsphere/codec/redact.hpp"
#include "daemon/vsphere/codec/session_codec.hpp"
#include "daemon/vsphere/credentials.hpp"
#include "daemon/vsphere/pass_budget.hpp"
#include "reconcilers/ports/operations.hpp"

namespace vsrd::daemon::vsphere {

namespace {

constexpr std::string_view kVcenterSessionHeader = "vmware-api-session-id";
constexpr std::string_view kUpdateManagerSessionHeader = "x-dr-session";

std::string_view SessionHeader(AuthScheme scheme) {
  return scheme == AuthScheme::kVcenter ? kVcenterSessionHeader : kUpdateManagerSessionHeader;
}

std::string_view SessionPath(AuthScheme scheme) {
  return scheme == AuthScheme::kVcenter ? "/api/session" : "/session";
}

codec::ErrorDialect Dialect(AuthScheme scheme) {
  return scheme == AuthScheme::kVcenter ? codec::ErrorDialect::kVapi
                                        : codec::ErrorDialect::kUpdateManager;
}

/// "Basic base64(user:password)"; the intermediate buffers are wiped.
ports::Secret BasicAuthorization(const std::string& username, const ports::Secret& password) {
  std::string plain = username + ":" + password.Reveal();
  std::string encoded(4 * ((plain.size() + 2) / 3) + 1, '\0');
  const int length = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(encoded.data()),
                                     reinterpret_cast<const unsigned char*>(plain.data()),
                                     static_cast<int>(plain.size()));
  OPENSSL_cleanse(plain.data(), plain.size());
  encoded.resize(static_cast<std::size_t>(length));
  ports::Secret header("Basic " + encoded);
  OPENSSL_cleanse(encoded.data(), encoded.size());
  return header;
}

std::string CodeLabel(const Result<HttpResponse>& result) {
  if (result) return std::to_string(result->status);
  return std::string(ports::ErrorKindName(result.Error().kind));
}

}  // namespace

ApiSession::ApiSession(SessionOptions options, std::shared_ptr<Transport> transport,
                       ApiMetrics* metrics, std::shared_ptr<spdlog::logger> logger)
    : options_(std::move(options)),
      transport_(std::move(transport)),
      metrics_(metrics),
      logger_(std::move(logger)) {}

std::optional<ApiSession::Token> ApiSession::CurrentToken() const {
  const std::lock_guard lock(token_mutex_);
  return token_;
}

std::uint64_t ApiSession::LoginCount() const {
  const std::lock_guard lock(token_mutex_);
  return login_count_;
}

bool ApiSession::LoggedIn() const {
  const std::lock_guard lock(token_mutex_);
  return token_.has_value();
}

void ApiSession::Log(std::string_view operation, const HttpRequest& request) const {
  if (!logger_ || !logger_->should_log(spdlog::level::debug)) return;
  std::string headers;
  for (const auto& [name, value] : request.headers) {
    headers += " " + name + "=" + codec::RedactHeaderForLog(name, value);
  }
  logger_->debug("target={} operation={} request {} {}{}{}{}", options_.target, operation,
                 request.method, request.target, headers, request.body.empty() ? "" : " body=",
                 request.body.empty() ? "" : codec::RedactBodyForLog(request.body));
}

Result<HttpResponse> ApiSession::Exchange(std::string_view operation, const HttpRequest& request,
                                          bool sensitive_response) {
  if (!PassBudget::AllowsCall(options_.request_timeout)) {
    // Not sent: the pass would outlive its budget (pass_budget.hpp). The object is requeued
    // and the next pass starts with a whole budget.
    ports::ApiError error;
    error.kind = ports::ErrorKind::kTimeout;
    error.operation = std::string(operation);
    error.detail = "not sent: less than the request timeout is left of the pass's time budget";
    return ports::MakeUnexpected(std::move(error));
  }
  Log(operation, request);
  const auto started = std::chrono::steady_clock::now();
  Result<HttpResponse> result = transport_->Send(request, options_.request_timeout);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  if (metrics_ != nullptr) metrics_->Record(options_.target, operation, CodeLabel(result), seconds);
  if (logger_ && logger_->should_log(spdlog::level::debug)) {
    if (result) {
      logger_->debug("target={} operation={} response {} in {:.1f} ms body={}", options_.target,
                     operation, result->status, seconds * 1000,
                     sensitive_response && result->status < 300
                         ? std::string(ports::Secret::kRedacted)
                         : codec::RedactBodyForLog(result->body));
    } else {
      logger_->debug("target={} operation={} failed after {:.1f} ms: {}", options_.target,
                     operation, seconds * 1000, result.Error().Summary());
    }
  }
  if (!result) {
    ports::ApiError error = std::move(result).Error();
    error.operation = std::string(operation);
    return ports::MakeUnexpected(std::move(error));
  }
  if (result->status != 503) PassBudget::NoteAnswered();
  if (result->status < 200 || result->status >= 300) {
    ports::ApiError error = codec::DecodeErrorResponse(operation, result->status, result->body,
                                                       Dialect(options_.scheme));
    error.sent = true;  // answered: the server had the whole request
    return ports::MakeUnexpected(std::move(error));
  }
  return result;
}

Result<void> ApiSession::DoLogin() {
  const std::string_view operation = ports::operations::kSessionCreate;
  if (!options_.password) {
    ports::ApiError error;
    error.kind = ports::ErrorKind::kCredentials;
    error.operation = std::string(operation);
    error.detail = "no password configured";
    return ports::MakeUnexpected(std::move(error));
  }
  auto password = options_.password();
  if (!password) {
    ports::ApiError error = std::move(password).Error();
    error.operation = std::string(operation);
    return ports::MakeUnexpected(std::move(error));
  }
  const ports::Secret authorization = BasicAuthorization(options_.username, *password);
  HttpRequest request{"POST",
                      std::string(SessionPath(options_.scheme)),
                      {{"authorization", authorization.Reveal()}},
                      ""};
  auto response = Exchange(operation, request, /*sensitive_response=*/true);
  OPENSSL_cleanse(request.headers.front().second.data(), request.headers.front().second.size());
  if (!response) return ports::MakeUnexpected(std::move(response).Error());

  auto token = options_.scheme == AuthScheme::kVcenter
                   ? codec::DecodeVcenterSessionToken(response->body)
                   : codec::DecodeUpdateManagerSessionId(response->body);
  OPENSSL_cleanse(response->body.data(), response->body.size());
  if (!token) {
    ports::ApiError error = std::move(token).Error();
    error.operation = std::string(operation);
    return ports::MakeUnexpected(std::move(error));
  }
  {
    const std::lock_guard lock(token_mutex_);
    token_ = Token{std::move(token).Value(), next_generation_++};
    ++login_count_;
  }
  if (logger_) logger_->info("target={} logged in as {}", options_.target, options_.username);
  return {};
}

Result<void> ApiSession::Relogin(std::uint64_t stale_generation) {
  // Serialises logins: a caller that waited here while another logged in finds a newer token
  // and uses it instead of logging in again (no login storms after a session expiry).
  const std::lock_guard login_lock(login_mutex_);
  if (const auto current = CurrentToken(); current && current->generation > stale_generation) {
    return {};
  }
  return DoLogin();
}

Result<void> ApiSession::Login() {
  const auto current = CurrentToken();
  if (current) return {};
  return Relogin(0);
}

Result<HttpResponse> ApiSession::Call(std::string_view operation, HttpRequest request) {
  auto token = CurrentToken();
  // A failed login means the call itself was never sent (ApiError::sent is about the call).
  const auto not_sent = [](ports::ApiError error) {
    error.sent = false;
    return ports::MakeUnexpected(std::move(error));
  };
  if (!token) {
    if (auto login = Relogin(0); !login) return not_sent(std::move(login).Error());
    token = CurrentToken();
  }
  const std::string header_name(SessionHeader(options_.scheme));
  request.headers.emplace_back(header_name, token ? token->value.Reveal() : std::string());
  auto result = Exchange(operation, request, false);
  if (result || result.Error().kind != ports::ErrorKind::kApi ||
      result.Error().http_status != 401) {
    return result;
  }
  // The session expired or was dropped; the call did not run. Log in once and repeat it.
  if (logger_) {
    logger_->info("target={} operation={} session rejected (401); logging in again",
                  options_.target, operation);
  }
  if (auto login = Relogin(token ? token->generation : 0); !login) {
    return not_sent(std::move(login).Error());
  }
  token = CurrentToken();
  request.headers.back().second = token ? token->value.Reveal() : std::string();
  return Exchange(operation, request, false);
}

void ApiSession::Logout() {
  const std::lock_guard login_lock(login_mutex_);
  std::optional<Token> token;
  {
    const std::lock_guard lock(token_mutex_);
    token.swap(token_);
  }
  if (!token) return;
  HttpRequest request{"DELETE",
                      std::string(SessionPath(options_.scheme)),
                      {{std::string(SessionHeader(options_.scheme)), token->value.Reveal()}},
                      ""};
  auto result = Exchange(ports::operations::kSessionDelete, request, false);
  if (!result && logger_) {
    // A 401 means the session had already ended (expired, or the appliance restarted).
    const bool already_ended =
        result.Error().kind == ports::ErrorKind::kApi && result.Error().http_status == 401;
    logger_->log(already_ended ? spdlog::level::debug : spdlog::level::warn, "target={} logout: {}",
                 options_.target, result.Error().Summary());
  }
}

std::shared_ptr<ApiSession> MakeSession(const TargetConfig& target,
                                        std::shared_ptr<Transport> transport, ApiMetrics* metrics,
                                        std::shared_ptr<spdlog::logger> logger) {
  SessionOptions options;
  options.target = target.name;
  options.scheme =
      target.api == ApiFlavor::kVcenter ? AuthScheme::kVcenter : AuthScheme::kUpdateManager;
  options.username = target.username;
  options.request_timeout =
      std::chrono::duration_cast<std::chrono::milliseconds>(target.request_timeout);
  options.password = [ref = target.password] { return ReadSecret(ref); };
  return std::make_shared<ApiSession>(std::move(options), std::move(transport), metrics,
                                      std::move(logger));
}

std::string EncodeUriComponent(std::string_view value) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(value.size());
  for (const char c : value) {
    const auto byte = static_cast<unsigned char>(c);
    if ((byte >= 'A' && byte <= 'Z') || (byte >= 'a' && byte <= 'z') ||
        (byte >= '0' && byte <= '9') || c == '-' || c == '.' || c == '_' || c == '~') {
      out += c;
    } else {
      out += '%';
      out += kHex[byte >> 4];
      out += kHex[byte & 0x0f];
    }
  }
  return out;
}

}  // namespace vsrd::daemon::vsphere
