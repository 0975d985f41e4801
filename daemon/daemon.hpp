#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <spdlog/logger.h>

#include "daemon/config.hpp"
#include "daemon/engine/clock.hpp"
#include "daemon/engine/controller.hpp"
#include "daemon/engine/journal.hpp"
#include "daemon/engine/state_lock.hpp"
#include "daemon/http/daemon_api.hpp"
#include "daemon/http/server.hpp"
#include "daemon/manifest_source/manifest_set.hpp"
#include "daemon/manifest_source/watcher.hpp"
#include "daemon/metrics.hpp"
#include "daemon/systemd_notify.hpp"
#include "daemon/targets.hpp"

// `vsrd run` without the process concerns (signals, exit): the long-lived parts wired together.
//
//   ManifestWatcher --change--> ReloadManifests --SetObjects--> Controller --> reconcilers -->
//   Targets SIGHUP -------------------> ReloadConfig (+ manifests)            | http::Server <--
//   /metrics /healthz /readyz /status /reconcile ----+-- Metrics, StatusStore
//
// The Engine (config, clients, controller) is replaced as a whole when SIGHUP brings a valid
// new config; the journal, metrics, HTTP listener and manifest merge state live as long as the
// daemon. `listen`, `http` and `state_dir` changes take effect at the next start.

namespace vsrd::daemon {

struct DaemonOptions {
  /// Quiet time that ends a burst of manifest changes, and the longest a burst can delay a
  /// reload (a `git pull` of 500 files is one reload).
  std::chrono::milliseconds debounce{50};
  std::chrono::milliseconds max_delay{1000};
  /// SIGTERM: how long passes in flight may take to finish before vsrd exits anyway.
  std::chrono::milliseconds stop_grace{10000};
  /// The time budget of each pass for its API calls (daemon/vsphere/pass_budget.hpp).
  std::chrono::milliseconds pass_budget = kPassBudget;
  /// /healthz fails (and the systemd watchdog is not fed) while a pass has been running
  /// pass_budget plus this long: a pass starts no call its budget cannot hold, so one this old
  /// is wedged (a lock, a hung disk), not slow.
  std::chrono::milliseconds stale_margin = std::chrono::seconds(60);
};

/// How Daemon::Stop ended.
enum class StopResult {
  kClean,     ///< every pass finished within stop_grace
  kTimedOut,  ///< passes were still running; the journal is sealed, the caller must exit now
};

class Daemon {
 public:
  /// `clock` (outlives the daemon) is the time every decision reads: the engine's queue and
  /// timeouts, the watchdog's schedule, status timestamps.
  Daemon(Config config, std::shared_ptr<spdlog::logger> logger, bool journald,
         const SystemdNotifier& notifier, const Clock& clock, DaemonOptions options = {});
  ~Daemon();
  Daemon(const Daemon&) = delete;
  Daemon& operator=(const Daemon&) = delete;

  /// Takes the state_dir's StateLock (held until the daemon is destroyed), loads the journal
  /// and the manifests, starts the engine, binds the listener, starts the watcher and the
  /// target logins, then sends READY=1. Throws std::runtime_error when the daemon cannot run:
  /// another vsrd holds the lock (the message names its pid), the journal cannot be read or
  /// has a newer format (Journal::LoadResult::fatal), listener not bound, a target's TLS
  /// settings unusable, no inotify. A corrupt journal is not one of them: it is moved aside and
  /// mutations stay blocked (Journal::MutationsBlocked) until an operator accepts the recovery.
  void Start();

  /// SIGHUP: reads the config file again; a config with errors is logged and the running one
  /// kept. Then reloads the manifests. Never throws. Blocks while the old engine's passes in
  /// flight finish: the main loop calls RequestReload instead.
  void ReloadConfig();

  /// Asks the reload thread to run ReloadConfig and returns at once, so that the main loop keeps
  /// feeding the watchdog and answering signals while passes in flight finish. Requests made
  /// while a reload runs are coalesced into one more reload after it.
  void RequestReload();

  /// Re-reads the manifests directory and hands the merged objects to the controller.
  void ReloadManifests();

