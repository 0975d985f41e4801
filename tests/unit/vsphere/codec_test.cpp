// Unit tests of the vSphere client's JSON codecs (daemon/vsphere/codec): every decoder against
// realistic bodies (the shapes vsrd-sim produces and the Swagger files define), its required
// fields, wrong types, bad enum values, null optionals, unknown fields and bodies that are not
// JSON; the error bodies of both dialects; the encoders' exact output, checked against the
// official Swagger definitions; and the redaction of logged bodies and headers.
#include <chrono>
#include <cstdint>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

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

namespace vsrd::daemon::vsphere::codec {
namespace {

using nlohmann::json;

constexpr std::string_view kOp = "test.op";

// ---------------------------------------------------------------------------------------------
// Helpers

/// "a.b[2].c" -> the JSON pointer /a/b/2/c.
json::json_pointer ToPointer(std::string_view dotted) {
  std::string pointer;
  std::string token;
  const auto flush = [&] {
    if (!token.empty()) {
      pointer += '/';
      pointer += token;
      token.clear();
    }
  };
  for (const char c : dotted) {
    if (c == '.' || c == '[' || c == ']') {
      flush();
    } else {
      token += c;
    }
  }
  flush();
  return json::json_pointer(pointer);
}

json With(json body, std::string_view path, json value) {
  body[ToPointer(path)] = std::move(value);
  return body;
}

json Without(json body, std::string_view path) {
  const auto pointer = ToPointer(path);
  body[pointer.parent_pointer()].erase(pointer.back());
  return body;
}

ports::WallTime At(int year, unsigned month, unsigned day, int hour = 0, int minute = 0,
                   int second = 0) {
  return std::chrono::sys_days{std::chrono::year{year} / std::chrono::month{month} /
                               std::chrono::day{day}} +
         std::chrono::hours{hour} + std::chrono::minutes{minute} + std::chrono::seconds{second};
}

/// The decode error of a date-time outside the years vsrd accepts (kMinYear..kMaxYear of
/// daemon/vsphere/codec/json_reader.hpp).
std::string OutsideTheYears(std::string_view field, const std::string& text,
                            const std::string& year) {
  std::string message = "field \"";
  message.append(field).append("\": the date-time \"").append(text);
  message.append("\" is in the year ").append(year);
  message.append(", outside the years 1970 to 2200 vsrd accepts");
  return message;
}

template <class T>
void ExpectDecodeError(const ports::Result<T>& result, const std::string& detail,
                       const std::string& context = "") {
  ASSERT_FALSE(result.HasValue()) << context;
  EXPECT_EQ(result.Error().kind, ports::ErrorKind::kDecode) << context;
  EXPECT_EQ(result.Error().operation, kOp) << context;
  EXPECT_EQ(result.Error().detail, detail) << context;
}

template <class T>
void ExpectBadJson(const ports::Result<T>& result, const std::string& context = "") {
  ASSERT_FALSE(result.HasValue()) << context;
  EXPECT_EQ(result.Error().kind, ports::ErrorKind::kBadJson) << context;
  EXPECT_EQ(result.Error().operation, kOp) << context;
  EXPECT_TRUE(result.Error().detail.starts_with("response is not JSON: ")) << result.Error().detail;
}

/// Deleting each of `paths` from `good`, or setting it to null, is a kDecode error naming it.
template <class Decode>
void ExpectEachRequiredField(const json& good, const std::vector<std::string>& paths,
                             const Decode& decode) {
  ASSERT_TRUE(decode(good.dump()).HasValue()) << "the good body must decode";
  for (const auto& path : paths) {
    ASSERT_TRUE(good.contains(ToPointer(path))) << "not in the good body: " << path;
    const std::string expected = "missing required field \"" + path + "\"";
    ExpectDecodeError(decode(Without(good, path).dump()), expected, "deleted " + path);
    ExpectDecodeError(decode(With(good, path, nullptr).dump()), expected, "null " + path);
  }
}

/// A field of `good` set to a bad value, and the error it gives.
struct BadField {
  std::string path;
  json value;
  std::string detail;
};

template <class Decode>
void ExpectBadFields(const json& good, const std::vector<BadField>& cases, const Decode& decode) {
  for (const auto& bad : cases) {
    ExpectDecodeError(decode(With(good, bad.path, bad.value).dump()), bad.detail,
                      bad.path + " = " + bad.value.dump());
  }
}

/// Optional fields set to null decode like absent ones: `check` sees the result.
template <class Decode>
auto DecodeWithNulls(const json& good, const std::vector<std::string>& paths,
                     const Decode& decode) {
  json body = good;
  for (const auto& path : paths) body[ToPointer(path)] = nullptr;
  return decode(body.dump());
}

/// Unknown fields everywhere in `good` (every object gets one) do not change the result.
json WithUnknownFields(json value) {
  if (value.is_object()) {
    for (auto& [key, member] : value.items()) member = WithUnknownFields(member);
    value["x_future_field"] = {{"added_in", "9.9"}, {"list", {1, 2}}};
  } else if (value.is_array()) {
    for (auto& element : value) element = WithUnknownFields(element);
  }
  return value;
}

const std::vector<std::string> kNotJsonBodies{"",
                                              "   ",
                                              "{",
                                              "<html>502 Bad Gateway</html>",
                                              "{\"a\": 1,}",
                                              "[1, 2",
                                              "nul",
                                              "{\"a\": 1} trailing"};

// --- Swagger: the official definitions an encoder's output must keep to ----------------------

const json& SpecFile(const std::string& relative) {
  static std::map<std::string, json> files;
  auto it = files.find(relative);
  if (it == files.end()) {
    std::ifstream in(std::string(VSRD_SWAGGER_DIR) + "/" + relative);
    EXPECT_TRUE(in.good()) << "cannot read " << relative;
    it = files.emplace(relative, in.good() ? json::parse(in) : json::object()).first;
  }
  return it->second;
}

/// Fields the 9.0 API added to a definition the (older) Swagger files do not have yet
/// (docs/vsphere-api.md "What the vendored Swagger files do not cover").
using Extras = std::map<std::string, std::set<std::string>>;

/// Checks `value` against `schema` of `spec`: every key defined, every required key present,
/// enum values and scalar types as declared. Problems are collected, not asserted, so that the
/// checker itself can be tested.
void CheckSchema(const json& spec, json schema, const json& value, const std::string& path,
                 const Extras& extras, std::vector<std::string>& problems) {
  std::string definition;
  while (schema.contains("$ref")) {
    const std::string ref = schema.at("$ref");
    definition = ref.substr(ref.rfind('/') + 1);
    schema = spec.at("definitions").at(definition);
  }
  const std::string where = path.empty() ? "(body)" : path;
  if (schema.contains("enum")) {
    const json& values = schema.at("enum");
    if (std::find(values.begin(), values.end(), value) == values.end()) {
      problems.push_back(where + ": " + value.dump() + " is not in the enum");
    }
    return;
  }
  const std::string type = schema.value("type", "object");
  if (type == "string" && !value.is_string()) problems.push_back(where + ": not a string");
  if (type == "integer" && !value.is_number_integer()) problems.push_back(where + ": not an int");
  if (type == "boolean" && !value.is_boolean()) problems.push_back(where + ": not a boolean");
  if (type == "array") {
    if (!value.is_array()) {
      problems.push_back(where + ": not an array");
      return;
    }
    for (std::size_t i = 0; i < value.size(); ++i) {
      CheckSchema(spec, schema.at("items"), value[i], path + "[" + std::to_string(i) + "]", extras,
                  problems);
    }
  }
  if (type != "object") return;
  if (!value.is_object()) {
    problems.push_back(where + ": not an object");
    return;
  }
  for (const auto& required : schema.value("required", json::array())) {
    if (!value.contains(required.get<std::string>())) {
      problems.push_back(where + ": required " + required.get<std::string>() + " is missing");
    }
  }
  const json properties = schema.value("properties", json::object());
  const auto extra = extras.find(definition);
  for (const auto& [key, member] : value.items()) {
    std::string child = path;
    if (!child.empty()) child += '.';
    child += key;
    if (properties.contains(key)) {
      CheckSchema(spec, properties.at(key), member, child, extras, problems);
    } else if (schema.contains("additionalProperties")) {
      CheckSchema(spec, schema.at("additionalProperties"), member, child, extras, problems);
    } else if (extra == extras.end() || extra->second.count(key) == 0) {
      child += ": not defined by ";
      child += definition;
      problems.push_back(child);
    }
  }
}

/// The problems of `body` as the request body of POST `path` in `file`.
std::vector<std::string> CheckRequestBody(const std::string& file, const std::string& path,
                                          const std::string& body, const Extras& extras = {}) {
  const json& spec = SpecFile(file);
  std::vector<std::string> problems;
  if (!spec.contains("paths") || !spec.at("paths").contains(path)) {
    return {"no operation POST " + path + " in " + file};
  }
  for (const auto& parameter : spec.at("paths").at(path).at("post").at("parameters")) {
    if (parameter.value("in", "") == "body") {
      CheckSchema(spec, parameter.at("schema"), json::parse(body), "", extras, problems);
      return problems;
    }
  }
  return {"no body parameter"};
}

// ---------------------------------------------------------------------------------------------
// Cis tasks (docs/vsphere-api.md "Tasks"): the shapes of simulator/vcenter/cis_tasks.cpp.

const json kRunningTask = json::parse(R"json({
  "description": {"id": "com.vmware.vsrd.sim.task.redeploy", "default_message": "Redeploy the passive node vc-passive", "args": []},
  "service": "com.vmware.vcenter.vcha.cluster.passive",
  "operation": "redeploy",
  "cancelable": false,
  "user": "administrator@vsphere.local",
  "target": {"type": "VirtualMachine", "id": "vm-42"},
  "status": "RUNNING",
  "start_time": "2026-01-01T00:00:00.000Z",
  "progress": {"total": 100, "completed": 40,
               "message": {"id": "com.vmware.vsrd.sim.task.progress", "default_message": "40% done", "args": []}}
})json");

const json kFailedTask = json::parse(R"json({
  "description": {"id": "t", "default_message": "Redeploy", "args": []},
  "service": "com.vmware.vcenter.vcha.cluster.passive",
  "operation": "redeploy",
  "cancelable": false,
  "status": "FAILED",
  "start_time": "2026-01-01T00:00:00.000Z",
  "end_time": "2026-01-01T00:05:00.000Z",
  "progress": {"total": 100, "completed": 100, "message": {"id": "p", "default_message": "100% done", "args": []}},
  "error": {"error_type": "RESOURCE_BUSY",
            "messages": [{"id": "com.vmware.vsrd.sim.resource_busy", "default_message": "The host is busy.", "args": ["esx-01"]}],
            "data": {"host": "host-12"}}
})json");

const json kExtractTask = json::parse(R"json({
  "description": {"id": "d", "default_message": "Extract the software specification of host esx-01", "args": []},
  "service": "com.vmware.esx.settings.depots.offline",
  "operation": "create_from_host",
  "cancelable": false,
  "user": "administrator@vsphere.local",
  "status": "SUCCEEDED",
  "start_time": "2026-01-01T00:00:00.000Z",
  "end_time": "2026-01-01T00:02:00.000Z",
  "progress": {"total": 100, "completed": 100, "message": {"id": "p", "default_message": "100% done", "args": []}},
  "result": {
    "notifications": {
      "info": [{"type": "INFO", "time": "2026-01-01T00:02:00.000Z",
                "id": "com.vmware.vsrd.sim.depots.offline.extracted",
                "message": {"id": "com.vmware.vsrd.sim.depots.offline.extracted",
                            "default_message": "The software specification of host esx-01 was extracted into depot depot-3.",
                            "args": []}}],
      "warnings": [{"id": "w1", "time": "2026-01-01T00:02:00.000Z", "message": {"id": "w1", "default_message": "Old add-on.", "args": []},
                    "resolution": {"id": "w1.r", "default_message": "Update it.", "args": []}}]
    },
    "software_spec": {"base_image": {"version": "8.0.2-0.0.22380479"},
                      "add_on": {"name": "vendor", "version": "1.0"},
                      "components": {"nic-driver": "2.1", "removed": null}},
    "result": {"depot": "depot-3"}
  }
})json");

const auto kDecodeTask = [](const std::string& body) { return DecodeTaskInfo(kOp, body); };
const auto kDecodeExtract = [](const std::string& body) {
  return DecodeDepotExtractTask(kOp, body);
};

TEST(TaskCodec, DecodesARunningTaskOfTheSimulator) {
  const auto info = DecodeTaskInfo(kOp, kRunningTask.dump());
  ASSERT_TRUE(info.HasValue()) << info.Error().Summary();
  EXPECT_EQ(info->service, "com.vmware.vcenter.vcha.cluster.passive");
  EXPECT_EQ(info->operation, "redeploy");
  EXPECT_EQ(info->status, ports::TaskStatus::kRunning);
  EXPECT_FALSE(info->cancelable);
  EXPECT_FALSE(info->Done());
  ASSERT_TRUE(info->progress.has_value());
  EXPECT_EQ(info->progress->total, 100);
  EXPECT_EQ(info->progress->completed, 40);
  EXPECT_EQ(info->progress->message, "40% done");
  EXPECT_EQ(info->start_time, At(2026, 1, 1));
  EXPECT_FALSE(info->end_time.has_value());
  EXPECT_EQ(info->user, "administrator@vsphere.local");
  EXPECT_FALSE(info->error.has_value());
  EXPECT_FALSE(info->result_json.has_value());
}

TEST(TaskCodec, DecodesAFailedTasksErrorAsAStdErrorWithoutHttpStatus) {
  const auto info = DecodeTaskInfo(kOp, kFailedTask.dump());
  ASSERT_TRUE(info.HasValue()) << info.Error().Summary();
  EXPECT_EQ(info->status, ports::TaskStatus::kFailed);
  EXPECT_TRUE(info->Done());
  EXPECT_EQ(info->end_time, At(2026, 1, 1, 0, 5));
  ASSERT_TRUE(info->error.has_value());
  const ports::ApiError& error = *info->error;
  EXPECT_EQ(error.kind, ports::ErrorKind::kApi);
  EXPECT_EQ(error.operation, kOp);
  EXPECT_EQ(error.http_status, 0);
  EXPECT_TRUE(error.Is("RESOURCE_BUSY"));
  ASSERT_EQ(error.messages.size(), 1U);
  EXPECT_EQ(error.messages[0].id, "com.vmware.vsrd.sim.resource_busy");
  EXPECT_EQ(error.messages[0].default_message, "The host is busy.");
  EXPECT_EQ(error.messages[0].args, std::vector<std::string>{"esx-01"});
  EXPECT_EQ(error.data, R"({"host":"host-12"})");
}

