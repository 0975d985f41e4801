#include "daemon/metrics.hpp"

#include <regex>
#include <sstream>
#include <string>

#include <gtest/gtest.h>

// The exposition of every family of docs/operations.md "Metric families": present and at 0 before
// any event, one-hot phases and health states, replaced info series, and lines Prometheus can
// parse.

namespace vsrd::daemon {
namespace {

using manifests::Kind;
using manifests::ObjectKey;
using reconcilers::Phase;

bool Has(const std::string& text, const std::string& line) {
  return text.find(line + "\n") != std::string::npos;
}

TEST(Metrics, EveryFamilyOfTheProductSpecIsExportedBeforeAnyEvent) {
  Metrics metrics("0.1.0");
  metrics.Api().Precreate("vc01", std::array<std::string_view, 1>{"vm.get"});
  metrics.SetObjects(
      {{Kind::kVchaPassiveNode, "vc01-passive"}, {Kind::kGuestCustomizationCheck, "web-tier"}});
  metrics.SetApplianceVersion("vc01", "8.0.1.00000");
  metrics.SetVchaHealth("vc01", "DEGRADED");
  metrics.SetVmsCustomizable({Kind::kGuestCustomizationCheck, "web-tier"}, "vc01",
                             {{"vm-42", true}});
  metrics.SetRevision("0123abcd");
  metrics.SetManifestErrors({{"manifests/broken.yaml", 2}});
  const std::string text = metrics.Render();
  for (const char* family :
       {"vsrd_build_info", "vsrd_manifests_loaded", "vsrd_manifest_errors", "vsrd_object_ready",
        "vsrd_object_phase", "vsrd_object_suspended", "vsrd_reconcile_total",
        "vsrd_reconcile_duration_seconds", "vsrd_drift_detected_total", "vsrd_operations_in_flight",
        "vsrd_operation_duration_seconds", "vsrd_api_requests_total",
        "vsrd_api_request_duration_seconds", "vsrd_workqueue_depth", "vsrd_workqueue_retries_total",
        "vsrd_appliance_version_info", "vsrd_vcha_health", "vsrd_vm_customizable",
        "vsrd_last_applied_revision_info"}) {
    EXPECT_NE(text.find(std::string("# TYPE ") + family + " "), std::string::npos) << family;
  }
  EXPECT_TRUE(Has(text, "vsrd_build_info{version=\"0.1.0\"} 1"));
  EXPECT_TRUE(Has(text, "vsrd_reconcile_total{kind=\"ApplianceUpdate\",result=\"stalled\"} 0"))
      << "every kind and result reads 0 before the first pass";
  EXPECT_TRUE(
      Has(text, "vsrd_drift_detected_total{kind=\"VchaPassiveNode\",name=\"vc01-passive\"} 0"));
  EXPECT_TRUE(Has(text, "vsrd_manifests_loaded 2"));
  EXPECT_TRUE(Has(text, "vsrd_manifest_errors{file=\"manifests/broken.yaml\"} 2"));
  EXPECT_TRUE(Has(text, "vsrd_vcha_health{state=\"DEGRADED\",target=\"vc01\"} 1"));
  EXPECT_TRUE(Has(text, "vsrd_vcha_health{state=\"HEALTHY\",target=\"vc01\"} 0"));
  EXPECT_TRUE(
      Has(text, "vsrd_api_request_duration_seconds_count{operation=\"vm.get\",target=\"vc01\"} 0"));
}

TEST(Metrics, PhasesAreOneHotAndFollowTheObject) {
  Metrics metrics("0.1.0");
  metrics.SetObjects({{Kind::kApplianceUpdate, "vc01-update"}});
  metrics.SetObjectPhase({Kind::kApplianceUpdate, "vc01-update"}, Phase::kProgressing);
  metrics.SetObjectPhase({Kind::kApplianceUpdate, "vc01-update"}, Phase::kReady);
  const std::string text = metrics.Render();
  const std::string labels = "kind=\"ApplianceUpdate\",name=\"vc01-update\"";
  EXPECT_TRUE(Has(text, "vsrd_object_ready{" + labels + "} 1"));
  EXPECT_TRUE(Has(text, "vsrd_object_phase{" + labels + ",phase=\"Ready\"} 1"));
  EXPECT_TRUE(Has(text, "vsrd_object_phase{" + labels + ",phase=\"Progressing\"} 0"));
  EXPECT_TRUE(Has(text, "vsrd_object_suspended{" + labels + "} 0"));
}

// The per-object families are written by Metrics itself (issue 15): each object's nine series
// once, in family blocks, drift counted, label values escaped as the text format wants.
TEST(Metrics, ObjectFamiliesListEachObjectOnceInTheirBlocks) {
  Metrics metrics("0.1.0");
  metrics.SetObjects({{Kind::kApplianceInstall, "a"},
                      {Kind::kGuestCustomizationCheck, "b"},
                      {Kind::kApplianceInstall, "odd\"na\\me\n"}});
  metrics.SetObjectPhase({Kind::kGuestCustomizationCheck, "b"}, Phase::kSuspended);
  metrics.CountDrift({Kind::kApplianceInstall, "a"});
  metrics.CountDrift({Kind::kApplianceInstall, "a"});
  metrics.CountDrift({Kind::kApplianceInstall, "gone"});  // not in force: no series
  const std::string text = metrics.Render();
  const auto count = [&text](const std::string& needle) {
    std::size_t n = 0;
    for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) {
      ++n;
    }
    return n;
  };
  EXPECT_EQ(count("\nvsrd_object_ready{"), 3U);
  EXPECT_EQ(count("\nvsrd_object_phase{"), 18U);
  EXPECT_EQ(count("\nvsrd_object_suspended{"), 3U);
  EXPECT_EQ(count("\nvsrd_drift_detected_total{"), 3U);
  EXPECT_EQ(count("# TYPE vsrd_object_phase gauge\n"), 1U);
  EXPECT_EQ(count("# TYPE vsrd_drift_detected_total counter\n"), 1U);
  EXPECT_TRUE(Has(text, "vsrd_drift_detected_total{kind=\"ApplianceInstall\",name=\"a\"} 2"));
  EXPECT_EQ(text.find("name=\"gone\""), std::string::npos);
  const std::string b = "kind=\"GuestCustomizationCheck\",name=\"b\"";
  EXPECT_TRUE(Has(text, "vsrd_object_suspended{" + b + "} 1"));
  EXPECT_TRUE(Has(text, "vsrd_object_ready{" + b + "} 0"));
  EXPECT_TRUE(Has(text, "vsrd_object_phase{" + b + ",phase=\"Suspended\"} 1"));
  EXPECT_TRUE(Has(text, "vsrd_object_phase{" + b + ",phase=\"Ready\"} 0"));
  EXPECT_TRUE(
      Has(text, "vsrd_object_ready{kind=\"ApplianceInstall\",name=\"odd\\\"na\\\\me\\n\"} 0"))
      << text;
  // A family's series follow its TYPE line, before the next family's HELP.
  const auto type = text.find("# TYPE vsrd_object_ready gauge\n");
  const auto next = text.find("# HELP vsrd_object_phase ");
  ASSERT_NE(type, std::string::npos);
  ASSERT_NE(next, std::string::npos);
  EXPECT_LT(type, next);
  EXPECT_EQ(text.find("vsrd_object_ready{", next), std::string::npos);
}

TEST(Metrics, RemovedObjectsAndReplacedVersionsLeaveNoStaleSeries) {
  Metrics metrics("0.1.0");
  metrics.SetObjects({{Kind::kApplianceInstall, "a"}, {Kind::kApplianceInstall, "b"}});
  metrics.SetObjects({{Kind::kApplianceInstall, "b"}});
  metrics.SetApplianceVersion("vr01", "9.0.1.0");
  metrics.SetApplianceVersion("vr01", "9.0.2.0-24522545");
  metrics.SetRevision("aaa");
  metrics.SetRevision("bbb");
  metrics.SetManifestErrors({{"x.yaml", 1}});
  metrics.SetManifestErrors({});
  const std::string text = metrics.Render();
  EXPECT_EQ(text.find("name=\"a\""), std::string::npos) << text;
  EXPECT_NE(text.find("name=\"b\""), std::string::npos);
  EXPECT_EQ(text.find("9.0.1.0\""), std::string::npos);
  EXPECT_TRUE(
      Has(text, "vsrd_appliance_version_info{target=\"vr01\",version=\"9.0.2.0-24522545\"} 1"));
  EXPECT_EQ(text.find("revision=\"aaa\""), std::string::npos);
  EXPECT_TRUE(Has(text, "vsrd_last_applied_revision_info{revision=\"bbb\"} 1"));
  EXPECT_EQ(text.find("x.yaml"), std::string::npos);
}

TEST(Metrics, CountsPassesOperationsAndRetries) {
  Metrics metrics("0.1.0");
  metrics.CountReconcile(Kind::kVchaPassiveNode, "success", 0.2);
  metrics.CountReconcile(Kind::kVchaPassiveNode, "success", 0.3);
  metrics.ObserveOperation(Kind::kVchaPassiveNode, "succeeded", 300);
  metrics.CountRetry(Kind::kVchaPassiveNode);
  metrics.SetOperationsInFlight(Kind::kVchaPassiveNode, 1);
  metrics.SetQueueDepth(3);
  const std::string text = metrics.Render();
  EXPECT_TRUE(Has(text, "vsrd_reconcile_total{kind=\"VchaPassiveNode\",result=\"success\"} 2"));
  EXPECT_TRUE(Has(text, "vsrd_reconcile_duration_seconds_count{kind=\"VchaPassiveNode\"} 2"));
  EXPECT_TRUE(Has(text,
                  "vsrd_operation_duration_seconds_bucket{kind=\"VchaPassiveNode\","
                  "outcome=\"succeeded\",le=\"14400\"} 1"));
  EXPECT_TRUE(Has(text, "vsrd_workqueue_retries_total{kind=\"VchaPassiveNode\"} 1"));
  EXPECT_TRUE(Has(text, "vsrd_operations_in_flight{kind=\"VchaPassiveNode\"} 1"));
  EXPECT_TRUE(Has(text, "vsrd_workqueue_depth 3"));
}

TEST(Metrics, AVmSeriesShowsItsObjectsLastCheckAndGoesWithTheObject) {
  Metrics metrics("0.1.0");
  const ObjectKey web{Kind::kGuestCustomizationCheck, "web-tier"};
  const ObjectKey db{Kind::kGuestCustomizationCheck, "db-tier"};
  metrics.SetObjects({web, db});
  metrics.SetVmsCustomizable(web, "vc01", {{"vm-1", true}, {"vm-2", false}});
  std::string text = metrics.Render();
  EXPECT_TRUE(Has(text, "vsrd_vm_customizable{target=\"vc01\",vm=\"vm-1\"} 1"));
  EXPECT_TRUE(Has(text, "vsrd_vm_customizable{target=\"vc01\",vm=\"vm-2\"} 0"));

  // The next check no longer has vm-1 (removed from the spec): its series goes.
  metrics.SetVmsCustomizable(web, "vc01", {{"vm-2", true}});
  text = metrics.Render();
  EXPECT_FALSE(Has(text, "vsrd_vm_customizable{target=\"vc01\",vm=\"vm-1\"} 1"));
  EXPECT_TRUE(Has(text, "vsrd_vm_customizable{target=\"vc01\",vm=\"vm-2\"} 1"));

  // Two objects checking one VM make one series, the first object's in key order (db-tier).
  metrics.SetVmsCustomizable(db, "vc01", {{"vm-2", false}});
  text = metrics.Render();
  EXPECT_EQ(text.find("vm=\"vm-2\""), text.rfind("vm=\"vm-2\"")) << "one series for vm-2";
  EXPECT_TRUE(Has(text, "vsrd_vm_customizable{target=\"vc01\",vm=\"vm-2\"} 0"));

  // An object removed from the manifests takes its VMs' series with it; one not in force
  // (a pass that ended after its removal) shows nothing.
  metrics.SetObjects({db});
  metrics.SetVmsCustomizable(web, "vc02", {{"vm-9", true}});
  text = metrics.Render();
  EXPECT_TRUE(Has(text, "vsrd_vm_customizable{target=\"vc01\",vm=\"vm-2\"} 0"));
  EXPECT_EQ(text.find("vm-9"), std::string::npos);
  metrics.SetObjects({});
  text = metrics.Render();
  EXPECT_EQ(text.find("vsrd_vm_customizable{"), std::string::npos);
  EXPECT_NE(text.find("# TYPE vsrd_vm_customizable gauge"), std::string::npos)
      << "the family is listed with no series";
}

TEST(Metrics, EveryLineIsACommentOrASampleInTheTextFormat) {
  Metrics metrics("0.1.0");
  metrics.SetObjects({{Kind::kGuestCustomizationCheck, "web-tier"}});
  metrics.SetVmsCustomizable({Kind::kGuestCustomizationCheck, "web-tier"}, "vc01",
                             {{"vm-43", false}, {"vm \"quoted\"\n\\", true}});
  const std::regex sample(
      R"(^[a-zA-Z_:][a-zA-Z0-9_:]*(\{([a-zA-Z_][a-zA-Z0-9_]*="([^"\\]|\\.)*",?)*\})? -?[0-9.e+-]+|[+-]Inf|NaN$)");
  std::istringstream lines(metrics.Render());
  std::string line;
  int samples = 0;
  while (std::getline(lines, line)) {
    if (line.empty() || line.starts_with("# HELP ") || line.starts_with("# TYPE ")) continue;
    EXPECT_TRUE(std::regex_match(line, sample)) << line;
    ++samples;
  }
  EXPECT_GT(samples, 100);
}

}  // namespace
}  // namespace vsrd::daemon
