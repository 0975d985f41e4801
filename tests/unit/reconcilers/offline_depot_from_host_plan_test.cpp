// OfflineDepotFromHost's pure decisions (reconcilers/offline_depot_from_host/plan.hpp),
// table-driven: each row is one situation, named by a sentence, with the step it must lead to.
#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "reconcilers/offline_depot_from_host/plan.hpp"

namespace vsrd::reconcilers::offline_depot_from_host {
namespace {

using namespace std::chrono_literals;
using Facts = std::map<std::string, std::string>;

const WallTime kStart = WallTime(std::chrono::hours(24 * 365 * 56));
const std::string kGeneration = "gen-2";

manifests::OfflineDepotFromHostSpec Existing() {
  manifests::OfflineDepotFromHostSpec spec;
  spec.host = "host-101";
  return spec;
}

manifests::OfflineDepotFromHostSpec WithCredential() {
  manifests::OfflineDepotFromHostSpec spec;
  manifests::HostCredential credential;
  credential.host_name = "esx-edge01.example.com";
  credential.user_name = "root";
  credential.password = manifests::SecretRef{manifests::SecretRef::Source::kEnv, "EDGE_PW"};
  credential.port = 443;
  credential.ssl_thumb_print = "8F:2A:66";
  spec.host_credential = credential;
  return spec;
}

ObjectRecord Recorded(const std::string& depot, const std::string& generation = kGeneration) {
  ObjectRecord record;
  record.facts = {{"depot", depot}, {"generation", generation}};
  return record;
}

ObjectRecord InFlightRecord(const std::string& generation = kGeneration,
                            WallTime started = kStart - 1min, Facts facts = {}) {
  ObjectRecord record;
  record.facts = std::move(facts);
  record.in_flight = InFlight::Accepted("depots.offline.create_from_host", "task-9", generation,
                                        started, "host-101");
  return record;
}

TaskPoll Found(ports::TaskStatus status, std::optional<std::string> depot = std::nullopt) {
  TaskPoll poll;
  poll.task.task.status = status;
  if (status == ports::TaskStatus::kRunning) {
    poll.task.task.progress = ports::TaskProgress{100, 30, ""};
  }
  if (status == ports::TaskStatus::kFailed) {
    ports::ApiError error;
    error.operation = "depots.offline.create_from_host";
    error.error_type = "ERROR";
    error.messages.push_back({"sim.extract", "The host could not be reached.", {}});
    poll.task.task.error = error;
  }
  if (depot) {
    ports::DepotExtractInfo info;
    info.depot = *depot;
    info.base_image_version = "8.0.3-0.0.24022510";
    poll.task.result = info;
  }
  return poll;
}

PlanInput Input(ObjectRecord record, std::optional<TaskPoll> poll = std::nullopt,
                DepotLookup depot = DepotLookup::kNotRead) {
  PlanInput input;
  input.spec = Existing();
  input.generation = kGeneration;
  input.record = std::move(record);
  input.poll = std::move(poll);
  input.depot = depot;
  input.now = kStart;
  input.policy.timeout = 30min;
  return input;
}

/// One row: the situation and the step it leads to. Optional expectations are chained.
struct PlanCase {
  PlanCase(std::string name_in, PlanInput input_in, Step::Kind kind_in, std::string reason_in)
      : name(std::move(name_in)),
        input(std::move(input_in)),
        kind(kind_in),
        reason(std::move(reason_in)) {}
  PlanCase& Saves(Facts facts) {
    saved_facts = std::move(facts);
    return *this;
  }
  PlanCase& Drift() {
    drift = true;
    return *this;
  }
  PlanCase& Progress(std::int64_t percent) {
    progress = percent;
    return *this;
  }
  PlanCase& Says(std::string part) {
    message_has = std::move(part);
    return *this;
  }