TEST(TaskCodec, KeepsTheResultAsCompactJsonText) {
  const auto info = DecodeTaskInfo(kOp, kExtractTask.dump(2));
  ASSERT_TRUE(info.HasValue()) << info.Error().Summary();
  EXPECT_EQ(info->status, ports::TaskStatus::kSucceeded);
  ASSERT_TRUE(info->result_json.has_value());
  EXPECT_EQ(info->result_json->find('\n'), std::string::npos);
  EXPECT_EQ(json::parse(*info->result_json), kExtractTask.at("result"));
}

TEST(TaskCodec, KeepsAScalarResultAsJsonText) {
  const auto info = DecodeTaskInfo(kOp, With(kRunningTask, "result", "vm-42").dump());
  ASSERT_TRUE(info.HasValue());
  EXPECT_EQ(info->result_json, "\"vm-42\"");
}

TEST(TaskCodec, ReadsEveryStatus) {
  const std::vector<std::pair<std::string, ports::TaskStatus>> cases{
      {"PENDING", ports::TaskStatus::kPending},
      {"RUNNING", ports::TaskStatus::kRunning},
      {"BLOCKED", ports::TaskStatus::kBlocked},
      {"SUCCEEDED", ports::TaskStatus::kSucceeded},
      {"FAILED", ports::TaskStatus::kFailed}};
  for (const auto& [name, status] : cases) {
    const auto info = DecodeTaskInfo(kOp, With(kRunningTask, "status", name).dump());
    ASSERT_TRUE(info.HasValue()) << name;
    EXPECT_EQ(info->status, status) << name;
  }
}

TEST(TaskCodec, ReadsIso8601TimesInUtcWithFractionsAndOffsets) {
  const std::vector<std::pair<std::string, ports::WallTime>> cases{
      {"2026-01-01T00:00:00Z", At(2026, 1, 1)},
      {"2026-01-01T00:00:00.000Z", At(2026, 1, 1)},
      {"2026-01-01T00:00:00.123Z", At(2026, 1, 1) + std::chrono::milliseconds(123)},
      {"2026-01-01T00:00:00.5Z", At(2026, 1, 1) + std::chrono::milliseconds(500)},
      {"2026-01-01T00:00:00.123456789Z", At(2026, 1, 1) + std::chrono::nanoseconds(123456789)},
      {"2026-01-01T00:00:00.1234567891Z", At(2026, 1, 1) + std::chrono::nanoseconds(123456789)},
      {"2026-01-01T02:00:00+02:00", At(2026, 1, 1)},
      {"2026-01-01T02:30:00+0230", At(2026, 1, 1)},
      {"2025-12-31T19:00:00-05:00", At(2026, 1, 1)},
      {"2026-01-01t00:00:00z", At(2026, 1, 1)},
      {"2026-01-01T00:00:00", At(2026, 1, 1)},
      {"2024-02-29T23:59:59Z", At(2024, 2, 29, 23, 59, 59)},
      {"1970-01-01T00:00:00Z", ports::WallTime{}},
  };
  for (const auto& [text, expected] : cases) {
    const auto info = DecodeTaskInfo(kOp, With(kRunningTask, "start_time", text).dump());
    ASSERT_TRUE(info.HasValue()) << text << ": " << info.Error().Summary();
    EXPECT_EQ(info->start_time, expected) << text;
  }
}

TEST(TaskCodec, RejectsTimesThatAreNotIso8601NamingTheField) {
  for (const char* text :
       {"", "yesterday", "2026-01-01", "2026-13-01T00:00:00Z", "2026-02-29T00:00:00Z",
        "2026-01-32T00:00:00Z", "2026-01-01T24:00:00Z", "2026-01-01T00:60:00Z",
        "2026-01-01 00:00:00Z", "2026-01-01T00:00:00.Z", "2026-01-01T00:00Z",
        "2026-01-01T00:00:00+2", "2026-01-01T00:00:00+24:00", "2026-01-01T00:00:00Zjunk",
        "26-01-01T00:00:00Z", "2026-1-01T00:00:00Z", "1767225600"}) {
    ExpectDecodeError(
        DecodeTaskInfo(kOp, With(kRunningTask, "end_time", text).dump()),
        "field \"end_time\": expected an ISO-8601 date-time, got \"" + std::string(text) + "\"",
        text);
  }
}

// WallTime holds only the years 1678 to 2261; vsrd accepts 1970 to 2200 and refuses the rest by
// name before any arithmetic (a conversion overflowed: UBSan, found by fuzz/json_codec_fuzz.cpp).
TEST(TaskCodec, RejectsTimesOutsideWhatWallTimeHolds) {
  const std::vector<std::pair<std::string, int>> refused{
      {"1012-12-31T23:00:00.000Z", 1012}, {"0000-01-01T00:00:00Z", 0},
      {"1677-01-01T00:00:00Z", 1677},     {"1969-12-31T23:59:59Z", 1969},
      {"2263-01-01T00:00:00Z", 2263},     {"9999-12-31T23:59:59.999999999Z", 9999},
      {"2262-04-11T23:59:59+00:00", 2262}};
  for (const auto& [text, year] : refused) {
    EXPECT_EQ(ParseDateTime(text), std::nullopt) << text;
    ExpectDecodeError(DecodeTaskInfo(kOp, With(kRunningTask, "end_time", text).dump()),
                      OutsideTheYears("end_time", text, std::to_string(year)), text);
  }
  EXPECT_EQ(ParseDateTime("1970-01-01T00:00:00Z"),
            std::chrono::sys_days(std::chrono::year(1970) / 1 / 1));
  EXPECT_EQ(
      ParseDateTime("2200-12-31T23:59:59.5Z"),
      std::chrono::sys_days(std::chrono::year(2201) / 1 / 1) - std::chrono::milliseconds(500));
}

TEST(TaskCodec, NamesEveryMissingRequiredField) {
  ExpectEachRequiredField(
      kRunningTask,
      {"service", "operation", "status", "cancelable", "progress.total", "progress.completed",
       "progress.message", "progress.message.id", "progress.message.default_message"},
      kDecodeTask);
}

TEST(TaskCodec, NamesWrongTypesAndUnknownStatuses) {
  ExpectBadFields(
      kRunningTask,
      {{"status", "DONE",
        "field \"status\": expected one of PENDING, RUNNING, BLOCKED, SUCCEEDED, FAILED, got "
        "\"DONE\""},
       {"status", "running",
        "field \"status\": expected one of PENDING, RUNNING, BLOCKED, SUCCEEDED, FAILED, got "
        "\"running\""},
       {"status", 2, "field \"status\": expected string, got integer"},
       {"service", json::array(), "field \"service\": expected string, got array"},
       {"cancelable", "false", "field \"cancelable\": expected boolean, got string"},
       {"progress", "40%", "field \"progress\": expected object, got string"},
       {"progress.total", "100", "field \"progress.total\": expected integer, got string"},
       {"progress.completed", 40.5, "field \"progress.completed\": expected integer, got number"},
       {"progress.completed", 18446744073709551615ULL,
        "field \"progress.completed\": integer out of range"},
       {"progress.message", "40% done", "field \"progress.message\": expected object, got string"},
       {"progress.message.args", "x",
        "field \"progress.message.args\": expected array, got string"},
       {"progress.message.args", json::array({"a", 1}),
        "field \"progress.message.args[1]\": expected string, got integer"},
       {"start_time", 1767225600, "field \"start_time\": expected string, got integer"},
       {"user", true, "field \"user\": expected string, got boolean"}},
      kDecodeTask);
}

TEST(TaskCodec, ReadsNullOptionalsAsUnset) {
  const auto info = DecodeWithNulls(
      kFailedTask, {"progress", "error", "start_time", "end_time", "user", "result", "target"},
      kDecodeTask);
  ASSERT_TRUE(info.HasValue()) << info.Error().Summary();
  EXPECT_FALSE(info->progress || info->error || info->start_time || info->end_time || info->user ||
               info->result_json);
}

TEST(TaskCodec, ReadsAMessageWithoutArgsAsOneWithNone) {
  const auto info = DecodeTaskInfo(kOp, Without(kRunningTask, "progress.message.args").dump());
  ASSERT_TRUE(info.HasValue()) << info.Error().Summary();
  EXPECT_EQ(info->progress->message, "40% done");
}

TEST(TaskCodec, IgnoresUnknownFields) {
  const auto plain = DecodeTaskInfo(kOp, kFailedTask.dump());
  const auto extended = DecodeTaskInfo(kOp, WithUnknownFields(kFailedTask).dump());
  ASSERT_TRUE(plain.HasValue());
  ASSERT_TRUE(extended.HasValue()) << extended.Error().Summary();
  EXPECT_EQ(extended->status, plain->status);
  EXPECT_EQ(extended->progress->completed, plain->progress->completed);
  EXPECT_EQ(extended->error->error_type, "RESOURCE_BUSY");
  EXPECT_EQ(extended->error->messages.size(), 1U);
}

TEST(TaskCodec, RejectsBodiesThatAreNotJsonAsBadJson) {
  for (const auto& body : kNotJsonBodies) ExpectBadJson(DecodeTaskInfo(kOp, body), body);
}

TEST(TaskCodec, RejectsJsonThatIsNotAnObject) {
  ExpectDecodeError(DecodeTaskInfo(kOp, "[]"), "body: expected object, got array");
  ExpectDecodeError(DecodeTaskInfo(kOp, "\"task-1\""), "body: expected object, got string");
  ExpectDecodeError(DecodeTaskInfo(kOp, "null"), "body: expected object, got null");
}

TEST(TaskCodec, BadJsonDetailDoesNotEchoTheBody) {
  const auto info = DecodeTaskInfo(kOp, R"({"service": "x", "secret": hunter2-token})");
  ExpectBadJson(info);
  EXPECT_EQ(info.Error().detail.find("hunter2"), std::string::npos) << info.Error().detail;
  EXPECT_NE(info.Error().detail.find("column"), std::string::npos) << info.Error().detail;
}

TEST(TaskIdCodec, DecodesTheJsonStringOfA202) {
  const auto id =
      DecodeTaskId(kOp, "\"52000001-5a1d-4c3e-9d2f-000000001eef:com.vmware.esx.settings\"");
  ASSERT_TRUE(id.HasValue()) << id.Error().Summary();
  EXPECT_EQ(id->value, "52000001-5a1d-4c3e-9d2f-000000001eef:com.vmware.esx.settings");
}

TEST(TaskIdCodec, RejectsEmptyAndNonStringIds) {
  ExpectDecodeError(DecodeTaskId(kOp, "\"\""), "body: the task id is empty");
  ExpectDecodeError(DecodeTaskId(kOp, R"({"value": "task-1"})"),
                    "body: expected string, got object");
  ExpectDecodeError(DecodeTaskId(kOp, "42"), "body: expected string, got integer");
  ExpectDecodeError(DecodeTaskId(kOp, "null"), "body: expected string, got null");
  ExpectBadJson(DecodeTaskId(kOp, "task-1"));
  ExpectBadJson(DecodeTaskId(kOp, ""));
}

// ---------------------------------------------------------------------------------------------
// createFromHost task with its DepotExtractInfo result (docs/vsphere-api.md "Offline depots").

TEST(DepotExtractTaskCodec, DecodesTheResultOfASucceededExtraction) {
  const auto task = DecodeDepotExtractTask(kOp, kExtractTask.dump());
  ASSERT_TRUE(task.HasValue()) << task.Error().Summary();
  EXPECT_EQ(task->task.status, ports::TaskStatus::kSucceeded);
  EXPECT_EQ(task->task.operation, "create_from_host");
  ASSERT_TRUE(task->task.result_json.has_value());
  ASSERT_TRUE(task->result.has_value());
  const ports::DepotExtractInfo& result = *task->result;
  EXPECT_EQ(result.depot, "depot-3");
  EXPECT_EQ(result.base_image_version, "8.0.2-0.0.22380479");
  ASSERT_EQ(result.info.size(), 1U);
  EXPECT_EQ(result.info[0].id, "com.vmware.vsrd.sim.depots.offline.extracted");
  EXPECT_EQ(result.info[0].message,
            "The software specification of host esx-01 was extracted into depot depot-3.");
  ASSERT_EQ(result.warnings.size(), 1U);
  EXPECT_EQ(result.warnings[0].id, "w1");
  EXPECT_EQ(result.warnings[0].message, "Old add-on.");
  EXPECT_TRUE(result.errors.empty());
}

TEST(DepotExtractTaskCodec, AcceptsAnEmptyDepotWhenTheContentWasAlreadyPresent) {
  json body = With(kExtractTask, "result.result.depot", "");
  body["result"]["notifications"] = json::object();
  const auto task = DecodeDepotExtractTask(kOp, body.dump());
  ASSERT_TRUE(task.HasValue()) << task.Error().Summary();
  ASSERT_TRUE(task->result.has_value());
  EXPECT_EQ(task->result->depot, "");
  EXPECT_TRUE(task->result->info.empty());
}

TEST(DepotExtractTaskCodec, HasNoResultWhileRunningOrWhenResultIsNull) {
  for (const json& body : {Without(kExtractTask, "result"), With(kExtractTask, "result", nullptr),
                           With(kRunningTask, "operation", "create_from_host")}) {
    const auto task = DecodeDepotExtractTask(kOp, body.dump());
    ASSERT_TRUE(task.HasValue()) << task.Error().Summary();
    EXPECT_FALSE(task->result.has_value());
    EXPECT_FALSE(task->task.result_json.has_value());
  }
}

TEST(DepotExtractTaskCodec, DecodesTheErrorsOfAFailedExtraction) {
  const auto task = DecodeDepotExtractTask(kOp, kFailedTask.dump());
  ASSERT_TRUE(task.HasValue()) << task.Error().Summary();
  EXPECT_FALSE(task->result.has_value());
  ASSERT_TRUE(task->task.error.has_value());
  EXPECT_EQ(task->task.error->error_type, "RESOURCE_BUSY");
}

TEST(DepotExtractTaskCodec, NamesEveryMissingRequiredFieldOfTheResult) {
  ExpectEachRequiredField(
      kExtractTask,
      {"status", "result.notifications", "result.software_spec", "result.software_spec.base_image",
       "result.software_spec.base_image.version", "result.result", "result.result.depot",
       "result.notifications.info[0].id", "result.notifications.info[0].message",
       "result.notifications.warnings[0].message.default_message"},
      kDecodeExtract);
}

TEST(DepotExtractTaskCodec, NamesWrongTypesInTheResult) {
  ExpectBadFields(
      kExtractTask,
      {{"result", "depot-3", "field \"result\": expected object, got string"},
       {"result.result.depot", 3, "field \"result.result.depot\": expected string, got integer"},
       {"result.notifications.info", json::object(),
        "field \"result.notifications.info\": expected array, got object"},
       {"result.notifications.errors", json::array({"boom"}),
        "field \"result.notifications.errors[0]\": expected object, got string"},
       {"result.software_spec.base_image.version", json::array(),
        "field \"result.software_spec.base_image.version\": expected string, got array"}},
      kDecodeExtract);
}

TEST(DepotExtractTaskCodec, IgnoresUnknownFieldsOfTheResult) {
  const auto task = DecodeDepotExtractTask(kOp, WithUnknownFields(kExtractTask).dump());
  ASSERT_TRUE(task.HasValue()) << task.Error().Summary();
  EXPECT_EQ(task->result->depot, "depot-3");
}

