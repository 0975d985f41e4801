#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

// The simulator's HTTP types: plain structs, so that tests drive the simulator in-process
// (Simulator::Handle) exactly as the HTTPS server does, with no sockets.

namespace vsrd::simulator {

struct Request {
  std::string method;  ///< "GET", "POST", ...
  std::string path;    ///< percent-decoded path without the query: "/api/vcenter/vm/vm-42"
  std::multimap<std::string, std::string> query;  ///< percent-decoded
  std::map<std::string, std::string> headers;     ///< names lowercased
  std::string body;
  /// The peer address; /sim/ admin endpoints answer only loopback peers.
  std::string remote_address = "127.0.0.1";

  /// The first value of a query parameter.
  std::optional<std::string> Query(std::string_view key) const;
  /// A header by lowercase name.
  std::optional<std::string> Header(std::string_view name) const;

  /// Builds a request from a method and an origin-form target ("/p/a?x=1&y=%20").
  static Request FromTarget(std::string method, std::string_view target, std::string body = "");
};

struct Response {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;

  static Response Json(int status, const nlohmann::json& body);
  static Response NoContent();
  /// A status with no body at all (update-manager 401/404).
  static Response Empty(int status);
};

/// How the server delivers a Response; faults and restarts use the non-kRespond values.
enum class Disposition {
  kRespond,   ///< send the response
  kReset,     ///< abort the connection with a TCP reset, no response
  kClose,     ///< close the connection cleanly without answering
  kTruncate,  ///< send the headers and half the body, then close
  kGarbage,   ///< send bytes that are not HTTP, then close
  kRefuse,    ///< the persona is down: refuse connections (the server closes its listener)
  kHold,      ///< answer nothing and keep the connection open until `delay` passes (0: forever),
              ///< the client closes it or the server stops; then close it without answering
};

struct Reply {
  Response response;
  Disposition disposition = Disposition::kRespond;
  /// Wait this long (real time) before delivering; with kHold, how long to hold (0: no limit).
  std::chrono::milliseconds delay{0};
};

/// Percent-decodes `text` ('+' is kept as is); nullopt for a malformed escape.
std::optional<std::string> PercentDecode(std::string_view text);

}  // namespace vsrd::simulator
