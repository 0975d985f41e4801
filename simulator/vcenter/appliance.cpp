// The vCenter appliance's version and updates (docs/vsphere-api.md "Appliance updates";
// Swagger 8.0.2 appliance.json): GET /api/appliance/system/version, GET /api/appliance/update, GET
// /api/appliance/update/pending[/{version}], POST .../pending/{version}?action=precheck|
// stage|install and GET /api/appliance/update/staged.
//
// State shape (the scenario gives version, updates, restart, repository_urls, latest_query_time
// and staged; the rest is runtime state, dumped and patchable like the rest):
//   {version: VersionStruct {version, product, build, type, summary, releasedate, install_time,
//             name?},
//    updates: {VERSION: {name, description, build, priority, severity, update_type,
//              release_date, reboot_required, size, source: ONLINE|LOCAL, knowledge_base,
//              stage_duration, install_duration, install_failures,
//              precheck: {errors, warnings, info: [{id, message, resolution?}], questions}}},
//    restart: {duration, answer: refuse|503}, repository_urls: [url], latest_query_time,
//    last_check: [VERSION], staged: VERSION|null,
//    operation: null | {type: stage|install, version, start_time, end_time, user},
//    last_task: null | {type, version, start_time, end_time, user, status: SUCCEEDED|FAILED},
//    failed_version: VERSION|null}
//
// Stage and install are not cis tasks: each is an `operation` with its own end time. A ticker
// (VcenterPersona::AddTicker) completes it exactly when simulated time passes that end: a stage
// leaves the version staged; an install either fails (install_failures > 0: INSTALL_FAILED, the
// old version stays, no restart) or switches the version and restarts the appliance
// (VcenterPersona::Restart: requests refused or answered 503, sessions dropped) for
// restart.duration, whatever reboot_required says (services restart either way).
//
// Choices where docs/vsphere-api.md "Appliance updates" and the Swagger are silent (UNCONFIRMED):
// Update.Info keeps the last finished task (also across the restart); INSTALL_FAILED lasts until
// the next stage or install starts, and the failed update stays staged; actions on the installed
// version answer 400 NOT_ALLOWED_IN_CURRENT_STATE (only GET .../pending/{version} declares
// ALREADY_IN_DESIRED_STATE); LOCAL and LOCAL_AND_ONLINE are checks that set latest_query_time
// and what LAST_CHECK returns next; scripted precheck issues are reported only and block
// nothing; no rollback is modelled, so ROLLBACK_IN_PROGRESS never occurs.
#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <chrono>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "manifests/duration.hpp"
#include "simulator/vapi_error.hpp"
#include "simulator/vcenter/areas.hpp"
#include "simulator/vcenter/vcenter_persona.hpp"

