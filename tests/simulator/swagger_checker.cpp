#include "tests/simulator/swagger_checker.hpp"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <stdexcept>

namespace vsrd::simulator::testing {
namespace {

// "/api/vm/{vm}/x" -> "/api/vm/{}/x": variable names differ between files and routers.
std::string Normalize(std::string_view key) {
  std::string out;
  bool in_braces = false;
  for (const char c : key) {
    if (c == '{') {
      in_braces = true;
      out += "{}";
    } else if (c == '}') {
      in_braces = false;
    } else if (!in_braces) {
      out += c;
    }
  }
  return out;
}

std::string Lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

bool IsDateTime(const std::string& text) {
  // RFC 3339 as vAPI sends it: YYYY-MM-DDTHH:MM:SS[.fff]Z
  if (text.size() < 20 || text[4] != '-' || text[7] != '-' || text[10] != 'T' || text[13] != ':' ||
      text[16] != ':') {
    return false;
  }
  return text.back() == 'Z' || text.find('+', 19) != std::string::npos;
}

}  // namespace

void SwaggerChecker::LoadFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot read " + path);
  const auto spec = nlohmann::json::parse(in);
  for (const auto& [key, item] : spec.at("paths").items()) paths_[Normalize(key)] = item;
  for (const auto& [name, schema] : spec.at("definitions").items()) definitions_[name] = schema;
}

void SwaggerChecker::AddOverride(SchemaOverride override_entry) {
  overrides_.push_back(std::move(override_entry));
}

std::string SwaggerChecker::PathKey(std::string_view path_template, std::string_view action,
                                    bool vmw_task) {
  std::string key(path_template);
  if (!action.empty()) {
    key += "?action=";
    key += action;
    if (vmw_task) key += "&vmw-task=true";
  } else if (vmw_task) {
    key += "?vmw-task=true";
  }
  return key;
}

const nlohmann::json* SwaggerChecker::FindOperation(std::string_view method,
                                                    std::string_view key) const {
  const auto it = paths_.find(Normalize(key));
  if (it == paths_.end()) return nullptr;
  const std::string verb = Lower(method);
  if (!it->second.contains(verb)) return nullptr;
  return &it->second.at(verb);
}

bool SwaggerChecker::HasOperation(std::string_view method, std::string_view key) const {
  return FindOperation(method, key) != nullptr;
}

std::vector<std::string> SwaggerChecker::CheckResponse(std::string_view method,
                                                       std::string_view key, int status,
                                                       const std::string& body) const {
  const nlohmann::json* operation = FindOperation(method, key);
  if (operation == nullptr) {
    return {std::string(method) + " " + std::string(key) + ": not in the Swagger files"};
  }
  const auto& responses = operation->at("responses");
  const std::string code = std::to_string(status);
  if (!responses.contains(code)) {
    std::string declared;
    for (const auto& [declared_code, ignored] : responses.items()) declared += " " + declared_code;
    return {std::string(method) + " " + std::string(key) + ": status " + code +
            " is not declared (declared:" + declared + ")"};
  }
  const auto& response = responses.at(code);
  if (!response.contains("schema")) {
    if (!body.empty()) return {code + ": the spec declares no body, got " + body.substr(0, 80)};
    return {};
  }
  const auto value = nlohmann::json::parse(body, nullptr, false);
  if (body.empty() || value.is_discarded()) return {code + ": the body is not JSON"};
  return Validate(response.at("schema"), value, "body");
}

std::vector<std::string> SwaggerChecker::Validate(const nlohmann::json& schema,
                                                  const nlohmann::json& value,
                                                  const std::string& where) const {
  std::vector<std::string> problems;
  ValidateInto(schema, value, where, "", problems, 0);
  return problems;
}

