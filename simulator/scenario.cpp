#include "simulator/scenario.hpp"

#include <fstream>
#include <set>
#include <sstream>
#include <tuple>

#include "manifests/bounded_file.hpp"
#include "manifests/names.hpp"
#include "net/listen_address.hpp"

namespace vsrd::simulator {
namespace {

using manifests::MapReader;
using manifests::ReadContext;

constexpr std::array<std::string_view, 2> kPersonaTypes{"vcenter", "update-manager"};

void DecodeUsers(ReadContext& context, const YAML::Node& node, const std::string& path,
                 PersonaScenario& persona) {
  if (!node.IsMap()) {
    context.Error(
        node, path,
        "must be a mapping of user name to {password}, got " + manifests::DescribeNode(node));
    return;
  }
  for (const auto& entry : node) {
    const std::string name = entry.first.IsScalar() ? entry.first.Scalar() : "";
    const MapReader user(context, entry.second, manifests::JoinPath(path, name), {"password"});
    if (const auto password = user.Require("password")) {
      if (auto text = manifests::ReadString(context, *password, user.Path("password"))) {
        persona.users.push_back(UserScenario{name, std::move(*text)});
      }
    }
  }
}

std::optional<PersonaScenario> DecodePersona(ReadContext& context, const std::string& name,
                                             const YAML::Node& node, const std::string& path) {
  const MapReader map(context, node, path, {"type", "listen", "users", "sessions", "state"});
  if (!map.IsValid()) return std::nullopt;
  const std::size_t errors = context.ErrorCount();
  PersonaScenario persona;
  persona.name = name;
  if (const auto value = map.Require("type")) {
    persona.type =
        manifests::ReadOneOf(context, *value, map.Path("type"), kPersonaTypes).value_or("");
  }
  if (const auto value = map.Require("listen")) {
    persona.listen = manifests::ReadString(context, *value, map.Path("listen")).value_or("");
    std::string problem;
    if (!persona.listen.empty() && !net::ParseListenAddress(persona.listen, problem)) {
      context.Error(*value, map.Path("listen"),
                    "\"" + persona.listen + "\" is not a listen address: " + problem);
    }
  }
  if (const auto value = map.Require("users"))
    DecodeUsers(context, *value, map.Path("users"), persona);
  if (const auto value = map.Get("sessions")) {
    const MapReader sessions(context, *value, map.Path("sessions"),
                             {"idle_timeout", "max_lifetime"});
    if (const auto idle = sessions.Get("idle_timeout")) {
      persona.session_idle_timeout =
          manifests::ReadDuration(context, *idle, sessions.Path("idle_timeout"), Duration{1})
              .value_or(persona.session_idle_timeout);
    }
    if (const auto max = sessions.Get("max_lifetime")) {
      persona.session_max_lifetime =
          manifests::ReadDuration(context, *max, sessions.Path("max_lifetime"), Duration{1})
              .value_or(persona.session_max_lifetime);
    }
  }
  const YAML::Node state = map.Get("state").value_or(YAML::Node(YAML::NodeType::Map));
  if (persona.type == "vcenter") {
    persona.state = DecodeVcenterState(context, state);
  } else if (persona.type == "update-manager") {
    persona.state = DecodeUpdateManagerState(context, state);
  }
  if (context.ErrorCount() != errors) return std::nullopt;
  return persona;
}

// One `faults:` entry: the fields of POST /sim/faults, checked by FaultRuleFromJson.
std::optional<FaultRule> DecodeFault(ReadContext& context, const YAML::Node& node,
                                     const std::string& path) {
  const MapReader map(context, node, path,
                      {"persona", "method", "path", "action", "nth", "times", "answer", "execute",
                       "status", "error_type", "message", "delay", "body"});
  if (!map.IsValid()) return std::nullopt;
  const std::size_t errors = context.ErrorCount();
  nlohmann::json json = nlohmann::json::object();
  for (const char* key : {"persona", "method", "path", "action", "answer", "error_type", "message",
                          "delay", "body"}) {
    if (const auto value = map.Get(key)) {
      if (auto text = manifests::ReadString(context, *value, map.Path(key))) json[key] = *text;
    }
  }
  if (const auto value = map.Get("execute")) {
    if (const auto flag = manifests::ReadBool(context, *value, map.Path("execute"))) {
      json["execute"] = *flag;
    }
  }
  for (const auto& [key, min, max] :
       {std::tuple{"nth", 1, 1'000'000}, std::tuple{"times", 0, 1'000'000},
        std::tuple{"status", 100, 599}}) {
    if (const auto value = map.Get(key)) {
      if (const auto number = manifests::ReadInt(context, *value, map.Path(key), min, max)) {
        json[key] = *number;
      }
    }
  }
  if (context.ErrorCount() != errors) return std::nullopt;
  std::string problem;
  auto rule = FaultRuleFromJson(json, problem);
  if (!rule) context.Error(node, path, problem);
  return rule;
}

}  // namespace

ScenarioResult DecodeScenario(std::string_view text, const std::string& file) {
  ScenarioResult result;
  ReadContext context(file, result.diagnostics);
  // A lab may be large (every VM of an inventory), but not unbounded.
  const auto documents = manifests::LoadYamlDocuments(
      context, text,
      manifests::YamlLimits{.max_documents = 1, .max_expanded_nodes = 5'000'000, .max_depth = 64});
  if (!documents) return result;
  const YAML::Node root = documents->empty() ? YAML::Node() : documents->front();
  Scenario scenario;
  scenario.file = file;
  const MapReader top(context, root, "", {"clock", "personas", "faults"});
  if (!top.IsValid()) return result;
  ParseTime("2026-01-01T00:00:00Z", scenario.clock_start);
  if (const auto clock = top.Get("clock")) {
    const MapReader map(context, *clock, "clock", {"start"});
    if (const auto start = map.Get("start")) {
      if (const auto text_value = manifests::ReadString(context, *start, "clock.start")) {
        if (!ParseTime(*text_value, scenario.clock_start)) {
          context.Error(*start, "clock.start",
                        "must be an RFC 3339 UTC time such as 2026-01-01T00:00:00Z");
        }
      }
    }
  }
  std::set<std::string> listens;
  if (const auto personas = top.Require("personas")) {
    if (!personas->IsMap() || personas->size() == 0) {
      context.Error(*personas, "personas", "must be a non-empty mapping of persona names");
    } else {
      for (const auto& entry : *personas) {
        const std::string name = entry.first.IsScalar() ? entry.first.Scalar() : "";
        const std::string path = manifests::JoinPath("personas", name);
        if (!manifests::IsDns1123Label(name)) {
          context.Error(entry.first, path,
                        "\"" + name + "\" is not a valid persona name: " +
                            std::string(manifests::kDns1123LabelRule));
          continue;
        }
        if (auto persona = DecodePersona(context, name, entry.second, path)) {
          // Two personas cannot bind one address; port 0 (a free port each) never conflicts.
          // Compared in canonical form: localhost:8443 and 127.0.0.1:8443 are one address.
          const auto address = net::ParseListenAddress(persona->listen);
          if (address && address->port != 0 &&
              !listens.insert(net::FormatListenAddress(*address)).second) {
            context.Error(entry.first, path + ".listen",
                          "\"" + persona->listen + "\" is used by another persona");
            continue;
          }
          persona->clock_start = scenario.clock_start;
          scenario.personas.push_back(std::move(*persona));
        }
      }
    }
  }
  if (const auto faults = top.Get("faults")) {
    if (const auto sequence = manifests::ReadSequence(context, *faults, "faults")) {
      for (std::size_t i = 0; i < sequence->size(); ++i) {
        const std::string path = manifests::IndexPath("faults", i);
        if (auto rule = DecodeFault(context, (*sequence)[i], path)) {
          scenario.faults.push_back(std::move(*rule));
        }
      }
    }
  }
  manifests::SortByLocation(result.diagnostics);
  if (context.ErrorCount() == 0) result.scenario = std::move(scenario);
  return result;
}

ScenarioResult LoadScenario(const std::filesystem::path& path) {
  ScenarioResult result;
  const auto text = manifests::ReadTextFile(path, path.string(), kMaxScenarioBytes,
                                            result.diagnostics, "cannot read scenario");
  if (!text) return result;
  return DecodeScenario(*text, path.string());
}

}  // namespace vsrd::simulator
