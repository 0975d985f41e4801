#include "reconcilers/appliance_update/version.hpp"

#include <algorithm>
#include <cctype>
#include <cstddef>
#include <optional>

namespace vsrd::reconcilers::appliance_update {
namespace {

bool IsNumber(std::string_view text) {
  return !text.empty() && std::all_of(text.begin(), text.end(), [](char c) {
    return std::isdigit(static_cast<unsigned char>(c)) != 0;
  });
}

/// Compares two components: numerically when both are all digits (leading zeros dropped, then
/// the longer number is the larger), as text otherwise.
std::strong_ordering CompareComponents(std::string_view left, std::string_view right) {
  if (IsNumber(left) && IsNumber(right)) {
    const auto trim = [](std::string_view number) {
      const std::size_t first = number.find_first_not_of('0');
      return first == std::string_view::npos ? std::string_view() : number.substr(first);
    };
    left = trim(left);
    right = trim(right);
    if (left.size() != right.size()) return left.size() <=> right.size();
  }
  return left.compare(right) <=> 0;
}

/// Takes the next '.'-separated component off the front of `rest` ("0" once it is empty).
std::string_view NextComponent(std::string_view& rest) {
  if (rest.empty()) return "0";
  const std::size_t dot = rest.find('.');
  const std::string_view component = rest.substr(0, dot);
  rest = dot == std::string_view::npos ? std::string_view() : rest.substr(dot + 1);
  return component;
}

struct Parts {
  std::string_view dotted;
  std::optional<std::string_view> build;
};

Parts Split(std::string_view version) {
  const std::size_t dash = version.find('-');
  if (dash == std::string_view::npos) return {version, std::nullopt};
  return {version.substr(0, dash), version.substr(dash + 1)};
}

}  // namespace

std::strong_ordering CompareVersions(std::string_view left, std::string_view right) {
  const Parts a = Split(left);
  const Parts b = Split(right);
  std::string_view rest_a = a.dotted;
  std::string_view rest_b = b.dotted;
  while (!rest_a.empty() || !rest_b.empty()) {
    const auto order = CompareComponents(NextComponent(rest_a), NextComponent(rest_b));
    if (order != std::strong_ordering::equal) return order;
  }
  if (a.build && b.build) return CompareComponents(*a.build, *b.build);
  return std::strong_ordering::equal;
}

}  // namespace vsrd::reconcilers::appliance_update
