// Every JSON codec of what vsrd reads from the network: the vSphere clients' response, task and
// error decoders (daemon/vsphere/codec/: each parses with net::ParseJsonBounded, then reads its
// shape), the log redaction of response bodies, and `vsrd status`'s reading of the daemon's
// GET /status answer (daemon/http/status_json.hpp). The first byte of the input chooses the
// codec (kCodecs below, by letter: 'A' the bounded parser itself, 'B' the vAPI error decoder,
// ...); the rest is the body, as it came off the wire.

#include <array>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "daemon/cli/status_command.hpp"
#include "daemon/http/status_json.hpp"
#include "daemon/vsphere/codec/appliance_codec.hpp"
#include "daemon/vsphere/codec/deployment_codec.hpp"
#include "daemon/vsphere/codec/depots_codec.hpp"
#include "daemon/vsphere/codec/error_codec.hpp"
#include "daemon/vsphere/codec/json_reader.hpp"
#include "daemon/vsphere/codec/redact.hpp"
#include "daemon/vsphere/codec/session_codec.hpp"
#include "daemon/vsphere/codec/tasks_codec.hpp"
#include "daemon/vsphere/codec/update_manager_codec.hpp"
#include "daemon/vsphere/codec/vcha_codec.hpp"
#include "daemon/vsphere/codec/vm_codec.hpp"
#include "fuzz/fuzz_input.hpp"
#include "net/bounded_json.hpp"

namespace {

namespace codec = vsrd::daemon::vsphere::codec;
using Codec = std::function<void(std::string_view body)>;

constexpr std::string_view kOperation = "fuzz";

// A document ParseJsonBounded accepted: dumped as the codecs' logs dump JSON (invalid UTF-8
// replaced, not thrown).
void ParseAndDump(std::string_view body) {
  if (const auto document = vsrd::net::ParseJsonBounded(body)) {
    (void)codec::DumpCompact(*document);
  }
}

// `vsrd status`: the answer's objects read back into statuses, each written again and read a
// second time (StatusFromJson is StatusToJson's inverse, so what it accepted must round-trip),
// then the table.
void ReadStatusAnswer(std::string_view body) {
  const auto document = vsrd::net::ParseJsonBounded(body);
  if (!document || !document->is_object()) return;
  const auto objects = document->find("objects");
  if (objects == document->end() || !objects->is_array()) return;
  std::vector<vsrd::daemon::ObjectStatus> statuses;
  for (const nlohmann::json& object : *objects) {
    auto status = vsrd::daemon::StatusFromJson(object, nullptr);
    if (!status) return;
    std::string problem;
    if (!vsrd::daemon::StatusFromJson(vsrd::daemon::StatusToJson(*status), &problem)) {
      __builtin_trap();  // written by StatusToJson, refused by StatusFromJson
    }
    statuses.push_back(std::move(*status));
  }
  (void)vsrd::daemon::FormatStatusTable(std::move(statuses), vsrd::daemon::WallTime{});
}

// By letter: the input's first byte minus 'A', modulo the table's size.
const std::array<Codec, 28> kCodecs = {
    ParseAndDump,             // A
    [](std::string_view b) {  // B
      (void)codec::DecodeErrorResponse(kOperation, 400, b, codec::ErrorDialect::kVapi);
    },
    [](std::string_view b) {  // C
      (void)codec::DecodeErrorResponse(kOperation, 500, b, codec::ErrorDialect::kUpdateManager);
    },
    [](std::string_view b) { (void)codec::DecodeStdError(kOperation, b); },                     // D
    [](std::string_view b) { (void)codec::RedactBodyForLog(b); },                               // E
    [](std::string_view b) { (void)codec::DecodeVcenterSessionToken(b); },                      // F
    [](std::string_view b) { (void)codec::DecodeUpdateManagerSessionId(b); },                   // G
    [](std::string_view b) { (void)codec::DecodeTaskId(kOperation, b); },                       // H
    [](std::string_view b) { (void)codec::DecodeTaskInfo(kOperation, b); },                     // I
    [](std::string_view b) { (void)codec::DecodeTaskList(kOperation, b); },                     // J
    [](std::string_view b) { (void)codec::DecodeDepotExtractTask(kOperation, b); },             // K
    [](std::string_view b) { (void)codec::DecodeApplianceVersion(kOperation, b); },             // L
    [](std::string_view b) { (void)codec::DecodeUpdateInfo(kOperation, b); },                   // M
    [](std::string_view b) { (void)codec::DecodePendingList(kOperation, b); },                  // N
    [](std::string_view b) { (void)codec::DecodePendingInfo(kOperation, "8.0.2.00100", b); },   // O
    [](std::string_view b) { (void)codec::DecodePrecheckResult(kOperation, b); },               // P
    [](std::string_view b) { (void)codec::DecodeDeploymentInfo(kOperation, b); },               // Q
    [](std::string_view b) { (void)codec::DecodeOfflineDepotMap(kOperation, b); },              // R
    [](std::string_view b) { (void)codec::DecodeOfflineDepotInfo(kOperation, "depot-1", b); },  // S
    [](std::string_view b) { (void)codec::DecodeUpdateManagerAppliance(kOperation, b); },       // T
    [](std::string_view b) { (void)codec::DecodeUpdateManagerTask(kOperation, b); },            // U
    [](std::string_view b) { (void)codec::DecodeClusterInfo(kOperation, b); },                  // V
    [](std::string_view b) { (void)codec::DecodeModeInfo(kOperation, b); },                     // W
    [](std::string_view b) { (void)codec::DecodePassiveCheckResult(kOperation, b); },           // X
    [](std::string_view b) { (void)codec::DecodeVmInfo(kOperation, b); },                       // Y
    [](std::string_view b) { (void)codec::DecodeCustomizationCheckInfo(kOperation, b); },       // Z
    [](std::string_view b) { (void)codec::ParseDateTime(b); },                                  // [
    ReadStatusAnswer,  // backslash
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const auto choice = static_cast<std::uint8_t>(data[0] - std::uint8_t{'A'}) % kCodecs.size();
  kCodecs.at(choice)(vsrd::fuzz::AsText(data + 1, size - 1));
  return 0;
}