  std::string name;
  PlanInput input;
  Step::Kind kind;
  std::string reason;
  std::optional<Facts> saved_facts;  ///< nullopt: nothing is saved
  bool drift = false;
  std::optional<std::int64_t> progress;
  std::string message_has;  ///< a part the message must contain ("" = not checked)
};

TEST(OfflineDepotPlan, DecidesEverySituation) {
  const Facts extracted{{"depot", "depot-1"},
                        {"generation", kGeneration},
                        {"base_image_version", "8.0.3-0.0.24022510"}};
  const Facts old_facts{{"depot", "depot-1"}, {"generation", "gen-1"}};
  const std::vector<PlanCase> cases = {
      PlanCase("an object never extracted is extracted", Input({}), Step::Kind::kExtract,
               "NotExtracted")
          .Says("host-101"),
      PlanCase("a recorded depot that exists is Ready",
               Input(Recorded("depot-1"), std::nullopt, DepotLookup::kPresent), Step::Kind::kReady,
               "DepotPresent")
          .Says("depot-1"),
      PlanCase("a recorded depot deleted out of band is drift and is extracted again",
               Input(Recorded("depot-1"), std::nullopt, DepotLookup::kMissing),
               Step::Kind::kExtract, "DepotDeleted")
          .Drift()
          .Says("out of band"),
      PlanCase("a recorded depot that was not read is extracted rather than guessed",
               Input(Recorded("depot-1")), Step::Kind::kExtract, "NotExtracted"),
      PlanCase("a depot recorded for an older generation is extracted again",
               Input(Recorded("depot-1", "gen-1")), Step::Kind::kExtract, "SpecChanged")
          .Says("gen-1"),
      PlanCase("content already present is Ready without a read, and says it cannot be checked",
               Input(Recorded("")), Step::Kind::kReady, "ContentAlreadyPresent")
          .Says("cannot notice"),
      PlanCase("content already present for an older generation is extracted again",
               Input(Recorded("", "gen-1")), Step::Kind::kExtract, "SpecChanged"),
      PlanCase("a running extraction is polled, not resubmitted",
               Input(InFlightRecord(), Found(ports::TaskStatus::kRunning)), Step::Kind::kPoll,
               "ExtractRunning")
          .Progress(30)
          .Says("task-9"),
      PlanCase("a PENDING extraction is polled",
               Input(InFlightRecord(), Found(ports::TaskStatus::kPending)), Step::Kind::kPoll,
               "ExtractRunning"),
      PlanCase(
          "an extraction running longer than policy.timeout is overdue but still polled",
          Input(InFlightRecord(kGeneration, kStart - 31min), Found(ports::TaskStatus::kRunning)),
          Step::Kind::kPoll, "OperationOverdue")
          .Progress(30)
          .Says("still polling"),
      PlanCase("an extraction started for an older generation is still polled to its end",
               Input(InFlightRecord("gen-1"), Found(ports::TaskStatus::kRunning)),
               Step::Kind::kPoll, "ExtractRunning")
          .Progress(30),
      PlanCase("a journaled task that was not polled is waited for", Input(InFlightRecord()),
               Step::Kind::kPoll, "ExtractRunning"),
      PlanCase("a FAILED extraction clears the journal, keeps the facts and counts as a failure",
               Input(InFlightRecord(kGeneration, kStart - 1min, old_facts),
                     Found(ports::TaskStatus::kFailed)),
               Step::Kind::kFailed, "ExtractFailed")
          .Saves(old_facts)
          .Says("The host could not be reached."),
      PlanCase("a lost task clears the journal and counts as a failure",
               Input(InFlightRecord(), TaskPoll{TaskPoll::Kind::kLost, {}}), Step::Kind::kFailed,
               "ExtractTaskLost")
          .Saves({})
          .Says("404"),
      PlanCase("a SUCCEEDED extraction records its depot and generation and is Ready",
               Input(InFlightRecord(kGeneration, kStart - 1min, old_facts),
                     Found(ports::TaskStatus::kSucceeded, "depot-1")),
               Step::Kind::kReady, "DepotPresent")
          .Saves(extracted)
          .Says("depot-1"),
      PlanCase("a SUCCEEDED extraction without a depot id records that the content was present",
               Input(InFlightRecord(), Found(ports::TaskStatus::kSucceeded, "")),
               Step::Kind::kReady, "ContentAlreadyPresent")
          .Saves({{"depot", ""},
                  {"generation", kGeneration},
                  {"base_image_version", "8.0.3-0.0.24022510"}}),
      PlanCase("a SUCCEEDED extraction for an older generation is recorded and extracted again",
               Input(InFlightRecord("gen-1"), Found(ports::TaskStatus::kSucceeded, "depot-4")),
               Step::Kind::kExtract, "SpecChanged")
          .Saves({{"depot", "depot-4"},
                  {"generation", "gen-1"},
                  {"base_image_version", "8.0.3-0.0.24022510"}}),
      PlanCase("a SUCCEEDED extraction without a result clears the journal and is a failure",
               Input(InFlightRecord(), Found(ports::TaskStatus::kSucceeded)), Step::Kind::kFailed,
               "ExtractResultMissing")
          .Saves({}),
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    const Step step = Plan(c.input);
    EXPECT_EQ(step.kind, c.kind);
    EXPECT_EQ(step.reason, c.reason);
    EXPECT_EQ(step.drift, c.drift);
    EXPECT_EQ(step.progress, c.progress);
    EXPECT_FALSE(step.message.empty());
    if (!c.message_has.empty()) {
      EXPECT_NE(step.message.find(c.message_has), std::string::npos) << step.message;
    }
    ASSERT_EQ(step.save.has_value(), c.saved_facts.has_value());
    if (step.save) {
      EXPECT_FALSE(step.save->in_flight);
      EXPECT_EQ(step.save->facts, *c.saved_facts);
    }
  }
}

TEST(OfflineDepotPlan, ReadsOnlyTheDepotRecordedForThisGeneration) {
  EXPECT_EQ(DepotToRead({}, kGeneration), std::nullopt);
  EXPECT_EQ(DepotToRead(Recorded("depot-1"), kGeneration), "depot-1");
  EXPECT_EQ(DepotToRead(Recorded("depot-1", "gen-1"), kGeneration), std::nullopt);
  EXPECT_EQ(DepotToRead(Recorded(""), kGeneration), std::nullopt);
  EXPECT_EQ(
      DepotToRead(InFlightRecord(kGeneration, kStart, Recorded("depot-1").facts), kGeneration),
      std::nullopt);
}

ports::ApiError Api(int status, std::string type, std::string data = {}) {
  ports::ApiError error;
  error.operation = "depots.offline.create_from_host";
  error.http_status = status;
  error.error_type = std::move(type);
  error.data = std::move(data);
  return error;
}

ports::ApiError Transport(ports::ErrorKind kind) {
  ports::ApiError error;
  error.kind = kind;
  error.operation = "depots.offline.create_from_host";
  return error;
}

struct ErrorCase {
  std::string name;
  ports::ApiError error;
  Step::Kind kind;
  std::string reason;
  std::vector<std::string> message_has;
  std::optional<Facts> saved_facts;
};

TEST(OfflineDepotPlan, JudgesCreateFromHostErrors) {
  const std::string thumbprint = "8F:2A:51:9C:0B:7E:44:D3:1A:6C:90:E2:5B:37:F8:0D:C4:29:A1:66";
  const std::vector<ErrorCase> cases = {
      {"an unverified host certificate is Stalled and names the host's thumbprint",
       Api(400, "UNVERIFIED_PEER", R"({"ssl_thumb_print":")" + thumbprint + R"("})"),
       Step::Kind::kStalled,
       "HostCertificateUnverified",
       {thumbprint, "esx-edge01.example.com", "ssl_thumb_print", "retrying cannot fix"},
       std::nullopt},
      {"an unverified host certificate without data is Stalled and says so",
       Api(400, "UNVERIFIED_PEER"),
       Step::Kind::kStalled,
       "HostCertificateUnverified",
       {"did not say"},
       std::nullopt},
      {"rejected credentials are Stalled",
       Api(400, "INVALID_ARGUMENT"),
       Step::Kind::kStalled,
       "HostCredentialsRejected",
       {"esx-edge01.example.com", "INVALID_ARGUMENT"},
       std::nullopt},
      {"an unknown host is Stalled",
       Api(404, "NOT_FOUND"),
       Step::Kind::kStalled,
       "HostNotFound",
       {"NOT_FOUND"},
       std::nullopt},
      {"a 500 is a failed mutation",
       Api(500, "ERROR"),
       Step::Kind::kFailed,
       "ExtractFailed",
       {"500"},
       std::nullopt},
      {"a 503 is a failed mutation",
       Api(503, "SERVICE_UNAVAILABLE"),
       Step::Kind::kFailed,
       "ExtractFailed",
       {"503"},
       std::nullopt},
      {"a refused connection is a failed mutation",
       Transport(ports::ErrorKind::kRefused),
       Step::Kind::kFailed,
       "ExtractFailed",
       {"refused"},
       std::nullopt},
      {"a reset after the request was sent is a failed mutation",
       Transport(ports::ErrorKind::kReset),
       Step::Kind::kFailed,
       "ExtractFailed",
       {"reset"},
       std::nullopt},
      {"ALREADY_EXISTS naming a depot counts as success and records it",
       Api(400, "ALREADY_EXISTS", R"({"depot": "depot-vendor"})"),
       Step::Kind::kReady,
       "DepotPresent",
       {"depot-vendor"},
       Facts{{"depot", "depot-vendor"}, {"generation", kGeneration}}},
      {"ALREADY_EXISTS without data counts as success with the content present",
       Api(400, "ALREADY_EXISTS"),
       Step::Kind::kReady,
       "ContentAlreadyPresent",
       {"ALREADY_EXISTS"},
       Facts{{"depot", ""}, {"generation", kGeneration}}},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    const Step step = JudgeCreateError(c.error, WithCredential(), {}, kGeneration);
    EXPECT_EQ(step.kind, c.kind);
    EXPECT_EQ(step.reason, c.reason);
    for (const auto& part : c.message_has) {
      EXPECT_NE(step.message.find(part), std::string::npos) << step.message;
    }
    ASSERT_EQ(step.save.has_value(), c.saved_facts.has_value());
    if (step.save) {
      EXPECT_EQ(step.save->facts, *c.saved_facts);
    }
  }
}

TEST(OfflineDepotPlan, FindsTheThumbprintInEitherSpelling) {
  EXPECT_EQ(ThumbprintFromErrorData(R"({"ssl_thumb_print":"AA:BB"})"), "AA:BB");
  EXPECT_EQ(ThumbprintFromErrorData(R"({"ssl_certificate":"x", "ssl_thumbprint" : "CC:DD"})"),
            "CC:DD");
  EXPECT_EQ(ThumbprintFromErrorData(R"({"other":"ssl_thumb_print"})"), std::nullopt);
  EXPECT_EQ(ThumbprintFromErrorData(R"({"ssl_thumb_print":""})"), std::nullopt);
  EXPECT_EQ(ThumbprintFromErrorData(""), std::nullopt);
}

TEST(OfflineDepotPlan, BuildsTheConnectionSpecOfEachAuthType) {
  const auto existing = MakeConnectionSpec(Existing(), ports::Secret());
  EXPECT_EQ(existing.auth_type, manifests::DepotAuthType::kExisting);
  EXPECT_EQ(existing.host, "host-101");
  EXPECT_FALSE(existing.host_credential);

  auto spec = WithCredential();
  spec.host_credential->port = 8443;
  const auto credential = MakeConnectionSpec(spec, ports::Secret("edge-demo-password"));
  EXPECT_EQ(credential.auth_type, manifests::DepotAuthType::kUsernamePassword);
  EXPECT_FALSE(credential.host);
  ASSERT_TRUE(credential.host_credential);
  EXPECT_EQ(credential.host_credential->host_name, "esx-edge01.example.com");
  EXPECT_EQ(credential.host_credential->user_name, "root");
  EXPECT_EQ(credential.host_credential->password.Reveal(), "edge-demo-password");
  EXPECT_EQ(credential.host_credential->port, 8443);
  EXPECT_EQ(credential.host_credential->ssl_thumb_print, "8F:2A:66");
  EXPECT_FALSE(credential.host_credential->ssl_certificate);
}

TEST(OfflineDepotPlan, DescribesTheCallWithThePasswordRedacted) {
  EXPECT_EQ(DescribeCreate(Existing()),
            R"(POST /api/esx/settings/depots/offline?action=createFromHost&vmw-task=true )"
            R"({"auth_type": "EXISTING", "host": "host-101"})");
  auto spec = WithCredential();
  spec.host_credential->ssl_thumb_print.reset();
  spec.host_credential->ssl_certificate = "-----BEGIN CERTIFICATE-----\nMIIB\n";
  EXPECT_EQ(DescribeCreate(spec),
            R"(POST /api/esx/settings/depots/offline?action=createFromHost&vmw-task=true )"
            R"({"auth_type": "USERNAME_PASSWORD", "host_credential": {"host_name": )"
            R"x("esx-edge01.example.com", "user_name": "root", "password": "(sensitive)", )x"
            R"("port": 443, "ssl_certificate": "-----BEGIN CERTIFICATE-----\nMIIB\n"}})");
}

TEST(OfflineDepotPlan, ReportsTheRecordInDetails) {
  EXPECT_EQ(Details(Existing(), {}), (Facts{{"host", "host-101"}}));
  ObjectRecord record = Recorded("depot-3");
  record.facts["base_image_version"] = "8.0.3";
  EXPECT_EQ(Details(WithCredential(), record), (Facts{{"host", "esx-edge01.example.com"},
                                                      {"depot", "depot-3"},
                                                      {"base_image_version", "8.0.3"}}));
  EXPECT_EQ(Details(Existing(), Recorded("")).at("depot"), "(content already present)");
}

}  // namespace
}  // namespace vsrd::reconcilers::offline_depot_from_host
