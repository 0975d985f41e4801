#include "daemon/cli/status_command.hpp"

#include <algorithm>
#include <array>

#include <nlohmann/json.hpp>

#include "daemon/cli/daemon_client.hpp"
#include "daemon/cli/exit_codes.hpp"
#include "daemon/http/status_json.hpp"
#include "manifests/escape.hpp"
#include "net/bounded_json.hpp"

namespace vsrd::daemon {
namespace {

constexpr std::size_t kRevisionWidth = 12;
constexpr std::string_view kColumnGap = "   ";

std::string OrDash(const std::string& text) { return text.empty() ? "-" : text; }

// The first line of a body, for an error message (a daemon error body is one short line),
// escaped: whatever answered on the daemon's port wrote it.
std::string FirstLine(const std::string& body) {
  std::string line = body.substr(0, body.find('\n'));
  constexpr std::size_t kMax = 200;
  if (line.size() > kMax) line = line.substr(0, kMax) + "...";
  return manifests::EscapeControls(line);
}

}  // namespace

std::string FormatAge(std::chrono::seconds age) {
  const std::int64_t seconds = age.count();
  if (seconds < 60) return std::to_string(std::max<std::int64_t>(seconds, 0)) + "s";
  const std::int64_t minutes = seconds / 60;
  if (minutes < 60) return std::to_string(minutes) + "m";
  const std::int64_t hours = minutes / 60;
  if (hours < 24) return std::to_string(hours) + "h";
  if (hours < std::int64_t{24} * 365) return std::to_string(hours / 24) + "d";
  return std::to_string(hours / (std::int64_t{24} * 365)) + "y";
}

std::string FormatStatusTable(std::vector<ObjectStatus> statuses, WallTime now) {
  if (statuses.empty()) return "no objects\n";
  std::sort(statuses.begin(), statuses.end(),
            [](const ObjectStatus& a, const ObjectStatus& b) { return a.key < b.key; });
  using Row = std::array<std::string, 6>;
  std::vector<Row> rows{{"KIND", "NAME", "PHASE", "REASON", "AGE", "REVISION"}};
  for (const ObjectStatus& status : statuses) {
    const std::string age = status.last_transition
                                ? FormatAge(std::chrono::duration_cast<std::chrono::seconds>(
                                      now - *status.last_transition))
                                : "-";
    // The daemon's answer is read from a socket: every cell is escaped so that a row stays one
    // line (and the widths count what is printed).
    rows.push_back({std::string(manifests::KindName(status.key.kind)),
                    manifests::EscapeControls(status.key.name),
                    std::string(reconcilers::PhaseName(status.phase)),
                    manifests::EscapeControls(OrDash(status.reason)), age,
                    manifests::EscapeControls(OrDash(status.revision.substr(0, kRevisionWidth)))});
  }
  std::array<std::size_t, 6> widths{};
  for (const Row& row : rows) {
    for (std::size_t i = 0; i < row.size(); ++i)
      widths.at(i) = std::max(widths.at(i), row.at(i).size());
  }
  std::string table;
  for (const Row& row : rows) {
    std::string line;
    for (std::size_t i = 0; i < row.size(); ++i) {
      line += row.at(i);
      if (i + 1 < row.size()) {
        line.append(widths.at(i) - row.at(i).size(), ' ');
        line += kColumnGap;
      }
    }
    table += line + "\n";
  }
  return table;
}

int RunStatus(const StatusOptions& options, std::ostream& out, std::ostream& err) {
  const auto address = ReadDaemonAddress(options.config, "status", err);
  if (!address) return kExitError;
  const auto response = CallDaemon(*address, "GET", "/status", "status", err);
  if (!response) return kExitError;
  if (response->status != 200) {
    err << "vsrd status: the daemon answered HTTP " << response->status << ": "
        << FirstLine(response->body) << '\n';
    return kExitError;
  }
  // Bounded: whatever listens on the daemon's port wrote this, and the table and --output json
  // walk it recursively.
  net::JsonError json_error;
  const auto parsed = net::ParseJsonBounded(response->body, &json_error);
  if (!parsed || !parsed->is_object()) {
    err << "vsrd status: the daemon's answer is not a JSON object"
        << (json_error.too_deep ? " (" + json_error.message + ")" : std::string()) << '\n';
    return kExitError;
  }
  const nlohmann::json& document = *parsed;
  if (options.json) {
    out << document.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << '\n';
    return kExitSuccess;
  }
  const auto objects = document.find("objects");
  if (objects == document.end() || !objects->is_array()) {
    err << "vsrd status: the daemon's answer has no \"objects\" array\n";
    return kExitError;
  }
  std::vector<ObjectStatus> statuses;
  for (const auto& object : *objects) {
    std::string problem;
    auto status = StatusFromJson(object, &problem);
    if (!status) {
      err << "vsrd status: the daemon's answer has an object this vsrd cannot read: "
          << manifests::EscapeControls(problem) << '\n';
      return kExitError;
    }
    statuses.push_back(std::move(*status));
  }
  out << FormatStatusTable(std::move(statuses), SystemClock().Now());
  // A corrupt journal's recovery marker: nothing is submitted until an operator accepts it.
  if (const auto blocked = document.find("mutations_blocked");
      blocked != document.end() && blocked->is_string()) {
    out << "\nmutations blocked: " << manifests::EscapeControls(blocked->get<std::string>())
        << '\n';
  }
  // Problems in the manifests: their objects keep the last good version meanwhile.
  if (const auto errors = document.find("manifest_errors");
      errors != document.end() && errors->is_array() && !errors->empty()) {
    out << "\nmanifest errors (the objects of these files keep their last good version):\n";
    for (const auto& line : *errors) {
      if (line.is_string())
        out << "  " << manifests::EscapeControls(line.get<std::string>()) << '\n';
    }
  }
  return kExitSuccess;
}

}  // namespace vsrd::daemon