namespace vsrd::simulator {
namespace {

using manifests::MapReader;
using manifests::ReadContext;
using nlohmann::json;

constexpr std::array<std::string_view, 3> kPriorities{"HIGH", "MEDIUM", "LOW"};
constexpr std::array<std::string_view, 4> kSeverities{"CRITICAL", "IMPORTANT", "MODERATE", "LOW"};
constexpr std::array<std::string_view, 4> kUpdateTypes{"SECURITY", "FIX", "UPDATE", "UPGRADE"};
constexpr std::array<std::string_view, 2> kSources{"ONLINE", "LOCAL"};
constexpr std::array<std::string_view, 3> kSourceTypes{"LAST_CHECK", "LOCAL", "LOCAL_AND_ONLINE"};
constexpr std::array<std::string_view, 3> kQuestionTypes{"PLAIN_TEXT", "BOOLEAN", "PASSWORD"};
constexpr std::array<std::string_view, 2> kRestartAnswers{"refuse", "503"};
constexpr std::string_view kService = "com.vmware.appliance.update.pending";
constexpr std::string_view kMessagePrefix = "com.vmware.vsrd.sim.appliance.update.";

// ---------------------------------------------------------------------------------------------
// Helpers

/// Compares appliance versions ("8.0.2.00100", "7.0.3-21477706") part by part: numeric parts
/// as numbers, others as text; a version that is a prefix of another is the older one.
int CompareVersions(std::string_view a, std::string_view b) {
  const auto split = [](std::string_view text) {
    std::vector<std::string_view> parts;
    std::size_t begin = 0;
    for (std::size_t i = 0; i <= text.size(); ++i) {
      if (i == text.size() || text[i] == '.' || text[i] == '-') {
        parts.push_back(text.substr(begin, i - begin));
        begin = i + 1;
      }
    }
    return parts;
  };
  const auto is_number = [](std::string_view part) {
    return !part.empty() && part.size() <= 18 && std::all_of(part.begin(), part.end(), [](char c) {
      return std::isdigit(static_cast<unsigned char>(c)) != 0;
    });
  };
  const auto left = split(a);
  const auto right = split(b);
  for (std::size_t i = 0; i < std::min(left.size(), right.size()); ++i) {
    if (is_number(left[i]) && is_number(right[i])) {
      std::int64_t x = 0;
      std::int64_t y = 0;
      std::from_chars(left[i].data(), left[i].data() + left[i].size(), x);
      std::from_chars(right[i].data(), right[i].data() + right[i].size(), y);
      if (x != y) return x < y ? -1 : 1;
    } else if (left[i] != right[i]) {
      return left[i] < right[i] ? -1 : 1;
    }
  }
  if (left.size() == right.size()) return 0;
  return left.size() < right.size() ? -1 : 1;
}

/// "September 21, 2023": the form VersionStruct.releasedate takes on a real appliance.
std::string ReleaseDate(std::string_view time_text) {
  constexpr std::array<std::string_view, 12> kMonths{
      "January", "February", "March",     "April",   "May",      "June",
      "July",    "August",   "September", "October", "November", "December"};
  TimePoint time;
  if (!ParseTime(time_text, time)) return std::string(time_text);
  const std::chrono::year_month_day date{std::chrono::floor<std::chrono::days>(time)};
  return fmt::format("{} {}, {}", kMonths.at(static_cast<unsigned>(date.month()) - 1),
                     static_cast<unsigned>(date.day()), static_cast<int>(date.year()));
}

TimePoint TimeAt(const json& object, const char* key) {
  TimePoint time;
  if (!ParseTime(object.at(key).get<std::string>(), time)) {
    throw std::invalid_argument(fmt::format("state.appliance: {} is not a time", key));
  }
  return time;
}

Duration DurationAt(const json& object, const char* key) {
  const auto duration = manifests::ParseDuration(object.at(key).get<std::string>());
  if (!duration) {
    throw std::invalid_argument(fmt::format("state.appliance: {} is not a duration", key));
  }
  return *duration;
}

json Progress(std::int64_t completed) {
  return {{"total", 100},
          {"completed", completed},
          {"message",
           Message("com.vmware.vsrd.sim.task.progress", fmt::format("{}% done", completed))}};
}

/// Appliance.TaskInfo for a stage or install, running at `now` or finished with `status`.
/// The Swagger 2.0 types `error` as a string; like Cis.Task.Info.error (docs/vsphere-api.md
/// "Tasks") the simulator sends a std-error object. One subtask mirrors the task: the real subtask
/// names are not documented.
json TaskInfo(const json& record, const std::string& status, TimePoint now) {
  const std::string type = record.at("type");
  const std::string version = record.at("version");
  const TimePoint start = TimeAt(record, "start_time");
  const TimePoint end = TimeAt(record, "end_time");
  std::int64_t completed = 100;
  if (status == "RUNNING") {
    const std::int64_t total = std::max<std::int64_t>(1, (end - start).count());
    completed = std::clamp<std::int64_t>((now - start).count() * 100 / total, 0, 99);
  } else if (status == "FAILED") {
    completed = 99;
  }
  const std::string text =
      fmt::format("{} of update {}", type == "stage" ? "Stage" : "Install", version);
  json task = {{"description", Message(std::string(kMessagePrefix) + type, text)},
               {"service", kService},
               {"operation", type},
               {"status", status},
               {"cancelable", false},
               {"progress", Progress(completed)},
               {"start_time", FormatTime(start)}};
  if (status != "RUNNING") task["end_time"] = FormatTime(end);
  if (status == "FAILED") {
    task["error"] =
        ErrorBody("ERROR", fmt::format("The installation of update {} failed.", version));
  }
  const std::string user = record.value("user", "");
  if (!user.empty()) task["user"] = user;
  json subtask = task;
  task["subtask_order"] = json::array({type});
  task["subtasks"] = {{type, std::move(subtask)}};
  return task;
}

/// Fields shared by Update.Summary, Pending.Info and Staged.Info.
json CommonUpdateInfo(const json& update) {
  return {{"name", update.at("name")},
          {"description", Message(std::string(kMessagePrefix) + "description",
                                  update.at("description").get<std::string>())},
          {"priority", update.at("priority")},
          {"severity", update.at("severity")},
          {"update_type", update.at("update_type")},
          {"release_date", update.at("release_date")},
          {"reboot_required", update.at("reboot_required")},
          {"size", update.at("size")}};
}

json Notifications(const json& items, TimePoint now) {
  json out = json::array();
  for (const auto& item : items) {
    const std::string id = item.at("id");
    json notification = {{"id", id},
                         {"time", FormatTime(now)},
                         {"message", Message(id, item.at("message").get<std::string>())}};
    if (item.contains("resolution")) {
      notification["resolution"] =
          Message(id + ".resolution", item.at("resolution").get<std::string>());
    }
    out.push_back(std::move(notification));
  }
  return out;
}

Response NotAllowed(const std::string& message) {
  return VapiError("NOT_ALLOWED_IN_CURRENT_STATE", message);
}

/// The appliance's update area with the request's view of it.
class Updates {
 public:
  explicit Updates(VcenterPersona& persona)
      : persona_(persona), state_(persona.State().at("appliance")) {}

