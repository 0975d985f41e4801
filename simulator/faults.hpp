#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "simulator/clock.hpp"
#include "simulator/http.hpp"

// Scripted, deterministic faults: "the Nth call matching (persona, method, path, action) and the
// K-1 after it are answered with X". Tests loop over every failure point with them.

namespace vsrd::simulator {

struct FaultRule {
  int id = 0;           ///< assigned by FaultSet::Add
  std::string persona;  ///< "" = any persona
  std::string method;   ///< "" = any method
  std::string path;     ///< a path template ("/api/cis/tasks/{task}") or a concrete path
  std::string action;   ///< "" = any; otherwise the ?action= value
  int nth = 1;          ///< the first matching call (1-based) that fails
  int times = 1;        ///< how many consecutive matching calls fail; 0 = forever
  // What the failing calls get:
  Disposition disposition = Disposition::kRespond;
  int status = 0;          ///< with kRespond: this status; 0 = only delay
  std::string error_type;  ///< vAPI error_type for the body ("" = none / plain)
  std::string message = "injected fault";
  Duration delay{0};  ///< real-time delay before the answer (or the handler)

  int matched = 0;  ///< matching calls seen so far
  int fired = 0;    ///< calls this rule has failed
};

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
