#include "daemon/http/status_json.hpp"

#include <stdexcept>
#include <string_view>

#include "daemon/engine/journal.hpp"
#include "manifests/utf8.hpp"

namespace vsrd::daemon {
namespace {

using nlohmann::json;
using reconcilers::Phase;

json TimeOrNull(const std::optional<WallTime>& time) {
  return time ? json(FormatWallTime(*time)) : json(nullptr);
}

// A field of the wrong shape; the message starts with the field's path.
class FieldError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

std::string Join(const std::string& path, std::string_view name) {
  return path.empty() ? std::string(name) : path + "." + std::string(name);
}

const json& Field(const json& object, std::string_view name, const std::string& path) {
  const auto it = object.find(name);
  if (it == object.end()) throw FieldError(Join(path, name) + ": required field is missing");
  return *it;
}

const json& Object(const json& value, const std::string& path) {
  if (!value.is_object()) throw FieldError(path + ": must be an object");
  return value;
}

const json& Array(const json& value, const std::string& path) {
  if (!value.is_array()) throw FieldError(path + ": must be an array");
  return value;
}

std::string String(const json& object, std::string_view name, const std::string& path) {
  const json& value = Field(object, name, path);
  if (!value.is_string()) throw FieldError(Join(path, name) + ": must be a string");
  return value.get<std::string>();
}

std::optional<std::string> NullableString(const json& object, std::string_view name,
                                          const std::string& path) {
  const json& value = Field(object, name, path);
  if (value.is_null()) return std::nullopt;
  if (!value.is_string()) throw FieldError(Join(path, name) + ": must be a string or null");
  return value.get<std::string>();
}

std::int64_t Integer(const json& value, const std::string& path) {
  if (!value.is_number_integer()) throw FieldError(path + ": must be an integer");
  return value.get<std::int64_t>();
}

WallTime Time(const json& object, std::string_view name, const std::string& path) {
  const std::string text = String(object, name, path);
  const auto time = ParseWallTime(text);
  if (!time) {
    throw FieldError(Join(path, name) + ": \"" + text + "\" is not an RFC 3339 UTC time");
  }
  return *time;
}

std::optional<WallTime> NullableTime(const json& object, std::string_view name,
                                     const std::string& path) {
  if (Field(object, name, path).is_null()) return std::nullopt;
  return Time(object, name, path);
}

Phase ParsePhase(const json& object, std::string_view name, const std::string& path) {
  const std::string text = String(object, name, path);
  for (std::size_t i = 0; i < reconcilers::kPhaseNames.size(); ++i) {
    if (reconcilers::kPhaseNames.at(i) == text) return static_cast<Phase>(i);
  }
  throw FieldError(Join(path, name) + ": unknown phase \"" + text + "\"");
}

ObjectStatus Decode(const json& in) {
  Object(in, "status");
  ObjectStatus status;
  const std::string kind = String(in, "kind", "");
  const auto parsed_kind = manifests::ParseKind(kind);
  if (!parsed_kind) throw FieldError("kind: unknown kind \"" + kind + "\"");
  status.key.kind = *parsed_kind;
  status.key.name = String(in, "name", "");
  status.target = String(in, "target", "");
  status.generation = String(in, "generation", "");
  status.observed_generation = String(in, "observed_generation", "");
  status.revision = String(in, "revision", "");
  status.phase = ParsePhase(in, "phase", "");

  const json& conditions = Array(Field(in, "conditions", ""), "conditions");
  bool ready_found = false;
  for (std::size_t i = 0; i < conditions.size(); ++i) {
    const std::string path = "conditions[" + std::to_string(i) + "]";
    const json& condition = Object(conditions[i], path);
    if (String(condition, "type", path) != "Ready") continue;
    ready_found = true;
    status.reason = String(condition, "reason", path);
    status.message = String(condition, "message", path);
    status.last_transition = NullableTime(condition, "last_transition_time", path);
  }
  if (!ready_found) throw FieldError("conditions: no condition of type Ready");

  const json& operation = Field(in, "operation", "");
  if (!operation.is_null()) {
    Object(operation, "operation");
    reconcilers::OperationStatus op;
    op.name = String(operation, "name", "operation");
    op.task = String(operation, "task", "operation");
    op.started_at = Time(operation, "started_at", "operation");
    const json& progress = Field(operation, "progress", "operation");
    if (!progress.is_null()) op.progress = Integer(progress, "operation.progress");
    status.operation = std::move(op);
  }
  // Absent from the status of a daemon older than the field: not known, as null.
  if (const auto waiting = in.find("waiting"); waiting != in.end() && !waiting->is_null()) {
    Object(*waiting, "waiting");
    const std::string what = String(*waiting, "for", "waiting");
    if (what == "window") {
      status.waiting = reconcilers::WaitingFor::Window();
    } else if (what == "dependency") {
      const std::string text = String(*waiting, "object", "waiting");
      const auto key = manifests::ObjectKey::Parse(text);
      if (!key) throw FieldError("waiting.object: \"" + text + "\" is not KIND/NAME");
      status.waiting = reconcilers::WaitingFor::Dependency(*key);
    } else {
      throw FieldError("waiting.for: must be \"window\" or \"dependency\", got \"" + what + "\"");
    }
  }
  status.last_error = NullableString(in, "last_error", "");
  status.next_reconcile_at = NullableTime(in, "next_reconcile_at", "");
  status.failures = Integer(Field(in, "failures", ""), "failures");

  const json& details = Object(Field(in, "details", ""), "details");
  for (const auto& [key, value] : details.items()) {
    if (!value.is_string()) throw FieldError("details." + key + ": must be a string");
    status.details.emplace(key, value.get<std::string>());
  }

  const json& history = Array(Field(in, "history", ""), "history");
  for (std::size_t i = 0; i < history.size(); ++i) {
    const std::string path = "history[" + std::to_string(i) + "]";
    const json& entry = Object(history[i], path);
    OutcomeEntry outcome;
    outcome.at = Time(entry, "at", path);
    // `since` and `count` came with issue 15; an older daemon's entry is one pass.
    outcome.since = entry.contains("since") ? Time(entry, "since", path) : outcome.at;
    outcome.count = entry.contains("count") ? Integer(entry.at("count"), path + ".count") : 1;
    outcome.result = String(entry, "result", path);
    outcome.phase = ParsePhase(entry, "phase", path);
    outcome.reason = String(entry, "reason", path);
    outcome.message = String(entry, "message", path);
    status.history.push_back(std::move(outcome));
  }
  return status;
}

}  // namespace

nlohmann::json StatusToJson(const ObjectStatus& status) {
  json conditions = json::array();
  conditions.push_back({{"type", "Ready"},
                        {"status", status.phase == Phase::kReady ? "True" : "False"},
                        {"reason", status.reason},
                        {"message", status.message},
                        {"last_transition_time", TimeOrNull(status.last_transition)}});
  json operation = nullptr;
  if (status.operation) {
    const auto& op = *status.operation;
    operation = {{"name", op.name},
                 {"task", op.task},
                 {"started_at", FormatWallTime(op.started_at)},
                 {"progress", op.progress ? json(*op.progress) : json(nullptr)}};
  }
  json waiting = nullptr;
  if (status.waiting && status.waiting->dependency) {
    waiting = {{"for", "dependency"}, {"object", status.waiting->dependency->ToString()}};
  } else if (status.waiting) {
    waiting = {{"for", "window"}};
  }
  json history = json::array();
  for (const auto& entry : status.history) {
    history.push_back({{"at", FormatWallTime(entry.at)},
                       {"since", FormatWallTime(entry.since)},
                       {"count", entry.count},
                       {"result", entry.result},
                       {"phase", reconcilers::PhaseName(entry.phase)},
                       {"reason", entry.reason},
                       {"message", entry.message}});
  }
  json details = json::object();
  for (const auto& [key, value] : status.details) details[key] = value;
  return json{{"kind", manifests::KindName(status.key.kind)},
              {"name", status.key.name},
              {"target", status.target},
              {"generation", status.generation},
              {"observed_generation", status.observed_generation},
              {"revision", status.revision},
              {"phase", reconcilers::PhaseName(status.phase)},
              {"conditions", std::move(conditions)},
              {"operation", std::move(operation)},
              {"waiting", std::move(waiting)},
              {"last_error", status.last_error ? json(*status.last_error) : json(nullptr)},
              {"next_reconcile_at", TimeOrNull(status.next_reconcile_at)},
              {"failures", status.failures},
              {"details", std::move(details)},
              {"history", std::move(history)}};
}

namespace {

// A JSON string as nlohmann's dump writes it with ensure_ascii false: ", \ and the control
// characters escaped (\b \f \n \r \t, else \u00xx), everything else as it is. Text that is
// not well-formed UTF-8 goes through nlohmann itself, so that its replacements are the same.
void AppendString(std::string_view text, std::string& out) {
  if (!manifests::IsUtf8(text)) {
    out += json(std::string(text)).dump(-1, ' ', false, json::error_handler_t::replace);
    return;
  }
  out += '"';
  for (const char c : text) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20U) {
          static constexpr char kHex[] = "0123456789abcdef";
          out += "\\u00";
          out += kHex[(static_cast<unsigned char>(c) >> 4U) & 0xFU];
          out += kHex[static_cast<unsigned char>(c) & 0xFU];
        } else {
          out += c;
        }
    }
  }
  out += '"';
}

