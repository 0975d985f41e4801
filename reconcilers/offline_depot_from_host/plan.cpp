#include "reconcilers/offline_depot_from_host/plan.hpp"

#include <array>
#include <cstddef>
#include <string>
#include <utility>

#include "reconcilers/offline_depot_from_host/reasons.hpp"
#include "reconcilers/plan_text.hpp"

namespace vsrd::reconcilers::offline_depot_from_host {

namespace {

std::string Fact(const ObjectRecord& record, std::string_view key) {
  const auto it = record.facts.find(std::string(key));
  return it == record.facts.end() ? std::string() : it->second;
}

bool HasFact(const ObjectRecord& record, std::string_view key) {
  return record.facts.find(std::string(key)) != record.facts.end();
}

Step MakeStep(Step::Kind kind, std::string_view reason, std::string message) {
  Step step;
  step.kind = kind;
  step.reason = reason;
  step.message = std::move(message);
  return step;
}

std::string JoinNotifications(const std::vector<ports::Notification>& notifications) {
  std::string out;
  for (const auto& notification : notifications) {
    const std::string& text = notification.message.empty() ? notification.id : notification.message;
    if (text.empty()) continue;
    if (!out.empty()) out += "; ";
    out += text;
  }
  return out;
}

/// A string member `"key": "value"` of a JSON object's text. Enough for the flat error data
/// of UNVERIFIED_PEER and ALREADY_EXISTS (ids and thumbprints: no escapes in them).
std::optional<std::string> StringMember(const std::string& json, std::string_view key) {
  const std::string quoted = "\"" + std::string(key) + "\"";
  for (auto at = json.find(quoted); at != std::string::npos;
       at = json.find(quoted, at + quoted.size())) {
    auto next = json.find_first_not_of(" \t\r\n", at + quoted.size());
    if (next == std::string::npos || json[next] != ':') continue;
    next = json.find_first_not_of(" \t\r\n", next + 1);
    if (next == std::string::npos || json[next] != '"') continue;
    const auto close = json.find('"', next + 1);
    if (close == std::string::npos) return std::nullopt;
    return json.substr(next + 1, close - next - 1);
  }
  return std::nullopt;
}

/// The record after an extraction for `generation` that named `depot` ("" = already present).
ObjectRecord WithExtraction(ObjectRecord record, const std::string& depot,
                            const std::string& generation, const std::string& base_image) {
  record.in_flight.reset();
  record.facts[std::string(kDepotFact)] = depot;
  record.facts[std::string(kGenerationFact)] = generation;
  if (base_image.empty()) {
    record.facts.erase(std::string(kBaseImageFact));
  } else {
    record.facts[std::string(kBaseImageFact)] = base_image;
  }
  return record;
}

/// The decision when nothing is in flight, from the facts of `record` and what reading its depot
/// found.
Step Judge(const PlanInput& input, const ObjectRecord& record, DepotLookup lookup) {
  const std::string host = HostLabel(input.spec);
  if (!HasFact(record, kGenerationFact)) {
    return MakeStep(Step::Kind::kExtract, reasons::kNotExtracted,
                    "no depot has been extracted from host " + host + " for this object yet");
  }
  if (Fact(record, kGenerationFact) != input.generation) {
    return MakeStep(Step::Kind::kExtract, reasons::kSpecChanged,
                    "the spec changed since the last extraction (generation " +
                        Fact(record, kGenerationFact) + "): extract host " + host + " again");
  }
  const std::string depot = Fact(record, kDepotFact);
  if (depot.empty()) {
    return MakeStep(Step::Kind::kReady, reasons::kContentAlreadyPresent,
                    "the software specification of host " + host +
                        " was already present in vLCM when it was extracted (the task named no "
                        "depot); vsrd cannot tell which depot holds it, so it cannot notice that "
                        "depot's deletion, and extracts again only when the spec changes");
  }
  switch (lookup) {
    case DepotLookup::kPresent:
      return MakeStep(Step::Kind::kReady, reasons::kDepotPresent,
                      "depot " + depot + " extracted from host " + host + " exists");
    case DepotLookup::kMissing: {
      Step step = MakeStep(Step::Kind::kExtract, reasons::kDepotDeleted,
                           "depot " + depot + " extracted from host " + host +
                               " was deleted out of band: extract it again");
      step.drift = true;
      return step;
    }
    case DepotLookup::kNotRead:
      break;
  }
  // The caller reads what DepotToRead names; without an answer, extract rather than guess.
  return MakeStep(Step::Kind::kExtract, reasons::kNotExtracted,
                  "depot " + depot + " was not read in this pass");
}

}  // namespace

std::optional<std::int64_t> ProgressPercent(const ports::TaskInfo& task) {
  if (!task.progress || task.progress->total <= 0) return std::nullopt;
  return task.progress->completed * 100 / task.progress->total;
}

std::string HostLabel(const manifests::OfflineDepotFromHostSpec& spec) {
  if (spec.host) return *spec.host;
  if (spec.host_credential) return spec.host_credential->host_name;
  return "(none)";
}

std::optional<std::string> DepotToRead(const ObjectRecord& record, const std::string& generation) {
  if (record.in_flight) return std::nullopt;
  if (!HasFact(record, kGenerationFact) || Fact(record, kGenerationFact) != generation) {
    return std::nullopt;
  }
  std::string depot = Fact(record, kDepotFact);
  if (depot.empty()) return std::nullopt;
  return depot;
}

Step Plan(const PlanInput& input) {
  if (!input.record.in_flight) return Judge(input, input.record, input.depot);
  const InFlight& in_flight = *input.record.in_flight;
  const std::string task_label = "createFromHost task " + in_flight.task;
  ObjectRecord cleared = input.record;
  cleared.in_flight.reset();
  if (!input.poll) {
    // The caller polls whenever a task is journaled; without an answer, keep waiting.
    return MakeStep(Step::Kind::kPoll, reasons::kExtractRunning, task_label + " was not polled");
  }
  if (input.poll->kind == TaskPoll::Kind::kLost) {
    // Whether the depot was created is unknown: the depot list cannot tell which depot holds
    // the host's content. Counted as a failure; the next pass extracts again (an extraction
    // whose content is present already returns no depot, so nothing is duplicated).
    Step step = MakeStep(Step::Kind::kFailed, reasons::kExtractTaskLost,
                         "vCenter no longer knows " + task_label +
                             " (404), so whether it ran is unknown; extracting again");
    step.save = std::move(cleared);
    return step;
  }
  const ports::TaskInfo& task = input.poll->task.task;
  switch (task.status) {
    case ports::TaskStatus::kPending:
    case ports::TaskStatus::kRunning:
    case ports::TaskStatus::kBlocked: {
      const auto running = input.now - in_flight.started_at;
      const bool overdue = running > input.policy.timeout;
      const auto minutes = std::chrono::duration_cast<std::chrono::minutes>(running).count();
      Step step = MakeStep(
          Step::Kind::kPoll, overdue ? reasons::kOperationOverdue : reasons::kExtractRunning,
          "extracting the software specification of host " + in_flight.detail + " (" + task_label +
              ", " +
              std::string(ports::kTaskStatusNames.at(static_cast<std::size_t>(task.status))) +
              " for " + std::to_string(minutes) + "m" +
              (overdue ? ", longer than policy.timeout; still polling" : "") + ")");
      step.progress = ProgressPercent(task);
      return step;
    }
    case ports::TaskStatus::kFailed: {
      Step step = MakeStep(
          Step::Kind::kFailed, reasons::kExtractFailed,
          task_label + " failed" + (task.error ? ": " + task.error->Summary() : std::string()));
      step.save = std::move(cleared);
      return step;
    }
    case ports::TaskStatus::kSucceeded:
      break;
  }
  const auto& result = input.poll->task.result;
  if (!result) {
    Step step = MakeStep(Step::Kind::kFailed, reasons::kExtractResultMissing,
                         task_label +
                             " succeeded without a DepotExtractInfo result, so the "
                             "depot is unknown; extracting again");
    step.save = std::move(cleared);
    return step;
  }
  ObjectRecord updated =
      WithExtraction(input.record, result->depot, in_flight.generation, result->base_image_version);
  // The depot was not read in this pass: the task that just named it is the live evidence.
  Step step = Judge(input, updated, DepotLookup::kPresent);
  if (step.kind == Step::Kind::kReady && !result->depot.empty()) {  // the depot it named exists
    step.message = "depot " + result->depot + " was extracted from host " + HostLabel(input.spec);
  }
  if (!result->errors.empty()) {
    step.message += " (the task reported errors: " + JoinNotifications(result->errors) + ")";
  }
  step.save = std::move(updated);
  return step;
}

std::optional<std::string> ThumbprintFromErrorData(const std::string& data) {
  // 8.0.2: "UnverifiedPeer with the host provided thumbprint as data" (docs/vsphere-api.md "Offline
  // depots"); vsrd-sim names the field after HostCredentials.ssl_thumb_print, Vcha.CertificateInfo
  // calls it ssl_thumbprint.
  for (const std::string_view key : {"ssl_thumb_print", "ssl_thumbprint"}) {
    if (auto value = StringMember(data, key); value && !value->empty()) return value;
  }
  return std::nullopt;
}

Step JudgeCreateError(const ports::ApiError& error, const manifests::OfflineDepotFromHostSpec& spec,
                      const ObjectRecord& record, const std::string& generation) {
  const std::string host = HostLabel(spec);
  if (error.Is("ALREADY_EXISTS") || error.Is("ALREADY_IN_DESIRED_STATE")) {
    // As for a create from a URL, ALREADY_EXISTS data may carry the existing depot
    // (docs/vsphere-api.md "Offline depots"); without it this is "content already present".
    const std::string depot = StringMember(error.data, "depot").value_or("");
    Step step = MakeStep(Step::Kind::kReady,
                         depot.empty() ? reasons::kContentAlreadyPresent : reasons::kDepotPresent,
                         "createFromHost answered " + error.error_type + " for host " + host +
                             (depot.empty() ? std::string() : " (depot " + depot + ")") +
                             ": counted as done");
    step.save = WithExtraction(record, depot, generation, Fact(record, kBaseImageFact));
    return step;
  }
  if (error.Is("UNVERIFIED_PEER")) {
    const auto thumbprint = ThumbprintFromErrorData(error.data);
    std::string message = "the certificate of host " + host + " could not be verified";
    message += thumbprint ? "; the host presented SHA-1 thumbprint " + *thumbprint
                          : std::string("; vCenter did not say which thumbprint it presented");
    message +=
        ". Verify it out of band and set spec.host_credential.ssl_thumb_print (or "
        "ssl_certificate): retrying cannot fix a wrong or missing thumbprint (" +
        error.Summary() + ")";
    return MakeStep(Step::Kind::kStalled, reasons::kHostCertificateUnverified, message);
  }
  if (error.Is("INVALID_ARGUMENT")) {
    return MakeStep(Step::Kind::kStalled, reasons::kHostCredentialsRejected,
                    "vCenter rejected the connection to host " + host +
                        " (wrong user name or password, unknown host name or port, or both "
                        "ssl_thumb_print and ssl_certificate set): " +
                        error.Summary());
  }
  if (error.Is("NOT_FOUND")) {
    return MakeStep(Step::Kind::kStalled, reasons::kHostNotFound,
                    "vCenter has no host " + host + " in its inventory: " + error.Summary());
  }
  return MakeStep(Step::Kind::kFailed, reasons::kExtractFailed, error.Summary());
}

ports::DepotConnectionSpec MakeConnectionSpec(const manifests::OfflineDepotFromHostSpec& spec,
                                              ports::Secret password) {
  ports::DepotConnectionSpec out;
  out.auth_type = spec.AuthType();
  if (spec.host) out.host = spec.host;
  if (spec.host_credential) {
    const manifests::HostCredential& credential = *spec.host_credential;
    ports::DepotHostCredentials host;
    host.host_name = credential.host_name;
    host.user_name = credential.user_name;
    host.password = std::move(password);
    host.port = credential.port;
    host.ssl_thumb_print = credential.ssl_thumb_print;
    host.ssl_certificate = credential.ssl_certificate;
    out.host_credential = std::move(host);
  }
  return out;
}

std::string DescribeCreate(const manifests::OfflineDepotFromHostSpec& spec) {
  ObjectText body;
  body.String("auth_type",
              manifests::kDepotAuthTypeNames.at(static_cast<std::size_t>(spec.AuthType())));
  if (spec.host) body.String("host", *spec.host);
  if (spec.host_credential) {
    const manifests::HostCredential& credential = *spec.host_credential;
    ObjectText host;
    host.String("host_name", credential.host_name)
        .String("user_name", credential.user_name)
        .String("password", ports::Secret::kRedacted);
    if (credential.port) host.Number("port", *credential.port);
    if (credential.ssl_thumb_print) host.String("ssl_thumb_print", *credential.ssl_thumb_print);
    if (credential.ssl_certificate) host.String("ssl_certificate", *credential.ssl_certificate);
    body.Object("host_credential", host);
  }
  return "POST /api/esx/settings/depots/offline?action=createFromHost&vmw-task=true " + body.Str();
}

std::map<std::string, std::string> Details(const manifests::OfflineDepotFromHostSpec& spec,
                                           const ObjectRecord& record) {
  std::map<std::string, std::string> out{{"host", HostLabel(spec)}};
  if (HasFact(record, kDepotFact)) {
    const std::string depot = Fact(record, kDepotFact);
    out["depot"] = depot.empty() ? "(content already present)" : depot;
  }
  if (HasFact(record, kBaseImageFact)) out["base_image_version"] = Fact(record, kBaseImageFact);
  return out;
}

}  // namespace vsrd::reconcilers::offline_depot_from_host
