#include "reconcilers/vcha_passive_node/reconciler.hpp"

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "reconcilers/api_outcomes.hpp"
#include "reconcilers/mutation.hpp"
#include "reconcilers/poll_delay.hpp"
#include "reconcilers/vcha_passive_node/plan.hpp"
#include "reconcilers/vcha_passive_node/reasons.hpp"

namespace vsrd::reconcilers::vcha_passive_node {

namespace {

/// The outcome of every step but kRedeploy, which the reconciler carries out itself; a running
/// redeploy is looked at again after `poll_after` (NextPoll, reconcilers/poll_delay.hpp).
Outcome ToOutcome(const Step& step, Duration poll_after) {
  switch (step.kind) {
    case Step::Kind::kReady:
      return Outcome::Done(Phase::kReady, step.reason, step.message);
    case Step::Kind::kDegraded:
      return Outcome::Done(Phase::kDegraded, step.reason, step.message);
    case Step::Kind::kWaiting:
      return Outcome::Done(Phase::kWaiting, step.reason, step.message);
    case Step::Kind::kStalled:
      return Outcome::Stalled(step.reason, step.message);
    case Step::Kind::kRetry:
      return Outcome::ReadFailed(step.reason, step.message);
    case Step::Kind::kFailed:
      return Outcome::MutationFailed(step.reason, step.message);
    case Step::Kind::kPoll:
    case Step::Kind::kRedeploy:
      break;
  }
  return Outcome::RequeueAfter(poll_after, step.reason, step.message);
}

class Pass {
 public:
  Pass(const manifests::VchaPassiveNodeSpec& spec, Context& context)
      : spec_(spec), context_(context), record_(context.Record()) {}

  Outcome Run() {
    Outcome outcome = Decide();
    outcome.details.merge(details_);
    if (record_.in_flight && !outcome.operation) {
      // Status shows the operation for as long as it is journaled, failed reads included.
      outcome.operation = OperationStatus{record_.in_flight->operation, record_.in_flight->task,
                                          record_.in_flight->started_at, progress_};
    }
    return outcome;
  }

 private:
  Outcome Decide() {
    const TargetPorts& target = context_.Target();
    if (target.vcha == nullptr || target.tasks == nullptr) {
      return Outcome::Stalled(reasons::kUnsupportedTarget,
                              "target " + target.name +
                                  " has no VCHA API: VchaPassiveNode needs a "
                                  "target with api: vcenter");
    }
    if (spec_.management_vcenter) {
      const std::string& name = spec_.management_vcenter->name;
      management_ = context_.ManagementTarget(name);
      if (!management_) {
        return Outcome::Stalled(
            reasons::kManagementVcenterUnknown,
            "spec.management_vcenter names " + name + ", which is not a target in the config");
      }
      auto password = context_.ReadSecret(management_->password);
      if (!password) return ReadFailure(password.Error());
      vc_spec_ = MakeVcSpec(*management_, std::move(password).Value());
    }

    MutationProtocol protocol(context_, record_);
    // A redeploy whose outcome is unknown is looked for in the task list, never submitted again
    // blindly (reconcilers/mutation.hpp).
    if (auto end = protocol.ResolveByTaskList(*target.tasks, RedeployTaskFilter())) return *end;

    PlanInput input;
    input.spec = spec_;
    input.record = record_;
    input.now = context_.Now();
    input.policy = context_.Policy();
    // The task first, the cluster second: a redeploy that ends between the two reads is then
    // judged from a cluster that already shows its result.
    if (record_.in_flight) {
      auto task = target.tasks->GetTask(ports::TaskId{record_.in_flight->task});
      if (task) {
        progress_ = ProgressPercent(*task);
        input.poll = TaskPoll{TaskPoll::Kind::kFound, std::move(task).Value()};
      } else if (IsNotFound(task.Error())) {
        input.poll = TaskPoll{TaskPoll::Kind::kLost, {}};
      } else {
        return ReadFailure(task.Error());
      }
    }
    // partial=true needs no connection to the management vCenter (docs/vsphere-api.md "VCHA"); with
    // a vc_spec the full read also gives the nodes' placement (the passive VM's name).
    auto cluster = target.vcha->GetCluster(vc_spec_, !vc_spec_.has_value());
    if (!cluster) {
      if (cluster.Error().Is("UNVERIFIED_PEER")) {
        return Outcome::Stalled(reasons::kManagementVcenterUnverified,
                                UnverifiedPeerMessage(cluster.Error()));
      }
      return ReadFailure(cluster.Error());
    }
    if (cluster->config_state == ports::VchaConfigState::kConfigured && !cluster->mode) {
      auto mode = target.vcha->GetMode();
      if (!mode) return ReadFailure(mode.Error());
      cluster->mode = *mode;
    }
    if (cluster->health_state) {
      context_.ObserveVchaHealth(
          ports::kVchaHealthNames.at(static_cast<std::size_t>(*cluster->health_state)));
    }
    details_ = Details(*cluster);
    input.cluster = std::move(cluster).Value();

    const Step step = Plan(input);
    if (step.kind == Step::Kind::kFailed) return protocol.Failed(step.reason, step.message);
    if (step.clear_in_flight) {
      // The task ended well: forget it (and the attempts) before anything else (not in dry
      // run, which writes nothing).
      ObjectRecord updated = record_;
      updated.in_flight.reset();
      updated.attempts = 0;
      updated.attempts_generation.clear();
      if (!context_.DryRun() && !context_.SaveRecord(updated)) return JournalFailure();
      record_ = std::move(updated);
    }
    if (step.kind != Step::Kind::kRedeploy) return ToOutcome(step, PollAfter());
    return Redeploy(step, protocol);
  }

