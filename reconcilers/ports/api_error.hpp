#pragma once

#include <array>
#include <string>
#include <string_view>
#include <vector>

#include "reconcilers/ports/expected.hpp"

// The one error type of every port operation (docs/vsphere-api.md "Errors" for the vAPI std-error
// body, "The update-manager appliance API" for the update-manager ResponseError). `kind` says what
// failed: the server's answer, the network, TLS, or the response's shape. Messages never contain
// secrets: transport errors name the host and port, TLS errors the presented certificate's SHA-256
// thumbprint.

namespace vsrd::reconcilers::ports {

enum class ErrorKind {
  kApi,              ///< the server answered with an error status; http_status and error_type set
  kDns,              ///< the host name did not resolve
  kRefused,          ///< the connection was refused (nothing listening: e.g. appliance restart)
  kReset,            ///< the connection was reset or closed before a complete answer began
  kTlsVerification,  ///< the certificate chain, host name or pin did not verify
  kTls,              ///< another TLS failure (handshake, protocol)
  kTimeout,          ///< the request's deadline passed (connect, TLS, write or read)
  kTruncated,        ///< the answer ended before its announced length
  kProtocol,         ///< not a valid HTTP answer, or a body over the limit
  kBadJson,          ///< the body is not JSON
  kDecode,           ///< JSON without a required field, or with a wrong type or unknown enum value
  kCredentials,      ///< the target's password could not be read (file, env, credential)
  kCancelled,        ///< the client is shutting down
};
inline constexpr std::array<std::string_view, 13> kErrorKindNames{
    "api",       "dns",      "refused",  "reset",  "tls_verification", "tls",      "timeout",
    "truncated", "protocol", "bad_json", "decode", "credentials",      "cancelled"};

std::string_view ErrorKindName(ErrorKind kind);

/// LocalizableMessage: id, the English text with arguments substituted, the arguments.
struct LocalizableMessage {
  std::string id;
  std::string default_message;
  std::vector<std::string> args;
};

struct ApiError {
  ErrorKind kind = ErrorKind::kApi;
  std::string operation;  ///< fixed operation name, e.g. "vcha.passive.redeploy"
  int http_status = 0;    ///< 0 when no answer was received
  /// vAPI `error_type` (e.g. "NOT_ALLOWED_IN_CURRENT_STATE") or update-manager `error_code`;
  /// empty when the answer had no body or none was received.
  std::string error_type;
  std::vector<LocalizableMessage> messages;  ///< vAPI messages; update-manager `message` as one
  std::string data;    ///< JSON text of the vAPI `data` field; empty when absent
  std::string detail;  ///< what went wrong below the API (transport, TLS, decoding)
  /// The request was written in full, so the server may have run it: set by the transport for
  /// failures after the write and for every answer (kApi, kBadJson, kDecode). False: nothing
  /// reached the server complete (DNS, refused, TLS, a failed write, a deadline or shutdown
  /// before the write, a failed login before the call). The mutation protocol decides from it
  /// whether a failed submission was rejected or has an unknown outcome.
  bool sent = false;

  bool Is(std::string_view type) const { return kind == ErrorKind::kApi && error_type == type; }
  /// True for the failures that mean "could not talk to the server at all" (refused, reset,
  /// DNS, timeout, truncated): what an appliance restart looks like.
  bool IsUnreachable() const;
  /// One line for logs and status: "vcha.passive.check: 400 INVALID_ARGUMENT: <first message>".
  std::string Summary() const;
};

template <class T>
using Result = Expected<T, ApiError>;

/// A vSphere task id (cis task, or update-manager task).
struct TaskId {
  std::string value;
};

}  // namespace vsrd::reconcilers::ports
