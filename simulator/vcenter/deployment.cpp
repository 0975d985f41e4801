// The vCenter appliance deployment (docs/vsphere-api.md "Deployment"): GET /api/vcenter/deployment,
// GET /api/vcenter/deployment/install and POST /api/vcenter/deployment/install?action=cancel.
//
// State shape (also the scenario's, with defaults filled in):
//   {state: NOT_INITIALIZED|INITIALIZED|QUESTION_RAISED|FAILED|CONFIGURED (null with install),
//    install: null | {start: RFC 3339 time or an offset from clock.start ("-20m", "+5m"),
//                     duration: "1h", fails: bool, ceip_enabled: bool, sso_domain_name,
//                     canceled_at: null | RFC 3339 time (set by ?action=cancel)}}
// Without an install the appliance stays in `state`. With one, the state follows the clock:
// INITIALIZED before `start`, CONFIG_IN_PROGRESS until `start + duration`, then CONFIGURED (or
// FAILED when `fails`). Nothing is stored when time passes: every answer is derived from the
// timestamps and persona.Now(), so the transitions happen exactly at the durations' ends.
#include <algorithm>
#include <array>
#include <cstdint>
#include <optional>
#include <string>

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

constexpr std::array<std::string_view, 5> kStillStates{"NOT_INITIALIZED", "INITIALIZED",
                                                       "QUESTION_RAISED", "FAILED", "CONFIGURED"};
constexpr std::string_view kService = "com.vmware.vcenter.deployment.install";
// The install's phases, each taking an equal share of its duration. The real subtask names and
// when they are set are UNCONFIRMED (docs/vsphere-api.md "Open points"): the simulator sets them
// once an install has started, with names from the appliance's own vocabulary.
constexpr std::array<std::string_view, 3> kSubtasks{"precheck", "install", "firstboot"};
// InstallSpec requires the SSO password, and what the appliance echoes is UNCONFIRMED
// (docs/vsphere-api.md "Deployment" does not say): the simulator never returns a password, only a
// mask.
constexpr std::string_view kMaskedPassword = "*****";
constexpr std::string_view kStartRule =
    "must be an RFC 3339 UTC time such as 2026-01-01T00:00:00Z, or an offset from clock.start "
    "such as -20m or +5m";

/// A `start` value: an RFC 3339 time, or a signed offset from `clock_start`.
std::optional<TimePoint> ResolveStart(std::string_view text, TimePoint clock_start) {
  if (text.starts_with('+') || text.starts_with('-')) {
    const auto offset = manifests::ParseDuration(text.substr(1));
    if (!offset) return std::nullopt;
    return text.front() == '+' ? clock_start + *offset : clock_start - *offset;
  }
  TimePoint time;
  if (!ParseTime(text, time)) return std::nullopt;
  return time;
}

/// The canonical spelling of a valid `start`: "+0s", "-20m" or a formatted time.
std::string NormalizeStart(std::string_view text) {
  if (text.starts_with('+') || text.starts_with('-')) {
    return std::string(1, text.front()) +
           manifests::FormatDuration(*manifests::ParseDuration(text.substr(1)));
  }
  TimePoint time;
  ParseTime(text, time);
  return FormatTime(time);
}

json Progress(std::int64_t completed) {
  return {{"total", 100},
          {"completed", completed},
          {"message",
           Message("com.vmware.vsrd.sim.task.progress", fmt::format("{}% done", completed))}};
}

/// Percent of [start, start + length) done at `at`: 0..99 while inside, 100 at the end.
std::int64_t PercentDone(TimePoint start, Duration length, TimePoint at) {
  if (at >= start + length) return 100;
  if (at <= start) return 0;
  const std::int64_t total = std::max<std::int64_t>(1, length.count());
  return std::min<std::int64_t>(99, (at - start).count() * 100 / total);
}

