#include "simulator/update_manager/update_manager_persona.hpp"

#include <algorithm>
#include <stdexcept>
#include <utility>

#include <fmt/format.h>

#include "manifests/duration.hpp"
#include "net/bounded_json.hpp"
#include "simulator/base64.hpp"

namespace vsrd::simulator {
namespace {

constexpr std::string_view kSessionHeader = "x-dr-session";

std::int64_t EpochMillis(TimePoint time) { return time.time_since_epoch().count(); }

// Reads a duration the state document keeps as text ("2m"). A state patched into something
// else is an internal error: the request that needs it gets a 500 ResponseError.
Duration StateDuration(const nlohmann::json& section, const char* key) {
  const auto parsed = manifests::ParseDuration(section.at(key).get<std::string>());
  if (!parsed) throw std::runtime_error(fmt::format("state: {} is not a duration", key));
  return *parsed;
}

// The catalog entry's version, or "" when the entry has another shape.
std::string EntryVersion(const nlohmann::json& entry) {
  if (!entry.is_object()) return "";
  const auto version = entry.find("version");
  return version != entry.end() && version->is_string() ? version->get<std::string>() : "";
}

std::optional<std::string> OptionalString(const nlohmann::json& body, const char* key,
                                          std::string& problem) {
  const auto it = body.find(key);
  if (it == body.end() || it->is_null()) return std::nullopt;
  if (!it->is_string()) {
    problem = fmt::format("{} must be a string.", key);
    return std::nullopt;
  }
  return it->get<std::string>();
}

}  // namespace

UpdateManagerPersona::UpdateManagerPersona(const PersonaScenario& scenario)
    : Persona(scenario.name, scenario.listen),
      scenario_(scenario),
      state_(scenario.state),
      sessions_(scenario.session_idle_timeout, scenario.session_max_lifetime),
      random_(std::hash<std::string>{}(scenario.name)) {
  AddRoutes();
}

void UpdateManagerPersona::AddRoutes() {
  router_.Add("POST", "/session", "", "session.create",
              [this](const Request& request, const PathParams&) { return CreateSession(request); });
  router_.Add("DELETE", "/session", "", "session.delete",
              [this](const Request& request, const PathParams&) {
                sessions_.Remove(request.Header(kSessionHeader).value_or(""));
                return Response::NoContent();
              });
  router_.Add("GET", "/appliance", "", "appliance.get", [this](const Request&, const PathParams&) {
    return Response::Json(200, state_.at("appliance"));
  });
  router_.Add("POST", "/appliance/update-manager/actions/retrieve-updates", "",
              "update-manager.retrieve-updates",
              [this](const Request&, const PathParams&) { return RetrieveUpdates(); });
  router_.Add("POST", "/appliance/update-manager/updates/{update_version}/actions/install", "",
              "update-manager.updates.install", [this](const Request&, const PathParams& params) {
                return Install(params.at("update_version"));
              });
  router_.Add("PUT", "/appliance/update-manager/repository", "", "update-manager.repository.set",
              [this](const Request& request, const PathParams&) { return SetRepository(request); });
  router_.Add(
      "GET", "/tasks/{task_id}", "", "tasks.get",
      [this](const Request&, const PathParams& params) { return GetTask(params.at("task_id")); });
}

std::string UpdateManagerPersona::NewUuid() {
  std::uint64_t high = random_();
  std::uint64_t low = random_();
  high = (high & 0xffffffffffff0fffULL) | 0x0000000000004000ULL;  // version 4
  low = (low & 0x3fffffffffffffffULL) | 0x8000000000000000ULL;    // RFC 4122 variant
  return fmt::format("{:08x}-{:04x}-{:04x}-{:04x}-{:012x}", high >> 32, (high >> 16) & 0xffff,
                     high & 0xffff, low >> 48, low & 0xffffffffffffULL);
}

Response UpdateManagerPersona::Error(int status, std::string_view code, std::string_view message) {
  return Response::Json(status, {{"error_code", code}, {"message", message}, {"op_id", NewUuid()}});
}

void UpdateManagerPersona::Tick(TimePoint now) {
  now_ = now;
  // Events are handled in simulated-time order, so that a retrieve-updates task finishing before
  // an install's restart succeeds, and one finishing after it is forgotten with the rest.
  while (true) {
    Task* due = nullptr;
    for (auto& task : tasks_) {
      if (!task.finished && task.End() <= now && (due == nullptr || task.End() < due->End())) {
        due = &task;
      }
    }
    if (restart_ && restart_->until <= now && (due == nullptr || restart_->until <= due->End())) {
      if (!restart_->fail) ApplyUpdate(restart_->update);
      restart_.reset();
      continue;
    }
    if (due == nullptr) break;
    Complete(*due);
  }
}

void UpdateManagerPersona::Complete(Task& task) {
  task.finished = true;
  if (task.kind == TaskKind::kRetrieveUpdates) {
    if (!task.fail) task.result = AvailableUpdates();
    return;
  }
  if (task.restart_mode == RestartMode::kNone) {
    if (!task.fail) ApplyUpdate(task.update);
    return;
  }
  // The appliance restarts at the end of the install: every session and every task, this one
  // included, is gone (docs/vsphere-api.md "The update-manager appliance API": the task may answer
  // 404 after the restart).
  const TimePoint since = task.End();
  Restart restart{since, since + task.restart_duration, task.restart_mode == RestartMode::k503,
                  std::move(task.update), task.fail};
  restart_ = std::move(restart);
  sessions_.Clear();
  tasks_.clear();
}

void UpdateManagerPersona::ApplyUpdate(const nlohmann::json& update) {
  if (!state_.is_object()) return;
  const auto appliance = state_.find("appliance");
  const std::string version = EntryVersion(update);
  if (appliance == state_.end() || !appliance->is_object() || version.empty()) return;
  (*appliance)["appliance_version"] = version;
  // The product and the appliance share one build number in the simulator's catalog.
  const auto build = update.find("build_number");
  if (build != update.end() && build->is_string()) {
    (*appliance)["appliance_build_number"] = *build;
    (*appliance)["product_build_number"] = *build;
  }
}

nlohmann::json UpdateManagerPersona::AvailableUpdates() const {
  // Only what is newer than the installed version is "available"; the catalog may hold older
  // entries, which install then refuses with 400 rather than 404.
  std::vector<std::pair<std::string, nlohmann::json>> newer;
  if (state_.is_object()) {
    const auto appliance = state_.find("appliance");
    const auto updates = state_.find("updates");
    std::string current;
    if (appliance != state_.end() && appliance->is_object()) {
      const auto version = appliance->find("appliance_version");
      if (version != appliance->end() && version->is_string())
        current = version->get<std::string>();
    }
    if (updates != state_.end() && updates->is_array()) {
      for (const auto& entry : *updates) {
        std::string version = EntryVersion(entry);
        if (!version.empty() && CompareApplianceVersions(version, current) > 0) {
          newer.emplace_back(std::move(version), entry);
        }
      }
    }
  }
  std::stable_sort(newer.begin(), newer.end(), [](const auto& a, const auto& b) {
    return CompareApplianceVersions(a.first, b.first) < 0;
  });
  nlohmann::json out = nlohmann::json::array();
  for (auto& [version, entry] : newer) out.push_back(std::move(entry));
  return out;
}

nlohmann::json UpdateManagerPersona::TaskJson(const Task& task) const {
  const bool install = task.kind == TaskKind::kInstall;
  const std::string version = EntryVersion(task.update);
  nlohmann::json out = {
      {"id", task.id},
      {"description",
       install ? fmt::format("Install update {}", version) : "Retrieve the available updates"},
      {"type", install ? "INSTALL_UPDATE" : "RETRIEVE_UPDATES"},
      // The submission time: the brief's Task always carries start_time, QUEUED included.
      {"start_time", EpochMillis(task.created)},
  };
  const TimePoint running_since = task.created + task.queued_for;
  if (!task.finished && now_ < running_since) {
    out["status"] = "QUEUED";
    out["progress"] = 0;
    return out;
  }
  if (!task.finished) {
    const auto elapsed = (now_ - running_since).count();
    const auto total = std::max<std::int64_t>(1, task.run_for.count());
    out["status"] = "RUNNING";
    out["progress"] = std::min<std::int64_t>(99, elapsed * 100 / total);
    return out;
  }
  out["progress"] = 100;
  out["complete_time"] = EpochMillis(task.End());
  if (task.fail) {
    out["status"] = "ERROR";
    out["error"] =
        install
            ? nlohmann::json{{"message", fmt::format("Installation of update {} failed.", version)},
                             {"details",
                              "The scenario makes this install fail "
                              "(vsrd-sim state.install.fail)."}}
            : nlohmann::json{{"message", "Cannot retrieve the available updates."},
                             {"details",
                              "The update repository cannot be reached "
                              "(vsrd-sim state.retrieve.fail)."}};
  } else {
    out["status"] = "SUCCESS";
    if (!task.result.is_null()) out["result"] = task.result;
  }
  return out;
}

Response UpdateManagerPersona::CreateSession(const Request& request) {
  // POST /session with HTTP Basic -> 200 {session_id} (docs/vsphere-api.md "The update-manager
  // appliance API"); anything else is a 401 without a body.
  const auto user = CheckBasicAuth(request, scenario_.users);
  if (!user) return Response::Empty(401);
  // The documented example session id is a base64-encoded UUID; so is this one.
  const std::string token = Base64Encode(NewUuid());
  sessions_.Add(token, *user, now_);
  return Response::Json(200, {{"session_id", token}});
}

Response UpdateManagerPersona::RetrieveUpdates() {
  const nlohmann::json& config = state_.at("retrieve");
  Task task;
  task.id = NewUuid();
  task.kind = TaskKind::kRetrieveUpdates;
  task.created = now_;
  task.queued_for = StateDuration(config, "queued_for");
  task.run_for = StateDuration(config, "duration");
  task.fail = config.at("fail").get<bool>();
  tasks_.push_back(std::move(task));
  // A zero-length task is already done when it is answered. Nothing else falls due at now_ (the
  // request's own Tick ran first), so this cannot restart the appliance or drop the task.
  if (tasks_.back().End() <= now_) Complete(tasks_.back());
  return Response::Json(202, TaskJson(tasks_.back()));
}

Response UpdateManagerPersona::Install(const std::string& version) {
  const nlohmann::json& updates = state_.at("updates");
  const auto entry = std::find_if(updates.begin(), updates.end(), [&](const nlohmann::json& item) {
    return EntryVersion(item) == version;
  });
  if (entry == updates.end()) return Response::Empty(404);
  const auto running = std::find_if(tasks_.begin(), tasks_.end(), [](const Task& task) {
    return task.kind == TaskKind::kInstall && !task.finished;
  });
  // Error codes and messages are not documented (docs/vsphere-api.md "The update-manager appliance
  // API": only the ResponseError shape is); these are the simulator's choice.
  if (running != tasks_.end()) {
    return Error(400, "UPDATE_IN_PROGRESS",
                 fmt::format("Update {} is being installed (task {}); only one update can be "
                             "installed at a time.",
                             EntryVersion(running->update), running->id));
  }
  const std::string installed = state_.at("appliance").at("appliance_version").get<std::string>();
  if (CompareApplianceVersions(version, installed) <= 0) {
    return Error(
        400, "UPDATE_NOT_APPLICABLE",
        fmt::format("Update {} is not newer than the installed version {}.", version, installed));
  }
  const nlohmann::json& config = state_.at("install");
  Task task;
  task.id = NewUuid();
  task.kind = TaskKind::kInstall;
  task.created = now_;
  task.queued_for = StateDuration(config, "queued_for");
  // At least 1ms, so that the appliance is still up when the 202 is answered.
  task.run_for = std::max(Duration{1}, StateDuration(config, "duration"));
  task.fail = config.at("fail").get<bool>();
  task.update = *entry;
  const std::string mode = config.at("restart_mode").get<std::string>();
  if (mode == "refuse") {
    task.restart_mode = RestartMode::kRefuse;
  } else if (mode == "503") {
    task.restart_mode = RestartMode::k503;
  } else if (mode == "none") {
    task.restart_mode = RestartMode::kNone;
  } else {
    throw std::runtime_error("state: install.restart_mode must be refuse, 503 or none");
  }
  task.restart_duration = StateDuration(config, "restart_duration");
  tasks_.push_back(std::move(task));
  return Response::Json(202, TaskJson(tasks_.back()));
}

Response UpdateManagerPersona::SetRepository(const Request& request) {
  // PUT /appliance/update-manager/repository, body UpdatesRepository (docs/vsphere-api.md "The
  // update-manager appliance API", R5) -> 204. The error codes are the simulator's choice.
  const auto parsed = net::ParseJsonBounded(request.body);
  if (request.body.empty() || !parsed) {
    return Error(400, "INVALID_REQUEST_BODY", "The request body must be a JSON UpdatesRepository.");
  }
  const nlohmann::json& body = *parsed;
  if (!body.is_object()) {
    return Error(400, "INVALID_REQUEST_BODY", "The request body must be a JSON object.");
  }
  std::string problem;
  const auto url = OptionalString(body, "url", problem);
  const auto username = OptionalString(body, "username", problem);
  const auto password = OptionalString(body, "password", problem);
  bool mounted_iso = false;
  if (const auto it = body.find("mounted_iso"); it != body.end() && !it->is_null()) {
    if (it->is_boolean()) {
      mounted_iso = it->get<bool>();
    } else {
      problem = "mounted_iso must be true or false.";
    }
  }
  if (problem.empty() && mounted_iso && (url || username || password)) {
    problem = "With mounted_iso true, url, username and password must be null.";
  }
  if (problem.empty() && username && !password) {
    problem = "password is required when username is set.";
  }
  if (problem.empty() && password && !username) problem = "password is set without a username.";
  if (problem.empty() && url && !url->starts_with("https://") && !url->starts_with("http://")) {
    problem = "url must be an http:// or https:// URL.";
  }
  if (!problem.empty()) return Error(400, "INVALID_ARGUMENT", problem);
  // The password is accepted and dropped: it is a secret and the simulator has no use for it.
  state_["repository"] = {{"url", url ? nlohmann::json(*url) : nlohmann::json(nullptr)},
                          {"mounted_iso", mounted_iso},
                          {"username", username ? nlohmann::json(*username) : nullptr}};
  return Response::NoContent();
}

Response UpdateManagerPersona::GetTask(const std::string& id) const {
  const auto it =
      std::find_if(tasks_.begin(), tasks_.end(), [&](const Task& task) { return task.id == id; });
  if (it == tasks_.end()) return Response::Empty(404);
  return Response::Json(200, TaskJson(*it));
}

Reply UpdateManagerPersona::Handle(const Request& request, TimePoint now) {
  Tick(now);
  if (restart_) {
    if (restart_->answer_503) return Reply{Response::Empty(503)};
    return Reply{Response::Empty(503), Disposition::kRefuse};
  }
  try {
    const bool is_login = request.method == "POST" && request.path == "/session";
    // Authentication comes before routing: without a session even an unknown path is a 401.
    if (!is_login &&
        sessions_.Authenticate(request.Header(kSessionHeader).value_or(""), now_) == nullptr)
      return Reply{Response::Empty(401)};
    PathParams params;
    const Router::Route* route = router_.Find(request, params);
    if (route == nullptr) return Reply{Response::Empty(404)};
    return Reply{route->handler(request, params)};
  } catch (const std::exception& error) {
    // A state patched into a shape the handlers cannot read: this API's own 500 body.
    return Reply{
        Error(500, "INTERNAL_ERROR", fmt::format("vsrd-sim internal error: {}", error.what()))};
  }
}

nlohmann::json UpdateManagerPersona::DumpState() const {
  nlohmann::json out = state_;
  if (!out.is_object()) return out;
  // Session ids are secrets: the dump says who is logged in, not with what.
  nlohmann::json sessions = sessions_.Dump();
  nlohmann::json tasks = nlohmann::json::object();
  for (const auto& task : tasks_) tasks[task.id] = TaskJson(task);
  out["sessions"] = std::move(sessions);
  out["tasks"] = std::move(tasks);
  out["down_until"] = restart_ ? nlohmann::json(FormatTime(restart_->until)) : nullptr;
  out["restart"] = restart_ ? nlohmann::json{{"since", FormatTime(restart_->since)},
                                             {"until", FormatTime(restart_->until)},
                                             {"mode", restart_->answer_503 ? "503" : "refuse"},
                                             {"version", EntryVersion(restart_->update)},
                                             {"fail", restart_->fail}}
                            : nlohmann::json(nullptr);
  return out;
}

void UpdateManagerPersona::PatchState(const nlohmann::json& patch) {
  nlohmann::json patched = state_;
  patched.merge_patch(patch);
  if (patched.is_object()) {
    for (const char* derived : {"sessions", "tasks", "down_until", "restart"}) {
      patched.erase(derived);
    }
  }
  state_ = std::move(patched);
}

void UpdateManagerPersona::Reset() {
  state_ = scenario_.state;
  sessions_.Clear();
  tasks_.clear();
  restart_.reset();
}

}  // namespace vsrd::simulator