// ---------------------------------------------------------------------------------------------
// Error bodies (docs/vsphere-api.md "Errors" for vAPI, "The update-manager appliance API" for
// update-manager).

TEST(ErrorCodec, DecodesAVapiStdErrorWithDataAsCompactJson) {
  const std::string body = R"({
    "error_type": "UNVERIFIED_PEER",
    "messages": [
      {"id": "com.vmware.vsrd.sim.unverified_peer", "default_message": "The SSL certificate of vCenter Server vc-mgmt cannot be verified.", "args": []},
      {"id": "cause", "default_message": "Thumbprint mismatch.", "args": ["AA:BB", "CC:DD"],
       "params": {"x": {"s": "y"}}, "localized": "Abweichung."}
    ],
    "data": {"ssl_thumbprint": "AA:BB:CC", "ssl_certificate": "-----BEGIN CERTIFICATE-----"}
  })";
  const ports::ApiError error =
      DecodeErrorResponse("vcha.passive.check", 400, body, ErrorDialect::kVapi);
  EXPECT_EQ(error.kind, ports::ErrorKind::kApi);
  EXPECT_EQ(error.operation, "vcha.passive.check");
  EXPECT_EQ(error.http_status, 400);
  EXPECT_TRUE(error.Is("UNVERIFIED_PEER"));
  ASSERT_EQ(error.messages.size(), 2U);
  EXPECT_EQ(error.messages[0].default_message,
            "The SSL certificate of vCenter Server vc-mgmt cannot be verified.");
  EXPECT_EQ(error.messages[1].id, "cause");
  EXPECT_EQ(error.messages[1].args, (std::vector<std::string>{"AA:BB", "CC:DD"}));
  EXPECT_EQ(error.data,
            R"({"ssl_certificate":"-----BEGIN CERTIFICATE-----","ssl_thumbprint":"AA:BB:CC"})");
  EXPECT_EQ(error.detail, "");
  EXPECT_EQ(error.Summary(),
            "vcha.passive.check: 400 UNVERIFIED_PEER: The SSL certificate of vCenter Server "
            "vc-mgmt cannot be verified.");
}

TEST(ErrorCodec, DecodesTheUnauthenticatedBodyWithItsChallenge) {
  const std::string body =
      R"({"error_type":"UNAUTHENTICATED","messages":[{"args":[],"default_message":"Authentication required.","id":"com.vmware.vapi.endpoint.method.authentication.required"}],"challenge":"Basic realm=\"VAPI endpoint\""})";
  const ports::ApiError error = DecodeErrorResponse("vm.get", 401, body, ErrorDialect::kVapi);
  EXPECT_TRUE(error.Is("UNAUTHENTICATED"));
  EXPECT_EQ(error.http_status, 401);
  ASSERT_EQ(error.messages.size(), 1U);
  EXPECT_EQ(error.messages[0].id, "com.vmware.vapi.endpoint.method.authentication.required");
  EXPECT_EQ(error.data, "");
}

TEST(ErrorCodec, ReadsMalformedMessageListsLeniently) {
  struct Case {
    std::string messages;
    std::vector<std::string> texts;
  };
  const std::vector<Case> cases{
      {R"([{"id": "a", "default_message": "A"}, {"default_message": "no id"}, "text", 7,
           {"id": "b", "default_message": "B", "args": "not-a-list"},
           {"id": "c", "default_message": 3}, {"id": "d", "default_message": "D", "args": ["x", 1]}])",
       {"A", "B", "D"}},
      {R"("not a list")", {}},
      {R"({"id": "a", "default_message": "A"})", {}},
      {"null", {}},
      {"[]", {}}};
  for (const auto& [messages, texts] : cases) {
    const ports::ApiError error = DecodeErrorResponse(
        kOp, 400, R"({"error_type": "INVALID_ARGUMENT", "messages": )" + messages + "}",
        ErrorDialect::kVapi);
    EXPECT_EQ(error.error_type, "INVALID_ARGUMENT") << messages;
    std::vector<std::string> got;
    for (const auto& message : error.messages) got.push_back(message.default_message);
    EXPECT_EQ(got, texts) << messages;
  }
  const ports::ApiError error = DecodeErrorResponse(
      kOp, 400, R"({"messages": [{"id": "d", "default_message": "D", "args": ["x", 1, "y"]}]})",
      ErrorDialect::kVapi);
  ASSERT_EQ(error.messages.size(), 1U);
  EXPECT_EQ(error.messages[0].args, (std::vector<std::string>{"x", "y"}));
}

TEST(ErrorCodec, GivesTheStatusAloneForEmptyNonJsonAndOddlyShapedBodies) {
  struct Case {
    std::string body;
    std::string detail;
  };
  const std::vector<Case> cases{
      {"", "no error body"},
      {" \r\n", "no error body"},
      {"<html><body>503 Service Unavailable for user secret-user</body></html>",
       "error body is not JSON"},
      {"{\"error_type\": ", "error body is not JSON"},
      {R"("NOT_FOUND")", "error body is not a JSON object"},
      {"[1, 2]", "error body is not a JSON object"},
      {"null", "error body is not a JSON object"},
      {R"({"error_type": 404, "messages": {}, "data": null})", ""},
      {R"({"unrelated": true})", ""}};
  for (const auto dialect : {ErrorDialect::kVapi, ErrorDialect::kUpdateManager}) {
    for (const auto& [body, detail] : cases) {
      const ports::ApiError error = DecodeErrorResponse(kOp, 503, body, dialect);
      EXPECT_EQ(error.kind, ports::ErrorKind::kApi) << body;
      EXPECT_EQ(error.operation, kOp) << body;
      EXPECT_EQ(error.http_status, 503) << body;
      EXPECT_EQ(error.error_type, "") << body;
      EXPECT_TRUE(error.messages.empty()) << body;
      EXPECT_EQ(error.data, "") << body;
      EXPECT_EQ(error.detail, detail) << body;
      EXPECT_TRUE(error.IsUnreachable()) << body;
    }
  }
}

TEST(ErrorCodec, DecodesTheUpdateManagerResponseError) {
  const ports::ApiError error = DecodeErrorResponse(
      "update-manager.updates.install", 400,
      R"({"error_code": "UPDATE_IN_PROGRESS", "message": "Update 9.0.1.0 is being installed.",
          "op_id": "0b5c6a8e-4f5e-4d2a-9a43-3f1c1b0e7d11", "extra": [1]})",
      ErrorDialect::kUpdateManager);
  EXPECT_EQ(error.kind, ports::ErrorKind::kApi);
  EXPECT_EQ(error.http_status, 400);
  EXPECT_TRUE(error.Is("UPDATE_IN_PROGRESS"));
  ASSERT_EQ(error.messages.size(), 1U);
  EXPECT_EQ(error.messages[0].id, "");
  EXPECT_EQ(error.messages[0].default_message, "Update 9.0.1.0 is being installed.");
  EXPECT_TRUE(error.messages[0].args.empty());
  EXPECT_EQ(error.detail, "op_id 0b5c6a8e-4f5e-4d2a-9a43-3f1c1b0e7d11");
  EXPECT_EQ(error.data, "");
}

TEST(ErrorCodec, ReadsEachUpdateManagerFieldOnItsOwn) {
  struct Case {
    std::string body;
    std::string error_type;
    std::vector<std::string> messages;
    std::string detail;
  };
  const std::vector<Case> cases{
      {R"({"error_code": "INTERNAL_ERROR"})", "INTERNAL_ERROR", {}, ""},
      {R"({"message": "Boom."})", "", {"Boom."}, ""},
      {R"({"op_id": "abc"})", "", {}, "op_id abc"},
      {R"({"error_code": 5, "message": null, "op_id": []})", "", {}, ""},
      // A vAPI body seen through the update-manager dialect has none of its fields.
      {R"({"error_type": "NOT_FOUND", "messages": [{"id": "a", "default_message": "A"}]})",
       "",
       {},
       ""}};
  for (const auto& [body, error_type, messages, detail] : cases) {
    const ports::ApiError error = DecodeErrorResponse(kOp, 500, body, ErrorDialect::kUpdateManager);
    EXPECT_EQ(error.error_type, error_type) << body;
    std::vector<std::string> got;
    for (const auto& message : error.messages) got.push_back(message.default_message);
    EXPECT_EQ(got, messages) << body;
    EXPECT_EQ(error.detail, detail) << body;
  }
  // And a ResponseError seen through the vAPI dialect.
  const ports::ApiError error =
      DecodeErrorResponse(kOp, 400, R"({"error_code": "X", "message": "M"})", ErrorDialect::kVapi);
  EXPECT_EQ(error.error_type, "");
  EXPECT_TRUE(error.messages.empty());
}

TEST(ErrorCodec, DecodesAStdErrorObjectOfATask) {
  const ports::ApiError error = DecodeStdError(
      "cis.tasks.get",
      R"({"error_type": "CANCELED", "messages": [{"id": "c", "default_message": "Canceled.", "args": []}], "data": [1, "two"]})");
  EXPECT_EQ(error.kind, ports::ErrorKind::kApi);
  EXPECT_EQ(error.operation, "cis.tasks.get");
  EXPECT_EQ(error.http_status, 0);
  EXPECT_TRUE(error.Is("CANCELED"));
  ASSERT_EQ(error.messages.size(), 1U);
  EXPECT_EQ(error.messages[0].default_message, "Canceled.");
  EXPECT_EQ(error.data, R"([1,"two"])");
}

TEST(ErrorCodec, DecodesAStdErrorThatIsAStringOrNotJsonWithoutFailing) {
  const ports::ApiError text = DecodeStdError(kOp, R"("The installation failed.")");
  EXPECT_EQ(text.error_type, "");
  ASSERT_EQ(text.messages.size(), 1U);
  EXPECT_EQ(text.messages[0].default_message, "The installation failed.");

  for (const char* body : {"", "not json", "42", "[]"}) {
    const ports::ApiError error = DecodeStdError(kOp, body);
    EXPECT_EQ(error.kind, ports::ErrorKind::kApi) << body;
    EXPECT_EQ(error.http_status, 0) << body;
    EXPECT_EQ(error.error_type, "") << body;
    EXPECT_TRUE(error.messages.empty()) << body;
    EXPECT_FALSE(error.detail.empty()) << body;
  }
}

// ---------------------------------------------------------------------------------------------
// Session tokens (docs/vsphere-api.md "Sessions" and "The update-manager appliance API"): no error
// detail may contain the body.

TEST(SessionCodec, DecodesTheVcenterTokenString) {
  const auto token = DecodeVcenterSessionToken("\"b2c6f7e0d1a94c3e8f5a6b7c8d9e0f1a\"");
  ASSERT_TRUE(token.HasValue()) << token.Error().Summary();
  EXPECT_EQ(token->Reveal(), "b2c6f7e0d1a94c3e8f5a6b7c8d9e0f1a");
}

TEST(SessionCodec, DecodesTheUpdateManagerSessionId) {
  const auto token = DecodeUpdateManagerSessionId(
      R"({"session_id": "NGY3YjQ1ZDItZjI5Ny00YjA0LWE4YjQtMDYzMDc0ZDQ1Y2Q3", "expires": 3600})");
  ASSERT_TRUE(token.HasValue()) << token.Error().Summary();
  EXPECT_EQ(token->Reveal(), "NGY3YjQ1ZDItZjI5Ny00YjA0LWE4YjQtMDYzMDc0ZDQ1Y2Q3");
}

TEST(SessionCodec, RejectsMalformedVcenterAnswersWithoutQuotingTheToken) {
  struct Case {
    std::string body;
    ports::ErrorKind kind;
    std::string detail;  ///< exact for kDecode; kBadJson only checks the prefix
  };
  const std::vector<Case> cases{
      {"s3cr3t-token", ports::ErrorKind::kBadJson, ""},
      {"\"s3cr3t-token", ports::ErrorKind::kBadJson, ""},
      {"\"s3cr3t-token\n\"", ports::ErrorKind::kBadJson, ""},
      {"", ports::ErrorKind::kBadJson, ""},
      {"\"\"", ports::ErrorKind::kDecode, "body: the session token is empty"},
      {R"({"value": "s3cr3t-token"})", ports::ErrorKind::kDecode,
       "body: expected a JSON string (the session token), got object"},
      {R"(["s3cr3t-token"])", ports::ErrorKind::kDecode,
       "body: expected a JSON string (the session token), got array"}};
  for (const auto& [body, kind, detail] : cases) {
    const auto token = DecodeVcenterSessionToken(body);
    ASSERT_FALSE(token.HasValue()) << body;
    EXPECT_EQ(token.Error().kind, kind) << body;
    EXPECT_EQ(token.Error().operation, "session.create") << body;
    if (kind == ports::ErrorKind::kDecode) {
      EXPECT_EQ(token.Error().detail, detail) << body;
    }
    EXPECT_EQ(token.Error().detail.find("s3cr3t"), std::string::npos) << token.Error().detail;
    EXPECT_EQ(token.Error().Summary().find("s3cr3t"), std::string::npos);
  }
}

TEST(SessionCodec, RejectsMalformedUpdateManagerAnswersWithoutQuotingTheToken) {
  struct Case {
    std::string body;
    ports::ErrorKind kind;
    std::string detail;
  };
  const std::vector<Case> cases{
      {R"({"session_id": "s3cr3t-token")", ports::ErrorKind::kBadJson, ""},
      {"{\"session_id\": \"s3cr3t\ttoken\"}", ports::ErrorKind::kBadJson, ""},
      {R"({"session_id": s3cr3t})", ports::ErrorKind::kBadJson, ""},
      {R"({})", ports::ErrorKind::kDecode, "missing required field \"session_id\""},
      {R"({"session_id": null})", ports::ErrorKind::kDecode,
       "missing required field \"session_id\""},
      {R"({"session_id": ""})", ports::ErrorKind::kDecode,
       "field \"session_id\": the session id is empty"},
      {R"({"session_id": ["s3cr3t"]})", ports::ErrorKind::kDecode,
       "field \"session_id\": expected string, got array"},
      {R"("s3cr3t-token")", ports::ErrorKind::kDecode, "body: expected object, got string"}};
  for (const auto& [body, kind, detail] : cases) {
    const auto token = DecodeUpdateManagerSessionId(body);
    ASSERT_FALSE(token.HasValue()) << body;
    EXPECT_EQ(token.Error().kind, kind) << body;
    EXPECT_EQ(token.Error().operation, "session.create") << body;
    if (kind == ports::ErrorKind::kDecode) {
      EXPECT_EQ(token.Error().detail, detail) << body;
    }
    EXPECT_EQ(token.Error().detail.find("s3cr3t"), std::string::npos) << token.Error().detail;
  }
}

// ---------------------------------------------------------------------------------------------
// VCHA (docs/vsphere-api.md "VCHA"): Cluster.Info as simulator/vcenter/vcha.cpp answers it.