  /// Periodic work of the main loop (about once a second): STATUS= summary when it changed,
  /// WATCHDOG=1 while healthy, a log line when mutations become blocked or allowed again.
  void Tick();

  /// SIGTERM: STOPPING=1, stops the watcher and the logins, lets passes in flight finish up to
  /// stop_grace, seals the journal. Never throws. Does nothing when Start failed before the
  /// journal was loaded (nothing was started).
  StopResult Stop();

  /// Seals the journal at once (a second signal: the process exits right after).
  void SealJournal();

  /// For tests and the main loop.
  unsigned short HttpPort() const;
  std::string StatusSummary() const;
  /// Why no mutation starts: the journal's recovery marker, or a journal that cannot be
  /// written; nullopt when mutations may start.
  std::optional<std::string> MutationsBlocked() const;
  /// The manifest problems of the last load (FILE:LINE:COL: error: ..., and the files whose
  /// objects keep their last good version), for GET /status.
  std::vector<std::string> ManifestProblems() const;

 private:
  struct Engine {
    Config config;
    std::unique_ptr<Targets> targets;
    std::unique_ptr<Controller> controller;
  };

  std::shared_ptr<Engine> BuildEngine(Config config);
  std::shared_ptr<Engine> CurrentEngine() const;
  http::DaemonBackend Backend();
  std::vector<http::Check> HealthChecks() const;
  std::vector<http::Check> ReadinessChecks() const;
  void ReloadManifestsLocked();
  void LoginLoop();
  void ReloadLoop();
  void LogDiagnostics(const ManifestLoad& load);

  std::string config_path_;
  std::shared_ptr<spdlog::logger> logger_;
  bool journald_;
  const SystemdNotifier& notifier_;
  DaemonOptions options_;
  const Clock& clock_;
  Metrics metrics_;
  std::unique_ptr<StateLock> lock_;  ///< taken by Start; released after the journal is gone
  std::unique_ptr<Journal> journal_;
  std::string state_dir_;                   ///< fixed at start
  std::string listen_;                      ///< fixed at start
  std::vector<std::string> allowed_hosts_;  ///< http.allowed_hosts, fixed at start
  Config initial_config_;                   ///< until Start() builds the first engine

  mutable std::mutex engine_mutex_;  ///< guards engine_
  std::shared_ptr<Engine> engine_;

  std::mutex reload_mutex_;  ///< serialises ReloadConfig and ReloadManifests
  ManifestSet manifest_set_;
  std::string last_diagnostics_;  ///< what was last logged, to log a problem once per change
  std::unique_ptr<ManifestWatcher> watcher_;
  std::string watched_root_;
  std::atomic<bool> manifests_loaded_{false};
  std::atomic<std::size_t> manifest_errors_{0};
  mutable std::mutex state_mutex_;  ///< guards revision_ and manifest_problems_
  std::string revision_;
  std::vector<std::string> manifest_problems_;

  std::unique_ptr<http::Server> server_;

  /// guards stopping_, login_rescan_, login_errors_, reload_requested_
  mutable std::mutex control_mutex_;
  std::condition_variable login_wake_;
  bool stopping_ = false;
  bool login_rescan_ = false;                        ///< a new engine: log its targets in
  std::map<std::string, std::string> login_errors_;  ///< target -> why its last login failed
  std::thread login_thread_;
  bool reload_requested_ = false;  ///< guarded by control_mutex_; RequestReload → ReloadLoop
  std::condition_variable reload_wake_;
  std::thread reload_thread_;
  std::thread stopper_;
  std::atomic<bool> stopped_{false};

  std::string status_sent_;
  bool mutations_blocked_ = false;           ///< as last logged by Start or Tick
  std::optional<SteadyTime> last_watchdog_;  ///< when WATCHDOG=1 was last sent
};

/// "12 objects: 10 ready, 1 progressing, 1 stalled" (phases with no object left out; manifest
/// errors appended as ", 2 manifest errors"). The systemd STATUS= line.
std::string SummarizeStatus(const std::vector<ObjectStatus>& statuses, std::size_t manifest_errors);
/// The same from the count of objects in each phase (StatusStore::CountPhases).
std::string SummarizeStatus(const PhaseCounts& counts, std::size_t manifest_errors);

}  // namespace vsrd::daemon
