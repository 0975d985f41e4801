#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "simulator/clock.hpp"
#include "simulator/http.hpp"
#include "simulator/router.hpp"

namespace vsrd::simulator {

/// One simulated API endpoint (a vCenter or an update-manager appliance) with its own state.
/// Not thread-safe: the Simulator calls every method with its lock held.
class Persona {
 public:
  Persona(std::string name, std::string listen)
      : name_(std::move(name)), listen_(std::move(listen)) {}
  virtual ~Persona() = default;
  Persona(const Persona&) = delete;
  Persona& operator=(const Persona&) = delete;

  const std::string& Name() const { return name_; }
  /// "127.0.0.1:8443": where vsrd-sim serves this persona.
  const std::string& Listen() const { return listen_; }
  /// "vcenter" or "update-manager".
  virtual std::string_view Type() const = 0;

  /// Moves time-driven state (tasks, restarts) to `now`. Called before every request.
  virtual void Tick(TimePoint now) = 0;
  /// True while the persona is restarting: requests are refused (or answered 503), faults are
  /// not counted against them.
  virtual bool IsDown() const = 0;
  /// Answers one API request at simulated time `now`. Never throws.
  virtual Reply Handle(const Request& request, TimePoint now) = 0;
  /// The persona's routes, for logging by template and matching faults.
  virtual const Router& Routes() const = 0;

  /// The whole state as JSON, in the API's own shapes where there is one.
  virtual nlohmann::json DumpState() const = 0;
  /// Applies an RFC 7386 JSON merge patch to the state (tests set up situations with it).
  virtual void PatchState(const nlohmann::json& patch) = 0;
  /// Back to the scenario's initial state: no sessions, no tasks.
  virtual void Reset() = 0;

 private:
  std::string name_;
  std::string listen_;
};

}  // namespace vsrd::simulator