const json kDegradedCluster = json::parse(R"json({
  "config_state": "CONFIGURED",
  "node1": {
    "ha_ip": {"ip_family": "IPV4", "ipv4": {"address": "192.168.100.1", "subnet_mask": "255.255.255.0", "prefix": 24}},
    "failover_ip": {"ip_family": "IPV4", "ipv4": {"address": "10.0.0.10", "subnet_mask": "255.255.255.0", "prefix": 24}, "gateway_ip": "10.0.0.1"},
    "runtime": {"state": "UP", "role": "ACTIVE",
                "placement": {"management_vcenter_name": "vc01.example.com", "vm_name": "vc01-active",
                              "datacenter": "datacenter-1", "datacenter_name": "Datacenter",
                              "host": "host-10", "host_name": "esx-01.example.com",
                              "management_network": "network-1", "management_network_name": "VM Network",
                              "management_network_type": "STANDARD_PORTGROUP",
                              "ha_network": "dvportgroup-2", "ha_network_name": "vcha", "ha_network_type": "DISTRIBUTED_PORTGROUP",
                              "storage": {"datastore": "datastore-1", "datastore_name": "ds1"}}}
  },
  "node2": {
    "ha_ip": {"ip_family": "IPV4", "ipv4": {"address": "192.168.100.2", "subnet_mask": "255.255.255.0", "prefix": 24}},
    "runtime": {"state": "DOWN", "role": "PASSIVE",
                "placement": {"management_vcenter_name": "vc01.example.com", "vm_name": "vc01-passive",
                              "datacenter": "datacenter-1", "datacenter_name": "Datacenter",
                              "host": "host-11", "host_name": "esx-02.example.com",
                              "management_network": "network-1", "management_network_name": "VM Network",
                              "management_network_type": "STANDARD_PORTGROUP",
                              "storage": {"datastore": "datastore-2", "datastore_name": "ds2"}}}
  },
  "witness": {
    "ha_ip": {"ip_family": "IPV6", "ipv6": {"address": "fd00::3", "prefix": 64}},
    "runtime": {"state": "UP", "role": "WITNESS"}
  },
  "mode": "ENABLED",
  "health_state": "DEGRADED",
  "health_exception": [{"id": "com.vmware.vsrd.sim.vcha.health.unavailable", "default_message": "Health information is partial.", "args": []}],
  "health_warnings": [
    {"error": {"id": "com.vmware.vsrd.sim.vcha.health.passive.down", "default_message": "The passive node is down.", "args": []},
     "recommendation": {"id": "com.vmware.vsrd.sim.vcha.health.passive.down.recommendation", "default_message": "Bring the passive node up, or redeploy it.", "args": []}}
  ],
  "manual_failover_allowed": false,
  "auto_failover_allowed": false
})json");

const auto kDecodeCluster = [](const std::string& body) { return DecodeClusterInfo(kOp, body); };

TEST(VchaCodec, DecodesPassiveNodeDownFromDegradedCluster) {
  const auto info = DecodeClusterInfo(kOp, kDegradedCluster.dump());
  ASSERT_TRUE(info.HasValue()) << info.Error().Summary();
  EXPECT_EQ(info->config_state, ports::VchaConfigState::kConfigured);
  EXPECT_EQ(info->mode, ports::VchaMode::kEnabled);
  EXPECT_EQ(info->health_state, ports::VchaHealth::kDegraded);
  ASSERT_TRUE(info->node1.has_value());
  EXPECT_EQ(info->node1->state, ports::VchaNodeState::kUp);
  EXPECT_EQ(info->node1->role, ports::VchaNodeRole::kActive);
  EXPECT_EQ(info->node1->vm_name, "vc01-active");
  EXPECT_EQ(info->node1->ha_ip_address, "192.168.100.1");
  const ports::VchaNode* passive = info->Passive();
  ASSERT_NE(passive, nullptr);
  EXPECT_EQ(passive, &*info->node2);
  EXPECT_EQ(passive->state, ports::VchaNodeState::kDown);
  EXPECT_EQ(passive->vm_name, "vc01-passive");
  EXPECT_EQ(passive->ha_ip_address, "192.168.100.2");
  ASSERT_TRUE(info->witness.has_value());
  EXPECT_EQ(info->witness->role, ports::VchaNodeRole::kWitness);
  EXPECT_EQ(info->witness->ha_ip_address, "fd00::3");
  EXPECT_FALSE(info->witness->vm_name.has_value());
  ASSERT_EQ(info->health_warnings.size(), 1U);
  EXPECT_EQ(info->health_warnings[0].id, "com.vmware.vsrd.sim.vcha.health.passive.down");
  EXPECT_EQ(info->health_warnings[0].default_message, "The passive node is down.");
  ASSERT_EQ(info->health_exception.size(), 1U);
  EXPECT_EQ(info->health_exception[0].default_message, "Health information is partial.");
  EXPECT_EQ(info->manual_failover_allowed, false);
  EXPECT_EQ(info->auto_failover_allowed, false);
}

TEST(VchaCodec, DecodesAPartialReadWithoutPlacements) {
  json body = Without(kDegradedCluster, "node1.runtime.placement");
  body = Without(body, "node2.runtime.placement");
  const auto info = DecodeClusterInfo(kOp, body.dump());
  ASSERT_TRUE(info.HasValue()) << info.Error().Summary();
  EXPECT_FALSE(info->node1->vm_name.has_value());
  EXPECT_FALSE(info->node2->vm_name.has_value());
  EXPECT_EQ(info->node2->role, ports::VchaNodeRole::kPassive);
}

TEST(VchaCodec, DecodesAClusterThatIsNotConfiguredOrEmpty) {
  for (const char* body : {R"({"config_state": "NOTCONFIGURED"})", "{}"}) {
    const auto info = DecodeClusterInfo(kOp, body);
    ASSERT_TRUE(info.HasValue()) << body << ": " << info.Error().Summary();
    EXPECT_FALSE(info->node1 || info->node2 || info->witness || info->mode || info->health_state ||
                 info->manual_failover_allowed || info->auto_failover_allowed)
        << body;
    EXPECT_TRUE(info->health_warnings.empty() && info->health_exception.empty());
    EXPECT_EQ(info->Passive(), nullptr);
  }
  EXPECT_EQ(DecodeClusterInfo(kOp, R"({"config_state": "NOTCONFIGURED"})")->config_state,
            ports::VchaConfigState::kNotConfigured);
}

TEST(VchaCodec, ReadsNullOptionalsAsUnset) {
  const auto info =
      DecodeWithNulls(kDegradedCluster,
                      {"config_state", "node2", "mode", "health_state", "health_exception",
                       "health_warnings", "manual_failover_allowed", "auto_failover_allowed",
                       "node1.runtime.state", "node1.runtime.role", "node1.runtime.placement",
                       "witness.runtime", "health_exception", "node1.failover_ip"},
                      kDecodeCluster);
  ASSERT_TRUE(info.HasValue()) << info.Error().Summary();
  EXPECT_FALSE(info->config_state || info->node2 || info->mode || info->health_state ||
               info->manual_failover_allowed || info->auto_failover_allowed);
  EXPECT_FALSE(info->node1->state || info->node1->role || info->node1->vm_name);
  EXPECT_EQ(info->node1->ha_ip_address, "192.168.100.1");
  EXPECT_FALSE(info->witness->state || info->witness->role);
  EXPECT_TRUE(info->health_warnings.empty());
}

TEST(VchaCodec, NamesEveryMissingRequiredField) {
  ExpectEachRequiredField(
      kDegradedCluster,
      {"node1.ha_ip", "node1.ha_ip.ip_family", "node1.ha_ip.ipv4", "node1.ha_ip.ipv4.address",
       "node1.runtime.placement.vm_name", "node2.ha_ip.ipv4.address", "witness.ha_ip",
       "witness.ha_ip.ipv6", "witness.ha_ip.ipv6.address", "health_warnings[0].error",
       "health_warnings[0].error.id", "health_warnings[0].error.default_message",
       "health_exception[0].id", "health_exception[0].default_message"},
      kDecodeCluster);
}

TEST(VchaCodec, NamesWrongTypesAndUnknownEnumValues) {
  ExpectBadFields(
      kDegradedCluster,
      {{"config_state", "BROKEN",
        "field \"config_state\": expected one of CONFIGURED, NOTCONFIGURED, INVALID, PREPARED, got "
        "\"BROKEN\""},
       {"mode", "OFF",
        "field \"mode\": expected one of ENABLED, DISABLED, MAINTENANCE, got \"OFF\""},
       {"health_state", "SICK",
        "field \"health_state\": expected one of HEALTHY, DEGRADED, ISOLATED, got \"SICK\""},
       {"node2.runtime.state", "SLEEPING",
        "field \"node2.runtime.state\": expected one of UP, DOWN, got \"SLEEPING\""},
       {"node2.runtime.role", "STANDBY",
        "field \"node2.runtime.role\": expected one of ACTIVE, PASSIVE, WITNESS, got \"STANDBY\""},
       {"node1.ha_ip.ip_family", "IPV5",
        "field \"node1.ha_ip.ip_family\": expected one of IPV4, IPV6, got \"IPV5\""},
       {"node2", "down", "field \"node2\": expected object, got string"},
       {"node2.runtime", json::array(), "field \"node2.runtime\": expected object, got array"},
       {"node1.runtime.placement.vm_name", 1,
        "field \"node1.runtime.placement.vm_name\": expected string, got integer"},
       {"manual_failover_allowed", "no",
        "field \"manual_failover_allowed\": expected boolean, got string"},
       {"health_warnings", json::object(), "field \"health_warnings\": expected array, got object"},
       {"health_warnings[0].error", "The passive node is down.",
        "field \"health_warnings[0].error\": expected object, got string"},
       {"health_exception[0]", 5, "field \"health_exception[0]\": expected object, got integer"}},
      kDecodeCluster);
}

TEST(VchaCodec, IgnoresUnknownFieldsOfNewerVcenters) {
  const auto info = DecodeClusterInfo(kOp, WithUnknownFields(kDegradedCluster).dump());
  ASSERT_TRUE(info.HasValue()) << info.Error().Summary();
  EXPECT_EQ(info->node2->vm_name, "vc01-passive");
  EXPECT_EQ(info->health_warnings.size(), 1U);
}

TEST(VchaCodec, RejectsBodiesThatAreNotJsonOrNotAnObject) {
  for (const auto& body : kNotJsonBodies) ExpectBadJson(DecodeClusterInfo(kOp, body), body);
  ExpectDecodeError(DecodeClusterInfo(kOp, "[]"), "body: expected object, got array");
}

TEST(VchaCodec, DecodesTheModeInfo) {
  const std::vector<std::pair<std::string, ports::VchaMode>> cases{
      {"ENABLED", ports::VchaMode::kEnabled},
      {"DISABLED", ports::VchaMode::kDisabled},
      {"MAINTENANCE", ports::VchaMode::kMaintenance}};
  for (const auto& [name, mode] : cases) {
    const auto decoded = DecodeModeInfo(kOp, json{{"mode", name}, {"new", 1}}.dump());
    ASSERT_TRUE(decoded.HasValue()) << name;
    EXPECT_EQ(*decoded, mode);
  }
  ExpectDecodeError(DecodeModeInfo(kOp, "{}"), "missing required field \"mode\"");
  ExpectDecodeError(DecodeModeInfo(kOp, R"({"mode": null})"), "missing required field \"mode\"");
  ExpectDecodeError(DecodeModeInfo(kOp, R"({"mode": "enabled"})"),
                    "field \"mode\": expected one of ENABLED, DISABLED, MAINTENANCE, got "
                    "\"enabled\"");
  ExpectBadJson(DecodeModeInfo(kOp, "ENABLED"));
}

const json kCheckResult = json::parse(R"json({
  "warnings": [{"id": "com.vmware.vsrd.sim.vcha.check.same_host", "default_message": "The passive node would run on esx-01.", "args": []},
               {"id": "com.vmware.vsrd.sim.vcha.check.datastore_unset", "default_message": "Placed on ds1."}],
  "errors": [{"id": "com.vmware.vsrd.sim.vcha.check.folder", "default_message": "placement.folder: the folder group-v9 does not exist.", "args": ["group-v9"]}]
})json");

TEST(VchaCodec, DecodesTheCheckResultsWarningsAndErrors) {
  const auto result = DecodePassiveCheckResult(kOp, kCheckResult.dump());
  ASSERT_TRUE(result.HasValue()) << result.Error().Summary();
  ASSERT_EQ(result->warnings.size(), 2U);
  EXPECT_EQ(result->warnings[1].default_message, "Placed on ds1.");
  EXPECT_TRUE(result->warnings[1].args.empty());
  ASSERT_EQ(result->errors.size(), 1U);
  EXPECT_EQ(result->errors[0].id, "com.vmware.vsrd.sim.vcha.check.folder");
  EXPECT_EQ(result->errors[0].args, std::vector<std::string>{"group-v9"});
  const auto empty = DecodePassiveCheckResult(kOp, R"({"warnings": [], "errors": []})");
  ASSERT_TRUE(empty.HasValue());
  EXPECT_TRUE(empty->warnings.empty() && empty->errors.empty());
}

TEST(VchaCodec, NamesWhatIsMissingOrWrongInACheckResult) {
  const auto decode = [](const std::string& body) { return DecodePassiveCheckResult(kOp, body); };
  ExpectEachRequiredField(
      kCheckResult, {"warnings", "errors", "warnings[1].id", "errors[0].default_message"}, decode);
  ExpectBadFields(kCheckResult,
                  {{"errors", "none", "field \"errors\": expected array, got string"},
                   {"warnings[0].args", json::array({true}),
                    "field \"warnings[0].args[0]\": expected string, got boolean"}},
                  decode);
}

// --- VCHA encoders ----------------------------------------------------------------------------

ports::VchaCredentialsSpec FullCredentials() {
  ports::VchaCredentialsSpec spec;
  spec.active_location.hostname = "vc-mgmt.example.com";
  spec.active_location.port = 443;
  spec.active_location.ssl_thumbprint =
      "AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD";
  spec.active_location.username = "administrator@vsphere.local";
  spec.active_location.password = ports::Secret("VMware1!");
  return spec;
}

manifests::PlacementSpec FullPlacement() {
  manifests::PlacementSpec placement;
  placement.name = "vc01-passive";
  placement.folder = "group-v3";
  placement.host = "host-11";
  placement.resource_pool = "resgroup-8";
  placement.ha_network_type = manifests::NetworkType::kDistributedPortgroup;
  placement.ha_network = "dvportgroup-2";
  placement.management_network_type = manifests::NetworkType::kStandardPortgroup;
  placement.management_network = "network-1";
  placement.storage_datastore = "datastore-2";
  return placement;
}

const json kFullCredentialsJson = {
    {"active_location",
     {{"hostname", "vc-mgmt.example.com"},
      {"port", 443},
      {"ssl_thumbprint", "AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD"},
      {"username", "administrator@vsphere.local"},
      {"password", "VMware1!"}}}};

