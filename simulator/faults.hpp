#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "simulator/clock.hpp"
#include "simulator/http.hpp"

// Scripted, deterministic faults: "the Nth call matching (persona, method, path, action) and the
// K-1 after it are answered with X". Tests loop over every failure point with them. With
// `execute`, the call is first handled as usual (its state change happens) and the fault only
// spoils the delivery of the answer: "the server did it, the client never heard".

namespace vsrd::simulator {

struct FaultRule {
  int id = 0;           ///< assigned by FaultSet::Add
  std::string persona;  ///< "" = any persona
  std::string method;   ///< "" = any method
  std::string path;     ///< a path template ("/api/cis/tasks/{task}"), a concrete path, or "*"
                        ///< for every API request of the persona (never a /sim/ call)
  std::string action;   ///< "" = any; otherwise the ?action= value
  int nth = 1;          ///< the first matching call (1-based) that fails
  int times = 1;        ///< how many consecutive matching calls fail; 0 = forever
  // What the failing calls get:
  Disposition disposition = Disposition::kRespond;
  /// Handle the call first (state changes, tasks start, the log gets its real status), then
  /// deliver its answer as the disposition says. A delay-only kRespond always executes.
  bool execute = false;
  int status = 0;          ///< with kRespond: this status; 0 = only delay
  std::string error_type;  ///< vAPI error_type for the body ("" = none / plain)
  std::string message = "injected fault";
  /// With a status: the response body, sent as given with Content-Type: application/json,
  /// instead of the error_type's std-error or the persona's default ("" = those). Not checked
  /// or parsed: a test sends what a broken or hostile server would (issue 14: a 500 whose `data`
  /// nests 200,000 levels).
  std::string body;
  /// Real-time wait before the answer is delivered (the handler, when it runs, runs first);
  /// with kHold, how long to hold (0: until the client closes or the server stops).
  Duration delay{0};

  int matched = 0;  ///< matching calls seen so far
  int fired = 0;    ///< calls this rule has failed
};

/// The fault-rule and request-log name of a disposition: "respond", "reset", ..., "hold".
std::string_view DispositionName(Disposition disposition);

/// Parses a rule from JSON ({"path": ..., "status": 503, ...}); an error message on bad input.
std::optional<FaultRule> FaultRuleFromJson(const nlohmann::json& json, std::string& error);
nlohmann::json FaultRuleToJson(const FaultRule& rule);

class FaultSet {
 public:
  int Add(FaultRule rule);
  bool Remove(int id);
  void Clear() { rules_.clear(); }
  const std::vector<FaultRule>& Rules() const { return rules_; }

  /// Counts this call against every matching rule and returns the first rule that fires.
  /// `path_template` is the route template of the request's path ("" when unrouted).
  const FaultRule* Match(std::string_view persona, const Request& request,
                         std::string_view path_template);

 private:
  std::vector<FaultRule> rules_;
  int next_id_ = 1;
};

}  // namespace vsrd::simulator
