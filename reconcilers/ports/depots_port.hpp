#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "manifests/kinds/offline_depot_from_host.hpp"
#include "reconcilers/ports/api_error.hpp"
#include "reconcilers/ports/secret.hpp"
#include "reconcilers/ports/tasks_port.hpp"

// Offline depots of vLCM and their extraction from an ESXi host (docs/vsphere-api.md "Offline
// depots").

namespace vsrd::reconcilers::ports {

/// Offline.HostCredentials.
struct DepotHostCredentials {
  std::string host_name;
  std::string user_name;
  Secret password;
  std::optional<std::int64_t> port;
  std::optional<std::string> ssl_thumb_print;
  std::optional<std::string> ssl_certificate;
};

/// Offline.ConnectionSpec: `host` for EXISTING, `host_credential` for USERNAME_PASSWORD.
struct DepotConnectionSpec {
  manifests::DepotAuthType auth_type = manifests::DepotAuthType::kExisting;
  std::optional<DepotHostCredentials> host_credential;
  std::optional<std::string> host;
};

/// Offline.Summary (and Offline.Info with create_time) of one depot.
struct OfflineDepot {
  std::string id;
  std::string description;
  std::string source_type;  ///< PULL | PUSH
  std::optional<std::string> location;
  std::optional<std::string> file_id;
  std::optional<std::string> owner;
  std::optional<std::string> ownerdata;
  std::optional<WallTime> create_time;  ///< only from GetOfflineDepot
};

/// Esx.Settings.Notification, reduced.
struct Notification {
  std::string id;
  std::string message;  ///< message.default_message
};

/// Offline.DepotExtractInfo: the `result` of a createFromHost task.
struct DepotExtractInfo {
  /// result.depot; empty when the depot's content was already in the VC cache.
  std::string depot;
  std::string base_image_version;  ///< software_spec.base_image.version
  std::vector<Notification> info;
  std::vector<Notification> warnings;
  std::vector<Notification> errors;
};

/// A createFromHost task: the cis task, and its typed result once it has one.
struct DepotExtractTask {
  TaskInfo task;
  std::optional<DepotExtractInfo> result;
};

class DepotsPort {
 public:
  virtual ~DepotsPort() = default;
  /// GET /api/esx/settings/depots/offline, ordered by id. Blocking, thread-safe, read-only.
  virtual Result<std::vector<OfflineDepot>> ListOfflineDepots() = 0;
  /// GET /api/esx/settings/depots/offline/{depot}. 404 NOT_FOUND: no such depot.
  virtual Result<OfflineDepot> GetOfflineDepot(const std::string& depot) = 0;
  /// POST /api/esx/settings/depots/offline?action=createFromHost&vmw-task=true: starts the
  /// extraction and returns the cis task id. Not idempotent: journal the id.
  virtual Result<TaskId> CreateFromHost(const DepotConnectionSpec& spec) = 0;
  /// GET /api/cis/tasks/{task} of a createFromHost task, with `result` decoded.
  virtual Result<DepotExtractTask> GetCreateFromHostTask(const TaskId& task) = 0;
};

}  // namespace vsrd::reconcilers::ports
