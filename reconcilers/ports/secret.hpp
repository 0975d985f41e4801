#pragma once

#include <cstddef>
#include <string>
#include <utility>

// A secret value (a password) carried through the ports. It has no stream operator and no
// implicit conversion, so it cannot end up in a log line, status or plan by accident: the one
// way out is Reveal(), used only where the wire needs it. The buffer is wiped on destruction.

namespace vsrd::reconcilers::ports {

class Secret {
 public:
  Secret() = default;
  explicit Secret(std::string value) : value_(std::move(value)) {}
  Secret(const Secret&) = default;
  Secret(Secret&& other) noexcept : value_(std::move(other.value_)) { other.Wipe(); }
  Secret& operator=(const Secret& other) {
    if (this != &other) {
      Wipe();
      value_ = other.value_;
    }
    return *this;
  }
  Secret& operator=(Secret&& other) noexcept {
    if (this != &other) {
      Wipe();
      value_ = std::move(other.value_);
      other.Wipe();
    }
    return *this;
  }
  ~Secret() { Wipe(); }

  /// The plain value; only for the one place that puts it on the wire.
  const std::string& Reveal() const { return value_; }
  bool Empty() const { return value_.empty(); }

  /// What plan output, status and logs show instead of the value.
  static constexpr const char* kRedacted = "(sensitive)";

 private:
  void Wipe() {
    volatile char* bytes = value_.data();
    // capacity, not size: a moved-from or shortened string keeps old bytes in its buffer.
    for (std::size_t i = 0; i < value_.capacity(); ++i) bytes[i] = 0;
    value_.clear();
  }

  std::string value_;
};

}  // namespace vsrd::reconcilers::ports