const json kFullPlacementJson = {{"name", "vc01-passive"},
                                 {"folder", "group-v3"},
                                 {"host", "host-11"},
                                 {"resource_pool", "resgroup-8"},
                                 {"ha_network_type", "DISTRIBUTED_PORTGROUP"},
                                 {"ha_network", "dvportgroup-2"},
                                 {"management_network_type", "STANDARD_PORTGROUP"},
                                 {"management_network", "network-1"},
                                 {"storage", {{"datastore", "datastore-2"}}}};

const Extras kVchaExtras{{"VcenterVchaConnectionSpec", {"ssl_certificate"}}};
const std::string kVcenter703 = "7.0.3/vcenter.json";
const std::string kRedeployPath = "/api/vcenter/vcha/cluster/passive?action=redeploy&vmw-task=true";
const std::string kCheckPath = "/api/vcenter/vcha/cluster/passive?action=check";
const std::string kClusterGetPath = "/api/vcenter/vcha/cluster?action=get";

TEST(VchaCodec, EncodesTheClusterGetBodyWithAndWithoutCredentials) {
  EXPECT_EQ(json::parse(EncodeClusterGetRequest(std::nullopt, true)), json({{"partial", true}}));
  EXPECT_EQ(json::parse(EncodeClusterGetRequest(std::nullopt, false)), json({{"partial", false}}));
  const std::string body = EncodeClusterGetRequest(FullCredentials(), false);
  EXPECT_EQ(json::parse(body), json({{"vc_spec", kFullCredentialsJson}, {"partial", false}}));
  EXPECT_EQ(body.find('\n'), std::string::npos);
  EXPECT_EQ(CheckRequestBody(kVcenter703, kClusterGetPath, body, kVchaExtras),
            std::vector<std::string>{});
}

TEST(VchaCodec, EncodesAMinimalRedeploySpecWithOnlyTheRequiredPlacement) {
  ports::RedeploySpec spec;
  spec.placement.name = "vc01-passive";
  spec.placement.folder = "group-v3";
  const std::string body = EncodeRedeploySpec(spec);
  EXPECT_EQ(json::parse(body),
            json({{"placement", {{"name", "vc01-passive"}, {"folder", "group-v3"}}}}));
  EXPECT_EQ(CheckRequestBody(kVcenter703, kRedeployPath, body), std::vector<std::string>{});
}

TEST(VchaCodec, EncodesAFullRedeploySpec) {
  ports::RedeploySpec spec;
  spec.vc_spec = FullCredentials();
  spec.vc_spec->active_location.ssl_thumbprint.reset();
  spec.vc_spec->active_location.ssl_certificate =
      "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
  spec.placement = FullPlacement();
  spec.ha_ip = manifests::IpSpec{manifests::IpFamily::kIpv4,
                                 manifests::Ipv4Spec{"192.168.100.2", std::nullopt, 24},
                                 std::nullopt,
                                 std::nullopt,
                                 {}};
  spec.failover_ip = manifests::IpSpec{manifests::IpFamily::kIpv6,
                                       std::nullopt,
                                       manifests::Ipv6Spec{"fd00::10", 64},
                                       "fd00::1",
                                       {"fd00::53", "192.0.2.53"}};
  const std::string body = EncodeRedeploySpec(spec);
  json credentials = kFullCredentialsJson;
  credentials["active_location"].erase("ssl_thumbprint");
  credentials["active_location"]["ssl_certificate"] =
      "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
  const json expected = {
      {"vc_spec", credentials},
      {"placement", kFullPlacementJson},
      {"ha_ip", {{"ip_family", "IPV4"}, {"ipv4", {{"address", "192.168.100.2"}, {"prefix", 24}}}}},
      {"failover_ip",
       {{"ip_family", "IPV6"},
        {"ipv6", {{"address", "fd00::10"}, {"prefix", 64}}},
        {"default_gateway", "fd00::1"},
        {"dns_servers", {"fd00::53", "192.0.2.53"}}}}};
  EXPECT_EQ(json::parse(body), expected);
  EXPECT_EQ(CheckRequestBody(kVcenter703, kRedeployPath, body, kVchaExtras),
            std::vector<std::string>{});
}

TEST(VchaCodec, OmitsUnsetOptionalsOfIpSpecsAndConnections) {
  ports::RedeploySpec spec;
  spec.placement.name = "p";
  spec.placement.folder = "f";
  spec.placement.ha_network = "network-5";  // the type is the caller's business
  spec.vc_spec = ports::VchaCredentialsSpec{};
  spec.vc_spec->active_location.hostname = "vc-mgmt";
  spec.ha_ip = manifests::IpSpec{manifests::IpFamily::kIpv4,
                                 manifests::Ipv4Spec{"10.0.0.2", "255.255.255.0", std::nullopt},
                                 std::nullopt,
                                 "10.0.0.1",
                                 {}};
  const json expected = {
      {"vc_spec", {{"active_location", {{"hostname", "vc-mgmt"}}}}},
      {"placement", {{"name", "p"}, {"folder", "f"}, {"ha_network", "network-5"}}},
      {"ha_ip",
       {{"ip_family", "IPV4"},
        {"ipv4", {{"address", "10.0.0.2"}, {"subnet_mask", "255.255.255.0"}}},
        {"default_gateway", "10.0.0.1"}}}};
  EXPECT_EQ(json::parse(EncodeRedeploySpec(spec)), expected);
}

TEST(VchaCodec, EncodesThePassiveCheckSpec) {
  ports::PassiveCheckSpec spec;
  spec.placement = FullPlacement();
  std::string body = EncodePassiveCheckSpec(spec);
  EXPECT_EQ(json::parse(body), json({{"placement", kFullPlacementJson}}));
  EXPECT_EQ(CheckRequestBody(kVcenter703, kCheckPath, body), std::vector<std::string>{});
  spec.vc_spec = FullCredentials();
  body = EncodePassiveCheckSpec(spec);
  EXPECT_EQ(json::parse(body),
            json({{"vc_spec", kFullCredentialsJson}, {"placement", kFullPlacementJson}}));
  EXPECT_EQ(CheckRequestBody(kVcenter703, kCheckPath, body), std::vector<std::string>{});
}

TEST(VchaCodec, EncodesEveryNetworkTypeAndIpFamilyAsTheSwaggerEnums) {
  for (const auto type : {manifests::NetworkType::kStandardPortgroup,
                          manifests::NetworkType::kDistributedPortgroup}) {
    for (const auto family : {manifests::IpFamily::kIpv4, manifests::IpFamily::kIpv6}) {
      ports::RedeploySpec spec;
      spec.placement.name = "p";
      spec.placement.folder = "f";
      spec.placement.ha_network_type = type;
      spec.placement.management_network_type = type;
      spec.ha_ip = manifests::IpSpec{family, std::nullopt, std::nullopt, std::nullopt, {}};
      if (family == manifests::IpFamily::kIpv4) {
        spec.ha_ip->ipv4 = manifests::Ipv4Spec{"10.0.0.2", std::nullopt, 24};
      } else {
        spec.ha_ip->ipv6 = manifests::Ipv6Spec{"fd00::2", 64};
      }
      EXPECT_EQ(CheckRequestBody(kVcenter703, kRedeployPath, EncodeRedeploySpec(spec)),
                std::vector<std::string>{});
    }
  }
}

TEST(SwaggerCheck, FlagsKeysTheDefinitionDoesNotHave) {
  // The checker the encoder tests rely on must not be vacuous.
  const std::string body =
      R"({"placement": {"name": "p", "folder": "f", "storage": {"datastore": "d", "size": 1}},
          "ha_ip": {"ip_family": "IPV7"}, "spec": {}})";
  const auto problems = CheckRequestBody(kVcenter703, kRedeployPath, body);
  EXPECT_EQ(problems.size(), 3U);
  EXPECT_EQ(CheckRequestBody(kVcenter703, kRedeployPath, R"({"vc_spec": {}})").size(), 2U)
      << "placement and vc_spec.active_location are required";
}

// ---------------------------------------------------------------------------------------------
// Offline depots (docs/vsphere-api.md "Offline depots"): simulator/vcenter/depots.cpp's
// DepotSummary.

const json kDepotMap = json::parse(R"json({
  "depot-2": {"description": "Extracted from host esx-01.example.com", "source_type": "PUSH",
              "owner": "administrator@vsphere.local"},
  "depot-10": {"description": "", "source_type": "PULL", "location": "https://depot.example.com/index.xml",
               "ownerdata": "{\"team\": \"infra\"}"},
  "depot-1": {"description": "ESXi 8.0 U2", "source_type": "PUSH", "file_id": "file-77"}
})json");

const auto kDecodeDepots = [](const std::string& body) { return DecodeOfflineDepotMap(kOp, body); };

TEST(DepotsCodec, DecodesTheOfflineDepotMapOrderedById) {
  const auto depots = DecodeOfflineDepotMap(kOp, kDepotMap.dump());
  ASSERT_TRUE(depots.HasValue()) << depots.Error().Summary();
  ASSERT_EQ(depots->size(), 3U);
  EXPECT_EQ((*depots)[0].id, "depot-1");
  EXPECT_EQ((*depots)[1].id, "depot-10");
  EXPECT_EQ((*depots)[2].id, "depot-2");
  EXPECT_EQ((*depots)[0].file_id, "file-77");
  EXPECT_EQ((*depots)[0].description, "ESXi 8.0 U2");
  EXPECT_EQ((*depots)[1].description, "");
  EXPECT_EQ((*depots)[1].source_type, "PULL");
  EXPECT_EQ((*depots)[1].location, "https://depot.example.com/index.xml");
  EXPECT_EQ((*depots)[1].ownerdata, "{\"team\": \"infra\"}");
  EXPECT_EQ((*depots)[2].owner, "administrator@vsphere.local");
  EXPECT_FALSE((*depots)[2].location || (*depots)[2].file_id || (*depots)[2].ownerdata);
  for (const auto& depot : *depots) EXPECT_FALSE(depot.create_time.has_value());
}

TEST(DepotsCodec, DecodesAnEmptyMap) {
  const auto depots = DecodeOfflineDepotMap(kOp, "{}");
  ASSERT_TRUE(depots.HasValue());
  EXPECT_TRUE(depots->empty());
}

TEST(DepotsCodec, NamesMissingAndWrongFieldsByDepotId) {
  ExpectEachRequiredField(kDepotMap, {"depot-2.description", "depot-2.source_type"}, kDecodeDepots);
  ExpectBadFields(
      kDepotMap,
      {{"depot-1", "depot", "field \"depot-1\": expected object, got string"},
       {"depot-10.location", 5, "field \"depot-10.location\": expected string, got integer"},
       {"depot-2.owner", json::object(), "field \"depot-2.owner\": expected string, got object"}},
      kDecodeDepots);
  ExpectDecodeError(DecodeOfflineDepotMap(kOp, "[]"), "body: expected object, got array");
  ExpectBadJson(DecodeOfflineDepotMap(kOp, "<html/>"));
}

TEST(DepotsCodec, ReadsNullOptionalsAndIgnoresUnknownFields) {
  json body = kDepotMap;
  for (auto& [id, depot] : body.items()) depot = WithUnknownFields(depot);
  const auto depots = DecodeWithNulls(
      body, {"depot-10.location", "depot-10.ownerdata", "depot-2.owner"}, kDecodeDepots);
  ASSERT_TRUE(depots.HasValue()) << depots.Error().Summary();
  ASSERT_EQ(depots->size(), 3U);
  EXPECT_FALSE((*depots)[1].location || (*depots)[1].ownerdata || (*depots)[2].owner);
  EXPECT_EQ((*depots)[1].source_type, "PULL");
}

const json kDepotInfo = json::parse(R"json({
  "description": "Extracted from host esx-01.example.com", "source_type": "PUSH",
  "owner": "administrator@vsphere.local", "create_time": "2026-01-01T00:02:00.000Z"
})json");

TEST(DepotsCodec, DecodesOfflineInfoWithItsIdAndCreateTime) {
  const auto depot = DecodeOfflineDepotInfo(kOp, "depot-3", WithUnknownFields(kDepotInfo).dump());
  ASSERT_TRUE(depot.HasValue()) << depot.Error().Summary();
  EXPECT_EQ(depot->id, "depot-3");
  EXPECT_EQ(depot->source_type, "PUSH");
  EXPECT_EQ(depot->owner, "administrator@vsphere.local");
  EXPECT_EQ(depot->create_time, At(2026, 1, 1, 0, 2));
  const auto decode = [](const std::string& body) {
    return DecodeOfflineDepotInfo(kOp, "depot-3", body);
  };
  ExpectEachRequiredField(kDepotInfo, {"description", "source_type", "create_time"}, decode);
  ExpectBadFields(kDepotInfo,
                  {{"create_time", "last tuesday",
                    "field \"create_time\": expected an ISO-8601 date-time, got \"last tuesday\""},
                   {"create_time", 0, "field \"create_time\": expected string, got integer"}},
                  decode);
}

const std::string kEsx802 = "8.0.2/esx.json";
const std::string kCreateFromHostPath =
    "/api/esx/settings/depots/offline?action=createFromHost&vmw-task=true";

TEST(DepotsCodec, EncodesAnExistingHostConnection) {
  ports::DepotConnectionSpec spec;
  spec.auth_type = manifests::DepotAuthType::kExisting;
  spec.host = "host-10";
  const std::string body = EncodeDepotConnectionSpec(spec);
  EXPECT_EQ(json::parse(body), json({{"auth_type", "EXISTING"}, {"host", "host-10"}}));
  EXPECT_EQ(CheckRequestBody(kEsx802, kCreateFromHostPath, body), std::vector<std::string>{});
}

TEST(DepotsCodec, EncodesHostCredentialsWithThePasswordRevealed) {
  ports::DepotConnectionSpec spec;
  spec.auth_type = manifests::DepotAuthType::kUsernamePassword;
  spec.host_credential =
      ports::DepotHostCredentials{"esx-07.example.com",
                                  "root",
                                  ports::Secret("s3cr3t!"),
                                  8443,
                                  "11:22:33:44:55:66:77:88:99:00:AA:BB:CC:DD:EE:FF:11:22:33:44",
                                  std::nullopt};
  std::string body = EncodeDepotConnectionSpec(spec);
  EXPECT_EQ(json::parse(body),
            json({{"auth_type", "USERNAME_PASSWORD"},
                  {"host_credential",
                   {{"host_name", "esx-07.example.com"},
                    {"user_name", "root"},
                    {"password", "s3cr3t!"},
                    {"port", 8443},
                    {"ssl_thumb_print",
                     "11:22:33:44:55:66:77:88:99:00:AA:BB:CC:DD:EE:FF:11:22:33:44"}}}}));
  EXPECT_EQ(CheckRequestBody(kEsx802, kCreateFromHostPath, body), std::vector<std::string>{});

  spec.host_credential->port.reset();
  spec.host_credential->ssl_thumb_print.reset();
  spec.host_credential->ssl_certificate = "-----BEGIN CERTIFICATE-----\nMIIB\n";
  body = EncodeDepotConnectionSpec(spec);
  EXPECT_EQ(json::parse(body),
            json({{"auth_type", "USERNAME_PASSWORD"},
                  {"host_credential",
                   {{"host_name", "esx-07.example.com"},
                    {"user_name", "root"},
                    {"password", "s3cr3t!"},
                    {"ssl_certificate", "-----BEGIN CERTIFICATE-----\nMIIB\n"}}}}));
  EXPECT_EQ(CheckRequestBody(kEsx802, kCreateFromHostPath, body,
                             {{"EsxSettingsDepotsOfflineHostCredentials", {"ssl_certificate"}}}),
            std::vector<std::string>{});
}