  const std::string& Installed() const {
    return state_.at("version").at("version").get_ref<const std::string&>();
  }
  bool IsBusy() const { return !state_.at("operation").is_null(); }

  /// The update `version` if it is known and newer than the installed one; otherwise the error
  /// a pending-update operation answers with (`installed_error` for the installed version).
  const json* Pending(const std::string& version, std::string_view installed_error,
                      Response& error) const {
    if (version == Installed()) {
      error = VapiError(installed_error, fmt::format("Version {} is already installed.", version));
      return nullptr;
    }
    const json& updates = state_.at("updates");
    if (!updates.contains(version) || CompareVersions(version, Installed()) <= 0) {
      error = VapiError("NOT_FOUND", fmt::format("The update {} was not found.", version));
      return nullptr;
    }
    return &updates.at(version);
  }

  Response BusyError(std::string_view what) const {
    const json& operation = state_.at("operation");
    return NotAllowed(fmt::format("Cannot {} while the {} of update {} is in progress.", what,
                                  operation.at("type").get<std::string>(),
                                  operation.at("version").get<std::string>()));
  }

  /// Starts a stage or an install of `version` lasting `duration`.
  void Start(const std::string& type, const std::string& version, Duration duration) {
    const TimePoint now = persona_.Now();
    state_["operation"] = {{"type", type},
                           {"version", version},
                           {"start_time", FormatTime(now)},
                           {"end_time", FormatTime(now + duration)},
                           {"user", persona_.User()}};
    state_["failed_version"] = nullptr;
    if (type == "stage") state_["staged"] = nullptr;
  }

  json Info() const {
    const TimePoint now = persona_.Now();
    json info;
    const json& operation = state_.at("operation");
    const json& last = state_.at("last_task");
    if (!operation.is_null()) {
      const bool stage = operation.at("type") == "stage";
      info = {{"state", stage ? "STAGE_IN_PROGRESS" : "INSTALL_IN_PROGRESS"},
              {"version", operation.at("version")},
              {"task", TaskInfo(operation, "RUNNING", now)}};
    } else {
      if (!state_.at("failed_version").is_null()) {
        info = {{"state", "INSTALL_FAILED"}, {"version", state_.at("failed_version")}};
      } else if (!state_.at("staged").is_null()) {
        info = {{"state", "UPDATES_PENDING"}, {"version", state_.at("staged")}};
      } else {
        info = {{"state", "UP_TO_DATE"}, {"version", Installed()}};
      }
      if (!last.is_null()) info["task"] = TaskInfo(last, last.at("status").get<std::string>(), now);
    }
    if (!state_.at("latest_query_time").is_null()) {
      info["latest_query_time"] = state_.at("latest_query_time");
    }
    return info;
  }

  json& State() { return state_; }
  const json& State() const { return state_; }

