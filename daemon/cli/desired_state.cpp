#include "daemon/cli/desired_state.hpp"

#include <algorithm>
#include <filesystem>
#include <tuple>

#include "manifests/decode.hpp"
#include "manifests/object_set.hpp"

namespace vsrd::daemon {

DesiredState LoadDesiredState(const Config& config) {
  namespace fs = std::filesystem;
  DesiredState state;
  const auto files = manifests::FindManifestFiles({fs::path(config.manifests)}, state.diagnostics);
  std::vector<manifests::Object> checked;
  for (const auto& file : files) {
    std::error_code error;
    if (fs::equivalent(file, config.path, error)) continue;
    auto loaded = manifests::LoadManifestFile(file);
    if (!loaded.is_manifest) continue;
    ++state.files;
    state.diagnostics.insert(state.diagnostics.end(), loaded.diagnostics.begin(),
                             loaded.diagnostics.end());
    checked.insert(checked.end(), loaded.objects.begin(), loaded.objects.end());
    checked.insert(checked.end(), loaded.incomplete.begin(), loaded.incomplete.end());
    for (auto& object : loaded.objects) state.objects.push_back(std::move(object));
  }
  std::stable_sort(checked.begin(), checked.end(), [](const auto& a, const auto& b) {
    return std::tie(a.location.file, a.location.line, a.location.column) <
           std::tie(b.location.file, b.location.line, b.location.column);
  });
  const auto set_problems = manifests::CheckObjectSet(checked);
  state.diagnostics.insert(state.diagnostics.end(), set_problems.begin(), set_problems.end());
  const auto target_problems = CheckObjectsAgainstConfig(config, checked);
  state.diagnostics.insert(state.diagnostics.end(), target_problems.begin(), target_problems.end());
  manifests::SortByLocation(state.diagnostics);
  return state;
}

}  // namespace vsrd::daemon