  /// Check, then redeploy: the pass's one mutation, through the mutation protocol (the check
  /// is an action that changes nothing: it runs after the gate, right before the redeploy).
  Outcome Redeploy(const Step& step, MutationProtocol& protocol) {
    MutationSpec mutation;
    mutation.operation = std::string(kRedeployOperation);
    mutation.detail = spec_.placement.name;
    mutation.description = "the redeploy of the passive node " + spec_.placement.name;
    mutation.calls = DescribeRedeploy(spec_, management_);
    mutation.reason = step.reason;
    mutation.busy_retry = kBusyRetryAfter;
    const std::string pending =
        context_.DryRun() ? step.message + " (check, then redeploy)" : step.message;
    if (auto refused = protocol.Gate(mutation, pending)) return *refused;

    ports::VchaPort& vcha = *context_.Target().vcha;
    auto check = vcha.CheckPassive(MakeCheckSpec(spec_, vc_spec_));
    if (!check) return ToOutcome(JudgeCheckError(check.Error()), PollAfter());
    const Step checked = JudgeCheck(*check);
    if (checked.kind != Step::Kind::kRedeploy) return ToOutcome(checked, PollAfter());
    auto known = ListTaskIds(*context_.Target().tasks, RedeployTaskFilter());
    if (!known) return ReadFailure(known.Error());
    mutation.known_tasks = std::move(known).Value();

    const auto submitted = protocol.Submit(mutation, [&] {
      return SubmittedTask(vcha.RedeployPassive(MakeRedeploySpec(spec_, vc_spec_)));
    });
    if (submitted.outcome) return *submitted.outcome;
    switch (submitted.result) {
      case MutationProtocol::Result::kUnknown:
        return protocol.Unknown(mutation, *submitted.error);
      case MutationProtocol::Result::kRejected: {
        const Step judged = JudgeRedeployError(*submitted.error);
        if (judged.kind == Step::Kind::kFailed) {
          return protocol.Failed(judged.reason, judged.message);
        }
        return ToOutcome(judged, PollAfter());
      }
      case MutationProtocol::Result::kAccepted:
      case MutationProtocol::Result::kNotSubmitted:
        break;
    }
    return Outcome::RequeueAfter(NextPoll(Duration::zero()), reasons::kRedeployRunning,
                                 "redeploying the passive node " + spec_.placement.name +
                                     " (task " + submitted.task + "): " + step.message + "; " +
                                     checked.message);
  }

  /// When to look at the journaled redeploy again: on its own clock, from its start and the
  /// progress its task reports (just submitted when none is journaled).
  Duration PollAfter() const {
    if (!record_.in_flight) return NextPoll(Duration::zero());
    return NextPoll(
        std::chrono::duration_cast<Duration>(context_.Now() - record_.in_flight->started_at),
        progress_);
  }

  const manifests::VchaPassiveNodeSpec& spec_;
  Context& context_;
  ObjectRecord record_;
  std::optional<ManagementVcenter> management_;
  std::optional<ports::VchaCredentialsSpec> vc_spec_;
  std::optional<std::int64_t> progress_;
  std::map<std::string, std::string> details_;
};

}  // namespace

Outcome VchaPassiveNodeReconciler::Reconcile(Context& context) {
  const auto* spec = std::get_if<manifests::VchaPassiveNodeSpec>(&context.Object().spec);
  if (spec == nullptr) return KindMismatch(context.Object(), manifests::Kind::kVchaPassiveNode);
  return Pass(*spec, context).Run();
}

}  // namespace vsrd::reconcilers::vcha_passive_node
