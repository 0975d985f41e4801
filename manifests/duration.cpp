#include "manifests/duration.hpp"

#include <array>
#include <cstdint>

namespace vsrd::manifests {
namespace {

struct Unit {
  std::string_view suffix;
  std::int64_t millis;
};

// Longest suffix first among those sharing a prefix ("ms" before "m"); rank = index order.
constexpr std::array<Unit, 5> kUnits{{
    {"d", 86'400'000},
    {"h", 3'600'000},
    {"m", 60'000},
    {"s", 1'000},
    {"ms", 1},
}};

constexpr std::int64_t kMaxMillis = 10LL * 366 * 86'400'000;

}  // namespace

std::optional<Duration> ParseDuration(std::string_view text) {
  if (text.empty()) return std::nullopt;
  std::int64_t total = 0;
  std::size_t last_rank = 0;
  bool first = true;
  std::size_t i = 0;
  while (i < text.size()) {
    std::int64_t value = 0;
    const std::size_t digits_start = i;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
      value = value * 10 + (text[i] - '0');
      if (value > kMaxMillis) return std::nullopt;
      ++i;
    }
    if (i == digits_start) return std::nullopt;
    std::size_t rank = kUnits.size();
    for (std::size_t u = 0; u < kUnits.size(); ++u) {
      const auto suffix = kUnits[u].suffix;
      if (text.substr(i, suffix.size()) != suffix) continue;
      // "m" must not swallow the "m" of "ms".
      if (suffix == "m" && text.substr(i, 2) == "ms") continue;
      rank = u;
      i += suffix.size();
      break;
    }
    if (rank == kUnits.size()) return std::nullopt;
    if (!first && rank <= last_rank) return std::nullopt;
    first = false;
    last_rank = rank;
    total += value * kUnits[rank].millis;
    if (total > kMaxMillis) return std::nullopt;
  }
  return Duration{total};
}

std::string FormatDuration(Duration duration) {
  std::int64_t remaining = duration.count();
  if (remaining == 0) return "0s";
  std::string out;
  if (remaining < 0) {
    out = "-";
    remaining = -remaining;
  }
  for (const auto& unit : kUnits) {
    const std::int64_t count = remaining / unit.millis;
    if (count == 0) continue;
    out += std::to_string(count);
    out += unit.suffix;
    remaining -= count * unit.millis;
  }
  return out;
}

}  // namespace vsrd::manifests
