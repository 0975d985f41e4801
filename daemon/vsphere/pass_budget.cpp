#include "daemon/vsphere/pass_budget.hpp"

namespace vsrd::daemon::vsphere {

namespace {

// One per thread: the deadline of the pass this thread is running.
thread_local std::optional<PassBudget::Clock::time_point> pass_deadline;

}  // namespace

PassBudget::PassBudget(std::chrono::milliseconds budget) : previous_(pass_deadline) {
  pass_deadline = Clock::now() + budget;
}

PassBudget::~PassBudget() { pass_deadline = previous_; }

std::optional<PassBudget::Clock::time_point> PassBudget::Deadline() { return pass_deadline; }

bool PassBudget::AllowsCall(std::chrono::milliseconds request_timeout) {
  if (!pass_deadline) return true;
  return Clock::now() + request_timeout <= *pass_deadline;
}

}  // namespace vsrd::daemon::vsphere
