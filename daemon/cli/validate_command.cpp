#include "daemon/cli/validate_command.hpp"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <set>
#include <tuple>

#include "daemon/cli/exit_codes.hpp"
#include "daemon/config.hpp"
#include "manifests/decode.hpp"
#include "manifests/escape.hpp"
#include "manifests/object_set.hpp"

namespace vsrd::daemon {
namespace {

namespace fs = std::filesystem;
using manifests::Diagnostic;

std::string Plural(std::size_t n, std::string_view one, std::string_view many) {
  return std::to_string(n) + " " + std::string(n == 1 ? one : many);
}

bool SameFile(const fs::path& a, const fs::path& b) {
  std::error_code error;
  return fs::equivalent(a, b, error);
}

}  // namespace

int RunValidate(const ValidateOptions& options, std::ostream& out, std::ostream& err) {
  Diagnostics diagnostics;
  std::optional<Config> config;
  std::optional<std::string> config_path;
  const bool config_named = options.config.has_value() ||
                            (std::getenv("VSRD_CONFIG") != nullptr && *std::getenv("VSRD_CONFIG"));
  const std::string candidate = ResolveConfigPath(options.config);
  if (config_named || fs::exists(candidate)) {
    config_path = candidate;
    auto loaded = LoadConfig(candidate);
    config = std::move(loaded.config);
    diagnostics.insert(diagnostics.end(), loaded.diagnostics.begin(), loaded.diagnostics.end());
  }

  std::vector<fs::path> roots(options.paths.begin(), options.paths.end());
  if (roots.empty()) {
    if (config) {
      roots.emplace_back(config->manifests);
    } else if (!config_path) {
      err << "vsrd validate: no PATH given and no config at "
          << manifests::EscapeControls(candidate) << "; name manifests or use --config FILE\n";
      return kExitError;
    }
  }
  const std::set<std::string> explicit_files(options.paths.begin(), options.paths.end());
  const auto files = manifests::FindManifestFiles(roots, diagnostics);

  std::vector<manifests::Object> objects;
  std::vector<manifests::Object> checked;  // objects plus incomplete ones, for cross-checks
  std::size_t manifest_files = 0;
  std::vector<std::string> skipped;
  for (const auto& file : files) {
    if (config_path && SameFile(file, *config_path)) continue;
    auto loaded = manifests::LoadManifestFile(file);
    if (!loaded.is_manifest) {
      if (explicit_files.contains(file.string())) {
        diagnostics.push_back(
            Diagnostic{{file.string(), 0, 0},
                       Diagnostic::Severity::kError,
                       "not a vsrd manifest: no document has apiVersion or kind"});
      } else {
        skipped.push_back(file.string());
      }
      continue;
    }
    ++manifest_files;
    diagnostics.insert(diagnostics.end(), loaded.diagnostics.begin(), loaded.diagnostics.end());
    checked.insert(checked.end(), loaded.objects.begin(), loaded.objects.end());
    checked.insert(checked.end(), loaded.incomplete.begin(), loaded.incomplete.end());
    for (auto& object : loaded.objects) objects.push_back(std::move(object));
  }

  // In source order, so that "first defined at" names the earlier document.
  std::stable_sort(checked.begin(), checked.end(), [](const auto& a, const auto& b) {
    return std::tie(a.location.file, a.location.line, a.location.column) <
           std::tie(b.location.file, b.location.line, b.location.column);
  });
  const auto set_problems = manifests::CheckObjectSet(checked);
  diagnostics.insert(diagnostics.end(), set_problems.begin(), set_problems.end());
  if (config) {
    const auto target_problems = CheckObjectsAgainstConfig(*config, checked);
    diagnostics.insert(diagnostics.end(), target_problems.begin(), target_problems.end());
  }

  std::stable_sort(diagnostics.begin(), diagnostics.end(), [](const auto& a, const auto& b) {
    return std::tie(a.location.file, a.location.line, a.location.column) <
           std::tie(b.location.file, b.location.line, b.location.column);
  });
  std::set<std::string> files_with_errors;
  for (const auto& diagnostic : diagnostics) {
    err << manifests::FormatDiagnostic(diagnostic) << '\n';
    if (diagnostic.severity == Diagnostic::Severity::kError) {
      files_with_errors.insert(diagnostic.location.file);
    }
  }
  for (const auto& file : skipped) {
    err << manifests::EscapeControls(file)
        << ": note: skipped: no document has apiVersion or kind\n";
  }
  if (config_path && !config) {
    err << manifests::EscapeControls(*config_path) << ": note: the config has errors; "
        << (options.paths.empty() ? "no manifests were checked (name them as PATH)"
                                  : "spec.target and management_vcenter were not checked")
        << '\n';
  }
  if (!config_path) {
    err << "note: no config at " << manifests::EscapeControls(candidate)
        << "; spec.target and management_vcenter were not checked (use --config FILE)\n";
  }

  const std::size_t errors = manifests::CountErrors(diagnostics);
  if (errors > 0) {
    out << Plural(errors, "error", "errors") << " in "
        << Plural(files_with_errors.size(), "file", "files") << '\n';
    return kExitError;
  }
  out << Plural(objects.size(), "object", "objects") << " in "
      << Plural(manifest_files, "file", "files") << ": valid";
  if (config)
    out << " (config " << manifests::EscapeControls(config->path) << ": "
        << Plural(config->targets.size(), "target", "targets") << ")";
  out << '\n';
  return kExitSuccess;
}

}  // namespace vsrd::daemon