/// The install of the state, resolved against the clock.
struct Install {
  TimePoint start;
  TimePoint end;
  Duration duration{0};
  bool fails = false;
  std::optional<TimePoint> canceled_at;
  const json* spec = nullptr;

  bool RunningAt(TimePoint now) const { return !canceled_at && start <= now && now < end; }
};

/// Throws on a state patched into a shape this file cannot read (Simulator::Handle answers 500).
std::optional<Install> ReadInstall(const json& deployment, TimePoint clock_start) {
  const json& install = deployment.at("install");
  if (install.is_null()) return std::nullopt;
  Install out;
  const auto start = ResolveStart(install.at("start").get<std::string>(), clock_start);
  const auto duration = manifests::ParseDuration(install.at("duration").get<std::string>());
  if (!start || !duration) throw std::invalid_argument("state.deployment.install is malformed");
  out.start = *start;
  out.duration = *duration;
  out.end = *start + *duration;
  out.fails = install.at("fails").get<bool>();
  if (const auto it = install.find("canceled_at"); it != install.end() && !it->is_null()) {
    TimePoint canceled;
    if (!ParseTime(it->get<std::string>(), canceled)) {
      throw std::invalid_argument("state.deployment.install.canceled_at is malformed");
    }
    out.canceled_at = canceled;
  }
  out.spec = &install;
  return out;
}

json CommonInfo(std::string_view operation, std::string_view text, std::string_view status,
                bool cancelable) {
  return {
      {"description", Message("com.vmware.vsrd.sim.deployment." + std::string(operation), text)},
      {"service", kService},
      {"operation", operation},
      {"status", status},
      {"cancelable", cancelable}};
}

/// Subtask order and map for an install that has started, seen at `now`.
void AddSubtasks(const Install& install, TimePoint now, json& info) {
  // Where the install stopped early (cancel) or ended in failure, and which subtask that hit.
  std::optional<TimePoint> stop = install.canceled_at;
  if (!stop && install.fails && now >= install.end) stop = install.end;
  const Duration share = install.duration / static_cast<std::int64_t>(kSubtasks.size());
  std::size_t stopped_in = kSubtasks.size();
  if (stop) {
    const auto elapsed = (*stop - install.start).count();
    const auto index = share.count() > 0 ? elapsed / share.count() : 0;
    stopped_in =
        std::min(kSubtasks.size() - 1, static_cast<std::size_t>(std::max<std::int64_t>(0, index)));
  }
  const TimePoint seen = stop ? std::min(now, *stop) : now;
  json order = json::array();
  json subtasks = json::object();
  for (std::size_t i = 0; i < kSubtasks.size(); ++i) {
    const std::string name(kSubtasks[i]);
    const TimePoint begin = install.start + share * static_cast<std::int64_t>(i);
    const TimePoint finish = i + 1 == kSubtasks.size() ? install.end : begin + share;
    order.push_back(name);
    json task;
    if (i == stopped_in) {
      task = CommonInfo(name, "Appliance " + name, "FAILED", false);
      task["progress"] =
          Progress(std::min<std::int64_t>(99, PercentDone(begin, finish - begin, *stop)));
      task["start_time"] = FormatTime(begin);
      task["end_time"] = FormatTime(*stop);
      task["error"] = install.canceled_at
                          ? ErrorBody("CANCELED", "The appliance installation was canceled.")
                          : ErrorBody("ERROR", "The appliance installation failed.");
    } else if (i > stopped_in || seen < begin) {
      task = CommonInfo(name, "Appliance " + name, "PENDING", false);
    } else if (seen < finish) {
      task = CommonInfo(name, "Appliance " + name, "RUNNING", true);
      task["progress"] = Progress(PercentDone(begin, finish - begin, seen));
      task["start_time"] = FormatTime(begin);
    } else {
      task = CommonInfo(name, "Appliance " + name, "SUCCEEDED", false);
      task["progress"] = Progress(100);
      task["start_time"] = FormatTime(begin);
      task["end_time"] = FormatTime(finish);
      task["result"] = json::object();  // Notifications: nothing reported
    }
    subtasks[name] = std::move(task);
  }
  info["subtask_order"] = std::move(order);
  info["subtasks"] = std::move(subtasks);
}

