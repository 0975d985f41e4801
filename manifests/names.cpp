#include "manifests/names.hpp"

#include <algorithm>
#include <cctype>
#include <vector>

namespace vsrd::manifests {
namespace {

bool IsLowerAlnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }

char Lower(char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); }

// Optimal string alignment distance (Levenshtein plus adjacent transpositions), case-insensitive.
// One flat (n+1) x (m+1) table: ClosestMatch calls it only for strings whose lengths differ by
// at most 3, and candidates are field and enum names, so the table stays small however long the
// input is.
std::size_t EditDistance(std::string_view a, std::string_view b) {
  const std::size_t n = a.size();
  const std::size_t m = b.size();
  const std::size_t width = m + 1;
  std::vector<std::size_t> d((n + 1) * width);
  const auto at = [&](std::size_t i, std::size_t j) -> std::size_t& { return d[i * width + j]; };
  for (std::size_t i = 0; i <= n; ++i) at(i, 0) = i;
  for (std::size_t j = 0; j <= m; ++j) at(0, j) = j;
  for (std::size_t i = 1; i <= n; ++i) {
    for (std::size_t j = 1; j <= m; ++j) {
      const std::size_t cost = Lower(a[i - 1]) == Lower(b[j - 1]) ? 0 : 1;
      at(i, j) = std::min({at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost});
      if (i > 1 && j > 1 && Lower(a[i - 1]) == Lower(b[j - 2]) &&
          Lower(a[i - 2]) == Lower(b[j - 1])) {
        at(i, j) = std::min(at(i, j), at(i - 2, j - 2) + 1);
      }
    }
  }
  return at(n, m);
}

}  // namespace

bool IsDns1123Label(std::string_view text) {
  if (text.empty() || text.size() > 63) return false;
  if (!IsLowerAlnum(text.front()) || !IsLowerAlnum(text.back())) return false;
  return std::all_of(text.begin(), text.end(), [](char c) { return IsLowerAlnum(c) || c == '-'; });
}

std::optional<std::string> ClosestMatch(std::string_view input,
                                        std::span<const std::string_view> candidates) {
  const std::size_t limit = std::min<std::size_t>(3, std::max<std::size_t>(1, input.size() / 3));
  std::optional<std::string_view> best;
  std::size_t best_distance = limit + 1;
  bool tie = false;
  for (const auto candidate : candidates) {
    // The distance is at least the difference in length: a candidate that cannot be within the
    // limit is not compared, so a hostile value megabytes long (an enum field, a config key)
    // costs nothing here (it cost O(length x candidate) time and memory: 0.5 GB for 1 MiB).
    const std::size_t longer = std::max(input.size(), candidate.size());
    const std::size_t shorter = std::min(input.size(), candidate.size());
    if (longer - shorter > limit) continue;
    const std::size_t distance = EditDistance(input, candidate);
    if (distance < best_distance) {
      best = candidate;
      best_distance = distance;
      tie = false;
    } else if (distance == best_distance) {
      tie = true;
    }
  }
  if (!best || tie) return std::nullopt;
  return std::string(*best);
}

}  // namespace vsrd::manifests
