#include "daemon/http/status_json.hpp"

#include <cstdint>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "daemon/engine/journal.hpp"

namespace vsrd::daemon {
namespace {

using nlohmann::json;
using reconcilers::Phase;

WallTime At(const std::string& text) { return *ParseWallTime(text); }

ObjectStatus Full() {
  ObjectStatus status;
  status.key = {manifests::Kind::kApplianceUpdate, "vr01"};
  status.target = "vr01";
  status.generation = "0123456789abcdef";
  status.observed_generation = "fedcba9876543210";
  status.revision = "4f2c1d0e9b8a7c6d5e4f3a2b1c0d9e8f7a6b5c4d";
  status.phase = Phase::kProgressing;
  status.reason = "UpdateInstalling";
  status.message = "installing 8.0.3.00400";
  status.operation = reconcilers::OperationStatus{"appliance.update.install", "task-17",
                                                  At("2026-01-01T10:00:00.125Z"), 40};
  status.last_error = "vr01: 503 Service Unavailable";
  status.next_reconcile_at = At("2026-01-01T10:00:30.000Z");
  status.last_transition = At("2026-01-01T09:59:59.999Z");
  status.details = {{"current_version", "8.0.2.00100"}, {"target_version", "8.0.3.00400"}};
  status.failures = 2;
  status.history = {
      {At("2026-01-01T09:00:00.000Z"), At("2026-01-01T08:00:00.000Z"), 13, "success", Phase::kReady,
       "InSync", "up to date"},
      {At("2026-01-01T10:00:00.500Z"), At("2026-01-01T10:00:00.500Z"), 1, "requeue",
       Phase::kProgressing, "UpdateInstalling", ""},
  };
  return status;
}

void ExpectEqual(const ObjectStatus& a, const ObjectStatus& b) {
  EXPECT_EQ(a.key, b.key);
  EXPECT_EQ(a.target, b.target);
  EXPECT_EQ(a.generation, b.generation);
  EXPECT_EQ(a.observed_generation, b.observed_generation);
  EXPECT_EQ(a.revision, b.revision);
  EXPECT_EQ(a.phase, b.phase);
  EXPECT_EQ(a.reason, b.reason);
  EXPECT_EQ(a.message, b.message);
  ASSERT_EQ(a.operation.has_value(), b.operation.has_value());
  if (a.operation) {
    EXPECT_EQ(a.operation->name, b.operation->name);
    EXPECT_EQ(a.operation->task, b.operation->task);
    EXPECT_EQ(a.operation->started_at, b.operation->started_at);
    EXPECT_EQ(a.operation->progress, b.operation->progress);
  }
  EXPECT_EQ(a.last_error, b.last_error);
  EXPECT_EQ(a.next_reconcile_at, b.next_reconcile_at);
  EXPECT_EQ(a.last_transition, b.last_transition);
  EXPECT_EQ(a.details, b.details);
  EXPECT_EQ(a.failures, b.failures);
  ASSERT_EQ(a.history.size(), b.history.size());
  for (std::size_t i = 0; i < a.history.size(); ++i) {
    EXPECT_EQ(a.history[i].at, b.history[i].at);
    EXPECT_EQ(a.history[i].since, b.history[i].since);
    EXPECT_EQ(a.history[i].count, b.history[i].count);
    EXPECT_EQ(a.history[i].result, b.history[i].result);
    EXPECT_EQ(a.history[i].phase, b.history[i].phase);
    EXPECT_EQ(a.history[i].reason, b.history[i].reason);
    EXPECT_EQ(a.history[i].message, b.history[i].message);
  }
}

TEST(StatusJson, WritesTheDocumentedShape) {
  const json expected = json::parse(R"({
    "kind": "ApplianceUpdate",
    "name": "vr01",
    "target": "vr01",
    "generation": "0123456789abcdef",
    "observed_generation": "fedcba9876543210",
    "revision": "4f2c1d0e9b8a7c6d5e4f3a2b1c0d9e8f7a6b5c4d",
    "phase": "Progressing",
    "conditions": [{"type": "Ready", "status": "False", "reason": "UpdateInstalling",
                    "message": "installing 8.0.3.00400",
                    "last_transition_time": "2026-01-01T09:59:59.999Z"}],
    "operation": {"name": "appliance.update.install", "task": "task-17",
                  "started_at": "2026-01-01T10:00:00.125Z", "progress": 40},
    "waiting": null,
    "last_error": "vr01: 503 Service Unavailable",
    "next_reconcile_at": "2026-01-01T10:00:30.000Z",
    "failures": 2,
    "details": {"current_version": "8.0.2.00100", "target_version": "8.0.3.00400"},
    "history": [
      {"at": "2026-01-01T09:00:00.000Z", "since": "2026-01-01T08:00:00.000Z", "count": 13,
       "result": "success", "phase": "Ready", "reason": "InSync", "message": "up to date"},
      {"at": "2026-01-01T10:00:00.500Z", "since": "2026-01-01T10:00:00.500Z", "count": 1,
       "result": "requeue", "phase": "Progressing", "reason": "UpdateInstalling", "message": ""}
    ]
  })");
  EXPECT_EQ(StatusToJson(Full()), expected);
}

TEST(StatusJson, WritesNullForWhatIsNotKnown) {
  ObjectStatus status;  // a fresh object: Pending, nothing in flight
  status.key.name = "vc01-passive";
  const json out = StatusToJson(status);
  EXPECT_EQ(out["operation"], nullptr);
  EXPECT_EQ(out["waiting"], nullptr);
  EXPECT_EQ(out["last_error"], nullptr);
  EXPECT_EQ(out["next_reconcile_at"], nullptr);
  EXPECT_EQ(out["conditions"][0]["last_transition_time"], nullptr);
  EXPECT_EQ(out["conditions"][0]["reason"], "Pending");
  EXPECT_EQ(out["details"], json::object());
  EXPECT_EQ(out["history"], json::array());
}

TEST(StatusJson, ReadyConditionIsTrueOnlyWhenReady) {
  ObjectStatus status = Full();
  for (std::size_t i = 0; i < reconcilers::kPhaseNames.size(); ++i) {
    status.phase = static_cast<Phase>(i);
    EXPECT_EQ(StatusToJson(status)["conditions"][0]["status"],
              status.phase == Phase::kReady ? "True" : "False");
  }
}

TEST(StatusJson, RoundTrips) {
  ObjectStatus minimal;
  minimal.key = {manifests::Kind::kGuestCustomizationCheck, "web"};
  ObjectStatus no_progress = Full();
  no_progress.operation->progress.reset();
  no_progress.phase = Phase::kStalled;
  ObjectStatus window = minimal;
  window.phase = Phase::kWaiting;
  window.waiting = reconcilers::WaitingFor::Window();
  ObjectStatus dependency = minimal;
  dependency.phase = Phase::kWaiting;
  dependency.waiting =
      reconcilers::WaitingFor::Dependency({manifests::Kind::kOfflineDepotFromHost, "esx01-golden"});
  for (const ObjectStatus& status : {Full(), minimal, no_progress, window, dependency}) {
    SCOPED_TRACE(status.key.ToString());
    std::string error;
    // Through text, as `vsrd status` receives it.
    const auto back = StatusFromJson(json::parse(StatusToJson(status).dump()), &error);
    ASSERT_TRUE(back) << error;
    ExpectEqual(*back, status);
  }
}

// AppendStatusJson writes, byte for byte, what StatusToJson(...).dump does (GET /status serves
// it): every optional field present or absent, and text with every kind of character, hostile
// and not well-formed UTF-8 included.
std::string Dumped(const ObjectStatus& status) {
  return StatusToJson(status).dump(-1, ' ', false, json::error_handler_t::replace);
}
std::string Appended(const ObjectStatus& status) {
  std::string out = "prefix:";
  AppendStatusJson(status, out);
  EXPECT_EQ(out.substr(0, 7), "prefix:") << "appends, keeping what was there";
  return out.substr(7);
}

TEST(StatusJson, AppendWritesWhatDumpWrites) {
  ObjectStatus minimal;
  minimal.key = {manifests::Kind::kGuestCustomizationCheck, "web"};
  ObjectStatus no_progress = Full();
  no_progress.operation->progress.reset();
  ObjectStatus window = minimal;
  window.phase = Phase::kWaiting;
  window.waiting = reconcilers::WaitingFor::Window();
  ObjectStatus dependency = Full();
  dependency.phase = Phase::kReady;
  dependency.waiting =
      reconcilers::WaitingFor::Dependency({manifests::Kind::kOfflineDepotFromHost, "esx01-golden"});
  dependency.failures = -3;
  const std::vector<std::string> texts = {
      "",
      "plain",
      "quote \" backslash \\ slash /",
      "controls \b\f\n\r\t \x01 \x1f \x7f end",
      std::string("nul \0 inside", 12),
      "UTF-8: caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 \xef\xbf\xbd",
      "lone \xff byte",
      "truncated \xe2\x82",
      "overlong \xc0\x80 and \xe0\x80\x80",
      "surrogate \xed\xa0\x80",
      "above U+10FFFF \xf4\x90\x80\x80",
      "continuation first \x80\xbf",
      "\xf0\x9f\x98",
  };
  std::vector<ObjectStatus> statuses = {Full(), minimal, no_progress, window, dependency};
  for (const std::string& text : texts) {
    ObjectStatus status = Full();
    status.message = text;
    status.reason = text;
    status.last_error = text;
    status.details[text] = text;
    status.history.front().message = text;
    status.operation->task = text;
    statuses.push_back(status);
  }
  for (const ObjectStatus& status : statuses) {
    SCOPED_TRACE(status.message);
    EXPECT_EQ(Appended(status), Dumped(status));
  }
}

// The same for random bytes: what nlohmann replaces and how far it skips on a bad sequence is
// its own; AppendStatusJson must agree on every input (a fixed seed, so a failure repeats).
TEST(StatusJson, AppendWritesWhatDumpWritesForRandomBytes) {
  std::uint32_t state = 20261207;
  const auto next = [&state] {
    state = state * 1664525U + 1013904223U;
    return state >> 24U;
  };
  // Bytes drawn mostly from the interesting ranges: ASCII controls, quotes, lead bytes,
  // continuation bytes.
  const std::string alphabet = std::string("\"\\\n\x01\x1f\x7f aZ") +
                               "\x80\xbf\xc2\xdf\xe0\xed\xef" + "\xf0\xf4\xf5\xff\xa0\x9f\x90\x8f";
  for (int round = 0; round < 3000; ++round) {
    std::string text;
    const std::size_t length = next() % 12;
    for (std::size_t i = 0; i < length; ++i) text += alphabet[next() % alphabet.size()];
    ObjectStatus status;
    status.key = {manifests::Kind::kVchaPassiveNode, "vc01-passive"};
    status.message = text;
    status.details["vm"] = text;
    ASSERT_EQ(Appended(status), Dumped(status)) << "round " << round;
  }
}

TEST(StatusJson, NamesTheFieldThatIsWrong) {
  struct Case {
    std::string name;
    std::function<void(json&)> change;
    std::string error;
  };
  const std::vector<Case> cases{
      {"not an object", [](json& j) { j = json::array(); }, "status: must be an object"},
      {"unknown kind", [](json& j) { j["kind"] = "Nope"; }, "kind: unknown kind \"Nope\""},
      {"missing name", [](json& j) { j.erase("name"); }, "name: required field is missing"},
      {"unknown phase", [](json& j) { j["phase"] = "Sleeping"; },
       "phase: unknown phase \"Sleeping\""},
      {"no Ready condition", [](json& j) { j["conditions"] = json::array(); },
       "conditions: no condition of type Ready"},
      {"bad transition time",
       [](json& j) { j["conditions"][0]["last_transition_time"] = "yesterday"; },
       "conditions[0].last_transition_time: \"yesterday\" is not an RFC 3339 UTC time"},
      {"operation without task", [](json& j) { j["operation"].erase("task"); },
       "operation.task: required field is missing"},
      {"fractional progress", [](json& j) { j["operation"]["progress"] = 1.5; },
       "operation.progress: must be an integer"},
      {"numeric last_error", [](json& j) { j["last_error"] = 3; },
       "last_error: must be a string or null"},
      {"failures as text", [](json& j) { j["failures"] = "2"; }, "failures: must be an integer"},
      {"detail not a string", [](json& j) { j["details"]["x"] = 1; },
       "details.x: must be a string"},
      {"waiting for what",
       [](json& j) {
         j["waiting"] = {{"for", "Godot"}};
       },
       "waiting.for: must be \"window\" or \"dependency\", got \"Godot\""},
      {"waiting for a bad key",
       [](json& j) {
         j["waiting"] = {{"for", "dependency"}, {"object", "Nope/x"}};
       },
       "waiting.object: \"Nope/x\" is not KIND/NAME"},
      {"history entry with a bad phase", [](json& j) { j["history"][1]["phase"] = "?"; },
       "history[1].phase: unknown phase \"?\""},
      {"history entry with a count that is not a number",
       [](json& j) { j["history"][0]["count"] = "13"; }, "history[0].count: must be an integer"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    json in = StatusToJson(Full());
    c.change(in);
    std::string error;
    EXPECT_FALSE(StatusFromJson(in, &error));
    EXPECT_EQ(error, c.error);
  }
}

// A daemon from before issue 15 writes no `since` or `count`: each entry is one pass.
TEST(StatusJson, ReadsAHistoryEntryWithoutSinceOrCountAsOnePass) {
  json in = StatusToJson(Full());
  for (auto& entry : in["history"]) {
    entry.erase("since");
    entry.erase("count");
  }
  std::string error;
  const auto status = StatusFromJson(in, &error);
  ASSERT_TRUE(status) << error;
  EXPECT_EQ(status->history[0].count, 1);
  EXPECT_EQ(status->history[0].since, status->history[0].at);
}

TEST(StatusJson, WritesWhatAWaitingObjectWaitsFor) {
  ObjectStatus status = Full();
  status.phase = Phase::kWaiting;
  status.waiting = reconcilers::WaitingFor::Window();
  EXPECT_EQ(StatusToJson(status)["waiting"], json({{"for", "window"}}));
  status.waiting =
      reconcilers::WaitingFor::Dependency({manifests::Kind::kVchaPassiveNode, "vc01-passive"});
  EXPECT_EQ(StatusToJson(status)["waiting"],
            json({{"for", "dependency"}, {"object", "VchaPassiveNode/vc01-passive"}}));
}

TEST(StatusJson, ReadsTheStatusOfADaemonWithoutTheWaitingField) {
  json in = StatusToJson(Full());
  in.erase("waiting");
  std::string error;
  const auto back = StatusFromJson(in, &error);
  ASSERT_TRUE(back) << error;
  EXPECT_EQ(back->waiting, std::nullopt);
}

TEST(StatusJson, IgnoresFieldsAddedByANewerDaemon) {
  json in = StatusToJson(Full());
  in["something_new"] = {{"a", 1}};
  in["conditions"].push_back({{"type", "Other"}});
  std::string error;
  const auto back = StatusFromJson(in, &error);
  ASSERT_TRUE(back) << error;
  ExpectEqual(*back, Full());
}

}  // namespace
}  // namespace vsrd::daemon