 private:
  VcenterPersona& persona_;
  json& state_;
};

// ---------------------------------------------------------------------------------------------
// Time-driven completion

/// Completes the running stage or install once `now` has passed its end.
void Settle(VcenterPersona& persona, TimePoint now) {
  json& appliance = persona.State().at("appliance");
  json& operation = appliance.at("operation");
  if (operation.is_null()) return;
  const TimePoint end = TimeAt(operation, "end_time");
  if (end > now) return;
  const std::string type = operation.at("type");
  const std::string version = operation.at("version");
  json record = operation;
  appliance["operation"] = nullptr;
  if (type == "stage") {
    appliance["staged"] = version;
    record["status"] = "SUCCEEDED";
    appliance["last_task"] = std::move(record);
    return;
  }
  json& update = appliance.at("updates").at(version);
  const std::int64_t failures = update.at("install_failures");
  if (failures > 0) {
    // The install fails before the appliance reboots into the new version: no restart, and the
    // update stays staged so that it can be installed again (UNCONFIRMED).
    update["install_failures"] = failures - 1;
    appliance["failed_version"] = version;
    record["status"] = "FAILED";
    appliance["last_task"] = std::move(record);
    return;
  }
  json& installed = appliance.at("version");
  installed["version"] = version;
  installed["build"] = update.at("build");
  installed["summary"] = update.at("description");
  installed["releasedate"] = ReleaseDate(update.at("release_date").get<std::string>());
  // install_time stays: "the date and time when this system was first installed. Value will
  // not change on subsequent updates" (appliance.json VersionStruct).
  appliance["staged"] = nullptr;
  appliance["failed_version"] = nullptr;
  record["status"] = "SUCCEEDED";
  appliance["last_task"] = std::move(record);
  const json& restart = appliance.at("restart");
  persona.Restart(end + DurationAt(restart, "duration"), restart.at("answer") == "503");
}

// ---------------------------------------------------------------------------------------------
// Handlers

Response ListPending(Updates& updates, const Request& request, TimePoint now) {
  const auto source = request.Query("source_type");
  if (!source) return VapiError("INVALID_ARGUMENT", "source_type is required.");
  if (std::find(kSourceTypes.begin(), kSourceTypes.end(), *source) == kSourceTypes.end()) {
    return VapiError("INVALID_ARGUMENT",
                     fmt::format("source_type: \"{}\" is not one of LAST_CHECK, LOCAL, "
                                 "LOCAL_AND_ONLINE.",
                                 *source));
  }
  const std::string major = request.Query("enable_list_major_upgrade_versions").value_or("false");
  if (major != "true" && major != "false") {
    return VapiError("INVALID_ARGUMENT",
                     "enable_list_major_upgrade_versions: must be true or false.");
  }
  json& state = updates.State();
  if (const auto url = request.Query("url")) {
    const json& known = state.at("repository_urls");
    if (!known.empty() && std::find(known.begin(), known.end(), *url) == known.end()) {
      return VapiError("NOT_FOUND", fmt::format("The update source {} was not found.", *url));
    }
  }
  const json& all = state.at("updates");
  std::vector<std::string> found;
  if (*source == "LAST_CHECK") {
    for (const auto& version : state.at("last_check")) {
      const auto& text = version.get_ref<const std::string&>();
      if (all.contains(text)) found.push_back(text);
    }
  } else {
    // Both other sources are a check: they set latest_query_time and what LAST_CHECK returns.
    for (const auto& [version, update] : all.items()) {
      if (*source == "LOCAL_AND_ONLINE" || update.at("source") == "LOCAL") found.push_back(version);
    }
    state["latest_query_time"] = FormatTime(now);
    state["last_check"] = found;
  }
  std::sort(found.begin(), found.end(),
            [](const auto& a, const auto& b) { return CompareVersions(a, b) < 0; });
  json out = json::array();
  for (const auto& version : found) {
    const json& update = all.at(version);
    if (CompareVersions(version, updates.Installed()) <= 0) continue;
    // "When not specified lists only minor updates available" (appliance.json).
    if (major != "true" && update.at("update_type") == "UPGRADE") continue;
    json summary = CommonUpdateInfo(update);
    summary["version"] = version;
    out.push_back(std::move(summary));
  }
  return Response::Json(200, out);
}

Response GetPending(const Updates& updates, const std::string& version) {
  Response error;
  const json* update = updates.Pending(version, "ALREADY_IN_DESIRED_STATE", error);
  if (update == nullptr) return error;
  json info = CommonUpdateInfo(*update);
  info["contents"] = json::array({Message(
      std::string(kMessagePrefix) + "contents",
      fmt::format("Fixes and improvements of {}.", update->at("name").get<std::string>()))});
  info["services_will_be_stopped"] = json::array(
      {{{"service", "vpxd"}, {"description", Message("vpxd", "VMware vCenter Server")}},
       {{"service", "vsphere-ui"}, {"description", Message("vsphere-ui", "vSphere Client")}}});
  info["eulas"] = json::array();
  info["staged"] = updates.State().at("staged") == version;
  info["knowledge_base"] = update->at("knowledge_base");
  return Response::Json(200, info);
}

Response Precheck(const Updates& updates, const std::string& version, TimePoint now) {
  Response error;
  const json* update = updates.Pending(version, "NOT_ALLOWED_IN_CURRENT_STATE", error);
  if (update == nullptr) return error;
  if (updates.IsBusy()) return updates.BusyError("run a precheck");
  const json& precheck = update->at("precheck");
  const auto minutes =
      std::chrono::ceil<std::chrono::minutes>(DurationAt(*update, "install_duration")).count();
  json result = {{"check_time", FormatTime(now)},
                 {"estimated_time_to_install", minutes},
                 {"reboot_required", update->at("reboot_required")},
                 {"questions", precheck.at("questions")}};
  json issues = json::object();
  for (const char* kind : {"errors", "warnings", "info"}) {
    if (!precheck.at(kind).empty()) issues[kind] = Notifications(precheck.at(kind), now);
  }
  if (!issues.empty()) result["issues"] = std::move(issues);
  return Response::Json(200, result);
}

Response Stage(Updates& updates, const std::string& version) {
  Response error;
  const json* update = updates.Pending(version, "NOT_ALLOWED_IN_CURRENT_STATE", error);
  if (update == nullptr) return error;
  if (updates.IsBusy()) return updates.BusyError("stage an update");
  // Staging what is already staged changes nothing (UNCONFIRMED: no source says whether the
  // appliance downloads it again).
  if (updates.State().at("staged") == version) return Response::NoContent();
  updates.Start("stage", version, DurationAt(*update, "stage_duration"));
  return Response::NoContent();
}

/// Checks the install body {user_data: map<string, string>, component?: string}.
std::optional<Response> CheckInstallBody(const json& body) {
  if (!body.is_object() || !body.contains("user_data")) {
    return VapiError("INVALID_ARGUMENT", "user_data is required.");
  }
  const json& user_data = body.at("user_data");
  if (!user_data.is_object()) {
    return VapiError("INVALID_ARGUMENT", "user_data: must be a map of strings.");
  }
  for (const auto& [key, value] : user_data.items()) {
    if (!value.is_string()) {
      return VapiError("INVALID_ARGUMENT", fmt::format("user_data.{}: must be a string.", key));
    }
  }
  if (body.contains("component") && !body.at("component").is_string()) {
    return VapiError("INVALID_ARGUMENT", "component: must be a string.");
  }
  return std::nullopt;
}

Response Install(Updates& updates, const std::string& version, const Request& request) {
  Response error;
  const auto body = ParseJsonBody(request, error);
  if (!body) return error;
  if (auto invalid = CheckInstallBody(*body)) return *invalid;
  const json* update = updates.Pending(version, "NOT_ALLOWED_IN_CURRENT_STATE", error);
  if (update == nullptr) return error;
  if (updates.IsBusy()) return updates.BusyError("install an update");
  if (updates.State().at("staged") != version) {
    return NotAllowed(fmt::format("The update {} is not staged.", version));
  }
  // The precheck's questions are answered in user_data (VSP). What the appliance does with a
  // missing or disallowed answer is UNCONFIRMED; the simulator rejects the install.
  const json& user_data = body->at("user_data");
  for (const auto& question : update->at("precheck").at("questions")) {
    const std::string item = question.at("data_item");
    if (!user_data.contains(item)) {
      if (question.contains("default_answer")) continue;
      return VapiError("INVALID_ARGUMENT",
                       fmt::format("user_data: the question {} is not answered.", item));
    }
    const json& allowed = question.value("allowed_values", json::array());
    if (!allowed.empty() &&
        std::find(allowed.begin(), allowed.end(), user_data.at(item)) == allowed.end()) {
      return VapiError("INVALID_ARGUMENT",
                       fmt::format("user_data.{}: not one of the allowed values.", item));
    }
  }
  updates.Start("install", version, DurationAt(*update, "install_duration"));
  return Response::NoContent();
}

Response GetStaged(const Updates& updates) {
  const json& state = updates.State();
  const json& operation = state.at("operation");
  std::string version;
  bool complete = true;
  if (!state.at("staged").is_null()) {
    version = state.at("staged");
  } else if (!operation.is_null() && operation.at("type") == "stage") {
    version = operation.at("version");
    complete = false;
  } else {
    return NotAllowed("Nothing is staged.");
  }
  json info = CommonUpdateInfo(state.at("updates").at(version));
  info["version"] = version;
  info["staging_complete"] = complete;
  return Response::Json(200, info);
}

// ---------------------------------------------------------------------------------------------
// Scenario decoding

bool IsVersionText(std::string_view text) {
  return !text.empty() && std::all_of(text.begin(), text.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '.' || c == '-' || c == '_' ||
           c == '+';
  });
}

void ReadStringInto(ReadContext& context, const MapReader& map, const char* key, json& out) {
  if (const auto value = map.Get(key)) {
    if (auto text = manifests::ReadString(context, *value, map.Path(key))) out[key] = *text;
  }
}

void ReadTimeInto(ReadContext& context, const MapReader& map, const char* key, json& out) {
  if (const auto value = map.Get(key)) {
    if (const auto text = manifests::ReadString(context, *value, map.Path(key))) {
      TimePoint time;
      if (ParseTime(*text, time)) {
        out[key] = FormatTime(time);
      } else {
        context.Error(*value, map.Path(key),
                      "must be an RFC 3339 UTC time such as 2026-01-01T00:00:00Z");
      }
    }
  }
}

void ReadDurationInto(ReadContext& context, const MapReader& map, const char* key, json& out) {
  if (const auto value = map.Get(key)) {
    if (const auto duration =
            manifests::ReadDuration(context, *value, map.Path(key), Duration{0})) {
      out[key] = manifests::FormatDuration(*duration);
    }
  }
}

void ReadOneOfInto(ReadContext& context, const MapReader& map, const char* key,
                   std::span<const std::string_view> values, json& out) {
  if (const auto value = map.Get(key)) {
    if (auto text = manifests::ReadOneOf(context, *value, map.Path(key), values)) out[key] = *text;
  }
}

json DecodeVersionStruct(ReadContext& context, const YAML::Node& node, const std::string& path) {
  const MapReader map(
      context, node, path,
      {"version", "product", "build", "type", "summary", "releasedate", "install_time", "name"});
  json out = {{"version", "8.0.1.00000"},
              {"product", "VMware vCenter Server"},
              {"build", "21560480"},
              {"type", "vCenter Server with an embedded Platform Services Controller"},
              {"summary", ""},
              {"releasedate", ""},
              {"install_time", "2025-06-01T00:00:00.000Z"}};
  for (const char* key :
       {"product", "build", "type", "summary", "releasedate", "install_time", "name"}) {
    ReadStringInto(context, map, key, out);
  }
  if (const auto value = map.Get("version")) {
    if (const auto text = manifests::ReadString(context, *value, map.Path("version"))) {
      if (IsVersionText(*text)) {
        out["version"] = *text;
      } else {
        context.Error(*value, map.Path("version"),
                      "must contain only letters, digits, '.', '-', '_' and '+'");
      }
    }
  }
  return out;
}

json DecodeNotifications(ReadContext& context, const YAML::Node& node, const std::string& path) {
  json out = json::array();
  const auto sequence = manifests::ReadSequence(context, node, path);
  if (!sequence) return out;
  for (std::size_t i = 0; i < sequence->size(); ++i) {
    const std::string item_path = manifests::IndexPath(path, i);
    const MapReader map(context, (*sequence)[i], item_path, {"id", "message", "resolution"});
    json item = json::object();
    if (const auto id = map.Require("id")) {
      item["id"] = manifests::ReadString(context, *id, map.Path("id")).value_or("");
    }
    if (const auto message = map.Require("message")) {
      item["message"] = manifests::ReadString(context, *message, map.Path("message")).value_or("");
    }
    ReadStringInto(context, map, "resolution", item);
    out.push_back(std::move(item));
  }
  return out;
}

json DecodeQuestions(ReadContext& context, const YAML::Node& node, const std::string& path) {
  json out = json::array();
  const auto sequence = manifests::ReadSequence(context, node, path);
  if (!sequence) return out;
  for (std::size_t i = 0; i < sequence->size(); ++i) {
    const std::string item_path = manifests::IndexPath(path, i);
    const MapReader map(
        context, (*sequence)[i], item_path,
        {"data_item", "text", "description", "type", "allowed_values", "regexp", "default_answer"});
    json item = {{"type", "PLAIN_TEXT"}};
    std::string data_item;
    if (const auto value = map.Require("data_item")) {
      data_item = manifests::ReadString(context, *value, map.Path("data_item")).value_or("");
    }
    item["data_item"] = data_item;
    const std::string id = std::string(kMessagePrefix) + "question." + data_item;
    if (const auto value = map.Require("text")) {
      item["text"] =
          Message(id, manifests::ReadString(context, *value, map.Path("text")).value_or(""));
    }
    std::string description;
    if (const auto value = map.Get("description")) {
      description = manifests::ReadString(context, *value, map.Path("description")).value_or("");
    }
    item["description"] = Message(id + ".description", description);
    ReadOneOfInto(context, map, "type", kQuestionTypes, item);
    if (const auto value = map.Get("allowed_values")) {
      if (auto values = manifests::ReadStringList(context, *value, map.Path("allowed_values"))) {
        item["allowed_values"] = *values;
      }
    }
    ReadStringInto(context, map, "regexp", item);
    ReadStringInto(context, map, "default_answer", item);
    out.push_back(std::move(item));
  }
  return out;
}

json DecodeUpdate(ReadContext& context, const YAML::Node& node, const std::string& path,
                  const std::string& version) {
  const MapReader map(context, node, path,
                      {"name", "description", "build", "priority", "severity", "update_type",
                       "release_date", "reboot_required", "size", "source", "knowledge_base",
                       "stage_duration", "install_duration", "install_failures", "precheck"});
  std::string build;
  for (const char c : version) {
    if (std::isdigit(static_cast<unsigned char>(c)) != 0) build += c;
  }
  json out = {{"name", "vCenter Server " + version},
              {"description", "Update to vCenter Server " + version},
              {"build", build.empty() ? "0" : build},
              {"priority", "MEDIUM"},
              {"severity", "IMPORTANT"},
              {"update_type", "UPDATE"},
              {"release_date", "2025-12-01T00:00:00.000Z"},
              {"reboot_required", true},
              {"size", 6000},
              {"source", "ONLINE"},
              {"knowledge_base", "https://kb.example.com/vcenter/" + version},
              {"stage_duration", "5m"},
              {"install_duration", "30m"},
              {"install_failures", 0},
              {"precheck",
               {{"errors", json::array()},
                {"warnings", json::array()},
                {"info", json::array()},
                {"questions", json::array()}}}};
  for (const char* key : {"name", "description", "build", "knowledge_base"}) {
    ReadStringInto(context, map, key, out);
  }
  ReadOneOfInto(context, map, "priority", kPriorities, out);
  ReadOneOfInto(context, map, "severity", kSeverities, out);
  ReadOneOfInto(context, map, "update_type", kUpdateTypes, out);
  ReadOneOfInto(context, map, "source", kSources, out);
  ReadTimeInto(context, map, "release_date", out);
  ReadDurationInto(context, map, "stage_duration", out);
  ReadDurationInto(context, map, "install_duration", out);
  if (const auto value = map.Get("reboot_required")) {
    out["reboot_required"] =
        manifests::ReadBool(context, *value, map.Path("reboot_required")).value_or(true);
  }
  if (const auto value = map.Get("size")) {
    out["size"] =
        manifests::ReadInt(context, *value, map.Path("size"), 0, std::int64_t{1} << 40).value_or(0);
  }
  if (const auto value = map.Get("install_failures")) {
    out["install_failures"] =
        manifests::ReadInt(context, *value, map.Path("install_failures"), 0, 1000).value_or(0);
  }
  if (const auto value = map.Get("precheck")) {
    const MapReader precheck(context, *value, map.Path("precheck"),
                             {"errors", "warnings", "info", "questions"});
    json& target = out["precheck"];
    for (const char* kind : {"errors", "warnings", "info"}) {
      if (const auto items = precheck.Get(kind)) {
        target[kind] = DecodeNotifications(context, *items, precheck.Path(kind));
      }
    }
    if (const auto items = precheck.Get("questions")) {
      target["questions"] = DecodeQuestions(context, *items, precheck.Path("questions"));
    }
  }
  return out;
}

}  // namespace