// ---------------------------------------------------------------------------------------------
// Deployment (docs/vsphere-api.md "Deployment"): simulator/vcenter/deployment.cpp's InstallInfo.

const json kInstalling = json::parse(R"json({
  "description": {"id": "com.vmware.vsrd.sim.deployment.start", "default_message": "The appliance is being installed.", "args": []},
  "service": "com.vmware.vcenter.deployment.install",
  "operation": "start",
  "status": "RUNNING",
  "cancelable": true,
  "state": "CONFIG_IN_PROGRESS",
  "progress": {"total": 100, "completed": 33, "message": {"id": "p", "default_message": "33% done", "args": []}},
  "start_time": "2026-01-01T00:00:00.000Z",
  "subtask_order": ["precheck", "install", "firstboot"],
  "subtasks": {"precheck": {"description": {"id": "a", "default_message": "Appliance precheck", "args": []},
                            "service": "com.vmware.vcenter.deployment.install", "operation": "precheck",
                            "status": "SUCCEEDED", "cancelable": false, "result": {}}}
})json");

const auto kDecodeDeployment = [](const std::string& body) {
  return DecodeDeploymentInfo(kOp, body);
};

TEST(DeploymentCodec, DecodesAnInstallInProgress) {
  const auto info = DecodeDeploymentInfo(kOp, kInstalling.dump());
  ASSERT_TRUE(info.HasValue()) << info.Error().Summary();
  EXPECT_EQ(info->state, ports::ApplianceState::kConfigInProgress);
  EXPECT_EQ(info->description, "The appliance is being installed.");
  EXPECT_EQ(info->service, "com.vmware.vcenter.deployment.install");
  EXPECT_EQ(info->operation, "start");
  EXPECT_EQ(info->status, ports::TaskStatus::kRunning);
  EXPECT_TRUE(info->cancelable);
  ASSERT_TRUE(info->progress.has_value());
  EXPECT_EQ(info->progress->completed, 33);
  EXPECT_EQ(info->start_time, At(2026, 1, 1));
  EXPECT_FALSE(info->end_time.has_value());
  EXPECT_FALSE(info->error.has_value());
}

// A start_time in an absurd year must be refused, not overflow: the nanosecond time_point of
// system_clock ends in 2262, and the sum of days and nanoseconds past it is undefined (issue 14).
TEST(DeploymentCodec, RefusesStartTimesInAbsurdYearsWithAClearError) {
  const std::vector<std::pair<std::string, std::string>> cases{
      {"2263-01-01T00:00:00Z", "2263"}, {"9999-12-31T23:59:59Z", "9999"},
      {"2201-01-01T00:00:00Z", "2201"}, {"1677-09-21T00:12:43Z", "1677"},
      {"0001-01-01T00:00:00Z", "1"},    {"1969-12-31T23:59:59Z", "1969"}};
  for (const auto& [text, year] : cases) {
    ExpectDecodeError(DecodeDeploymentInfo(kOp, With(kInstalling, "start_time", text).dump()),
                      OutsideTheYears("start_time", text, year), text);
  }
  // The edges of the range are read.
  const auto last =
      DecodeDeploymentInfo(kOp, With(kInstalling, "start_time", "2200-12-31T23:59:59Z").dump());
  ASSERT_TRUE(last.HasValue()) << last.Error().Summary();
  EXPECT_EQ(last->start_time, At(2200, 12, 31, 23, 59, 59));
  // Unparsable stays the format error it was.
  ExpectDecodeError(DecodeDeploymentInfo(kOp, With(kInstalling, "start_time", "soon").dump()),
                    "field \"start_time\": expected an ISO-8601 date-time, got \"soon\"");
}

// The Date header the install guard measures start_time against (RFC 9110 IMF-fixdate only).
TEST(HttpDate, ReadsImfFixdateAndRefusesEverythingElse) {
  EXPECT_EQ(ParseHttpDate("Thu, 01 Jan 2026 00:00:00 GMT"), At(2026, 1, 1));
  EXPECT_EQ(ParseHttpDate("Sun, 06 Dec 2026 23:13:30 GMT"), At(2026, 12, 6, 23, 13, 30));
  EXPECT_EQ(ParseHttpDate("Thu, 29 Feb 2024 12:00:00 GMT"), At(2024, 2, 29, 12));
  for (const char* text :
       {"", "Thu, 01 Jan 2026 00:00:00 UTC", "Thursday, 01-Jan-26 00:00:00 GMT",
        "Thu Jan  1 00:00:00 2026", "Thu, 1 Jan 2026 00:00:00 GMT", "Xyz, 01 Jan 2026 00:00:00 GMT",
        "Thu, 01 Foo 2026 00:00:00 GMT", "Thu, 30 Feb 2026 00:00:00 GMT",
        "Thu, 01 Jan 2026 25:00:00 GMT", "Thu, 01 Jan 2263 00:00:00 GMT",
        "Thu, 01 Jan 1969 00:00:00 GMT", "Thu, 01 Jan 20x6 00:00:00 GMT"}) {
    EXPECT_FALSE(ParseHttpDate(text).has_value()) << text;
  }
}

TEST(DeploymentCodec, DecodesEveryApplianceState) {
  const std::vector<std::pair<std::string, ports::ApplianceState>> cases{
      {"NOT_INITIALIZED", ports::ApplianceState::kNotInitialized},
      {"INITIALIZED", ports::ApplianceState::kInitialized},
      {"CONFIG_IN_PROGRESS", ports::ApplianceState::kConfigInProgress},
      {"QUESTION_RAISED", ports::ApplianceState::kQuestionRaised},
      {"FAILED", ports::ApplianceState::kFailed},
      {"CONFIGURED", ports::ApplianceState::kConfigured}};
  for (const auto& [name, state] : cases) {
    const auto info = DecodeDeploymentInfo(kOp, With(kInstalling, "state", name).dump());
    ASSERT_TRUE(info.HasValue()) << name;
    EXPECT_EQ(info->state, state);
  }
}

TEST(DeploymentCodec, DecodesACanceledInstallsErrorObjectAndTheSwaggersStringForm) {
  json failed = With(kInstalling, "state", "FAILED");
  failed["status"] = "FAILED";
  failed["end_time"] = "2026-01-01T00:20:00.000Z";
  failed["error"] = json::parse(
      R"({"error_type": "CANCELED", "messages": [{"id": "x", "default_message": "The appliance installation was canceled.", "args": []}]})");
  auto info = DecodeDeploymentInfo(kOp, failed.dump());
  ASSERT_TRUE(info.HasValue()) << info.Error().Summary();
  ASSERT_TRUE(info->error.has_value());
  EXPECT_TRUE(info->error->Is("CANCELED"));
  EXPECT_EQ(info->error->http_status, 0);
  EXPECT_EQ(info->end_time, At(2026, 1, 1, 0, 20));

  failed["error"] = "The appliance installation failed.";
  info = DecodeDeploymentInfo(kOp, failed.dump());
  ASSERT_TRUE(info.HasValue()) << info.Error().Summary();
  ASSERT_EQ(info->error->messages.size(), 1U);
  EXPECT_EQ(info->error->messages[0].default_message, "The appliance installation failed.");
}

TEST(DeploymentCodec, NamesMissingWrongAndUnknownFields) {
  ExpectEachRequiredField(kInstalling,
                          {"state", "description", "description.id", "description.default_message",
                           "service", "operation", "status", "cancelable", "progress.message"},
                          kDecodeDeployment);
  ExpectBadFields(
      kInstalling,
      {{"state", "RUNNING_IN_PROGRESS",
        "field \"state\": expected one of NOT_INITIALIZED, INITIALIZED, CONFIG_IN_PROGRESS, "
        "QUESTION_RAISED, FAILED, CONFIGURED, got \"RUNNING_IN_PROGRESS\""},
       {"description", "installing", "field \"description\": expected object, got string"},
       {"operation", json::object(), "field \"operation\": expected string, got object"}},
      kDecodeDeployment);
  const auto nulls = DecodeWithNulls(kInstalling, {"progress", "start_time", "end_time", "error"},
                                     kDecodeDeployment);
  ASSERT_TRUE(nulls.HasValue());
  EXPECT_FALSE(nulls->progress || nulls->start_time || nulls->error);
  EXPECT_TRUE(DecodeDeploymentInfo(kOp, WithUnknownFields(kInstalling).dump()).HasValue());
  ExpectBadJson(DecodeDeploymentInfo(kOp, "Service Unavailable"));
}

// ---------------------------------------------------------------------------------------------
// VMs (docs/vsphere-api.md "VMs and guest customization"): simulator/vcenter/vm.cpp's Info, most of
// which is not read.

const json kVmInfo = json::parse(R"json({
  "guest_OS": "VMWARE_PHOTON_64", "name": "vc01",
  "identity": {"name": "vc01", "bios_uuid": "4211d5c1-...", "instance_uuid": "5011..."},
  "power_state": "POWERED_ON", "instant_clone_frozen": false,
  "hardware": {"version": "VMX_19", "upgrade_policy": "NEVER", "upgrade_status": "NONE"},
  "boot": {"type": "BIOS", "delay": 0, "retry": false, "retry_delay": 10000, "enter_setup_mode": false},
  "boot_devices": [], "cpu": {"count": 4, "cores_per_socket": 1, "hot_add_enabled": false, "hot_remove_enabled": false},
  "memory": {"size_MiB": 16384, "hot_add_enabled": false},
  "disks": {"2000": {"label": "Hard disk 1", "type": "SCSI", "capacity": 17179869184}},
  "nics": {}, "cdroms": {}, "floppies": {}, "parallel_ports": {}, "serial_ports": {},
  "sata_adapters": {}, "scsi_adapters": {}
})json");

TEST(VmCodec, ReadsNamePowerStateAndGuestOsOnly) {
  const auto vm = DecodeVmInfo(kOp, kVmInfo.dump());
  ASSERT_TRUE(vm.HasValue()) << vm.Error().Summary();
  EXPECT_EQ(vm->name, "vc01");
  EXPECT_EQ(vm->power_state, ports::PowerState::kPoweredOn);
  EXPECT_EQ(vm->guest_os, "VMWARE_PHOTON_64");
  const json minimal = {{"name", "vc01"}, {"power_state", "SUSPENDED"}, {"guest_OS", "OTHER_64"}};
  const auto reduced = DecodeVmInfo(kOp, minimal.dump());
  ASSERT_TRUE(reduced.HasValue()) << "hardware, cpu, ... are not read: "
                                  << reduced.Error().Summary();
  EXPECT_EQ(reduced->power_state, ports::PowerState::kSuspended);
}

TEST(VmCodec, AcceptsGuestOsValuesOfNewerVcenters) {
  const auto vm = DecodeVmInfo(kOp, With(kVmInfo, "guest_OS", "FUTURE_LINUX_2030_64").dump());
  ASSERT_TRUE(vm.HasValue());
  EXPECT_EQ(vm->guest_os, "FUTURE_LINUX_2030_64");
}

TEST(VmCodec, NamesMissingWrongAndUnknownFields) {
  const auto decode = [](const std::string& body) { return DecodeVmInfo(kOp, body); };
  ExpectEachRequiredField(kVmInfo, {"name", "power_state", "guest_OS"}, decode);
  ExpectBadFields(kVmInfo,
                  {{"power_state", "POWERED_DOWN",
                    "field \"power_state\": expected one of POWERED_OFF, POWERED_ON, SUSPENDED, "
                    "got \"POWERED_DOWN\""},
                   {"name", 42, "field \"name\": expected string, got integer"},
                   {"guest_OS", nullptr, "missing required field \"guest_OS\""}},
                  decode);
  ExpectDecodeError(
      DecodeVmInfo(kOp, R"({"name": "x", "power_state": "POWERED_OFF", "guest_os": "OTHER"})"),
      "missing required field \"guest_OS\"");
  EXPECT_TRUE(DecodeVmInfo(kOp, WithUnknownFields(kVmInfo).dump()).HasValue());
}

TEST(VmCodec, DecodesTheCustomizationCheckOfEachPath) {
  struct Case {
    std::string body;
    ports::CheckStatus status;
    std::optional<bool> guest_os;
    std::optional<bool> power_state;
  };
  const std::vector<Case> cases{
      {R"({"check_status": "NOT_SUPPORTED", "supported_guest_os": false})",
       ports::CheckStatus::kNotSupported, false, std::nullopt},
      {R"({"check_status": "NOT_SUPPORTED", "supported_guest_os": true, "supported_power_state": false})",
       ports::CheckStatus::kNotSupported, true, false},
      {R"({"check_status": "SUPPORTED", "supported_guest_os": true, "supported_power_state": true, "later": 1})",
       ports::CheckStatus::kSupported, true, true},
      {R"({"check_status": "SUPPORTED", "supported_guest_os": null, "supported_power_state": null})",
       ports::CheckStatus::kSupported, std::nullopt, std::nullopt}};
  for (const auto& [body, status, guest_os, power_state] : cases) {
    const auto info = DecodeCustomizationCheckInfo(kOp, body);
    ASSERT_TRUE(info.HasValue()) << body;
    EXPECT_EQ(info->check_status, status) << body;
    EXPECT_EQ(info->supported_guest_os, guest_os) << body;
    EXPECT_EQ(info->supported_power_state, power_state) << body;
  }
  ExpectDecodeError(DecodeCustomizationCheckInfo(kOp, R"({"supported_guest_os": true})"),
                    "missing required field \"check_status\"");
  ExpectDecodeError(DecodeCustomizationCheckInfo(kOp, R"({"check_status": "MAYBE"})"),
                    "field \"check_status\": expected one of SUPPORTED, NOT_SUPPORTED, got "
                    "\"MAYBE\"");
  ExpectDecodeError(DecodeCustomizationCheckInfo(
                        kOp, R"({"check_status": "SUPPORTED", "supported_guest_os": "true"})"),
                    "field \"supported_guest_os\": expected boolean, got string");
  ExpectBadJson(DecodeCustomizationCheckInfo(kOp, ""));
}

// ---------------------------------------------------------------------------------------------
// vCenter appliance version and updates (docs/vsphere-api.md "Appliance updates"):
// simulator/vcenter/appliance.cpp.

