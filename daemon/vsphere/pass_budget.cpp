#include "daemon/vsphere/pass_budget.hpp"

namespace vsrd::daemon::vsphere {

namespace {

// One per thread: the deadline and priority of the pass this thread is running.
thread_local std::optional<PassBudget::Clock::time_point> pass_deadline;
thread_local reconcilers::Priority pass_priority = reconcilers::Priority::kChange;
thread_local bool pass_answered = false;

}  // namespace

PassBudget::PassBudget(std::chrono::milliseconds budget, reconcilers::Priority priority)
    : previous_(pass_deadline),
      previous_priority_(pass_priority),
      previous_answered_(pass_answered) {
  pass_deadline = Clock::now() + budget;
  pass_priority = priority;
  pass_answered = false;
}

PassBudget::~PassBudget() {
  pass_deadline = previous_;
  pass_priority = previous_priority_;
  pass_answered = previous_answered_;
}

void PassBudget::NoteAnswered() {
  if (pass_deadline) pass_answered = true;
}

bool PassBudget::Answered() const { return pass_answered; }

reconcilers::Priority PassBudget::CurrentPriority() { return pass_priority; }

std::optional<PassBudget::Clock::time_point> PassBudget::Deadline() { return pass_deadline; }

bool PassBudget::AllowsCall(std::chrono::milliseconds request_timeout) {
  if (!pass_deadline) return true;
  return Clock::now() + request_timeout <= *pass_deadline;
}

}  // namespace vsrd::daemon::vsphere