nlohmann::json DecodeApplianceState(ReadContext& context, const YAML::Node& node) {
  const MapReader map(
      context, node, "state.appliance",
      {"version", "updates", "restart", "repository_urls", "latest_query_time", "staged"});
  const YAML::Node empty(YAML::NodeType::Map);
  json out = {{"version", DecodeVersionStruct(context, map.Get("version").value_or(empty),
                                              map.Path("version"))},
              {"updates", json::object()},
              {"restart", {{"duration", "5m"}, {"answer", "refuse"}}},
              {"repository_urls", json::array()},
              {"latest_query_time", nullptr},
              {"last_check", json::array()},
              {"staged", nullptr},
              {"operation", nullptr},
              {"last_task", nullptr},
              {"failed_version", nullptr}};
  if (const auto updates = map.Get("updates")) {
    if (!updates->IsMap()) {
      context.Error(
          *updates, map.Path("updates"),
          "must be a mapping of update versions, got " + manifests::DescribeNode(*updates));
    } else {
      for (const auto& entry : *updates) {
        const std::string version = entry.first.IsScalar() ? entry.first.Scalar() : "";
        const std::string path = manifests::JoinPath(map.Path("updates"), version);
        if (!IsVersionText(version)) {
          context.Error(entry.first, path,
                        "update versions must contain only letters, digits, '.', '-', '_' and "
                        "'+'");
          continue;
        }
        out["updates"][version] = DecodeUpdate(context, entry.second, path, version);
      }
    }
  }
  if (const auto restart = map.Get("restart")) {
    const MapReader restart_map(context, *restart, map.Path("restart"), {"duration", "answer"});
    ReadDurationInto(context, restart_map, "duration", out["restart"]);
    ReadOneOfInto(context, restart_map, "answer", kRestartAnswers, out["restart"]);
  }
  if (const auto urls = map.Get("repository_urls")) {
    if (auto list = manifests::ReadStringList(context, *urls, map.Path("repository_urls"))) {
      out["repository_urls"] = *list;
    }
  }
  ReadTimeInto(context, map, "latest_query_time", out);
  if (!out["latest_query_time"].is_null()) {
    // A scenario that says a check happened means it found every update it describes.
    for (const auto& [version, update] : out["updates"].items())
      out["last_check"].push_back(version);
  }
  if (const auto staged = map.Get("staged")) {
    if (const auto text = manifests::ReadString(context, *staged, map.Path("staged"))) {
      if (!out["updates"].contains(*text)) {
        context.Error(*staged, map.Path("staged"), "\"" + *text + "\" is not one of the updates");
      } else if (CompareVersions(*text, out["version"]["version"].get<std::string>()) <= 0) {
        context.Error(*staged, map.Path("staged"),
                      "\"" + *text + "\" is not newer than the installed version");
      } else {
        out["staged"] = *text;
      }
    }
  }
  return out;
}