const json kVersion = json::parse(R"json({
  "version": "8.0.2.00100", "product": "VMware vCenter Server", "build": "22617221",
  "type": "vCenter Server with an embedded Platform Services Controller",
  "summary": "Patch for VMware vCenter Server 8.0", "releasedate": "September 21, 2023",
  "install_time": "2025-06-01T00:00:00.000Z", "name": "vCenter Server 8.0 Update 2a"
})json");

TEST(ApplianceCodec, DecodesTheVersionWithAndWithoutItsName) {
  const auto version = DecodeApplianceVersion(kOp, kVersion.dump());
  ASSERT_TRUE(version.HasValue()) << version.Error().Summary();
  EXPECT_EQ(version->version, "8.0.2.00100");
  EXPECT_EQ(version->product, "VMware vCenter Server");
  EXPECT_EQ(version->build, "22617221");
  EXPECT_EQ(version->type, "vCenter Server with an embedded Platform Services Controller");
  EXPECT_EQ(version->summary, "Patch for VMware vCenter Server 8.0");
  EXPECT_EQ(version->releasedate, "September 21, 2023");
  EXPECT_EQ(version->install_time, "2025-06-01T00:00:00.000Z");
  EXPECT_EQ(version->name, "vCenter Server 8.0 Update 2a");
  const auto without = DecodeApplianceVersion(kOp, Without(kVersion, "name").dump());
  ASSERT_TRUE(without.HasValue());
  EXPECT_FALSE(without->name.has_value());
  const auto decode = [](const std::string& body) { return DecodeApplianceVersion(kOp, body); };
  ExpectEachRequiredField(
      kVersion, {"version", "product", "build", "type", "summary", "releasedate", "install_time"},
      decode);
  ExpectBadFields(kVersion, {{"name", 8, "field \"name\": expected string, got integer"}}, decode);
}

const json kStaging = json::parse(R"json({
  "state": "STAGE_IN_PROGRESS", "version": "8.0.2.00300",
  "task": {"description": {"id": "com.vmware.vsrd.sim.appliance.update.stage", "default_message": "Stage of update 8.0.2.00300", "args": []},
           "service": "com.vmware.appliance.update.pending", "operation": "stage", "status": "RUNNING",
           "cancelable": false,
           "progress": {"total": 100, "completed": 50, "message": {"id": "p", "default_message": "50% done", "args": []}},
           "start_time": "2026-01-01T00:00:00.000Z", "user": "root",
           "subtask_order": ["stage"], "subtasks": {"stage": {"status": "RUNNING"}}},
  "latest_query_time": "2025-12-31T23:00:00.000Z"
})json");

TEST(ApplianceCodec, DecodesAStageInProgress) {
  const auto info = DecodeUpdateInfo(kOp, kStaging.dump());
  ASSERT_TRUE(info.HasValue()) << info.Error().Summary();
  EXPECT_EQ(info->state, ports::UpdateState::kStageInProgress);
  EXPECT_EQ(info->version, "8.0.2.00300");
  EXPECT_EQ(info->latest_query_time, At(2025, 12, 31, 23));
  ASSERT_TRUE(info->task.has_value());
  EXPECT_EQ(info->task->operation, "stage");
  EXPECT_EQ(info->task->status, ports::TaskStatus::kRunning);
  EXPECT_FALSE(info->task->cancelable);
  EXPECT_EQ(info->task->progress->completed, 50);
  EXPECT_EQ(info->task->start_time, At(2026, 1, 1));
  EXPECT_FALSE(info->task->end_time.has_value());
  EXPECT_FALSE(info->task->error.has_value());
}

TEST(ApplianceCodec, DecodesAFailedInstallAndAnUpToDateAppliance) {
  json failed = With(kStaging, "state", "INSTALL_FAILED");
  failed["task"]["operation"] = "install";
  failed["task"]["status"] = "FAILED";
  failed["task"]["end_time"] = "2026-01-01T00:30:00.000Z";
  failed["task"]["error"] = json::parse(
      R"({"error_type": "ERROR", "messages": [{"id": "e", "default_message": "The installation of update 8.0.2.00300 failed.", "args": []}]})");
  const auto info = DecodeUpdateInfo(kOp, failed.dump());
  ASSERT_TRUE(info.HasValue()) << info.Error().Summary();
  EXPECT_EQ(info->state, ports::UpdateState::kInstallFailed);
  EXPECT_EQ(info->task->end_time, At(2026, 1, 1, 0, 30));
  ASSERT_TRUE(info->task->error.has_value());
  EXPECT_TRUE(info->task->error->Is("ERROR"));
  EXPECT_EQ(info->task->error->messages[0].default_message,
            "The installation of update 8.0.2.00300 failed.");

  const auto current =
      DecodeUpdateInfo(kOp, R"({"state": "UP_TO_DATE", "version": "8.0.2.00100"})");
  ASSERT_TRUE(current.HasValue()) << current.Error().Summary();
  EXPECT_EQ(current->state, ports::UpdateState::kUpToDate);
  EXPECT_FALSE(current->task || current->latest_query_time);
}

TEST(ApplianceCodec, NamesWhatIsMissingOrWrongInUpdateInfo) {
  const auto decode = [](const std::string& body) { return DecodeUpdateInfo(kOp, body); };
  ExpectEachRequiredField(kStaging,
                          {"state", "version", "task.operation", "task.status", "task.cancelable",
                           "task.progress.total"},
                          decode);
  ExpectBadFields(
      kStaging,
      {{"state", "DOWNLOADING",
        "field \"state\": expected one of UP_TO_DATE, UPDATES_PENDING, STAGE_IN_PROGRESS, "
        "INSTALL_IN_PROGRESS, INSTALL_FAILED, ROLLBACK_IN_PROGRESS, got \"DOWNLOADING\""},
       {"task.status", "QUEUED",
        "field \"task.status\": expected one of PENDING, RUNNING, BLOCKED, SUCCEEDED, FAILED, got "
        "\"QUEUED\""},
       {"latest_query_time", "never",
        "field \"latest_query_time\": expected an ISO-8601 date-time, got \"never\""}},
      decode);
  const auto nulls = DecodeWithNulls(kStaging, {"task", "latest_query_time"}, decode);
  ASSERT_TRUE(nulls.HasValue());
  EXPECT_FALSE(nulls->task || nulls->latest_query_time);
  EXPECT_TRUE(DecodeUpdateInfo(kOp, WithUnknownFields(kStaging).dump()).HasValue());
}

const json kPendingList = json::parse(R"json([
  {"version": "8.0.2.00200", "name": "vCenter Server 8.0.2.00200",
   "description": {"id": "com.vmware.vsrd.sim.appliance.update.description", "default_message": "Update to vCenter Server 8.0.2.00200", "args": []},
   "priority": "MEDIUM", "severity": "IMPORTANT", "update_type": "UPDATE",
   "release_date": "2025-12-01T00:00:00.000Z", "reboot_required": true, "size": 6000},
  {"version": "8.0.3.00000", "name": "vCenter Server 8.0 Update 3",
   "description": {"id": "d", "default_message": "Update 3"},
   "priority": "HIGH", "severity": "CRITICAL", "update_type": "SECURITY",
   "release_date": "2026-02-01T00:00:00.000Z", "reboot_required": false, "size": 7200}
])json");

TEST(ApplianceCodec, DecodesThePendingListInOrder) {
  const auto updates = DecodePendingList(kOp, kPendingList.dump());
  ASSERT_TRUE(updates.HasValue()) << updates.Error().Summary();
  ASSERT_EQ(updates->size(), 2U);
  const ports::PendingUpdate& first = (*updates)[0];
  EXPECT_EQ(first.version, "8.0.2.00200");
  EXPECT_EQ(first.name, "vCenter Server 8.0.2.00200");
  EXPECT_EQ(first.description, "Update to vCenter Server 8.0.2.00200");
  EXPECT_EQ(first.priority, "MEDIUM");
  EXPECT_EQ(first.severity, "IMPORTANT");
  EXPECT_EQ(first.update_type, "UPDATE");
  EXPECT_EQ(first.release_date, "2025-12-01T00:00:00.000Z");
  EXPECT_TRUE(first.reboot_required);
  EXPECT_EQ(first.size, 6000);
  EXPECT_FALSE(first.staged.has_value());
  EXPECT_EQ((*updates)[1].version, "8.0.3.00000");
  EXPECT_FALSE((*updates)[1].reboot_required);
  const auto empty = DecodePendingList(kOp, "[]");
  ASSERT_TRUE(empty.HasValue());
  EXPECT_TRUE(empty->empty());
}

TEST(ApplianceCodec, NamesWhatIsMissingOrWrongInThePendingList) {
  const auto decode = [](const std::string& body) { return DecodePendingList(kOp, body); };
  ExpectEachRequiredField(
      kPendingList,
      {"[1].version", "[1].name", "[1].description", "[1].description.id", "[1].priority",
       "[1].severity", "[1].update_type", "[1].release_date", "[1].reboot_required", "[1].size"},
      decode);
  ExpectBadFields(kPendingList,
                  {{"[0].size", "6000", "field \"[0].size\": expected integer, got string"},
                   {"[1]", "8.0.3", "field \"[1]\": expected object, got string"}},
                  decode);
  ExpectDecodeError(DecodePendingList(kOp, "{}"), "body: expected array, got object");
  EXPECT_TRUE(DecodePendingList(kOp, WithUnknownFields(kPendingList).dump()).HasValue());
}

TEST(ApplianceCodec, DecodesPendingInfoWithTheVersionAskedFor) {
  json info = kPendingList[0];
  info.erase("version");
  info["staged"] = true;
  info["contents"] = json::array();
  info["services_will_be_stopped"] = json::array();
  info["eulas"] = json::array();
  info["knowledge_base"] = "https://kb.example.com/vcenter/8.0.2.00200";
  const auto update = DecodePendingInfo(kOp, "8.0.2.00200", info.dump());
  ASSERT_TRUE(update.HasValue()) << update.Error().Summary();
  EXPECT_EQ(update->version, "8.0.2.00200");
  EXPECT_EQ(update->staged, true);
  EXPECT_EQ(update->size, 6000);
  const auto decode = [](const std::string& body) {
    return DecodePendingInfo(kOp, "8.0.2.00200", body);
  };
  ExpectEachRequiredField(info, {"staged", "name", "size", "description.default_message"}, decode);
  ExpectBadFields(info, {{"staged", "yes", "field \"staged\": expected boolean, got string"}},
                  decode);
}

const json kPrecheck = json::parse(R"json({
  "check_time": "2026-01-01T00:00:00.000Z", "estimated_time_to_install": 30, "reboot_required": true,
  "questions": [{"type": "PLAIN_TEXT", "data_item": "vmdir.password",
                 "text": {"id": "q", "default_message": "SSO administrator password", "args": []},
                 "description": {"id": "q.d", "default_message": "", "args": []},
                 "allowed_values": [], "default_answer": "n/a"},
                {"type": "BOOLEAN", "data_item": "ceip",
                 "text": {"id": "q2", "default_message": "Join CEIP?", "args": []},
                 "description": {"id": "q2.d", "default_message": "", "args": []}}],
  "issues": {"errors": [{"id": "disk", "time": "2026-01-01T00:00:00.000Z",
                         "message": {"id": "disk", "default_message": "Not enough disk space.", "args": []},
                         "resolution": {"id": "disk.resolution", "default_message": "Free 10 GB.", "args": []}}],
             "warnings": [{"id": "w", "message": {"id": "w", "default_message": "Backup first.", "args": []}}],
             "info": [{"id": "i", "message": {"id": "i", "default_message": "Takes 30 minutes.", "args": []}}]}
})json");

TEST(ApplianceCodec, DecodesAPrecheckWithIssuesAndQuestions) {
  const auto result = DecodePrecheckResult(kOp, kPrecheck.dump());
  ASSERT_TRUE(result.HasValue()) << result.Error().Summary();
  EXPECT_EQ(result->check_time, "2026-01-01T00:00:00.000Z");
  EXPECT_EQ(result->estimated_time_to_install, 30);
  EXPECT_TRUE(result->reboot_required);
  ASSERT_EQ(result->issues_errors.size(), 1U);
  EXPECT_EQ(result->issues_errors[0].id, "disk");
  EXPECT_EQ(result->issues_errors[0].message, "Not enough disk space.");
  ASSERT_EQ(result->issues_warnings.size(), 1U);
  EXPECT_EQ(result->issues_warnings[0].message, "Backup first.");
  ASSERT_EQ(result->issues_info.size(), 1U);
  ASSERT_EQ(result->questions.size(), 2U);
  EXPECT_EQ(result->questions[0].data_item, "vmdir.password");
  EXPECT_EQ(result->questions[0].text, "SSO administrator password");
  EXPECT_EQ(result->questions[0].type, "PLAIN_TEXT");
  EXPECT_EQ(result->questions[0].default_answer, "n/a");
  EXPECT_FALSE(result->questions[1].default_answer.has_value());
}

TEST(ApplianceCodec, DecodesAPrecheckWithoutIssues) {
  json body = Without(kPrecheck, "issues");
  body.erase("estimated_time_to_install");
  body["questions"] = json::array();
  const auto result = DecodePrecheckResult(kOp, body.dump());
  ASSERT_TRUE(result.HasValue()) << result.Error().Summary();
  EXPECT_TRUE(result->issues_errors.empty() && result->issues_warnings.empty() &&
              result->issues_info.empty() && result->questions.empty());
  EXPECT_FALSE(result->estimated_time_to_install.has_value());
}

TEST(ApplianceCodec, NamesWhatIsMissingOrWrongInAPrecheck) {
  const auto decode = [](const std::string& body) { return DecodePrecheckResult(kOp, body); };
  ExpectEachRequiredField(
      kPrecheck,
      {"check_time", "reboot_required", "questions", "questions[1].data_item", "questions[1].text",
       "questions[0].text.default_message", "questions[1].type", "issues.errors[0].id",
       "issues.errors[0].message", "issues.info[0].message.id"},
      decode);
  ExpectBadFields(kPrecheck,
                  {{"estimated_time_to_install", "30",
                    "field \"estimated_time_to_install\": expected integer, got string"},
                   {"questions[0].text", "SSO password",
                    "field \"questions[0].text\": expected object, got string"},
                   {"issues", json::array(), "field \"issues\": expected object, got array"}},
                  decode);
  const auto nulls = DecodeWithNulls(
      kPrecheck, {"issues", "estimated_time_to_install", "questions[0].default_answer"}, decode);
  ASSERT_TRUE(nulls.HasValue());
  EXPECT_FALSE(nulls->questions[0].default_answer.has_value());
  EXPECT_TRUE(DecodePrecheckResult(kOp, WithUnknownFields(kPrecheck).dump()).HasValue());
}

