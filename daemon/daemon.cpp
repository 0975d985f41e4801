#include "daemon/daemon.hpp"

#include <array>
#include <future>
#include <numeric>

#include "daemon/logging.hpp"
#include "reconcilers/registry.hpp"
#include "vsrd_version.hpp"

namespace vsrd::daemon {

namespace {

using std::chrono::duration_cast;
using std::chrono::milliseconds;
using std::chrono::seconds;

constexpr std::chrono::seconds kLoginRetryMax{30};

std::string Join(const std::vector<std::string>& lines) {
  return std::accumulate(
      lines.begin(), lines.end(), std::string(),
      [](std::string all, const std::string& line) { return std::move(all) + line + "\n"; });
}

}  // namespace

std::string SummarizeStatus(const std::vector<ObjectStatus>& statuses,
                            std::size_t manifest_errors) {
  PhaseCounts counts{};
  for (const auto& status : statuses) ++counts.at(static_cast<std::size_t>(status.phase));
  return SummarizeStatus(counts, manifest_errors);
}

std::string SummarizeStatus(const PhaseCounts& counts, std::size_t manifest_errors) {
  std::size_t objects = 0;
  for (const std::size_t count : counts) objects += count;
  std::string summary = std::to_string(objects) + (objects == 1 ? " object" : " objects");
  std::string parts;
  for (std::size_t phase = 0; phase < counts.size(); ++phase) {
    if (counts.at(phase) == 0) continue;
    std::string name(reconcilers::kPhaseNames.at(phase));
    for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    parts += (parts.empty() ? ": " : ", ") + std::to_string(counts.at(phase)) + " " + name;
  }
  summary += parts;
  if (manifest_errors > 0) {
    summary += ", " + std::to_string(manifest_errors) +
               (manifest_errors == 1 ? " manifest error" : " manifest errors");
  }
  return summary;
}

Daemon::Daemon(Config config, std::shared_ptr<spdlog::logger> logger, bool journald,
               const SystemdNotifier& notifier, const Clock& clock, DaemonOptions options)
    : config_path_(config.path),
      logger_(std::move(logger)),
      journald_(journald),
      notifier_(notifier),
      options_(options),
      clock_(clock),
      metrics_(VSRD_VERSION),
      state_dir_(config.state_dir),
      listen_(config.listen),
      allowed_hosts_(config.http.allowed_hosts),
      initial_config_(std::move(config)) {}

Daemon::~Daemon() {
  if (!stopped_) Stop();
}

std::shared_ptr<Daemon::Engine> Daemon::BuildEngine(Config config) {
  auto engine = std::make_shared<Engine>();
  engine->config = std::move(config);
  engine->targets = std::make_unique<Targets>(engine->config, &metrics_.Api(), logger_);
  ControllerOptions controller_options;
  controller_options.workers = static_cast<int>(engine->config.workers);
  controller_options.seed =
      static_cast<std::uint64_t>(clock_.SteadyNow().time_since_epoch().count());
  controller_options.metrics = &metrics_;
  controller_options.pass_budget = options_.pass_budget;
  engine->controller =
      std::make_unique<Controller>(engine->config, engine->targets->Ports(), *journal_, clock_,
                                   reconcilers::MakeReconcilers(), controller_options, logger_);
  return engine;
}

std::shared_ptr<Daemon::Engine> Daemon::CurrentEngine() const {
  const std::lock_guard lock(engine_mutex_);
  return engine_;
}

void Daemon::Start() {
  // The lock comes first: nothing in state_dir is read or written without it.
  std::string lock_error;
  lock_ = StateLock::Acquire(state_dir_, &lock_error);
  if (!lock_) throw std::runtime_error(lock_error);
  auto loading = std::make_unique<Journal>(state_dir_);
  const auto journal = loading->Load(clock_.Now(), Journal::LoadMode::kOwner);
  if (journal.fatal) throw std::runtime_error(journal.error);
  journal_ = std::move(loading);
  if (!journal.ok) {
    logger_->error("{}", journal.error);
  } else if (journal.entries > 0) {
    logger_->info("journal {}: {} operations in flight are resumed, never resubmitted",
                  journal_->Path().string(), journal.entries);
  }
  if (journal.removed_temporaries > 0) {
    logger_->info("journal: removed {} temporary files of a vsrd that was killed while writing",
                  journal.removed_temporaries);
  }
  if (const auto blocked = journal_->MutationsBlocked()) {
    mutations_blocked_ = true;
    logger_->error("mutations are blocked: {}", *blocked);
  }
  auto engine = BuildEngine(std::move(initial_config_));
  {
    const std::lock_guard lock(engine_mutex_);
    engine_ = engine;
  }
  // Watching starts before the first load so that nothing written in between is missed.
  watched_root_ = engine->config.manifests;
  watcher_ = std::make_unique<ManifestWatcher>(
      watched_root_, options_.debounce, options_.max_delay, [this] { ReloadManifests(); }, logger_);
  watcher_->Start();
  ReloadManifests();
  engine->controller->Start();

  server_ = std::make_unique<http::Server>(
      listen_, http::MakeDaemonHandler(Backend(), http::ApiAccess(allowed_hosts_)),
      http::ServerOptions{}, logger_);
  server_->Start();
  login_thread_ = std::thread([this] { LoginLoop(); });
  reload_thread_ = std::thread([this] { ReloadLoop(); });

  status_sent_ = StatusSummary();
  logger_->info("vsrd {} running: {} targets, manifests {}, listening on http://{}", VSRD_VERSION,
                engine->config.targets.size(), engine->config.manifests, server_->Address());
  notifier_.Ready(status_sent_);
}

void Daemon::ReloadManifests() {
  const std::lock_guard lock(reload_mutex_);
  ReloadManifestsLocked();
}

void Daemon::ReloadManifestsLocked() {
  const auto engine = CurrentEngine();
  if (!engine) return;
  const auto started = clock_.SteadyNow();
  auto load = manifest_set_.Reload(engine->config);
  LogDiagnostics(load);

  // Every manifest file has a series, 0 while it is fine, so alerts see the family at once.
  // Published before the objects: whoever sees a new generation in /status also sees this load's
  // errors in /metrics (the other order left a window where a fixed file's new generation showed
  // beside its old error count; DaemonProcessTest.BrokenYamlKeepsLastGood, under load).
  std::map<std::string, std::int64_t> errors;
  for (const auto& file : load.file_paths) errors[file] = 0;
  std::size_t total_errors = 0;
  for (const auto& [file, count] : load.errors_by_file) {
    errors[file] = static_cast<std::int64_t>(count);
    total_errors += count;
  }
  metrics_.SetManifestErrors(errors);
  metrics_.SetManifestsLoaded(load.objects.size());
  manifest_errors_ = total_errors;
  engine->controller->SetObjects(load.objects, load.revision);
  {
    const std::lock_guard state_lock(state_mutex_);
    revision_ = load.revision;
  }
  if (load.root_missing) {
    logger_->warn("manifests directory {} is missing or unreadable; {} objects stay in force",
                  engine->config.manifests, load.objects.size());
    return;
  }
  manifests_loaded_ = true;
  const auto took = duration_cast<milliseconds>(clock_.SteadyNow() - started);
  logger_->info(
      "manifests loaded: {} objects from {} files{} in {} ms", load.objects.size(), load.files,
      load.revision.empty() ? std::string() : " at revision " + load.revision.substr(0, 12),
      took.count());
}

void Daemon::LogDiagnostics(const ManifestLoad& load) {
  std::vector<std::string> lines;
  lines.reserve(load.diagnostics.size());
  for (const auto& diagnostic : load.diagnostics) {
    lines.push_back(manifests::FormatDiagnostic(diagnostic));
  }
  for (const auto& [file, kept] : load.kept_last_good) {
    lines.push_back(file + ": " + std::to_string(kept) +
                    " objects keep their last good version until the file is fixed");
  }
  auto text = Join(lines);
  {
    const std::lock_guard state_lock(state_mutex_);
    manifest_problems_ = lines;
  }
  if (text == last_diagnostics_) return;  // each problem is logged once, when it appears
  for (const auto& diagnostic : load.diagnostics) {
    const auto line = manifests::FormatDiagnostic(diagnostic);
    if (diagnostic.severity == manifests::Diagnostic::Severity::kError) {
      logger_->error("manifest {}", line);
    } else {
      logger_->warn("manifest {}", line);
    }
  }
  for (const auto& [file, kept] : load.kept_last_good) {
    logger_->warn("manifest {}: {} objects keep their last good version until the file is fixed",
                  file, kept);
  }
  if (lines.empty() && !last_diagnostics_.empty()) logger_->info("manifest errors resolved");
  last_diagnostics_ = std::move(text);
}

void Daemon::ReloadConfig() {
  std::unique_lock lock(reload_mutex_);
  auto loaded = LoadConfig(config_path_);
  bool failed = !loaded.config.has_value();
  for (const auto& diagnostic : loaded.diagnostics) {
    const bool error = diagnostic.severity == manifests::Diagnostic::Severity::kError;
    failed = failed || error;
    if (error) {
      logger_->error("config {}", manifests::FormatDiagnostic(diagnostic));
    } else {
      logger_->warn("config {}", manifests::FormatDiagnostic(diagnostic));
    }
  }
  if (failed) {
    logger_->error("reload: the config {} has errors; the running config stays in force",
                   config_path_);
    return;
  }
  Config next = std::move(*loaded.config);
  if (next.listen != listen_) {
    logger_->warn("reload: listen {} takes effect at the next start (still {})", next.listen,
                  listen_);
    next.listen = listen_;
  }
  if (next.http.allowed_hosts != allowed_hosts_) {
    logger_->warn("reload: http.allowed_hosts takes effect at the next start");
    next.http.allowed_hosts = allowed_hosts_;
  }
  if (next.state_dir != state_dir_) {
    logger_->warn("reload: state_dir {} takes effect at the next start (still {})", next.state_dir,
                  state_dir_);
    next.state_dir = state_dir_;
  }
  std::shared_ptr<Engine> fresh;
  try {
    fresh = BuildEngine(next);
  } catch (const std::exception& error) {
    logger_->error("reload: {}; the running config stays in force", error.what());
    return;
  }
  ApplyLogConfig(*logger_, next.log, journald_);

  // The old engine finishes its passes in flight before the new one starts, so that no
  // object is reconciled twice at once and the mutation slots come from the journal.
  const auto old = CurrentEngine();
  old->controller->Stop();
  {
    // A stop that began while the old passes finished wins: the new engine is never installed.
    // Checked and swapped under control_mutex_, so that Stop refuses mutations on whichever
    // engine is current (Daemon::Stop).
    const std::lock_guard control_lock(control_mutex_);
    if (stopping_) {
      logger_->info("reload: abandoned, vsrd is stopping");
      return;
    }
    const std::lock_guard engine_lock(engine_mutex_);
    engine_ = fresh;
  }
  // The old watcher is stopped after reload_mutex_ is released: its thread may be waiting for
  // that mutex in ReloadManifests, and Stop() joins it.
  std::unique_ptr<ManifestWatcher> old_watcher;
  if (fresh->config.manifests != watched_root_) {
    old_watcher = std::move(watcher_);
    watched_root_ = fresh->config.manifests;
    watcher_ = std::make_unique<ManifestWatcher>(
        watched_root_, options_.debounce, options_.max_delay, [this] { ReloadManifests(); },
        logger_);
    watcher_->Start();
  }
  ReloadManifestsLocked();
  fresh->controller->Start();
  {
    const std::lock_guard login_lock(control_mutex_);
    login_rescan_ = true;
  }
  login_wake_.notify_all();
  logger_->info("reload: config {} in force ({} targets, {} workers)", config_path_,
                fresh->config.targets.size(), fresh->config.workers);
  lock.unlock();
  if (old_watcher) old_watcher->Stop();
  // The old engine's sessions end on the targets instead of idling until they expire (vCenter
  // limits sessions per user); its passes have all ended, so nothing uses them any more.
  old->targets->LogoutAll();
}

void Daemon::RequestReload() {
  {
    const std::lock_guard lock(control_mutex_);
    reload_requested_ = true;
  }
  reload_wake_.notify_all();
}

void Daemon::ReloadLoop() {
  std::unique_lock lock(control_mutex_);
  while (true) {
    reload_wake_.wait(lock, [this] { return stopping_ || reload_requested_; });
    if (stopping_) return;
    reload_requested_ = false;
    lock.unlock();
    ReloadConfig();
    lock.lock();
  }
}

http::DaemonBackend Daemon::Backend() {
  http::DaemonBackend backend;
  backend.metrics = [this] { return metrics_.Render(); };
  backend.health = [this] { return HealthChecks(); };
  backend.readiness = [this] { return ReadinessChecks(); };
  backend.statuses = [this] { return CurrentEngine()->controller->Status().Snapshot(); };
  backend.status = [this](const manifests::ObjectKey& key) {
    return CurrentEngine()->controller->Status().Get(key);
  };
  backend.revision = [this] {
    const std::lock_guard lock(state_mutex_);
    return revision_;
  };
  backend.manifest_errors = [this] { return ManifestProblems(); };
  backend.mutations_blocked = [this] { return MutationsBlocked(); };
  backend.reconcile = [this](const manifests::ObjectKey& key, bool reset) {
    return CurrentEngine()->controller->ReconcileNow(key, reset);
  };
  return backend;
}

std::vector<http::Check> Daemon::HealthChecks() const {
  const auto heartbeat = CurrentEngine()->controller->Liveness();
  const auto oldest = duration_cast<seconds>(heartbeat.oldest_pass);
  http::Check workers{"workers", true, ""};
  workers.detail = std::to_string(heartbeat.workers_running) + "/" +
                   std::to_string(heartbeat.workers_started) + " workers running, oldest pass " +
                   std::to_string(oldest.count()) + "s";
  if (heartbeat.workers_running < heartbeat.workers_started && !heartbeat.stopping) {
    workers.ok = false;
  }
  const auto stale = options_.pass_budget + options_.stale_margin;
  if (heartbeat.oldest_pass >= stale) {
    workers.ok = false;
    workers.detail += " (stale: a pass should end within " +
                      std::to_string(duration_cast<seconds>(stale).count()) + "s)";
  }
  return {workers};
}

std::vector<http::Check> Daemon::ReadinessChecks() const {
  std::vector<http::Check> checks;
  const auto engine = CurrentEngine();
  checks.push_back({"manifests", manifests_loaded_.load(),
                    manifests_loaded_ ? "loaded" : "not loaded yet: " + engine->config.manifests});
  std::map<std::string, std::string> errors;
  {
    const std::lock_guard lock(control_mutex_);
    errors = login_errors_;
  }
  for (const auto& [name, target] : engine->config.targets) {
    const auto* session = engine->targets->Session(name);
    const bool logged_in = session != nullptr && session->LoginCount() > 0;
    std::string detail = logged_in ? "logged in" : "not logged in yet";
    if (!logged_in && errors.contains(name)) detail += ": " + errors.at(name);
    checks.push_back({"target " + name, logged_in, detail});
  }
  // A corrupt journal's recovery marker, or a journal that cannot be written: vsrd reads but
  // submits nothing meanwhile.
  const auto blocked = MutationsBlocked();
  checks.push_back({"journal", !blocked, blocked ? "mutations blocked: " + *blocked : ""});
  return checks;
}

void Daemon::LoginLoop() {
  auto backoff = std::chrono::seconds(1);
  std::unique_lock lock(control_mutex_);
  while (!stopping_) {
    login_rescan_ = false;
    lock.unlock();
    const auto engine = CurrentEngine();
    bool all_in = true;
    for (const auto& [name, target] : engine->config.targets) {
      auto* session = engine->targets->Session(name);
      if (session == nullptr || session->LoginCount() > 0) continue;
      const auto result = session->Login();
      const std::lock_guard error_lock(control_mutex_);
      if (result) {
        login_errors_.erase(name);  // the session logs the login itself
      } else {
        all_in = false;
        auto summary = result.Error().Summary();
        if (login_errors_[name] != summary) {
          logger_->warn("target={} login failed: {} (retrying)", name, summary);
        }
        login_errors_[name] = std::move(summary);
      }
    }
    lock.lock();
    if (all_in) {
      backoff = std::chrono::seconds(1);
      login_wake_.wait(lock, [this] { return stopping_ || login_rescan_; });
    } else {
      login_wake_.wait_for(lock, backoff, [this] { return stopping_ || login_rescan_; });
      backoff = std::min(backoff * 2, kLoginRetryMax);
    }
  }
}

std::string Daemon::StatusSummary() const {
  const auto engine = CurrentEngine();
  if (!engine) return "starting";
  auto summary =
      SummarizeStatus(engine->controller->Status().CountPhases(), manifest_errors_.load());
  if (MutationsBlocked()) {
    summary += ", mutations blocked (vsrd journal show)";
  }
  return summary;
}

std::vector<std::string> Daemon::ManifestProblems() const {
  const std::lock_guard lock(state_mutex_);
  return manifest_problems_;
}

unsigned short Daemon::HttpPort() const { return server_ ? server_->Port() : 0; }

std::optional<std::string> Daemon::MutationsBlocked() const {
  if (journal_) {
    if (auto blocked = journal_->MutationsBlocked()) return blocked;
  }
  if (const auto engine = CurrentEngine(); engine && !engine->controller->JournalWritable()) {
    return "the journal in " + state_dir_ + " cannot be written (vsrd_journal_writable is 0)";
  }
  return std::nullopt;
}

void Daemon::Tick() {
  const auto blocked = MutationsBlocked();
  if (blocked.has_value() != mutations_blocked_) {
    mutations_blocked_ = blocked.has_value();
    if (blocked) {
      logger_->error("mutations are blocked: {}", *blocked);
    } else {
      logger_->warn("the journal's recovery marker {} was removed: mutations are allowed again",
                    journal_->RecoveryPath().string());
    }
  }
  auto summary = StatusSummary();
  if (summary != status_sent_) {
    notifier_.Status(summary);
    status_sent_ = std::move(summary);
  }
  const auto interval = notifier_.WatchdogInterval();
  if (!interval) return;
  const SteadyTime now = clock_.SteadyNow();
  if (!WatchdogDue(last_watchdog_, now, *interval)) return;
  const auto checks = HealthChecks();
  const bool healthy =
      std::all_of(checks.begin(), checks.end(), [](const auto& check) { return check.ok; });
  if (healthy) {
    notifier_.Watchdog();
    last_watchdog_ = now;
  } else {
    logger_->error("unhealthy ({}): not feeding the systemd watchdog", checks.front().detail);
  }
}

StopResult Daemon::Stop() {
  if (stopped_.exchange(true)) return StopResult::kClean;
  if (!journal_) return StopResult::kClean;  // Start failed before anything was started
  // Before anything that may wait: no mutation starts once a stop has begun. stopping_ first:
  // a reload in flight either sees it and never installs its engine, or installed it before,
  // and then CurrentEngine() below is that new engine (ReloadConfig checks and swaps under
  // control_mutex_).
  {
    const std::lock_guard lock(control_mutex_);
    stopping_ = true;
    if (const auto engine = CurrentEngine()) engine->controller->RefuseMutations();
  }
  notifier_.Stopping();
  logger_->info("stopping: taking no new work; passes in flight have {} s to finish",
                duration_cast<seconds>(options_.stop_grace).count());
  login_wake_.notify_all();
  reload_wake_.notify_all();

  // Everything that may wait for the network runs on one thread, so that the grace period
  // bounds all of it together. A reload in flight ends first: it may replace watcher_.
  std::packaged_task<void()> drain([this] {
    if (reload_thread_.joinable()) reload_thread_.join();
    if (watcher_) watcher_->Stop();
    if (login_thread_.joinable()) login_thread_.join();
    std::shared_ptr<Engine> engine;
    {
      const std::lock_guard lock(reload_mutex_);
      engine = CurrentEngine();
    }
    if (engine) {
      engine->controller->Stop();
      engine->targets->LogoutAll();
    }
  });
  auto drained = drain.get_future();
  stopper_ = std::thread(std::move(drain));
  if (drained.wait_for(options_.stop_grace) != std::future_status::ready) {
    const auto records = journal_ ? journal_->Seal() : 0;
    logger_->warn(
        "passes still in flight after {} s; exiting without them (journal flushed: {} "
        "operations in flight are resumed at the next start)",
        duration_cast<seconds>(options_.stop_grace).count(), records);
    logger_->flush();
    stopper_.detach();
    return StopResult::kTimedOut;
  }
  stopper_.join();
  if (server_) server_->Stop();
  const auto records = journal_ ? journal_->Seal() : 0;
  logger_->info("stopped: journal flushed ({} operations in flight recorded)", records);
  logger_->flush();
  return StopResult::kClean;
}

void Daemon::SealJournal() {
  if (journal_) journal_->Seal();
}

}  // namespace vsrd::daemon