void AddApplianceRoutes(VcenterPersona& persona) {
  persona.AddTicker([&persona](TimePoint now) {
    try {
      Settle(persona, now);
    } catch (const std::exception&) {
      // The state was patched into a shape this file cannot read. Tick must not fail for the
      // other areas (or for logins); the appliance routes answer 500 for it through
      // Simulator::Handle.
      return;
    }
  });

  Router& router = persona.MutableRoutes();
  router.Add("GET", "/api/appliance/system/version", "", "appliance.system.version.get",
             [&persona](const Request&, const PathParams&) {
               return Response::Json(200, persona.State().at("appliance").at("version"));
             });
  router.Add("GET", "/api/appliance/update", "", "appliance.update.get",
             [&persona](const Request&, const PathParams&) {
               return Response::Json(200, Updates(persona).Info());
             });
  router.Add("GET", "/api/appliance/update/staged", "", "appliance.update.staged.get",
             [&persona](const Request&, const PathParams&) { return GetStaged(Updates(persona)); });
  router.Add("GET", "/api/appliance/update/pending", "", "appliance.update.pending.list",
             [&persona](const Request& request, const PathParams&) {
               Updates updates(persona);
               return ListPending(updates, request, persona.Now());
             });
  router.Add("GET", "/api/appliance/update/pending/{version}", "", "appliance.update.pending.get",
             [&persona](const Request&, const PathParams& params) {
               return GetPending(Updates(persona), params.at("version"));
             });
  router.Add("POST", "/api/appliance/update/pending/{version}", "precheck",
             "appliance.update.pending.precheck",
             [&persona](const Request&, const PathParams& params) {
               return Precheck(Updates(persona), params.at("version"), persona.Now());
             });
  router.Add("POST", "/api/appliance/update/pending/{version}", "stage",
             "appliance.update.pending.stage",
             [&persona](const Request&, const PathParams& params) {
               Updates updates(persona);
               return Stage(updates, params.at("version"));
             });
  router.Add("POST", "/api/appliance/update/pending/{version}", "install",
             "appliance.update.pending.install",
             [&persona](const Request& request, const PathParams& params) {
               Updates updates(persona);
               return Install(updates, params.at("version"), request);
             });
}

}  // namespace vsrd::simulator