/// Vcenter.Deployment.Info for a state without an install. The operation of a state no install
/// produced is not documented: the simulator names the install operation throughout
/// (docs/vsphere-api.md "Deployment": `operation` is a vAPI operation id, not an enum).
json StillInfo(const std::string& state) {
  json info;
  if (state == "NOT_INITIALIZED") {
    info = CommonInfo("start", "The appliance is initializing.", "PENDING", false);
  } else if (state == "INITIALIZED") {
    info = CommonInfo("start", "The appliance is ready to be configured.", "PENDING", false);
  } else if (state == "QUESTION_RAISED") {
    info = CommonInfo("start", "The appliance configuration is waiting for an answer.", "BLOCKED",
                      false);
  } else if (state == "FAILED") {
    info = CommonInfo("start", "The appliance configuration failed.", "FAILED", false);
    info["error"] = ErrorBody("ERROR", "The appliance configuration failed.");
  } else {
    info = CommonInfo("start", "The appliance is configured.", "SUCCEEDED", false);
    info["progress"] = Progress(100);
  }
  info["state"] = state;
  return info;
}

json InstallInfo(const Install& install, TimePoint now) {
  json info;
  if (now < install.start && !install.canceled_at) {
    info = CommonInfo("start", "The appliance is ready to be configured.", "PENDING", false);
    info["state"] = "INITIALIZED";
    return info;
  }
  if (install.canceled_at) {
    info = CommonInfo("start", "The appliance installation was canceled.", "FAILED", false);
    info["state"] = "FAILED";
    info["progress"] = Progress(std::min<std::int64_t>(
        99, PercentDone(install.start, install.duration, *install.canceled_at)));
    info["end_time"] = FormatTime(*install.canceled_at);
    info["error"] = ErrorBody("CANCELED", "The appliance installation was canceled.");
  } else if (now < install.end) {
    info = CommonInfo("start", "The appliance is being installed.", "RUNNING", true);
    info["state"] = "CONFIG_IN_PROGRESS";
    info["progress"] = Progress(PercentDone(install.start, install.duration, now));
  } else if (install.fails) {
    info = CommonInfo("start", "The appliance installation failed.", "FAILED", false);
    info["state"] = "FAILED";
    info["progress"] = Progress(99);
    info["end_time"] = FormatTime(install.end);
    info["error"] = ErrorBody("ERROR", "The appliance installation failed.");
  } else {
    info = CommonInfo("start", "The appliance is configured.", "SUCCEEDED", false);
    info["state"] = "CONFIGURED";
    info["progress"] = Progress(100);
    info["end_time"] = FormatTime(install.end);
  }
  info["start_time"] = FormatTime(install.start);
  AddSubtasks(install, now, info);
  return info;
}

Response NotInstalling() {
  return VapiError("NOT_ALLOWED_IN_CURRENT_STATE",
                   "The appliance is not in CONFIG_IN_PROGRESS state with an install running.");
}

}  // namespace