TEST(ApplianceCodec, EncodesTheInstallBodyWithUserDataOnly) {
  const std::map<std::string, ports::Secret> user_data{
      {"vmdir.password", ports::Secret("VMware1!")}, {"ceip", ports::Secret("false")}};
  std::string body = EncodeInstallRequest(user_data);
  EXPECT_EQ(json::parse(body),
            json({{"user_data", {{"vmdir.password", "VMware1!"}, {"ceip", "false"}}}}));
  EXPECT_EQ(CheckRequestBody("8.0.2/appliance.json",
                             "/api/appliance/update/pending/{version}?action=install", body),
            std::vector<std::string>{});
  body = EncodeInstallRequest({});
  EXPECT_EQ(json::parse(body), json({{"user_data", json::object()}}));
  EXPECT_EQ(CheckRequestBody("8.0.2/appliance.json",
                             "/api/appliance/update/pending/{version}?action=install", body),
            std::vector<std::string>{});
}

// ---------------------------------------------------------------------------------------------
// Update-manager flavor (docs/vsphere-api.md "The update-manager appliance API"):
// simulator/update_manager.

TEST(UpdateManagerCodec, DecodesTheApplianceInfo) {
  const json body = {
      {"hostname", "vr01.example.com"},       {"product_name", "vSphere Replication"},
      {"product_build_number", "24000000"},   {"appliance_version", "9.0.0.0"},
      {"appliance_build_number", "24000001"}, {"system_information", "VMware Photon OS 5.0"}};
  const auto appliance = DecodeUpdateManagerAppliance(kOp, body.dump());
  ASSERT_TRUE(appliance.HasValue()) << appliance.Error().Summary();
  EXPECT_EQ(appliance->hostname, "vr01.example.com");
  EXPECT_EQ(appliance->product_name, "vSphere Replication");
  EXPECT_EQ(appliance->product_build_number, "24000000");
  EXPECT_EQ(appliance->appliance_version, "9.0.0.0");
  EXPECT_EQ(appliance->appliance_build_number, "24000001");

  const auto minimal = DecodeUpdateManagerAppliance(kOp, R"({"appliance_version": "9.0.1.0"})");
  ASSERT_TRUE(minimal.HasValue()) << minimal.Error().Summary();
  EXPECT_EQ(minimal->appliance_version, "9.0.1.0");
  EXPECT_EQ(minimal->hostname, "");
  const auto decode = [](const std::string& text) {
    return DecodeUpdateManagerAppliance(kOp, text);
  };
  ExpectEachRequiredField(body, {"appliance_version"}, decode);
  ExpectBadFields(
      body,
      {{"hostname", 1, "field \"hostname\": expected string, got integer"},
       {"appliance_version", 9.0, "field \"appliance_version\": expected string, got number"}},
      decode);
  ExpectBadJson(DecodeUpdateManagerAppliance(kOp, "<html>"));
}

const json kRetrieveDone = json::parse(R"json({
  "id": "6f1c1d8e-3b1a-4c55-8e0f-7d9a2b3c4d5e", "description": "Retrieve the available updates",
  "type": "RETRIEVE_UPDATES", "start_time": 1767225600000, "status": "SUCCESS", "progress": 100,
  "complete_time": 1767225660000,
  "result": [{"version": "9.0.1.0", "build_number": "24100000", "name": "vSphere Replication 9.0.1.0", "description": ""},
             {"version": "9.0.2.0", "build_number": "24200000"},
             {"version": 9}, "9.0.3.0", {"name": "no version"}, null]
})json");

TEST(UpdateManagerCodec, DecodesAFinishedRetrieveWithTheAvailableVersions) {
  const auto task = DecodeUpdateManagerTask(kOp, kRetrieveDone.dump());
  ASSERT_TRUE(task.HasValue()) << task.Error().Summary();
  EXPECT_EQ(task->id, "6f1c1d8e-3b1a-4c55-8e0f-7d9a2b3c4d5e");
  EXPECT_EQ(task->type, "RETRIEVE_UPDATES");
  EXPECT_EQ(task->description, "Retrieve the available updates");
  EXPECT_EQ(task->status, ports::UpdateManagerTaskStatus::kSuccess);
  EXPECT_TRUE(task->Done());
  EXPECT_EQ(task->progress, 100);
  EXPECT_EQ(task->start_time_ms, 1767225600000);
  EXPECT_EQ(task->complete_time_ms, 1767225660000);
  EXPECT_EQ(task->available_versions, (std::vector<std::string>{"9.0.1.0", "9.0.2.0"}));
  ASSERT_TRUE(task->result_json.has_value());
  EXPECT_EQ(json::parse(*task->result_json), kRetrieveDone.at("result"));
  EXPECT_FALSE(task->error_message || task->error_details);
}

TEST(UpdateManagerCodec, DecodesEachTaskStatusOfTheSimulator) {
  struct Case {
    std::string body;
    ports::UpdateManagerTaskStatus status;
    std::optional<std::int64_t> progress;
    std::optional<std::string> error_message;
    std::optional<std::string> error_details;
  };
  const std::vector<Case> cases{
      {R"({"id": "a", "description": "Install update 9.0.1.0", "type": "INSTALL_UPDATE", "start_time": 1, "status": "QUEUED", "progress": 0})",
       ports::UpdateManagerTaskStatus::kQueued, 0, std::nullopt, std::nullopt},
      {R"({"id": "a", "type": "INSTALL_UPDATE", "start_time": 1, "status": "RUNNING", "progress": 42})",
       ports::UpdateManagerTaskStatus::kRunning, 42, std::nullopt, std::nullopt},
      {R"({"id": "a", "type": "INSTALL_UPDATE", "start_time": 1, "status": "ERROR", "progress": 100, "complete_time": 2,
           "error": {"message": "Installation of update 9.0.1.0 failed.", "details": "The scenario makes this install fail."}})",
       ports::UpdateManagerTaskStatus::kError, 100, "Installation of update 9.0.1.0 failed.",
       "The scenario makes this install fail."},
      {R"({"status": "ERROR", "error": {}})", ports::UpdateManagerTaskStatus::kError, std::nullopt,
       std::nullopt, std::nullopt},
      {R"({"status": "CANCELLED", "error": null, "progress": null})",
       ports::UpdateManagerTaskStatus::kCancelled, std::nullopt, std::nullopt, std::nullopt},
      {R"({"status": "SUCCESS"})", ports::UpdateManagerTaskStatus::kSuccess, std::nullopt,
       std::nullopt, std::nullopt}};
  for (const auto& [body, status, progress, error_message, error_details] : cases) {
    const auto task = DecodeUpdateManagerTask(kOp, body);
    ASSERT_TRUE(task.HasValue()) << body << ": " << task.Error().Summary();
    EXPECT_EQ(task->status, status) << body;
    EXPECT_EQ(task->progress, progress) << body;
    EXPECT_EQ(task->error_message, error_message) << body;
    EXPECT_EQ(task->error_details, error_details) << body;
    EXPECT_TRUE(task->available_versions.empty()) << body;
    EXPECT_FALSE(task->result_json.has_value()) << body;
  }
}

TEST(UpdateManagerCodec, ListsVersionsOnlyForASuccessfulTaskWithAnArrayResult) {
  const auto running =
      DecodeUpdateManagerTask(kOp, With(kRetrieveDone, "status", "RUNNING").dump());
  ASSERT_TRUE(running.HasValue());
  EXPECT_TRUE(running->available_versions.empty());
  EXPECT_TRUE(running->result_json.has_value());
  const auto object =
      DecodeUpdateManagerTask(kOp, With(kRetrieveDone, "result", {{"version", "9.0.1.0"}}).dump());
  ASSERT_TRUE(object.HasValue());
  EXPECT_TRUE(object->available_versions.empty());
  EXPECT_EQ(object->result_json, R"({"version":"9.0.1.0"})");
}

TEST(UpdateManagerCodec, NamesWhatIsMissingOrWrongInATask) {
  const auto decode = [](const std::string& body) { return DecodeUpdateManagerTask(kOp, body); };
  ExpectEachRequiredField(kRetrieveDone, {"status"}, decode);
  ExpectBadFields(
      kRetrieveDone,
      {{"status", "FAILED",
        "field \"status\": expected one of QUEUED, RUNNING, SUCCESS, ERROR, CANCELLED, got "
        "\"FAILED\""},
       {"start_time", "2026-01-01T00:00:00Z", "field \"start_time\": expected integer, got string"},
       {"complete_time", 1.5, "field \"complete_time\": expected integer, got number"},
       {"progress", "100%", "field \"progress\": expected integer, got string"},
       {"error", "boom", "field \"error\": expected object, got string"},
       {"error", {{"message", 5}}, "field \"error.message\": expected string, got integer"},
       {"id", 7, "field \"id\": expected string, got integer"}},
      decode);
  EXPECT_TRUE(DecodeUpdateManagerTask(kOp, WithUnknownFields(kRetrieveDone).dump()).HasValue());
  for (const auto& body : kNotJsonBodies) ExpectBadJson(DecodeUpdateManagerTask(kOp, body), body);
}

// ---------------------------------------------------------------------------------------------
// Redaction for logs.

TEST(Redact, ReplacesPasswordsAtAnyDepthAndInAnyCase) {
  const std::string body = R"j({
    "vc_spec": {"active_location": {"hostname": "vc", "username": "admin", "password": "p1"}},
    "host_credential": {"Password": "p2", "ssl_thumb_print": "AA"},
    "list": [{"PASSWORD": "p3"}, [{"root_password_hint": "p4"}], "password"],
    "passwords": ["p5", "p6"], "password": {"nested": "p7"}, "old_password": null
  })j";
  const std::string redacted = RedactBodyForLog(body);
  for (const char* secret : {"p1", "p2", "p3", "p4", "p5", "p6", "p7"}) {
    EXPECT_EQ(redacted.find(std::string("\"") + secret + "\""), std::string::npos) << secret;
  }
  const json expected = json::parse(R"j({
    "vc_spec": {"active_location": {"hostname": "vc", "username": "admin", "password": "(sensitive)"}},
    "host_credential": {"Password": "(sensitive)", "ssl_thumb_print": "AA"},
    "list": [{"PASSWORD": "(sensitive)"}, [{"root_password_hint": "(sensitive)"}], "password"],
    "passwords": "(sensitive)", "password": "(sensitive)", "old_password": "(sensitive)"
  })j");
  EXPECT_EQ(json::parse(redacted), expected);
}

TEST(Redact, ReplacesEveryUserDataValueButKeepsItsKeys) {
  const std::string redacted = RedactBodyForLog(
      R"j({"user_data": {"vmdir.password": "VMware1!", "ceip": "false", "nested": {"a": "b"}},
          "USER_DATA": ["x"], "other": {"user_data": "flat"}, "empty": {"user_data": null}})j");
  EXPECT_EQ(json::parse(redacted), json::parse(R"j({
    "user_data": {"vmdir.password": "(sensitive)", "ceip": "(sensitive)", "nested": "(sensitive)"},
    "USER_DATA": "(sensitive)", "other": {"user_data": "(sensitive)"}, "empty": {"user_data": null}
  })j"));
}

TEST(Redact, ReplacesSessionIdsAndLeavesEverythingElse) {
  EXPECT_EQ(RedactBodyForLog(R"j({"session_id": "NGY3YjQ1", "Session_ID": 5, "sessions": 2})j"),
            R"j({"Session_ID":"(sensitive)","session_id":"(sensitive)","sessions":2})j");
  const std::string plain =
      R"j({"error_type":"NOT_FOUND","messages":[{"args":[],"default_message":"No.","id":"x"}]})j";
  EXPECT_EQ(RedactBodyForLog(plain), plain);
}

TEST(Redact, PrintsCompactJson) {
  EXPECT_EQ(RedactBodyForLog("{\n  \"a\" : [ 1 , 2 ],\n  \"b\" : \"c\"\n}\n"),
            R"({"a":[1,2],"b":"c"})");
  EXPECT_EQ(RedactBodyForLog("\"52000001:com.vmware.esx\""), "\"52000001:com.vmware.esx\"");
  EXPECT_EQ(RedactBodyForLog("[]"), "[]");
}

TEST(Redact, ShowsOnlyTheSizeOfABodyThatIsNotJson) {
  EXPECT_EQ(RedactBodyForLog("password=hunter2"), "(16 bytes, not JSON)");
  EXPECT_EQ(RedactBodyForLog(R"({"password": "hunter2")"), "(22 bytes, not JSON)");
  EXPECT_EQ(RedactBodyForLog(""), "(0 bytes, not JSON)");
}

// Issue 14: every recursive walk of a server's JSON (the error's `data` dump, redaction, the
// decoders) sees at most net::kMaxJsonDepth levels; deeper bodies are refused before parsing.
TEST(DeepJson, EveryCodecRefusesBodiesNestedDeeperThan64LevelsWithoutCrashing) {
  const std::string deep = std::string(200'000, '[') + std::string(200'000, ']');
  const std::string error_body = R"({"error_type":"ERROR","messages":[],"data":)" + deep + "}";

  const auto vapi = DecodeErrorResponse(kOp, 500, error_body, ErrorDialect::kVapi);
  EXPECT_EQ(vapi.http_status, 500);
  EXPECT_EQ(vapi.detail, "error body refused: JSON nested deeper than 64 levels");
  EXPECT_TRUE(vapi.data.empty());
  const auto um = DecodeErrorResponse(kOp, 500, error_body, ErrorDialect::kUpdateManager);
  EXPECT_EQ(um.detail, "error body refused: JSON nested deeper than 64 levels");
  EXPECT_EQ(DecodeStdError(kOp, deep).detail,
            "the error is refused: JSON nested deeper than 64 levels");

  EXPECT_EQ(RedactBodyForLog(error_body),
            "(" + std::to_string(error_body.size()) + " bytes, JSON nested deeper than 64 levels)");

  const auto task = DecodeTaskInfo(kOp, R"({"status":"RUNNING","result":)" + deep + "}");
  ASSERT_FALSE(task.HasValue());
  EXPECT_EQ(task.Error().kind, ports::ErrorKind::kBadJson);
  EXPECT_EQ(task.Error().detail, "response refused: JSON nested deeper than 64 levels");

  // 64 levels of `data` are still read, as compact text.
  const std::string at_limit = std::string(63, '[') + std::string(63, ']');
  const auto kept = DecodeErrorResponse(
      kOp, 500, R"({"error_type":"ERROR","messages":[],"data":)" + at_limit + "}",
      ErrorDialect::kVapi);
  EXPECT_EQ(kept.data, at_limit);
  EXPECT_EQ(kept.error_type, "ERROR");
}

TEST(Redact, HidesTheValuesOfAuthenticationHeadersInAnyCase) {
  for (const char* name :
       {"authorization", "Authorization", "vmware-api-session-id", "VMware-API-Session-Id",
        "x-dr-session", "X-DR-Session", "cookie", "Set-Cookie"}) {
    EXPECT_EQ(RedactHeaderForLog(name, "Basic YWRtaW46c2VjcmV0"), "(sensitive)") << name;
  }
  for (const char* name : {"content-type", "Accept", "x-request-id", "authorization-hint"}) {
    EXPECT_EQ(RedactHeaderForLog(name, "application/json"), "application/json") << name;
  }
}

}  // namespace
}  // namespace vsrd::daemon::vsphere::codec
