// The update-manager persona's state document and its scenario decoding. The state (also the
// scenario's `state`, every key optional; defaults as shown):
//   appliance:            # GET /appliance (ApplianceInfo; all strings)
//     {hostname: appliance.sim.local, product_name: vSphere Replication,
//      product_build_number: "24000000", appliance_version: 9.0.0.0,
//      appliance_build_number: "24000000", system_information: VMware Photon OS 5.0}
//   updates:              # the update repository's catalog (default empty)
//     - {version*, build_number?, name (default "<product_name> <version>"), description (""),
//        release_date? (RFC 3339 UTC), severity (MODERATE: CRITICAL|IMPORTANT|MODERATE|LOW),
//        reboot_required (true)}
//   retrieve: {queued_for: 1s, duration: 10s, fail: false}            # retrieve-updates tasks
//   install:  {queued_for: 1s, duration: 2m, restart_mode: refuse,     # refuse | 503 | none
//              restart_duration: 3m, fail: false}
// and, not settable from a scenario, repository {url, mounted_iso, username} (PUT .../repository;
// the password is never kept). Durations are kept as strings ("2m") so that dumps and patches
// read like the scenario.
#include <algorithm>
#include <set>

#include "simulator/update_manager/update_manager_persona.hpp"

namespace vsrd::simulator {
namespace {

using manifests::MapReader;
using manifests::ReadContext;

constexpr std::array<std::string_view, 4> kSeverities{"CRITICAL", "IMPORTANT", "MODERATE", "LOW"};
constexpr std::array<std::string_view, 3> kRestartModes{"refuse", "503", "none"};
constexpr std::array<std::string_view, 6> kApplianceFields{
    "hostname",          "product_name",           "product_build_number",
    "appliance_version", "appliance_build_number", "system_information"};

nlohmann::json DecodeAppliance(ReadContext& context, const YAML::Node& node) {
  const MapReader map(context, node, "state.appliance",
                      {kApplianceFields.begin(), kApplianceFields.end()});
  nlohmann::json out = {
      {"hostname", "appliance.sim.local"},    {"product_name", "vSphere Replication"},
      {"product_build_number", "24000000"},   {"appliance_version", "9.0.0.0"},
      {"appliance_build_number", "24000000"}, {"system_information", "VMware Photon OS 5.0"}};
  for (const std::string_view key : kApplianceFields) {
    const auto value = map.Get(key);
    if (!value) continue;
    const auto text = manifests::ReadString(context, *value, map.Path(key));
    if (!text) continue;
    if (key == "appliance_version" && !IsApplianceVersion(*text)) {
      context.Error(*value, map.Path(key),
                    "must be a version such as \"9.0.2.0\" (letters, digits, '.', '-', '_', "
                    "'+'), got \"" +
                        *text + "\"");
      continue;
    }
    out[std::string(key)] = *text;
  }
  return out;
}

nlohmann::json DecodeUpdate(ReadContext& context, const YAML::Node& node, const std::string& path,
                            const std::string& product_name) {
  const MapReader map(context, node, path,
                      {"version", "build_number", "name", "description", "release_date", "severity",
                       "reboot_required"});
  nlohmann::json out = {{"description", ""}, {"severity", "MODERATE"}, {"reboot_required", true}};
  std::string version;
  if (const auto value = map.Require("version")) {
    if (auto text = manifests::ReadString(context, *value, map.Path("version"))) {
      if (IsApplianceVersion(*text)) {
        version = std::move(*text);
      } else {
        context.Error(*value, map.Path("version"),
                      "must be a version such as \"9.0.2.0\" (letters, digits, '.', '-', '_', "
                      "'+'), got \"" +
                          *text + "\"");
      }
    }
  }
  out["version"] = version;
  out["name"] = product_name + " " + version;
  for (const char* key : {"build_number", "name", "description"}) {
    if (const auto value = map.Get(key)) {
      if (auto text = manifests::ReadString(context, *value, map.Path(key))) out[key] = *text;
    }
  }
  if (const auto value = map.Get("release_date")) {
    if (const auto text = manifests::ReadString(context, *value, map.Path("release_date"))) {
      TimePoint date;
      if (ParseTime(*text, date)) {
        out["release_date"] = FormatTime(date);
      } else {
        context.Error(*value, map.Path("release_date"),
                      "must be an RFC 3339 UTC time such as 2026-01-01T00:00:00Z");
      }
    }
  }
  if (const auto value = map.Get("severity")) {
    if (auto text = manifests::ReadOneOf(context, *value, map.Path("severity"), kSeverities)) {
      out["severity"] = *text;
    }
  }
  if (const auto value = map.Get("reboot_required")) {
    if (const auto flag = manifests::ReadBool(context, *value, map.Path("reboot_required"))) {
      out["reboot_required"] = *flag;
    }
  }
  return out;
}

nlohmann::json DecodeUpdates(ReadContext& context, const YAML::Node& node,
                             const std::string& product_name) {
  nlohmann::json out = nlohmann::json::array();
  const auto sequence = manifests::ReadSequence(context, node, "state.updates");
  if (!sequence) return out;
  std::map<std::string, YAML::Mark> seen;
  for (std::size_t i = 0; i < sequence->size(); ++i) {
    const YAML::Node item = (*sequence)[i];
    const std::string path = manifests::IndexPath("state.updates", i);
    nlohmann::json update = DecodeUpdate(context, item, path, product_name);
    const std::string version = update["version"].get<std::string>();
    if (version.empty()) continue;
    const YAML::Node version_node = item["version"];
    const auto [previous, inserted] = seen.emplace(version, version_node.Mark());
    if (!inserted) {
      context.Error(version_node, path + ".version",
                    "duplicate version \"" + version + "\"; first defined at " +
                        manifests::FormatLocation(context.Locate(previous->second)));
      continue;
    }
    out.push_back(std::move(update));
  }
  return out;
}

// Reads the duration `key` of `map` into `out[key]` as its canonical spelling.
void DecodeDurationField(ReadContext& context, const MapReader& map, std::string_view key,
                         Duration min, nlohmann::json& out) {
  if (const auto value = map.Get(key)) {
    if (const auto duration = manifests::ReadDuration(context, *value, map.Path(key), min)) {
      out[std::string(key)] = manifests::FormatDuration(*duration);
    }
  }
}

void DecodeFailField(ReadContext& context, const MapReader& map, nlohmann::json& out) {
  if (const auto value = map.Get("fail")) {
    if (const auto flag = manifests::ReadBool(context, *value, map.Path("fail"))) {
      out["fail"] = *flag;
    }
  }
}

nlohmann::json DecodeRetrieve(ReadContext& context, const YAML::Node& node) {
  const MapReader map(context, node, "state.retrieve", {"queued_for", "duration", "fail"});
  nlohmann::json out = {{"queued_for", "1s"}, {"duration", "10s"}, {"fail", false}};
  DecodeDurationField(context, map, "queued_for", Duration{0}, out);
  DecodeDurationField(context, map, "duration", Duration{0}, out);
  DecodeFailField(context, map, out);
  return out;
}

nlohmann::json DecodeInstall(ReadContext& context, const YAML::Node& node) {
  const MapReader map(context, node, "state.install",
                      {"queued_for", "duration", "restart_mode", "restart_duration", "fail"});
  nlohmann::json out = {{"queued_for", "1s"},
                        {"duration", "2m"},
                        {"restart_mode", "refuse"},
                        {"restart_duration", "3m"},
                        {"fail", false}};
  DecodeDurationField(context, map, "queued_for", Duration{0}, out);
  // At least 1ms: the 202 answer is always given before the appliance goes down.
  DecodeDurationField(context, map, "duration", Duration{1}, out);
  if (const auto value = map.Get("restart_mode")) {
    if (auto mode =
            manifests::ReadOneOf(context, *value, map.Path("restart_mode"), kRestartModes)) {
      out["restart_mode"] = *mode;
    }
  }
  DecodeDurationField(context, map, "restart_duration", Duration{0}, out);
  DecodeFailField(context, map, out);
  return out;
}

// Splits the runs of digits out of a version; "9.0.2.0-245" -> {"9", "0", "2", "0", "245"},
// leading zeros dropped so that runs compare by length, then text (no integer overflow).
std::vector<std::string_view> DigitRuns(std::string_view version) {
  std::vector<std::string_view> runs;
  std::size_t i = 0;
  while (i < version.size()) {
    if (version[i] < '0' || version[i] > '9') {
      ++i;
      continue;
    }
    std::size_t start = i;
    while (i < version.size() && version[i] >= '0' && version[i] <= '9') ++i;
    while (start + 1 < i && version[start] == '0') ++start;
    runs.push_back(version.substr(start, i - start));
  }
  return runs;
}

int Sign(int value) { return (value > 0) - (value < 0); }

}  // namespace

nlohmann::json DecodeUpdateManagerState(manifests::ReadContext& context, const YAML::Node& node) {
  const MapReader map(context, node, "state", {"appliance", "updates", "retrieve", "install"});
  const YAML::Node empty_map(YAML::NodeType::Map);
  const auto section = [&](std::string_view key) { return map.Get(key).value_or(empty_map); };
  nlohmann::json out = {{"appliance", DecodeAppliance(context, section("appliance"))}};
  const std::string product_name = out["appliance"]["product_name"].get<std::string>();
  out["updates"] = map.Get("updates") ? DecodeUpdates(context, *map.Get("updates"), product_name)
                                      : nlohmann::json::array();
  out["repository"] = {{"url", nullptr}, {"mounted_iso", false}, {"username", nullptr}};
  out["retrieve"] = DecodeRetrieve(context, section("retrieve"));
  out["install"] = DecodeInstall(context, section("install"));
  return out;
}

int CompareApplianceVersions(std::string_view a, std::string_view b) {
  const auto runs_a = DigitRuns(a);
  const auto runs_b = DigitRuns(b);
  for (std::size_t i = 0; i < runs_a.size() && i < runs_b.size(); ++i) {
    if (runs_a[i].size() != runs_b[i].size()) return runs_a[i].size() < runs_b[i].size() ? -1 : 1;
    if (const int order = runs_a[i].compare(runs_b[i]); order != 0) return Sign(order);
  }
  if (runs_a.size() != runs_b.size()) return runs_a.size() < runs_b.size() ? -1 : 1;
  return Sign(a.compare(b));
}

bool IsApplianceVersion(std::string_view version) {
  return !version.empty() && std::all_of(version.begin(), version.end(), [](char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '.' ||
           c == '-' || c == '_' || c == '+';
  });
}

}  // namespace vsrd::simulator
