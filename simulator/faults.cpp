#include "simulator/faults.hpp"

#include "manifests/duration.hpp"
#include "simulator/router.hpp"
#include "simulator/vapi_error.hpp"

namespace vsrd::simulator {
namespace {

constexpr std::array<std::pair<std::string_view, Disposition>, 7> kDispositions{{
    {"respond", Disposition::kRespond},
    {"reset", Disposition::kReset},
    {"close", Disposition::kClose},
    {"truncate", Disposition::kTruncate},
    {"garbage", Disposition::kGarbage},
    {"refuse", Disposition::kRefuse},
    {"hold", Disposition::kHold},
}};

}  // namespace

std::string_view DispositionName(Disposition disposition) {
  for (const auto& [name, value] : kDispositions) {
    if (value == disposition) return name;
  }
  return "respond";
}

std::optional<FaultRule> FaultRuleFromJson(const nlohmann::json& json, std::string& error) {
  if (!json.is_object()) {
    error = "a fault rule must be a JSON object";
    return std::nullopt;
  }
  static const std::vector<std::string> kKeys{
      "persona", "method", "path",       "action",  "nth",   "times", "answer",
      "execute", "status", "error_type", "message", "delay", "body"};
  for (const auto& [key, value] : json.items()) {
    if (std::find(kKeys.begin(), kKeys.end(), key) == kKeys.end()) {
      error = "unknown fault field \"" + key + "\"";
      return std::nullopt;
    }
  }
  FaultRule rule;
  try {
    rule.persona = json.value("persona", "");
    rule.method = json.value("method", "");
    rule.path = json.value("path", "");
    rule.action = json.value("action", "");
    rule.nth = json.value("nth", 1);
    rule.times = json.value("times", 1);
    rule.execute = json.value("execute", false);
    rule.status = json.value("status", 0);
    rule.error_type = json.value("error_type", "");
    rule.message = json.value("message", "injected fault");
    rule.body = json.value("body", "");
    const std::string answer = json.value("answer", "respond");
    const auto found = std::find_if(kDispositions.begin(), kDispositions.end(),
                                    [&](const auto& entry) { return entry.first == answer; });
    if (found == kDispositions.end()) {
      error = "answer must be one of respond, reset, close, truncate, garbage, refuse, hold";
      return std::nullopt;
    }
    rule.disposition = found->second;
    if (json.contains("delay")) {
      const auto delay = manifests::ParseDuration(json.at("delay").get<std::string>());
      if (!delay) {
        error = "delay must be a duration such as 300ms or 2s";
        return std::nullopt;
      }
      rule.delay = *delay;
    }
  } catch (const nlohmann::json::exception& e) {
    error = std::string("bad fault field type: ") + e.what();
    return std::nullopt;
  }
  if (rule.path != "*" && (rule.path.empty() || rule.path.front() != '/')) {
    error = "path is required and must start with '/' (or be \"*\" for every API path)";
    return std::nullopt;
  }
  if (rule.nth < 1 || rule.times < 0) {
    error = "nth must be >= 1 and times >= 0";
    return std::nullopt;
  }
  if (!rule.error_type.empty() && !IsErrorType(rule.error_type)) {
    error = "error_type \"" + rule.error_type + "\" is not a vAPI error type";
    return std::nullopt;
  }
  if (rule.disposition == Disposition::kHold && (rule.status != 0 || !rule.error_type.empty())) {
    error = "a hold fault answers nothing: status and error_type do not apply";
    return std::nullopt;
  }
  if (rule.disposition == Disposition::kRespond && rule.status == 0 && !rule.error_type.empty()) {
    rule.status = StatusForErrorType(rule.error_type);
  }
  if (!rule.body.empty() && (rule.disposition != Disposition::kRespond || rule.status == 0)) {
    error = "a body is sent with a respond fault's status: give a status or an error_type";
    return std::nullopt;
  }
  if (rule.disposition == Disposition::kRespond && rule.status == 0 && rule.delay.count() == 0) {
    error = "a respond fault needs a status, an error_type or a delay";
    return std::nullopt;
  }
  if (rule.status != 0 && (rule.status < 100 || rule.status > 599)) {
    error = "status must be an HTTP status code";
    return std::nullopt;
  }
  return rule;
}

nlohmann::json FaultRuleToJson(const FaultRule& rule) {
  return {{"id", rule.id},
          {"persona", rule.persona},
          {"method", rule.method},
          {"path", rule.path},
          {"action", rule.action},
          {"nth", rule.nth},
          {"times", rule.times},
          {"answer", DispositionName(rule.disposition)},
          {"execute", rule.execute},
          {"status", rule.status},
          {"error_type", rule.error_type},
          {"message", rule.message},
          {"delay", manifests::FormatDuration(rule.delay)},
          {"body", rule.body},
          {"matched", rule.matched},
          {"fired", rule.fired}};
}

int FaultSet::Add(FaultRule rule) {
  rule.id = next_id_++;
  rule.matched = 0;
  rule.fired = 0;
  rules_.push_back(std::move(rule));
  return rules_.back().id;
}

bool FaultSet::Remove(int id) {
  const auto it = std::find_if(rules_.begin(), rules_.end(),
                               [&](const FaultRule& rule) { return rule.id == id; });
  if (it == rules_.end()) return false;
  rules_.erase(it);
  return true;
}

const FaultRule* FaultSet::Match(std::string_view persona, const Request& request,
                                 std::string_view path_template) {
  const FaultRule* firing = nullptr;
  const std::string action = request.Query("action").value_or("");
  for (auto& rule : rules_) {
    if (!rule.persona.empty() && rule.persona != persona) continue;
    if (!rule.method.empty() && rule.method != request.method) continue;
    if (!rule.action.empty() && rule.action != action) continue;
    PathParams ignored;
    if (rule.path != "*" && rule.path != path_template &&
        !MatchPathTemplate(rule.path, request.path, ignored)) {
      continue;
    }
    ++rule.matched;
    const bool in_window =
        rule.matched >= rule.nth && (rule.times == 0 || rule.matched < rule.nth + rule.times);
    if (in_window && firing == nullptr) {
      ++rule.fired;
      firing = &rule;
    }
  }
  return firing;
}

}  // namespace vsrd::simulator
