#include "daemon/cli/command_runtime.hpp"

#include <algorithm>

#include <spdlog/sinks/stdout_color_sinks.h>

#include "daemon/logging.hpp"
#include "manifests/escape.hpp"

namespace vsrd::daemon {

std::unique_ptr<CommandRuntime> PrepareRuntime(const std::optional<std::string>& config_flag,
                                               std::string_view command, bool read_only,
                                               std::ostream& err) {
  auto runtime = std::make_unique<CommandRuntime>();
  const std::string path = ResolveConfigPath(config_flag);
  auto loaded = LoadConfig(path);
  bool failed = false;
  for (const auto& diagnostic : loaded.diagnostics) {
    err << manifests::FormatDiagnostic(diagnostic) << '\n';
    failed = failed || diagnostic.severity == manifests::Diagnostic::Severity::kError;
  }
  if (!loaded.config || failed) {
    err << "vsrd " << command << ": the config " << manifests::EscapeControls(path)
        << " has errors\n";
    return nullptr;
  }
  runtime->config = std::move(*loaded.config);

  runtime->desired = LoadDesiredState(runtime->config);
  if (manifests::CountErrors(runtime->desired.diagnostics) > 0) {
    for (const auto& diagnostic : runtime->desired.diagnostics) {
      err << manifests::FormatDiagnostic(diagnostic) << '\n';
    }
    err << "vsrd " << command << ": the manifests have errors (see vsrd validate)\n";
    return nullptr;
  }

  auto sink = std::make_shared<spdlog::sinks::stderr_color_sink_mt>();
  runtime->logger = std::make_shared<spdlog::logger>("vsrd", sink);
  // plan and apply print their own results on stdout; at the config's `info` their log would
  // repeat each phase change, so it starts at warn unless debug or trace is asked for.
  const auto level = SpdlogLevel(runtime->config.log.level);
  runtime->logger->set_level(level < spdlog::level::info ? level
                                                         : std::max(level, spdlog::level::warn));
  runtime->logger->set_formatter(MakeCommandFormatter());

  try {
    runtime->targets = std::make_unique<Targets>(runtime->config, nullptr, runtime->logger);
  } catch (const std::exception& error) {
    err << "vsrd " << command << ": " << manifests::EscapeControls(error.what()) << '\n';
    return nullptr;
  }
  if (!read_only) {
    std::string error;
    runtime->lock = StateLock::Acquire(runtime->config.state_dir, &error);
    if (!runtime->lock) {
      err << "vsrd " << command << ": " << manifests::EscapeControls(error) << '\n';
      return nullptr;
    }
  }
  runtime->journal = std::make_unique<Journal>(runtime->config.state_dir);
  const auto journal = runtime->journal->Load(
      runtime->clock.Now(), read_only ? Journal::LoadMode::kReadOnly : Journal::LoadMode::kOwner);
  if (journal.fatal) {
    err << "vsrd " << command << ": " << manifests::EscapeControls(journal.error) << '\n';
    return nullptr;
  }
  if (!journal.ok) runtime->logger->error("{}", journal.error);
  if (const auto blocked = runtime->journal->MutationsBlocked()) {
    err << "vsrd " << command << ": mutations are blocked: " << manifests::EscapeControls(*blocked)
        << '\n';
  }
  return runtime;
}

}  // namespace vsrd::daemon
