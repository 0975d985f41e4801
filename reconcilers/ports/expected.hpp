#pragma once

#include <type_traits>
#include <utility>
#include <variant>

// Expected<T, E>: a value or the error that prevented it (std::expected is C++23; vsrd builds
// as C++20). Every port operation returns one, so a caller cannot use a result without first
// looking at whether the call worked.

namespace vsrd::reconcilers::ports {

/// Wraps an error so that Expected<T, E> can be built from it even when T and E are alike.
template <class E>
struct Unexpected {
  E error;
};

template <class E>
Unexpected<std::decay_t<E>> MakeUnexpected(E&& error) {
  return Unexpected<std::decay_t<E>>{std::forward<E>(error)};
}

template <class T, class E>
class [[nodiscard]] Expected {
 public:
  Expected(T value) : state_(std::in_place_index<0>, std::move(value)) {}  // NOLINT: implicit
  Expected(Unexpected<E> error)                                            // NOLINT: implicit
      : state_(std::in_place_index<1>, std::move(error.error)) {}

  bool HasValue() const { return state_.index() == 0; }
  explicit operator bool() const { return HasValue(); }

  /// The value; precondition HasValue().
  T& Value() & { return std::get<0>(state_); }
  const T& Value() const& { return std::get<0>(state_); }
  T&& Value() && { return std::get<0>(std::move(state_)); }
  T& operator*() & { return Value(); }
  const T& operator*() const& { return Value(); }
  T* operator->() { return &Value(); }
  const T* operator->() const { return &Value(); }

  /// The error; precondition !HasValue().
  const E& Error() const& { return std::get<1>(state_); }
  E&& Error() && { return std::get<1>(std::move(state_)); }

 private:
  std::variant<T, E> state_;
};

/// Expected<void, E>: success, or the error.
template <class E>
class [[nodiscard]] Expected<void, E> {
 public:
  Expected() = default;
  Expected(Unexpected<E> error) : error_(std::move(error.error)), failed_(true) {}  // NOLINT

  bool HasValue() const { return !failed_; }
  explicit operator bool() const { return HasValue(); }
  const E& Error() const& { return error_; }
  E&& Error() && { return std::move(error_); }

 private:
  E error_{};
  bool failed_ = false;
};

}  // namespace vsrd::reconcilers::ports