nlohmann::json DecodeDeploymentState(ReadContext& context, const YAML::Node& node) {
  const MapReader map(context, node, "state.deployment", {"state", "install"});
  json out = {{"state", "CONFIGURED"}, {"install", nullptr}};
  if (const auto state = map.Get("state")) {
    out["state"] = manifests::ReadOneOf(context, *state, map.Path("state"), kStillStates)
                       .value_or("CONFIGURED");
  }
  const auto install_node = map.Get("install");
  if (!install_node) return out;
  if (const auto state = map.Get("state")) {
    context.Error(*state, map.Path("state"),
                  "must not be set with install: the install's timeline gives the state");
  }
  const MapReader install(context, *install_node, map.Path("install"),
                          {"start", "duration", "fails", "ceip_enabled", "sso_domain_name"});
  json item = {{"start", "+0s"},
               {"duration", "1h"},
               {"fails", false},
               {"ceip_enabled", false},
               {"sso_domain_name", "vsphere.local"},
               {"canceled_at", nullptr}};
  if (const auto start = install.Get("start")) {
    if (const auto text = manifests::ReadString(context, *start, install.Path("start"))) {
      if (ResolveStart(*text, TimePoint{})) {
        item["start"] = NormalizeStart(*text);
      } else {
        context.Error(*start, install.Path("start"), kStartRule);
      }
    }
  }
  if (const auto duration = install.Require("duration")) {
    if (const auto value =
            manifests::ReadDuration(context, *duration, install.Path("duration"), Duration{1})) {
      item["duration"] = manifests::FormatDuration(*value);
    }
  }
  for (const char* key : {"fails", "ceip_enabled"}) {
    if (const auto value = install.Get(key)) {
      item[key] = manifests::ReadBool(context, *value, install.Path(key)).value_or(false);
    }
  }
  if (const auto domain = install.Get("sso_domain_name")) {
    item["sso_domain_name"] =
        manifests::ReadString(context, *domain, install.Path("sso_domain_name"))
            .value_or("vsphere.local");
  }
  out["state"] = nullptr;
  out["install"] = std::move(item);
  return out;
}

void AddDeploymentRoutes(VcenterPersona& persona) {
  // GET /api/vcenter/deployment -> 200 Vcenter.Deployment.Info. The 404 "state cannot be
  // determined" is not modelled (a fault rule can script it).
  persona.MutableRoutes().Add("GET", "/api/vcenter/deployment", "", "deployment.get",
                              [&persona](const Request&, const PathParams&) {
                                const json& deployment = persona.State().at("deployment");
                                const auto install =
                                    ReadInstall(deployment, persona.ScenarioEntry().clock_start);
                                if (!install)
                                  return Response::Json(200, StillInfo(deployment.at("state")));
                                return Response::Json(200, InstallInfo(*install, persona.Now()));
                              });

  // GET /api/vcenter/deployment/install -> the InstallSpec while an install runs, else 400.
  persona.MutableRoutes().Add(
      "GET", "/api/vcenter/deployment/install", "", "deployment.install.get",
      [&persona](const Request&, const PathParams&) {
        const auto install =
            ReadInstall(persona.State().at("deployment"), persona.ScenarioEntry().clock_start);
        if (!install || !install->RunningAt(persona.Now())) return NotInstalling();
        const json& spec = *install->spec;
        return Response::Json(200, {{"vcsa_embedded",
                                     {{"ceip_enabled", spec.at("ceip_enabled")},
                                      {"standalone",
                                       {{"sso_admin_password", kMaskedPassword},
                                        {"sso_domain_name", spec.at("sso_domain_name")}}}}}});
      });

  // POST /api/vcenter/deployment/install?action=cancel -> 204 while an install runs, else 400.
  // The state after a cancel is UNCONFIRMED (docs/vsphere-api.md "Deployment"): the simulator makes
  // it FAILED with status FAILED, progress frozen where it stopped and a CANCELED std-error, the
  // way a cis task reports a canceled operation.
  persona.MutableRoutes().Add(
      "POST", "/api/vcenter/deployment/install", "cancel", "deployment.install.cancel",
      [&persona](const Request&, const PathParams&) {
        json& deployment = persona.State().at("deployment");
        const auto install = ReadInstall(deployment, persona.ScenarioEntry().clock_start);
        if (!install || !install->RunningAt(persona.Now())) return NotInstalling();
        deployment.at("install")["canceled_at"] = FormatTime(persona.Now());
        return Response::NoContent();
      });
}

}  // namespace vsrd::simulator
