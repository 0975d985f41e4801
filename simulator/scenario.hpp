#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "manifests/diagnostic.hpp"
#include "manifests/yaml_reader.hpp"
#include "simulator/clock.hpp"
#include "simulator/faults.hpp"

// A scenario: the personas one vsrd-sim process serves and their initial state. Decoded with the
// same strictness as vsrd's manifests (FILE:LINE:COL errors, unknown keys rejected). Scenario
// passwords are simulator fixtures, not secrets: they are what the fake endpoints accept.
// Reference: docs/simulator.md.

namespace vsrd::simulator {

struct UserScenario {
  std::string name;
  std::string password;
};

struct PersonaScenario {
  std::string name;    ///< DNS-1123 label; the persona's key in the admin API
  std::string type;    ///< "vcenter" | "update-manager"
  std::string listen;  ///< "127.0.0.1:8443"
  std::vector<UserScenario> users;
  Duration session_idle_timeout = std::chrono::minutes(30);
  Duration session_max_lifetime = std::chrono::hours(24);
  /// The persona's initial state, decoded and normalized by its type's decoder.
  nlohmann::json state;
  /// The scenario's clock.start, for state that gives times relative to it.
  TimePoint clock_start;
};

struct Scenario {
  std::string file;
  TimePoint clock_start;
  std::vector<PersonaScenario> personas;
  /// Fault rules in force from the start (and again after a reset); the same fields as
  /// POST /sim/faults.
  std::vector<FaultRule> faults;
};

struct ScenarioResult {
  std::optional<Scenario> scenario;  ///< set only without errors
  manifests::Diagnostics diagnostics;
};

ScenarioResult DecodeScenario(std::string_view text, const std::string& file);

/// The largest scenario file read.
inline constexpr std::size_t kMaxScenarioBytes = std::size_t{64} << 20;

/// Reads (bounded, manifests/bounded_file.hpp) and decodes a scenario file. Never throws.
ScenarioResult LoadScenario(const std::filesystem::path& path);

/// Decodes the `state` of a vcenter persona (simulator/vcenter/*). Reports problems to
/// `context`; returns the normalized state (defaults filled in).
nlohmann::json DecodeVcenterState(manifests::ReadContext& context, const YAML::Node& node);
/// Decodes the `state` of an update-manager persona (simulator/update_manager/*).
nlohmann::json DecodeUpdateManagerState(manifests::ReadContext& context, const YAML::Node& node);

}  // namespace vsrd::simulator
