#include "daemon/cli/plan_command.hpp"

#include <map>
#include <set>

#include <nlohmann/json.hpp>

#include "daemon/cli/command_runtime.hpp"
#include "daemon/cli/exit_codes.hpp"
#include "daemon/engine/controller.hpp"
#include "manifests/escape.hpp"
#include "reconcilers/registry.hpp"

namespace vsrd::daemon {

namespace {

namespace rec = reconcilers;

enum class Action { kInSync, kChange, kBlocked, kError };
constexpr std::array<std::string_view, 4> kActionNames{"in-sync", "change", "blocked", "error"};
constexpr std::array<char, 4> kActionSymbols{'=', '~', '!', '!'};

Action Classify(const rec::Outcome& outcome) {
  if (outcome.kind == rec::Outcome::Kind::kTransient) return Action::kError;
  if (!outcome.plan.empty() || outcome.operation) return Action::kChange;
  if (outcome.phase == rec::Phase::kReady) return Action::kInSync;
  return Action::kBlocked;
}

/// Objects ordered so that each comes after the objects it depends on (validation has
/// rejected cycles), otherwise in file order.
std::vector<const manifests::Object*> DependencyOrder(const std::vector<manifests::Object>& all) {
  std::vector<const manifests::Object*> ordered;
  std::set<manifests::ObjectKey> placed;
  while (ordered.size() < all.size()) {
    const std::size_t before = ordered.size();
    for (const auto& object : all) {
      if (placed.contains(object.Key())) continue;
      bool ready = true;
      for (const auto& dependency : object.policy.depends_on) {
        ready = ready && placed.contains(manifests::ObjectKey{dependency.kind, dependency.name});
      }
      if (ready) {
        ordered.push_back(&object);
        placed.insert(object.Key());
      }
    }
    if (ordered.size() == before) {  // a dependency on a missing object: keep file order
      for (const auto& object : all) {
        if (placed.insert(object.Key()).second) ordered.push_back(&object);
      }
    }
  }
  return ordered;
}

}  // namespace

int RunPlan(const PlanOptions& options, std::ostream& out, std::ostream& err) {
  auto runtime = PrepareRuntime(options.config, "plan", /*read_only=*/true, err);
  if (!runtime) return kExitError;
  ControllerOptions controller_options;
  controller_options.dry_run = true;
  Controller controller(runtime->config, runtime->targets->Ports(), *runtime->journal,
                        runtime->clock, rec::MakeReconcilers(), controller_options,
                        runtime->logger);
  controller.SetObjects(runtime->desired.objects, "");

  std::map<Action, int> counts;
  nlohmann::json objects = nlohmann::json::array();
  for (const auto* object : DependencyOrder(runtime->desired.objects)) {
    const auto outcome = controller.RunOnce(object->Key());
    if (!outcome) continue;
    const Action action = Classify(*outcome);
    ++counts[action];
    const auto index = static_cast<std::size_t>(action);
    if (options.json) {
      nlohmann::json entry{{"kind", manifests::KindName(object->kind)},
                           {"name", object->metadata.name},
                           {"target", object->target.name},
                           {"action", kActionNames.at(index)},
                           {"phase", rec::PhaseName(outcome->phase)},
                           {"reason", outcome->reason},
                           {"message", outcome->message},
                           {"calls", outcome->plan}};
      if (outcome->operation) {
        entry["operation"] = {{"name", outcome->operation->name},
                              {"task", outcome->operation->task}};
      }
      objects.push_back(std::move(entry));
      continue;
    }
    // Messages, calls and task ids carry server text and manifest values: escaped, each stays
    // on its line.
    out << kActionSymbols.at(index) << ' ' << object->Key().ToString() << " ("
        << object->target.name << "): " << rec::PhaseName(outcome->phase) << ' ' << outcome->reason;
    if (!outcome->message.empty()) out << ": " << manifests::EscapeControls(outcome->message);
    out << '\n';
    for (const auto& call : outcome->plan) out << "    " << manifests::EscapeControls(call) << '\n';
    if (outcome->operation && outcome->plan.empty()) {
      out << "    (in progress: " << outcome->operation->name
          << (outcome->operation->task.empty()
                  ? ""
                  : " task " + manifests::EscapeControls(outcome->operation->task))
          << "; apply waits for it)\n";
    }
  }
  if (options.json) {
    out << nlohmann::json{{"objects", objects},
                          {"summary",
                           {{"change", counts[Action::kChange]},
                            {"blocked", counts[Action::kBlocked]},
                            {"in_sync", counts[Action::kInSync]},
                            {"error", counts[Action::kError]}}}}
               // Messages quote servers and manifests: invalid UTF-8 becomes U+FFFD, never a
               // type_error thrown out of plan.
               .dump(2, ' ', false, nlohmann::json::error_handler_t::replace)
        << '\n';
  } else {
    out << "\nPlan: " << counts[Action::kChange] << " to change, " << counts[Action::kBlocked]
        << " blocked, " << counts[Action::kInSync] << " in sync, " << counts[Action::kError]
        << " errors.\n";
  }
  if (counts[Action::kError] > 0) return kExitError;
  return counts[Action::kChange] > 0 ? kExitChanges : kExitSuccess;
}

}  // namespace vsrd::daemon