void SwaggerChecker::ValidateInto(const nlohmann::json& schema, const nlohmann::json& value,
                                  const std::string& where, const std::string& definition,
                                  std::vector<std::string>& problems, int depth) const {
  if (depth > 64) {
    problems.push_back(where + ": schema nesting too deep");
    return;
  }
  if (schema.contains("$ref")) {
    const std::string ref = schema.at("$ref").get<std::string>();
    const std::string prefix = "#/definitions/";
    if (!ref.starts_with(prefix) || !definitions_.contains(ref.substr(prefix.size()))) {
      problems.push_back(where + ": unresolvable $ref " + ref);
      return;
    }
    const std::string name = ref.substr(prefix.size());
    ValidateInto(definitions_.at(name), value, where, name, problems, depth + 1);
    return;
  }
  if (schema.contains("enum")) {
    const auto& values = schema.at("enum");
    if (std::find(values.begin(), values.end(), value) == values.end()) {
      problems.push_back(where + ": " + value.dump() + " is not one of " + values.dump());
      return;
    }
  }
  const std::string type = schema.value("type", "");
  if (type == "object" || (type.empty() && schema.contains("properties"))) {
    if (!value.is_object()) {
      problems.push_back(where + ": expected an object, got " + value.dump().substr(0, 60));
      return;
    }
    const auto properties = schema.value("properties", nlohmann::json::object());
    for (const auto& required : schema.value("required", nlohmann::json::array())) {
      if (!value.contains(required.get<std::string>())) {
        problems.push_back(where + ": required field \"" + required.get<std::string>() +
                           "\" is missing");
      }
    }
    for (const auto& item : value.items()) {
      const std::string& key = item.key();
      const nlohmann::json& child = item.value();
      std::string child_where = where;
      child_where += '.';
      child_where += key;
      const auto override_it = std::find_if(
          overrides_.begin(), overrides_.end(),
          [&](const SchemaOverride& o) { return o.definition == definition && o.property == key; });
      if (override_it != overrides_.end()) {
        ValidateInto(override_it->schema, child, child_where, "", problems, depth + 1);
      } else if (properties.contains(key)) {
        ValidateInto(properties.at(key), child, child_where, "", problems, depth + 1);
      } else if (schema.contains("additionalProperties") &&
                 schema.at("additionalProperties").is_object()) {
        ValidateInto(schema.at("additionalProperties"), child, child_where, "", problems,
                     depth + 1);
      } else if (!properties.empty()) {
        // An object schema with no properties at all (e.g. a task `result`) takes anything.
        problems.push_back(child_where + ": field not defined by the spec" +
                           (definition.empty() ? "" : " (" + definition + ")"));
      }
    }
    return;
  }
  if (type == "array") {
    if (!value.is_array()) {
      problems.push_back(where + ": expected an array, got " + value.dump().substr(0, 60));
      return;
    }
    for (std::size_t i = 0; i < value.size(); ++i) {
      ValidateInto(schema.value("items", nlohmann::json::object()), value[i],
                   where + "[" + std::to_string(i) + "]", "", problems, depth + 1);
    }
    return;
  }
  if (type == "string") {
    if (!value.is_string()) {
      problems.push_back(where + ": expected a string, got " + value.dump().substr(0, 60));
    } else if (schema.value("format", "") == "date-time" && !IsDateTime(value.get<std::string>())) {
      problems.push_back(where + ": not an RFC 3339 date-time: " + value.dump());
    }
    return;
  }
  if (type == "integer" && !value.is_number_integer()) {
    problems.push_back(where + ": expected an integer, got " + value.dump().substr(0, 60));
  } else if (type == "number" && !value.is_number()) {
    problems.push_back(where + ": expected a number, got " + value.dump().substr(0, 60));
  } else if (type == "boolean" && !value.is_boolean()) {
    problems.push_back(where + ": expected a boolean, got " + value.dump().substr(0, 60));
  }
}

const SwaggerChecker& OfficialSpecs() {
  static const SwaggerChecker kChecker = [] {
    SwaggerChecker checker;
    for (const char* file : {"7.0.3/vcenter.json", "8.0.2/esx.json", "8.0.2/cis.json",
                             "8.0.2/session.json", "8.0.2/appliance.json"}) {
      checker.LoadFile(std::string(VSRD_SWAGGER_DIR) + "/" + file);
    }
    for (const char* definition : {"CisTaskInfo", "VcenterDeploymentInfo", "VcenterDeploymentTask",
                                   "ApplianceTaskInfo", "ApplianceSubtaskInfo"}) {
      checker.AddOverride(
          {definition, "error", {{"type", "object"}}, "task errors are std-error objects"});
    }
    return checker;
  }();
  return kChecker;
}

}  // namespace vsrd::simulator::testing