void AppendTime(const std::optional<WallTime>& time, std::string& out) {
  if (time) {
    AppendString(FormatWallTime(*time), out);
  } else {
    out += "null";
  }
}

// `"key":` (every key here is a plain identifier), after `before` when given.
void AppendKey(std::string_view key, std::string& out) {
  out += '"';
  out += key;
  out += "\":";
}
void AppendKey(char before, std::string_view key, std::string& out) {
  out += before;
  AppendKey(key, out);
}

}  // namespace

void AppendStatusJson(const ObjectStatus& status, std::string& out) {
  // The keys of each object in sorted order, as nlohmann's std::map-backed objects dump them.
  AppendKey('{', "conditions", out);
  out += '[';
  AppendKey('{', "last_transition_time", out);
  AppendTime(status.last_transition, out);
  AppendKey(',', "message", out);
  AppendString(status.message, out);
  AppendKey(',', "reason", out);
  AppendString(status.reason, out);
  AppendKey(',', "status", out);
  out += status.phase == Phase::kReady ? "\"True\"" : "\"False\"";
  out += ",\"type\":\"Ready\"}]";
  AppendKey(',', "details", out);
  out += '{';
  bool first = true;
  for (const auto& [key, value] : status.details) {
    if (!first) out += ',';
    first = false;
    AppendString(key, out);
    out += ':';
    AppendString(value, out);
  }
  out += '}';
  AppendKey(',', "failures", out);
  out += std::to_string(status.failures);
  AppendKey(',', "generation", out);
  AppendString(status.generation, out);
  AppendKey(',', "history", out);
  out += '[';
  first = true;
  for (const auto& entry : status.history) {
    out += first ? "{" : ",{";
    first = false;
    AppendKey("at", out);
    AppendString(FormatWallTime(entry.at), out);
    AppendKey(',', "count", out);
    out += std::to_string(entry.count);
    AppendKey(',', "message", out);
    AppendString(entry.message, out);
    AppendKey(',', "phase", out);
    AppendString(reconcilers::PhaseName(entry.phase), out);
    AppendKey(',', "reason", out);
    AppendString(entry.reason, out);
    AppendKey(',', "result", out);
    AppendString(entry.result, out);
    AppendKey(',', "since", out);
    AppendString(FormatWallTime(entry.since), out);
    out += '}';
  }
  out += ']';
  AppendKey(',', "kind", out);
  AppendString(manifests::KindName(status.key.kind), out);
  AppendKey(',', "last_error", out);
  if (status.last_error) {
    AppendString(*status.last_error, out);
  } else {
    out += "null";
  }
  AppendKey(',', "name", out);
  AppendString(status.key.name, out);
  AppendKey(',', "next_reconcile_at", out);
  AppendTime(status.next_reconcile_at, out);
  AppendKey(',', "observed_generation", out);
  AppendString(status.observed_generation, out);
  AppendKey(',', "operation", out);
  if (status.operation) {
    const auto& op = *status.operation;
    AppendKey('{', "name", out);
    AppendString(op.name, out);
    AppendKey(',', "progress", out);
    out += op.progress ? std::to_string(*op.progress) : std::string("null");
    AppendKey(',', "started_at", out);
    AppendString(FormatWallTime(op.started_at), out);
    AppendKey(',', "task", out);
    AppendString(op.task, out);
    out += '}';
  } else {
    out += "null";
  }
  AppendKey(',', "phase", out);
  AppendString(reconcilers::PhaseName(status.phase), out);
  AppendKey(',', "revision", out);
  AppendString(status.revision, out);
  AppendKey(',', "target", out);
  AppendString(status.target, out);
  AppendKey(',', "waiting", out);
  if (status.waiting && status.waiting->dependency) {
    out += "{\"for\":\"dependency\",\"object\":";
    AppendString(status.waiting->dependency->ToString(), out);
    out += '}';
  } else if (status.waiting) {
    out += "{\"for\":\"window\"}";
  } else {
    out += "null";
  }
  out += '}';
}

std::optional<ObjectStatus> StatusFromJson(const nlohmann::json& in, std::string* error) {
  try {
    return Decode(in);
  } catch (const FieldError& failure) {
    if (error != nullptr) *error = failure.what();
  } catch (const nlohmann::json::exception& failure) {
    if (error != nullptr) *error = failure.what();
  }
  return std::nullopt;
}

}  // namespace vsrd::daemon
