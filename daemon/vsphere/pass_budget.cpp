#include "daemon/vsphere/pass_budget.hpp"

namespace vsrd::daemon::vsphere {

namespace {

// One per thread: the deadline and priority of the pass this thread is running.
thread_local std::optional<PassBudget::Clock::time_point> pass_deadline;
thread_local reconcilers::Priority pass_priority = reconcilers::Priority::kChange;

}  // namespace

PassBudget::PassBudget(std::chrono::milliseconds budget, reconcilers::Priority priority)
    : previous_(pass_deadline), previous_priority_(pass_priority) {
  pass_deadline = Clock::now() + budget;
  pass_priority = priority;
}

PassBudget::~PassBudget() {
  pass_deadline = previous_;
  pass_priority = previous_priority_;
}

reconcilers::Priority PassBudget::CurrentPriority() { return pass_priority; }

std::optional<PassBudget::Clock::time_point> PassBudget::Deadline() { return pass_deadline; }

bool PassBudget::AllowsCall(std::chrono::milliseconds request_timeout) {
  if (!pass_deadline) return true;
  return Clock::now() + request_timeout <= *pass_deadline;
}

}  // namespace vsrd::daemon::vsphere
